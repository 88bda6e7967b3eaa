package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs every {@code examples/*.jsh} script in a real jshell on the built classes, so the examples
 * never rot: the script must finish, print no jshell error or exception, and print what its entry
 * below expects.
 */
@Slow
class ExamplesTest {

  /** Lines each example must print; every example must at least print a stats table. */
  private static final Map<String, List<String>> EXPECTED =
      Map.of(
          "hello-pipeline",
          List.of(
              "line 1: 4 words stages | connected | by | queues",
              "line 2: 6 words each | stage | with | its | own | threads",
              "line 3: 6 words backpressure | when | a | queue | is | full",
              "graph state after close: TERMINATED"),
          "routing",
          List.of(
              "dead letter from withdrawals: Withdraw[account=bob, cents=100]",
              "alice's balance: 7500 cents",
              "flowchart LR",
              "s4 -->|2| s3"),
          "blocking-io",
          List.of("20,000 calls of 10 ms in", "permits"),
          "batching",
          List.of("100,000 readings in", "100,000 rows in table reading (16 sensors)", "batchSize"),
          "overload",
          List.of(
              "offered  answered 200  answered 503   waiting",
              "responseTime(p90 target 50.0 ms)",
              "query rejected: OVERLOADED=",
              "the run as a picture ("),
          "shutdown",
          List.of("unprocessed event(s)", "(still queued)", "-> balanced: true"),
          "quickstart",
          List.of("billing order 1"));

  @TestFactory
  Stream<DynamicTest> everyExampleRuns() throws IOException {
    List<Path> scripts;
    try (Stream<Path> files = Files.list(Paths.get("examples"))) {
      scripts = files.filter(p -> p.toString().endsWith(".jsh")).sorted().toList();
    }
    assertThat(scripts).as("examples/*.jsh").isNotEmpty();
    return scripts.stream()
        .map(script -> DynamicTest.dynamicTest(script.getFileName().toString(), () -> run(script)));
  }

  private static void run(Path script) throws Exception {
    String name = script.getFileName().toString().replaceFirst("\\.jsh$", "");
    Path jshell = Paths.get(System.getProperty("java.home"), "bin", "jshell");
    assertThat(jshell).as("jshell of the JDK running the tests").isExecutable();

    List<String> command = new ArrayList<>();
    command.add(jshell.toString());
    command.add("--class-path");
    command.add(classPath());
    command.add("-R-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
    command.add(script.toString());
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectInput(File.createTempFile("empty", ".txt"))
            .start();
    boolean finished = process.waitFor(120, TimeUnit.SECONDS);
    if (!finished) {
      process.destroyForcibly();
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(finished).as("%s finished within 120 s; output:%n%s", name, output).isTrue();
    assertThat(process.exitValue()).as("exit code of %s; output:%n%s", name, output).isZero();
    assertThat(output)
        .as("jshell output of %s", name)
        .doesNotContain("Error:")
        .doesNotContain("|  Exception")
        .doesNotContain("Exception in thread")
        .contains("stage ")
        .contains("admitted");
    for (String line : EXPECTED.getOrDefault(name, List.of())) {
      assertThat(output).as("output of %s", name).contains(line);
    }
    if (name.equals("overload")) {
      checkOverloadAccounts(output);
    }
    // A picture an example wrote (Diagrams.svg of its history): an SVG with a box per stage.
    Matcher picture =
        Pattern.compile("as a picture \\(\\d+ snapshots\\): (\\S+\\.svg)").matcher(output);
    if (picture.find()) {
      Path svg = Paths.get(picture.group(1));
      try {
        String text = Files.readString(svg, StandardCharsets.UTF_8);
        assertThat(text).as("%s's picture", name).startsWith("<svg ").endsWith("</svg>\n");
        assertThat(text.split("<g class=\"stage\"", -1)).as("%s's picture", name).hasSize(3);
        assertThat(text).contains("data-series=\"rejected/s\"", "data-reason=\"OVERLOADED\"");
      } finally {
        Files.deleteIfExists(svg);
      }
    }
  }

  private static final Pattern SECOND =
      Pattern.compile(
          "(?m)^\\s*(\\d+)s\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+\\d+\\.\\d ms\\s+\\d+\\s+responseTime");
  private static final Pattern ACCOUNTED =
      Pattern.compile(
          "accounted: (\\d+) offered = (\\d+) answered 200 \\+ (\\d+) answered 503 \\+ (\\d+)"
              + " unanswered; the query stage counted (\\d+) admitted \\+ (\\d+) rejected");
  private static final Pattern VERDICT =
      Pattern.compile("(?m)^VERDICT S3 (\\S+) (MET|MISSED) measured=(.*) target(\\S+)$");

  /**
   * overload.jsh measures scenario S3 and judges it: its figures must add up and its verdicts must
   * follow from them. Whether the targets were met depends on the machine (a loaded one may miss
   * them, and the example says so); the test checks that what it prints is computed.
   */
  private static void checkOverloadAccounts(String output) {
    // A line a second: offered = answered 200 + answered 503 + waiting, seconds 1 to 11.
    long[][] seconds = new long[12][];
    Matcher line = SECOND.matcher(output);
    int lines = 0;
    while (line.find()) {
      int second = Integer.parseInt(line.group(1));
      assertThat(second).as("second of %s", line.group()).isBetween(1, 11);
      long[] f = new long[4];
      for (int i = 0; i < 4; i++) {
        f[i] = Long.parseLong(line.group(i + 2));
      }
      assertThat(f[0])
          .as("offered = 200 + 503 + waiting in: %s", line.group())
          .isEqualTo(f[1] + f[2] + f[3]);
      assertThat(f[0]).as("offered in %s", line.group()).isPositive();
      seconds[second] = f;
      lines++;
    }
    assertThat(lines).as("lines a second; output:%n%s", output).isEqualTo(11);
    long offered = 0;
    for (int s = 1; s <= 11; s++) {
      assertThat(seconds[s]).as("the line of second %d", s).isNotNull();
      offered += seconds[s][0];
    }
    // Every request accounted for, by the example and by the stage's own counts.
    Matcher acc = ACCOUNTED.matcher(output);
    assertThat(acc.find()).as("accounting line; output:%n%s", output).isTrue();
    long total = Long.parseLong(acc.group(1));
    long ok = Long.parseLong(acc.group(2));
    long shed = Long.parseLong(acc.group(3));
    long unanswered = Long.parseLong(acc.group(4));
    assertThat(total).as("offered, all seconds").isEqualTo(offered);
    assertThat(ok + shed + unanswered).as("answered or not").isEqualTo(total);
    assertThat(unanswered).as("unanswered once the graph is idle").isZero();
    assertThat(Long.parseLong(acc.group(5))).as("query admitted").isEqualTo(ok);
    assertThat(Long.parseLong(acc.group(6))).as("query rejected").isEqualTo(shed);
    // One verdict per S3 target, each following from its measurement.
    Map<String, String[]> verdicts = new java.util.HashMap<>();
    Matcher v = VERDICT.matcher(output);
    while (v.find()) {
      verdicts.put(v.group(1), new String[] {v.group(2), v.group(3), v.group(4)});
    }
    assertThat(verdicts)
        .as("S3 verdicts; output:%n%s", output)
        .containsOnlyKeys(
            "no-rejection-in-first-phase",
            "p90<=1.2*target-within-2s-of-step",
            "no-rejection-within-2s-after-fall");
    checkNoRejection(verdict(verdicts, "no-rejection-in-first-phase"), seconds, 1, 3);
    checkNoRejection(verdict(verdicts, "no-rejection-within-2s-after-fall"), seconds, 9, 10);
    String[] recovery = verdict(verdicts, "p90<=1.2*target-within-2s-of-step");
    Matcher after = Pattern.compile("^(\\d+\\.\\d\\d) s after the step").matcher(recovery[1]);
    if (after.find()) {
      double s = Double.parseDouble(after.group(1));
      assertThat(s).as("recovery: %s", recovery[1]).isBetween(0.0, 4.75);
      assertThat(s * 4).as("recovery in 250 ms bins: %s", recovery[1]).isEqualTo(Math.rint(s * 4));
      assertThat(recovery[0])
          .as("verdict for %s", recovery[1])
          .isEqualTo(s <= 2 ? "MET" : "MISSED");
    } else {
      assertThat(recovery[1]).startsWith("never");
      assertThat(recovery[0]).isEqualTo("MISSED");
    }
    assertThat(recovery[2]).isEqualTo("<=2s");
  }

  private static String[] verdict(Map<String, String[]> verdicts, String target) {
    return java.util.Objects.requireNonNull(verdicts.get(target), target);
  }

  /**
   * A no-rejection verdict: MET exactly when it counted none, and its count within what the lines
   * of seconds {@code from} to {@code to} (by arrival time) showed as 503 or still waiting.
   */
  private static void checkNoRejection(String[] verdict, long[][] seconds, int from, int to) {
    Matcher m = Pattern.compile("^(\\d+) rejections").matcher(verdict[1]);
    assertThat(m.find()).as("measured: %s", verdict[1]).isTrue();
    long n = Long.parseLong(m.group(1));
    assertThat(verdict[0]).as("verdict for %s", verdict[1]).isEqualTo(n == 0 ? "MET" : "MISSED");
    assertThat(verdict[2]).isEqualTo("=0");
    long shed = 0;
    long waiting = 0;
    for (int s = from; s <= to; s++) {
      shed += seconds[s][2];
      waiting += seconds[s][3];
    }
    assertThat(n)
        .as("rejections of seconds %d-%d: %s", from, to, verdict[1])
        .isBetween(shed, shed + waiting);
  }

  /**
   * The library's classes plus slf4j (api and the simple backend) and H2 (for the batching
   * example), as the tests see them.
   */
  private static String classPath() throws URISyntaxException, ClassNotFoundException {
    List<String> entries = new ArrayList<>();
    for (Class<?> c :
        List.of(
            StageGraph.class,
            org.slf4j.Logger.class,
            org.slf4j.simple.SimpleLogger.class,
            // By name: the tests' module does not read java.sql, which H2's classes need.
            Class.forName("org.h2.Driver", false, ExamplesTest.class.getClassLoader()))) {
      entries.add(
          Paths.get(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
    }
    return String.join(File.pathSeparator, entries);
  }
}
