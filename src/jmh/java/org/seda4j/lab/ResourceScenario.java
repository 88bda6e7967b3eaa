package org.seda4j.lab;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.jspecify.annotations.Nullable;
import org.seda4j.Stage;
import org.seda4j.StageGraph;
import org.seda4j.observe.StageSnapshot;

/**
 * S4, a resource behind a stage: (a) under saturating closed-loop producers, 4 connections whose
 * call costs 1 ms + 20 µs per row, called once per batch by a batch handler or once per event by a
 * per-event handler; (b) a call of 2 ms whatever the batch size, no connection limit, 100,000
 * events/s offered by a paced producer (saturating producers would measure the engine's hand-off,
 * not whether batching carries the load). The default controllers against a grid of fixed permits ×
 * batch sizes, and the calls in flight. Also S5's resource parts under a CPU hog.
 */
final class ResourceScenario extends Scenario {

  /**
   * One resource and handler shape.
   *
   * @param name its name in the results
   * @param title what it is
   * @param connections the pool's size, 0 for none
   * @param base the cost of a call
   * @param perRow the cost of each row
   * @param batch whether a batch handler makes one call per batch (else one call per event)
   * @param maxInFlight the target: at most this many calls in flight
   * @param offeredPerSecond 0 for saturating closed-loop producers; else the rate of a paced
   *     producer (events per second)
   */
  record Part(
      String name,
      String title,
      int connections,
      Duration base,
      Duration perRow,
      boolean batch,
      int maxInFlight,
      double offeredPerSecond) {}

  /** S4b's offered rate: batch size 1 would need 200 calls in flight, batch 13 with 16 carry it. */
  static final double S4B_OFFERED = 100_000;

  static final int PACED_CHUNK = 10;

  static final List<Part> PARTS =
      List.of(
          new Part(
              "S4a-batch",
              "4 connections, 1 ms + 20 µs per row, one call per batch",
              4,
              Duration.ofMillis(1),
              Duration.ofNanos(20_000),
              true,
              8,
              0),
          new Part(
              "S4a-event",
              "4 connections, 1 ms + 20 µs per row, one call per event",
              4,
              Duration.ofMillis(1),
              Duration.ofNanos(20_000),
              false,
              8,
              0),
          new Part(
              "S4b",
              "no connection limit, 2 ms per call whatever the batch size, 100,000 events/s offered",
              0,
              Duration.ofMillis(2),
              Duration.ZERO,
              true,
              16,
              S4B_OFFERED));

  static final int PRODUCERS = 4;
  static final double RATIO_TARGET = 0.9;
  static final int TPE_QUEUE = 1024;

  ResourceScenario() {
    super(
        "S4",
        "a resource behind a stage",
        "A stage (default capacity 1,024) that calls a resource: (S4a-batch) 4 connections"
            + " (`Semaphore(4)`), a call costs 1 ms + 20 µs per row, one call per batch; (S4a-event)"
            + " the same resource, one call per event; both under saturating closed-loop producers (4"
            + " virtual threads calling `put` in a loop). (S4b) a call costs 2 ms whatever the batch"
            + " size, no connection limit, 100,000 events/s offered by a paced producer (`putAll` of"
            + " 10 every 100 µs; batch size 1 would need 200 calls in flight). Throughput (events/s)"
            + " over a window"
            + " after a warm-up (the default controllers get a longer warm-up: they search first);"
            + " calls in flight counted around each call, waiting for a connection included. Best"
            + " fixed: the highest throughput of a grid of permits × batch sizes. Targets"
            + " (seda4j-default): ≥ 0.9 × the best fixed throughput; at most 2 N = 8 calls in flight in"
            + " (a), at most 16 in (b).");
  }

  @Override
  void run(Run run) throws InterruptedException {
    for (Part part : PARTS) {
      runPart(run, part.name(), part);
    }
  }

  /** The grid, the default controllers and (per-event handler) a thread pool, for one part. */
  static void runPart(Run run, String label, Part part) throws InterruptedException {
    for (int permits : run.plan().gridPermits()) {
      for (int batch : part.batch() ? run.plan().gridBatches() : run.plan().eventBatches()) {
        measure(run, label, part, permits, batch);
      }
    }
    measure(run, label, part, 0, 0);
    if (!part.batch()) {
      threadPool(run, label, part);
    }
  }

  /** The throughput of a window after a warm-up, and the most permits seen (every 100 ms). */
  private record Measured(double throughput, int maxPermits) {}

  private static Measured window(
      Resource res, ClosedLoop loop, double warmup, double window, IntSupplier permits) {
    long start = System.nanoTime();
    long from = start + (long) (warmup * 1e9);
    long to = from + (long) (window * 1e9);
    res.measure(from, to);
    int maxPermits = permits.getAsInt();
    long c0 = -1;
    long measuredFrom = from;
    for (long t = start + 100_000_000L; ; t = Math.min(t + 100_000_000L, to)) {
      if (c0 < 0 && t >= from) {
        Run.sleepUntil(from);
        c0 = loop.completed();
        measuredFrom = System.nanoTime();
      }
      Run.sleepUntil(t);
      maxPermits = Math.max(maxPermits, permits.getAsInt());
      if (t >= to) {
        break;
      }
    }
    long c1 = loop.completed();
    double seconds = (System.nanoTime() - measuredFrom) / 1e9;
    return new Measured((c1 - c0) / seconds, maxPermits);
  }

  /** One seda4j run: fixed permits and batch size, or (permits 0) the default controllers. */
  private static void measure(Run run, String label, Part part, int permits, int batch)
      throws InterruptedException {
    boolean fixed = permits > 0;
    double warmup = fixed ? run.plan().gridWarmupSeconds() : run.plan().defaultWarmupSeconds();
    double window = fixed ? run.plan().gridWindowSeconds() : run.plan().defaultWindowSeconds();
    Resource res = new Resource(part.connections(), part.base(), part.perRow());
    ClosedLoop loop = new ClosedLoop(0);
    Measured m;
    StageSnapshot end;
    StageGraph graph = StageGraph.builder("lab-" + part.name()).jmx(false).open();
    try {
      Stage.Builder<Long> b = graph.stage("call", Long.class);
      if (fixed) {
        b.permits(permits).batchSize(batch);
      }
      Stage<Long> stage =
          part.batch()
              ? b.batchHandler(
                  (events, ctx) -> {
                    res.call(events.size());
                    loop.done(events.size());
                  })
              : b.handler(
                  (e, ctx) -> {
                    res.call(1);
                    loop.done(1);
                  });
      if (part.offeredPerSecond() > 0) {
        List<Long> chunk = new ArrayList<>(PACED_CHUNK);
        for (long i = 0; i < PACED_CHUNK; i++) {
          chunk.add(i);
        }
        loop.startPaced(
            Thread.ofPlatform().daemon().name("producer"),
            part.offeredPerSecond(),
            PACED_CHUNK,
            n -> stage.putAll(chunk));
      } else {
        loop.start(Thread.ofVirtual().name("producer-", 0), PRODUCERS, n -> stage.put(n));
      }
      m = window(res, loop, warmup, window, stage::permits);
      end = stage.snapshot();
      loop.stop();
    } finally {
      graph.shutdownNow();
    }
    Table.Row row =
        row(
            run,
            label,
            fixed ? "grid" : "default",
            fixed ? "seda4j-fixed" : "seda4j-default",
            fixed ? "permits " + permits + ", batch " + batch : "defaults",
            res,
            m,
            warmup,
            window);
    if (fixed) {
      row.put("permits_cfg", permits).put("batch_cfg", batch);
    }
    Run.stage(row, end);
    run.log(
        "%s %-14s %-22s %,10.0f events/s; calls in flight max %d, mean %.1f; permits %d (max %d),"
            + " batch %d",
        label,
        fixed ? "seda4j-fixed" : "seda4j-default",
        row.get("config"),
        m.throughput(),
        res.maxInFlight(),
        res.meanInFlight(),
        end.handlers().permits(),
        m.maxPermits(),
        end.handlers().batchSize());
  }

  /** A thread pool of the connections' size, one call per event, a bounded queue. */
  private static void threadPool(Run run, String label, Part part) throws InterruptedException {
    Resource res = new Resource(part.connections(), part.base(), part.perRow());
    ClosedLoop loop = new ClosedLoop(TPE_QUEUE); // the queue never overflows
    ThreadPoolExecutor exec =
        new ThreadPoolExecutor(
            part.connections(),
            part.connections(),
            1,
            TimeUnit.MINUTES,
            new ArrayBlockingQueue<>(TPE_QUEUE));
    Measured m;
    try {
      loop.start(
          Thread.ofVirtual().name("producer-", 0),
          PRODUCERS,
          n ->
              exec.execute(
                  () -> {
                    try {
                      res.call(1);
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    } finally {
                      loop.done(1);
                    }
                  }));
      m =
          window(
              res,
              loop,
              run.plan().gridWarmupSeconds(),
              run.plan().gridWindowSeconds(),
              part::connections);
      loop.stop();
    } finally {
      exec.shutdownNow();
      exec.awaitTermination(10, TimeUnit.SECONDS);
    }
    String name = "tpe-" + part.connections();
    row(
        run,
        label,
        "baseline",
        name,
        "ThreadPoolExecutor(" + part.connections() + "), queue 1024, one call per event",
        res,
        m,
        run.plan().gridWarmupSeconds(),
        run.plan().gridWindowSeconds());
    run.log("%s %-14s %,10.0f events/s", label, name, m.throughput());
  }

  private static Table.Row row(
      Run run,
      String label,
      String role,
      String contender,
      String config,
      Resource res,
      Measured m,
      double warmup,
      double window) {
    double calls = res.callsInWindow() / window;
    return run.row(label)
        .put("role", role)
        .put("contender", contender)
        .put("config", config)
        .put("throughput_per_s", m.throughput(), 0)
        .put("calls_per_s", calls, 0)
        .put("rows_per_call", calls == 0 ? 0 : m.throughput() / calls, 1)
        .put("inflight_max", res.maxInFlight())
        .put("inflight_mean", res.meanInFlight(), 2)
        .put("permits_max", m.maxPermits())
        .put("warmup_s", warmup, 1)
        .put("window_s", window, 1);
  }

  private static Part part(String label) {
    return PARTS.stream().filter(p -> label.endsWith(p.name())).findFirst().orElseThrow();
  }

  /** The parts of these rows that are resource parts. */
  private static List<String> labels(List<Table.Row> rows) {
    return rows.stream()
        .filter(r -> !r.get("throughput_per_s").isEmpty())
        .map(r -> r.get("part"))
        .distinct()
        .toList();
  }

  private static Table.@Nullable Row bestFixed(List<Table.Row> rows) {
    return rows.stream()
        .filter(r -> r.is("role", "grid"))
        .max(Comparator.comparingDouble(r -> r.number("throughput_per_s")))
        .orElse(null);
  }

  @Override
  List<Verdict> verdicts(List<Table.Row> rows, String engine) {
    return verdictsOf(rows, engine);
  }

  /** Two verdicts per resource part found in the rows of one engine. */
  static List<Verdict> verdictsOf(List<Table.Row> all, String engine) {
    List<Verdict> out = new ArrayList<>();
    for (String label : labels(all)) {
      List<Table.Row> rows = all.stream().filter(r -> r.is("part", label)).toList();
      Part part = part(label);
      Table.Row d = Table.first(rows, r -> r.is("role", "default"));
      Table.Row best = bestFixed(rows);
      if (d == null || best == null) {
        continue;
      }
      double ratio = d.number("throughput_per_s") / best.number("throughput_per_s");
      out.add(
          new Verdict(
              label,
              "default>=0.9*best-fixed",
              ratio >= RATIO_TARGET,
              String.format(
                  Locale.ROOT,
                  "%.2f (default %s/s vs best fixed p=%s b=%s %s/s)",
                  ratio,
                  Markdown.count(d.number("throughput_per_s")),
                  best.get("permits_cfg"),
                  best.get("batch_cfg"),
                  Markdown.count(best.number("throughput_per_s"))),
              ">=0.9",
              engine));
      int max = (int) d.number("inflight_max");
      out.add(
          new Verdict(
              label,
              "calls-in-flight<=" + part.maxInFlight(),
              max <= part.maxInFlight(),
              String.format(
                  Locale.ROOT,
                  "max %d (time-mean %.1f; at the end permits %s, batch %s; max permits seen %s)",
                  max,
                  d.number("inflight_mean"),
                  d.get("permits_end"),
                  d.get("batch_end"),
                  d.get("permits_max")),
              "<=" + part.maxInFlight(),
              engine));
    }
    return out;
  }

  @Override
  String chart(Table rows) {
    return Grid.render(
        "S4 a resource behind a stage: events/s of fixed permits x batch sizes and of the defaults"
            + " (framed; shade: fraction of the best)",
        heatMaps(rows.rows()));
  }

  /** A heat map per resource part and engine. */
  static List<Grid.Block> heatMaps(List<Table.Row> all) {
    List<Grid.Block> blocks = new ArrayList<>();
    for (String label : labels(all)) {
      for (String engine : all.stream().map(r -> r.get("engine")).distinct().toList()) {
        List<Table.Row> rows =
            all.stream().filter(r -> r.is("part", label) && r.is("engine", engine)).toList();
        if (!rows.isEmpty()) {
          blocks.add(heatMap(label, engine, rows));
        }
      }
    }
    return blocks;
  }

  private static Grid.Block heatMap(String label, String engine, List<Table.Row> rows) {
    List<Table.Row> grid = rows.stream().filter(r -> r.is("role", "grid")).toList();
    List<Integer> permits =
        grid.stream().map(r -> (int) r.number("permits_cfg")).distinct().sorted().toList();
    List<Integer> batches =
        grid.stream().map(r -> (int) r.number("batch_cfg")).distinct().sorted().toList();
    Table.Row best = bestFixed(rows);
    Table.Row d = Table.first(rows, r -> r.is("role", "default"));
    double top = best == null ? 1 : best.number("throughput_per_s");
    List<List<Grid.Cell>> cells = new ArrayList<>();
    for (int pi = 0; pi < permits.size(); pi++) {
      List<Grid.Cell> line = new ArrayList<>();
      for (int bi = 0; bi < batches.size(); bi++) {
        int p = permits.get(pi);
        int b = batches.get(bi);
        Table.Row r =
            grid.stream()
                .filter(x -> x.number("permits_cfg") == p && x.number("batch_cfg") == b)
                .findFirst()
                .orElse(null);
        double v = r == null ? Double.NaN : r.number("throughput_per_s");
        line.add(
            new Grid.Cell(Double.isNaN(v) ? "" : LineChart.format(v), Grid.shade(v / top), false));
      }
      cells.add(line);
    }
    List<String> rowLabels = new ArrayList<>(permits.stream().map(String::valueOf).toList());
    if (d != null) {
      double v = d.number("throughput_per_s");
      rowLabels.add("default: p " + d.get("permits_end") + ", b " + d.get("batch_end"));
      cells.add(List.of(new Grid.Cell(LineChart.format(v), Grid.shade(v / top), true)));
    }
    List<String> notes = new ArrayList<>();
    Part part = part(label);
    if (d != null && best != null) {
      notes.add(
          String.format(
              Locale.ROOT,
              "default: %s/s = %.2f x best fixed (permits %s, batch %s: %s/s); calls in flight max"
                  + " %s, mean %s (target <= %d)",
              LineChart.format(d.number("throughput_per_s")),
              d.number("throughput_per_s") / top,
              best.get("permits_cfg"),
              best.get("batch_cfg"),
              LineChart.format(top),
              d.get("inflight_max"),
              Markdown.fixed(d.number("inflight_mean"), 1),
              part.maxInFlight()));
      notes.add(
          "default at the end: permits "
              + d.get("permits_end")
              + " (max seen "
              + d.get("permits_max")
              + "), batch "
              + d.get("batch_end"));
      notes.add(abbreviate("concurrency: " + d.get("concurrency_decision")));
      notes.add(abbreviate("batching: " + d.get("batch_decision")));
    }
    for (Table.Row r : rows.stream().filter(r -> r.is("role", "baseline")).toList()) {
      notes.add(r.get("contender") + ": " + LineChart.format(r.number("throughput_per_s")) + "/s");
    }
    return new Grid.Block(
        label + " [" + engine + "]: " + part.title(),
        "permits \\ batch",
        batches.stream().map(String::valueOf).toList(),
        rowLabels,
        cells,
        notes,
        80);
  }

  private static String abbreviate(String s) {
    return s.length() <= 150 ? s : s.substring(0, 147) + "...";
  }

  @Override
  String summary(Table rows) {
    return summaryOf(rows.rows());
  }

  /** A table per resource part: default, best fixed, baselines. */
  static String summaryOf(List<Table.Row> all) {
    StringBuilder s = new StringBuilder();
    boolean engines = Markdown.engines(all);
    for (String label : labels(all)) {
      Part part = part(label);
      s.append("**").append(label).append("** — ").append(part.title()).append(":\n\n");
      List<List<String>> t = new ArrayList<>();
      List<String> decisions = new ArrayList<>();
      for (String engine : all.stream().map(r -> r.get("engine")).distinct().toList()) {
        List<Table.Row> rows =
            all.stream().filter(r -> r.is("part", label) && r.is("engine", engine)).toList();
        Table.Row best = bestFixed(rows);
        double top = best == null ? Double.NaN : best.number("throughput_per_s");
        List<Table.Row> shown = new ArrayList<>();
        rows.stream().filter(r -> r.is("role", "default")).forEach(shown::add);
        if (best != null) {
          shown.add(best);
        }
        rows.stream().filter(r -> r.is("role", "baseline")).forEach(shown::add);
        for (Table.Row r : shown) {
          t.add(
              List.of(
                  Markdown.who(r, engines) + (r == best ? " (best fixed)" : ""),
                  r.get("config"),
                  Markdown.count(r.number("throughput_per_s")),
                  Markdown.fixed(r.number("throughput_per_s") / top, 2),
                  r.get("inflight_max") + " / " + Markdown.fixed(r.number("inflight_mean"), 1),
                  r.get("permits_end").isEmpty()
                      ? ""
                      : r.get("permits_end")
                          + " (max "
                          + r.get("permits_max")
                          + ") / "
                          + r.get("batch_end")));
          if (r.is("role", "default")) {
            decisions.add(
                (engines ? "[" + engine + "] " : "")
                    + "`"
                    + r.get("concurrency_decision")
                    + "` | `"
                    + r.get("batch_decision")
                    + "`");
          }
        }
      }
      s.append(
          Markdown.table(
              List.of(
                  "contender",
                  "configuration",
                  "events/s",
                  "÷ best fixed",
                  "calls in flight max / mean (target ≤ " + part.maxInFlight() + ")",
                  "permits (max) / batch at end"),
              t));
      s.append("\nseda4j-default's last decisions (concurrency | batching): ")
          .append(String.join("; ", decisions))
          .append("\n\n");
    }
    return s.toString();
  }
}
