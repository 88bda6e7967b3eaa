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
              "answered 200/s",
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
