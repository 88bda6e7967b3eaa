package org.seda4j.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.seda4j.lab.Machine;

/**
 * The benchmark suite of issue 4, in one command: seda4j side by side with its peers, every
 * contender on the same workload, in the same run, with the same JVM options; then a results table,
 * the CSV files and the SVG charts. From the repository root:
 *
 * <pre>
 *   src/jmh/run quick                  # every workload briefly (CI runs this): a few minutes
 *   src/jmh/run full                   # the published figures (about 25 minutes)
 *   src/jmh/run full pipe1 pipe3       # some parts only; then the report over every results file
 *   src/jmh/run report                 # only the table and charts, from the results files
 * </pre>
 *
 * ({@code src/jmh/run} builds target/bench/benchmarks.jar and runs {@code java -cp
 * target/bench/benchmarks.jar org.seda4j.bench.Suite ARGS}.) Parts: {@code pipe1}, {@code pipe3}
 * (workload 1), {@code fanout}, {@code diamond} (workload 2) — JMH {@link Throughput}; {@code
 * latency} (3), {@code blocking} (4), {@code memory} (5) — {@link Harness}, one JVM per contender.
 * Each part writes {@code PART.csv} (plus JMH's JSON for the throughput parts) in the output
 * directory ({@code --out DIR}; default src/jmh/results/suite for full, target/bench/suite-quick
 * for quick): every ratio of one table row comes from one part, i.e. one run. Then {@link Report}
 * reads every CSV file there.
 */
public final class Suite {
  static final List<String> PARTS =
      List.of("pipe1", "pipe3", "fanout", "diamond", "latency", "blocking", "memory", "others");

  private Suite() {}

  /**
   * Runs the suite.
   *
   * @param args {@code quick|full|report}, then parts (default: all), {@code --out DIR}
   * @throws Exception if any benchmark fails: a contender lost or duplicated an event, or broke
   */
  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: Suite quick|full|report [part...] [--out DIR]; parts: " + PARTS);
      System.exit(2);
    }
    String mode = args[0];
    List<String> parts = new ArrayList<>();
    Path out = null;
    for (int i = 1; i < args.length; i++) {
      if (args[i].equals("--out")) {
        out = Path.of(args[++i]);
      } else if (PARTS.contains(args[i])) {
        parts.add(args[i]);
      } else {
        throw new IllegalArgumentException("unknown part " + args[i] + "; parts: " + PARTS);
      }
    }
    if (out == null) {
      out = Path.of(mode.equals("quick") ? "target/bench/suite-quick" : "src/jmh/results/suite");
    }
    Files.createDirectories(out);
    if (!mode.equals("report")) {
      Plan plan = Plan.of(mode);
      if (parts.isEmpty()) {
        parts.addAll(PARTS);
        if (!mode.equals("quick")) {
          parts.remove("others"); // their figures have their own commands (docs/benchmarks.md)
        }
      }
      long start = System.nanoTime();
      for (String part : parts) {
        long t0 = System.nanoTime();
        if (part.equals("others")) {
          others(plan);
          continue;
        }
        List<String> rows =
            switch (part) {
              case "latency" -> latency(plan);
              case "blocking" -> blocking(plan);
              case "memory" -> memory(plan);
              default -> throughput(plan, part, out);
            };
        write(out.resolve(part + ".csv"), plan, part, rows);
        System.out.printf(
            Locale.ROOT,
            "%n== %s done in %.0f s; wrote %s%n",
            part,
            (System.nanoTime() - t0) / 1e9,
            out.resolve(part + ".csv"));
      }
      System.out.printf(
          Locale.ROOT, "%n== suite (%s) ran in %.0f s%n", mode, (System.nanoTime() - start) / 1e9);
    }
    Report.run(out);
  }

  // ------------------------------------------------------------------ workloads 1 and 2 (JMH)

  private static List<String> throughput(Plan plan, String part, Path out) throws Exception {
    Topology topology = Topology.valueOf(part.toUpperCase(Locale.ROOT));
    ChainedOptionsBuilder options =
        new OptionsBuilder()
            .include(java.util.regex.Pattern.quote(Throughput.class.getName() + ".events"))
            .param("topology", topology.name())
            .forks(plan.jmhForks())
            .warmupIterations(plan.jmhWarmups())
            .warmupTime(TimeValue.milliseconds(plan.jmhIterationMs()))
            .measurementIterations(plan.jmhIterations())
            .measurementTime(TimeValue.milliseconds(plan.jmhIterationMs()))
            .jvmArgs(Plan.JVM_ARGS.toArray(String[]::new))
            .shouldFailOnError(true)
            .resultFormat(ResultFormatType.JSON)
            .result(out.resolve(part + ".json").toString());
    List<String> names = new ArrayList<>();
    for (Contender c : Contender.values()) {
      names.add(c.name());
    }
    options.param("contender", names.toArray(String[]::new));
    Collection<RunResult> results = new Runner(options.build()).run();
    List<String> rows = new ArrayList<>();
    for (Contender c : Contender.values()) { // in the enum's order, whatever JMH's
      for (RunResult r : results) {
        if (r.getParams().getParam("contender").equals(c.name())) {
          rows.add(
              row(
                  "throughput",
                  topology.label(),
                  c.label(),
                  "throughput",
                  r.getPrimaryResult().getScore(),
                  r.getPrimaryResult().getScoreError(),
                  "events/s"));
        }
      }
    }
    if (rows.size() != Contender.values().length) {
      throw new IllegalStateException("JMH returned " + rows.size() + " results for " + part);
    }
    return rows;
  }

  // ------------------------------------------------------------------ workloads 3-5 (children)

  private static List<String> latency(Plan plan) throws Exception {
    List<String> rows = new ArrayList<>();
    for (Contender c : Contender.values()) {
      List<Double> capacity = new ArrayList<>();
      Map<String, Histogram> merged = new LinkedHashMap<>();
      Map<String, List<Double>> rates = new LinkedHashMap<>();
      for (int fork = 0; fork < plan.harnessForks(); fork++) {
        for (String line : harness("latency", c.name(), plan.name())) {
          String[] f = line.split(",", -1);
          if (f[0].equals("HIST")) {
            Histogram h =
                Histogram.decodeFromCompressedByteBuffer(
                    ByteBuffer.wrap(Base64.getDecoder().decode(f[3])), 0);
            merged.computeIfAbsent(f[1], k -> new Histogram(3)).add(h);
          } else if (f[4].equals("capacity")) {
            capacity.add(Double.parseDouble(f[5]));
          } else {
            rates
                .computeIfAbsent(f[2] + "," + f[4], k -> new ArrayList<>())
                .add(Double.parseDouble(f[5]));
          }
        }
      }
      rows.add(meanRow("latency", "pipe3", c.label(), "capacity", capacity, "events/s"));
      for (Map.Entry<String, List<Double>> e : rates.entrySet()) {
        String[] k = e.getKey().split(",", -1);
        rows.add(meanRow("latency", k[0], c.label(), k[1], e.getValue(), "events/s"));
      }
      for (Map.Entry<String, Histogram> e : merged.entrySet()) {
        Histogram h = e.getValue();
        for (double q : new double[] {50, 99, 99.9}) {
          rows.add(
              row(
                  "latency",
                  e.getKey(),
                  c.label(),
                  "p" + (q == 99.9 ? "99.9" : String.valueOf((int) q)),
                  h.getValueAtPercentile(q) / 1000.0,
                  0,
                  "us"));
        }
        rows.add(row("latency", e.getKey(), c.label(), "max", h.getMaxValue() / 1000.0, 0, "us"));
        rows.add(
            row(
                "latency",
                e.getKey(),
                c.label(),
                "count",
                (double) h.getTotalCount(),
                0,
                "events"));
      }
    }
    return rows;
  }

  private static List<String> blocking(Plan plan) throws Exception {
    List<String> rows = new ArrayList<>();
    for (String who : List.of("seda4j-default", "tpe-200", "vt-per-task")) {
      Map<String, List<Double>> values = new LinkedHashMap<>();
      for (int fork = 0; fork < plan.harnessForks(); fork++) {
        for (String line : harness("blocking", who, plan.name())) {
          String[] f = line.split(",", -1);
          values
              .computeIfAbsent(f[4] + "," + f[7], k -> new ArrayList<>())
              .add(Double.parseDouble(f[5]));
        }
      }
      for (Map.Entry<String, List<Double>> e : values.entrySet()) {
        String[] k = e.getKey().split(",", -1);
        rows.add(meanRow("blocking", "sleep10ms", who, k[0], e.getValue(), k[1]));
      }
    }
    return rows;
  }

  private static List<String> memory(Plan plan) throws Exception {
    List<String> rows = new ArrayList<>();
    for (Contender c :
        List.of(
            Contender.RAW,
            Contender.SEDA_BATCHED,
            Contender.THREAD_POOL,
            Contender.DISRUPTOR,
            Contender.JOX,
            Contender.CAMEL)) {
      rows.addAll(strip(harness("memory", "queued", c.name(), plan.name())));
    }
    for (Contender c :
        List.of(Contender.SEDA_DEFAULT, Contender.VT_SEMAPHORE, Contender.THREAD_POOL)) {
      rows.addAll(strip(harness("memory", "blocked", c.name(), plan.name())));
    }
    rows.addAll(strip(harness("stages", plan.name())));
    return rows;
  }

  /**
   * The project's other benchmarks, run briefly so they never rot (CI's quick mode): {@link
   * PipelineThroughput} and {@link ContextPropagationCost} (one case per benchmark method), {@link
   * ControllerScenarios} {@code quick} and {@link Conditioning} {@code quick} at 1 C and 4 C,
   * {@link Fairness} {@code quick}, {@link SideBySide} (each mode, 2 rounds). Their published
   * figures come from their own commands (docs/benchmarks.md), not from here.
   */
  private static void others(Plan plan) throws Exception {
    new Runner(
            new OptionsBuilder()
                .include(java.util.regex.Pattern.quote(PipelineThroughput.class.getName()) + ".*")
                .param("stages", "3")
                .param("batchSize", "64")
                .param("permits", "1")
                .param("threads", "virtual")
                .param("stats", "true")
                .forks(1)
                .warmupIterations(1)
                .warmupTime(TimeValue.milliseconds(plan.jmhIterationMs()))
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(plan.jmhIterationMs()))
                .jvmArgs(Plan.JVM_ARGS.toArray(String[]::new))
                .shouldFailOnError(true)
                .build())
        .run();
    new Runner(
            new OptionsBuilder()
                .include(
                    java.util.regex.Pattern.quote(ContextPropagationCost.class.getName()) + ".*")
                .param("batchSize", "64")
                .param("propagation", "otel-spans")
                .forks(1)
                .warmupIterations(1)
                .warmupTime(TimeValue.milliseconds(plan.jmhIterationMs()))
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(plan.jmhIterationMs()))
                .jvmArgs(Plan.JVM_ARGS.toArray(String[]::new))
                .shouldFailOnError(true)
                .build())
        .run();
    java(ControllerScenarios.class.getName(), "quick");
    java(Conditioning.class.getName(), "quick", "factors=1,4", "target/bench/conditioning-quick");
    java(Fairness.class.getName(), "quick");
    for (String mode : List.of("blocking", "heap", "pipe1")) {
      java(SideBySide.class.getName(), mode, "2");
    }
  }

  private static List<String> strip(List<String> lines) {
    List<String> rows = new ArrayList<>();
    for (String line : lines) {
      rows.add(line.substring("ROW,".length()));
    }
    return rows;
  }

  /**
   * Runs {@link Harness} in a new JVM with the suite's JVM options; returns its ROW/HIST lines and
   * echoes everything else it prints.
   */
  private static List<String> harness(String... args) throws IOException, InterruptedException {
    return java(Harness.class.getName(), args);
  }

  /** Runs {@code mainClass args} in a new JVM, as {@link #harness(String...)}. */
  private static List<String> java(String mainClass, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(Plan.JVM_ARGS);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    command.addAll(List.of(args));
    System.out.println("# " + String.join(" ", List.of(args)));
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    List<String> lines = new ArrayList<>();
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.startsWith("ROW,") || line.startsWith("HIST,")) {
          lines.add(line);
          if (line.startsWith("ROW,")) {
            System.out.println("  " + line.substring(4));
          }
        } else {
          System.out.println("  | " + line);
        }
      }
    }
    int exit = p.waitFor();
    if (exit != 0) {
      throw new IllegalStateException(
          "Harness " + String.join(" ", args) + " failed: exit " + exit);
    }
    return lines;
  }

  // ------------------------------------------------------------------ results files

  static String row(
      String workload,
      String scenario,
      String contender,
      String metric,
      double value,
      double error,
      String unit) {
    return String.format(
        Locale.ROOT,
        "%s,%s,%s,%s,%.6g,%.3g,%s",
        workload,
        scenario,
        contender,
        metric,
        value,
        Double.isNaN(error) ? 0 : error,
        unit);
  }

  /** Mean of the forks as the value, half their range as the error. */
  private static String meanRow(
      String workload, String scenario, String who, String metric, List<Double> v, String unit) {
    double sum = 0;
    double min = Double.MAX_VALUE;
    double max = -Double.MAX_VALUE;
    for (double x : v) {
      sum += x;
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    return row(workload, scenario, who, metric, sum / v.size(), (max - min) / 2, unit);
  }

  private static void write(Path file, Plan plan, String part, List<String> rows)
      throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add("# seda4j benchmark suite, part " + part + ", mode " + plan.name());
    lines.add("# command: src/jmh/run " + plan.name() + " " + part);
    lines.add("# date: " + Instant.now().truncatedTo(ChronoUnit.SECONDS));
    lines.add("# seda4j commit: engine (src/main) at " + Machine.engineCommit());
    lines.add("# jdk: " + Machine.jdk());
    lines.add("# machine: " + Machine.describe());
    lines.add("# plan: " + plan.describe());
    lines.add("workload,scenario,contender,metric,value,error,unit");
    lines.addAll(rows);
    Files.write(file, lines, StandardCharsets.UTF_8);
  }
}
