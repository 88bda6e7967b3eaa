package org.seda4j.lab;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.jar.JarFile;
import org.jspecify.annotations.Nullable;

/**
 * The scenario lab: does seda4j with its default controllers keep a service well-conditioned on
 * realistic load? Each scenario runs, in one JVM of its own and side by side: seda4j with default
 * settings (only a response-time target where the scenario has one), the best fixed seda4j
 * configuration of a small grid searched in the same run, and plain baselines; then it prints one
 * verdict line per target, computed from what it measured.
 *
 * <h2>Scenarios</h2>
 *
 * <ul>
 *   <li><b>S1 open loop</b>: Poisson arrivals at 0.25, 0.5, 0.8, 1, 1.25, 2 and 4 C on a service
 *       parse → work (a database of 8 connections × 10 ms, C ≈ 800 requests/s, measured first) →
 *       reply, a fresh service per load point. Response time from each request's intended arrival.
 *       Contenders: seda4j defaults + {@code admission(responseTime(50 ms))} + {@code onReject};
 *       the best of fixed permits 8 + a rejecting bounded queue (grid of capacities at 2 C); seda4j
 *       with BLOCK only; a virtual thread per request; a {@code ThreadPoolExecutor(8)} with a queue
 *       of 128 and {@code AbortPolicy}. Targets: goodput ≥ 0.95 C at every load ≥ C, admitted p90 ≤
 *       1.2 × 50 ms at every load, no rejection at all at ≤ 0.8 C.
 *   <li><b>S3 step and cold start</b>: the same service, fresh, 0.5 C for 3 s, 4 C for 5 s, 0.5 C
 *       for 3 s; offered/admitted/rejected per 100 ms and p90 per 250 ms, by arrival. Targets: no
 *       rejection in the first phase; p90 ≤ 1.2 × target again within 2 s of the step; no rejection
 *       of requests arriving within 2 s after the load falls.
 *   <li><b>S4 resource behind a stage</b>: (a) saturating closed-loop producers, 4 connections, 1
 *       ms + 20 µs per row, one call per batch ({@code batchHandler}) or per event ({@code
 *       handler}); (b) 2 ms per call whatever the batch, no connection limit, 100,000 events/s
 *       offered by a paced producer. Default controllers against a grid of fixed permits × batch
 *       sizes; calls in flight counted. Targets: default ≥ 0.9 × the best fixed throughput; ≤ 8
 *       calls in flight in (a), ≤ 16 in (b).
 *   <li><b>S5 shared CPU</b>: S1 at 2 C and S4 again while another process ({@link CpuHog}) keeps
 *       one core busy; the same targets against the best fixed configuration under the same
 *       contention.
 *   <li><b>S6 blocking handler, zero configuration</b>: 10 ms {@code Thread.sleep} handlers, 10,000
 *       outstanding, seda4j defaults against a virtual thread per task, throughput per 100 ms from
 *       the start. Target: ≥ 0.9 × the virtual threads within 2 s of the start, and after.
 * </ul>
 *
 * <h2>Running it</h2>
 *
 * <pre>
 *   src/jmh/lab quick                      # every scenario briefly (CI): about 2.5 minutes
 *   src/jmh/lab full                       # the published figures: about 14 minutes
 *   src/jmh/lab full S1 S4                 # some scenarios
 *   src/jmh/lab full --before old.jar      # before/after: each scenario with old.jar first on the
 *                                          # class path, then the current engine, alternately
 *   src/jmh/lab report                     # verdicts, charts, summary again from the CSV files
 * </pre>
 *
 * ({@code src/jmh/lab} builds target/bench/benchmarks.jar and runs {@code java -cp
 * target/bench/benchmarks.jar org.seda4j.lab.Lab ARGS}.) Options: {@code --out DIR} (default
 * src/jmh/results/lab for full, target/bench/lab-quick for quick), {@code --engine-label TEXT}
 * (written into every row and verdict; default: the engine jar's name if an old jar comes first on
 * the class path, else the last commit of src/main), {@code --before JAR} and {@code --before-label
 * TEXT} (compare mode: both engines' rows in one results set; twice as long). The old engine jar is
 * the library jar of the default build ({@code ./mvnw -B -q -DskipTests package}: {@code
 * target/seda4j-*.jar}, kept aside before the engine changes); running {@code java -cp
 * old.jar:target/bench/benchmarks.jar org.seda4j.lab.Lab ...} by hand does the same for one engine.
 * The lab uses only public API that the engine had when the lab was written (the graph and stage
 * builders, {@code AdmissionController.responseTime}, {@code FullQueuePolicy.reject}, {@code
 * StageSnapshot}), so an old engine runs it too.
 *
 * <h2>Outputs</h2>
 *
 * Each scenario runs in a child JVM ({@code -Xms2g -Xmx2g}) and writes {@code DIR/<scenario>.csv}
 * (raw rows, with the machine, JDK, engine, load average and the CPU other processes took in its
 * header). Then, from the CSV files present, {@code DIR/<scenario>.svg} (a chart), {@code
 * DIR/verdicts.txt} (every {@code VERDICT} line, also printed) and {@code DIR/summary.md} (a table
 * per scenario: contenders, key figures, verdicts). A missed target does not fail the run; an error
 * does (exit status 1).
 */
public final class Lab {

  static final Map<String, Scenario> SCENARIOS = new LinkedHashMap<>();

  static {
    for (Scenario s :
        List.of(
            new OpenLoopScenario(),
            new StepScenario(),
            new ResourceScenario(),
            new SharedCpuScenario(),
            new BlockingScenario())) {
      SCENARIOS.put(s.id(), s);
    }
  }

  /** An engine under test: its label and the jar put first on the class path (null: the lab's). */
  private record Engine(String label, @Nullable String jar) {}

  /** The parsed command line. */
  private record Options(
      String mode,
      List<String> scenarios,
      Path out,
      String label,
      @Nullable String before,
      String beforeLabel,
      boolean child,
      String command) {}

  private Lab() {}

  /**
   * Runs the lab.
   *
   * @param args {@code quick|full|report}, scenarios (default all), {@code --out DIR}, {@code
   *     --engine-label TEXT}, {@code --before JAR}, {@code --before-label TEXT}
   * @throws Exception if a scenario fails
   */
  public static void main(String[] args) throws Exception {
    Options o;
    try {
      o = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println(
          "usage: Lab quick|full|report [S1 S3 S4 S5 S6] [--out DIR] [--engine-label TEXT]"
              + " [--before JAR [--before-label TEXT]]");
      System.exit(2);
      return;
    }
    if (o.child()) {
      child(o);
      return;
    }
    Files.createDirectories(o.out());
    long start = System.nanoTime();
    if (!o.mode().equals("report")) {
      for (int i = 0; i < o.scenarios().size(); i++) {
        String id = o.scenarios().get(i);
        List<Engine> engines = new ArrayList<>();
        if (o.before() != null) {
          engines.add(new Engine(o.beforeLabel(), o.before()));
        }
        engines.add(new Engine(o.label(), null));
        if (i % 2 == 1) {
          engines = engines.reversed();
        }
        Table merged = new Table();
        for (Engine e : engines) {
          merged.addAll(spawn(o, id, e));
        }
        merged.write(o.out().resolve(id + ".csv"));
      }
      System.out.printf(
          Locale.ROOT,
          "%n== lab (%s) ran in %.0f s%n",
          o.mode(),
          (System.nanoTime() - start) / 1e9);
    }
    report(o.out(), o.command());
  }

  private static Options parse(String[] args) {
    if (args.length == 0 || !List.of("quick", "full", "report").contains(args[0])) {
      throw new IllegalArgumentException("the first argument must be quick, full or report");
    }
    String mode = args[0];
    List<String> scenarios = new ArrayList<>();
    Path out = null;
    String label = null;
    String before = null;
    String beforeLabel = null;
    boolean child = false;
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--out" -> out = Path.of(value(args, ++i, a));
        case "--engine-label" -> label = value(args, ++i, a);
        case "--before" -> before = value(args, ++i, a);
        case "--before-label" -> beforeLabel = value(args, ++i, a);
        case "--child" -> child = true;
        default -> {
          String id = a.toUpperCase(Locale.ROOT);
          if (!SCENARIOS.containsKey(id)) {
            throw new IllegalArgumentException(
                "unknown argument " + a + "; scenarios: " + SCENARIOS.keySet());
          }
          scenarios.add(id);
        }
      }
    }
    if (scenarios.isEmpty()) {
      scenarios.addAll(SCENARIOS.keySet());
    }
    if (out == null) {
      out = Path.of(mode.equals("quick") ? "target/bench/lab-quick" : "src/jmh/results/lab");
    }
    if (before != null) {
      checkEngineJar(Path.of(before));
    }
    if (label == null) {
      label = defaultLabel();
    }
    if (beforeLabel == null) {
      beforeLabel =
          before == null
              ? "before"
              : "before-" + Path.of(before).getFileName().toString().replaceAll("\\.jar$", "");
    }
    return new Options(
        mode,
        scenarios,
        out,
        label.replace(' ', '_'),
        before,
        beforeLabel.replace(' ', '_'),
        child,
        System.getProperty("lab.command", "org.seda4j.lab.Lab " + String.join(" ", args)));
  }

  /**
   * An old engine jar must hold the library only: lab classes in it (the bench profile's
   * target/bench/seda4j-*.jar has them) would replace this lab's.
   */
  private static void checkEngineJar(Path jar) {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalArgumentException("--before: no such file " + jar);
    }
    try (JarFile j = new JarFile(jar.toFile())) {
      if (j.getEntry("org/seda4j/StageGraph.class") == null) {
        throw new IllegalArgumentException("--before: " + jar + " holds no seda4j engine");
      }
      if (j.getEntry("org/seda4j/lab/Lab.class") != null) {
        throw new IllegalArgumentException(
            "--before: "
                + jar
                + " holds lab classes too; use the library jar of the default build"
                + " (./mvnw -B -q -DskipTests package: target/seda4j-*.jar)");
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("--before: cannot read " + jar + ": " + e, e);
    }
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }

  /** The engine jar's name if another jar supplies the engine, else the engine's last commit. */
  private static String defaultLabel() {
    if (Machine.foreignEngine()) {
      return Path.of(Machine.engineSource()).getFileName().toString().replaceAll("\\.jar$", "");
    }
    String commit = Machine.engineCommit();
    if (commit.equals("unknown")) {
      return "current";
    }
    return commit.split(" ", -1)[0] + (commit.contains("uncommitted") ? "+dirty" : "");
  }

  /** Runs one scenario for one engine in a child JVM and reads its rows. */
  private static Table spawn(Options o, String id, Engine e)
      throws IOException, InterruptedException {
    Path tmp = Files.createTempDirectory("seda4j-lab");
    try {
      String classPath = System.getProperty("java.class.path");
      if (e.jar() != null) {
        classPath = e.jar() + File.pathSeparator + classPath;
      }
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(LabPlan.JVM_ARGS);
      command.add("-Dlab.command=" + o.command());
      command.addAll(
          List.of(
              "-cp",
              classPath,
              Lab.class.getName(),
              o.mode(),
              id,
              "--child",
              "--engine-label",
              e.label(),
              "--out",
              tmp.toString()));
      System.out.printf(Locale.ROOT, "%n== %s, engine %s%n", id, e.label());
      Process p = new ProcessBuilder(command).inheritIO().start();
      int exit = p.waitFor();
      if (exit != 0) {
        throw new IllegalStateException(id + " (engine " + e.label() + ") failed: exit " + exit);
      }
      return Table.read(tmp.resolve(id + ".csv"));
    } finally {
      try (var files = Files.list(tmp)) {
        for (Path f : files.toList()) {
          Files.delete(f);
        }
      }
      Files.delete(tmp);
    }
  }

  /** Runs one scenario in this JVM and writes its CSV file (the child's side of {@link #spawn}). */
  private static void child(Options o) throws Exception {
    String id = o.scenarios().get(0);
    Scenario s = SCENARIOS.get(id);
    if (s == null) {
      throw new IllegalArgumentException(id);
    }
    Run run = new Run(LabPlan.of(o.mode()), id, o.label());
    Machine.CpuMeter meter = new Machine.CpuMeter();
    Table t = run.table();
    t.comment(
        "seda4j scenario lab: "
            + id
            + " ("
            + s.title()
            + "), mode "
            + o.mode()
            + ", engine "
            + o.label());
    t.comment("command: " + o.command());
    t.comment("date: " + Instant.now().truncatedTo(ChronoUnit.SECONDS));
    t.comment("jdk: " + Machine.jdk() + "; JVM options " + String.join(" ", LabPlan.JVM_ARGS));
    t.comment("machine: " + Machine.describe());
    t.comment(
        "engine "
            + o.label()
            + ": classes from "
            + Machine.engineSource()
            + (Machine.foreignEngine() ? "" : " (src/main at " + Machine.engineCommit() + ")"));
    t.comment("load average before (1, 5, 15 min): " + Machine.loadAverage());
    long start = System.nanoTime();
    s.run(run);
    t.comment(
        "engine "
            + o.label()
            + ": "
            + meter.describe(run.helpers(), run.helperSeconds())
            + String.format(Locale.ROOT, "; ran %.0f s", (System.nanoTime() - start) / 1e9));
    Files.createDirectories(o.out());
    t.write(o.out().resolve(id + ".csv"));
    System.out.flush();
    System.exit(0); // no stray non-daemon thread may keep the JVM alive
  }

  /** Verdicts, charts and the summary from every scenario's CSV file in {@code out}. */
  static void report(Path out, String command) throws IOException {
    List<Verdict> all = new ArrayList<>();
    StringBuilder sections = new StringBuilder();
    for (Scenario s : SCENARIOS.values()) {
      Path csv = out.resolve(s.id() + ".csv");
      if (!Files.exists(csv)) {
        continue;
      }
      Table t = Table.read(csv);
      List<Verdict> verdicts = new ArrayList<>();
      for (String engine : t.distinct("engine")) {
        verdicts.addAll(s.verdicts(t.rows(r -> r.is("engine", engine)), engine));
      }
      all.addAll(verdicts);
      Files.writeString(out.resolve(s.id() + ".svg"), s.chart(t), StandardCharsets.UTF_8);
      sections.append(section(s, t, verdicts));
    }
    StringBuilder lines = new StringBuilder();
    for (Verdict v : all) {
      lines.append(v.line()).append('\n');
    }
    Files.writeString(out.resolve("verdicts.txt"), lines, StandardCharsets.UTF_8);
    String summary =
        "# seda4j scenario lab: results\n\n"
            + "Written by `"
            + command
            + "` at "
            + Instant.now().truncatedTo(ChronoUnit.SECONDS)
            + " from the CSV files of this directory (each scenario's header says when and where it"
            + " ran, and whether the machine was shared). What the scenarios are: `docs/lab.md`.\n\n"
            + "## Verdicts\n\n```\n"
            + lines
            + "```\n\n"
            + sections;
    Files.writeString(out.resolve("summary.md"), summary, StandardCharsets.UTF_8);
    System.out.println();
    System.out.print(lines);
    System.out.println("wrote " + out.resolve("summary.md") + ", verdicts.txt and the charts");
  }

  private static String section(Scenario s, Table t, List<Verdict> verdicts) {
    StringBuilder md = new StringBuilder();
    md.append("## ").append(s.id()).append(": ").append(s.title()).append("\n\n");
    md.append(s.description()).append("\n\n");
    md.append("Run:\n\n");
    for (String c : t.comments()) {
      md.append("- ").append(c).append('\n');
    }
    md.append('\n').append(s.summary(t)).append('\n');
    List<List<String>> v = new ArrayList<>();
    for (Verdict x : verdicts) {
      v.add(
          List.of(
              x.part(),
              "`" + x.target() + "`",
              x.engine(),
              x.met() ? "**MET**" : "**MISSED**",
              x.measured(),
              "`" + x.goal() + "`"));
    }
    md.append(
        Markdown.table(List.of("part", "target", "engine", "verdict", "measured", "goal"), v));
    md.append("\n![").append(s.id()).append("](").append(s.id()).append(".svg)\n\n");
    return md.toString();
  }
}
