package org.seda4j.lab;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.seda4j.FullQueuePolicy;
import org.seda4j.control.AdmissionController;
import org.seda4j.observe.StageSnapshot;

/**
 * S1, open loop: the conditioning service (parse → work, which calls a database of 8 connections ×
 * 10 ms → reply) under Poisson arrivals from 0.25 C to 4 C, a fresh service (cold start) per load
 * point. Also S5's load point at 2 C under a CPU hog.
 */
final class OpenLoopScenario extends Scenario {

  static final Duration TARGET = Duration.ofMillis(50);
  static final double TARGET_MS = 50;
  static final double P90_LIMIT = 1.2;
  static final double GOODPUT_TARGET = 0.95;
  static final double LOW_LOAD = 0.8;
  static final double SELECTION_LOAD = 2;
  static final int POOL = 8;
  static final int TPE_QUEUE = 128;

  /**
   * A contender of the open-loop scenarios.
   *
   * @param name its name in the results
   * @param role default, grid, best-fixed or baseline
   * @param config its configuration, in words
   * @param factory builds it
   */
  record Contender(String name, String role, String config, Services.Factory factory) {}

  OpenLoopScenario() {
    super(
        "S1",
        "open loop, 0.25-4 C",
        "Poisson arrivals at each offered load on the conditioning service (parse → work, which"
            + " holds one of 8 database connections for 10 ms → reply; C ≈ 800 requests/s, measured"
            + " first), a fresh service per load point (cold start). Response time from each request's"
            + " intended arrival to its answer; goodput = answers with a result per second in the"
            + " window after the warm-up; rejections counted over the whole run, warm-up included."
            + " seda4j-default has only `admission(responseTime(50 ms))` + `onReject` on the work"
            + " stage. The best fixed configuration (8 permits, batch 1, a bounded queue that rejects)"
            + " is chosen at 2 C from a grid of queue capacities: the highest goodput whose admitted"
            + " p90 ≤ 1.2 × target (else the lowest p90). Targets (seda4j-default): goodput ≥ 0.95 C at"
            + " every load ≥ C; admitted p90 ≤ 1.2 × 50 ms at every load; no rejection at all at"
            + " ≤ 0.8 C.");
  }

  @Override
  void run(Run run) throws InterruptedException {
    runLoads(run, "S1", run.plan().loads());
  }

  static Contender seda4jDefault() {
    return new Contender(
        "seda4j-default",
        "default",
        "defaults; work: admission(responseTime(50 ms)) + onReject",
        Services.seda(
            "lab-default",
            b -> b,
            b -> b.admission(AdmissionController.responseTime(TARGET)),
            true));
  }

  static Contender fixed(int queue, String role) {
    return new Contender(
        role.equals("grid") ? "seda4j-fixed-q" + queue : "seda4j-best-fixed",
        role,
        "work: permits 8, batch 1, capacity " + queue + ", reject",
        Services.seda(
            "lab-fixed-q" + queue,
            b -> b,
            b -> b.permits(POOL).batchSize(1).capacity(queue).onFull(FullQueuePolicy.reject()),
            true));
  }

  static List<Contender> baselines(boolean all) {
    List<Contender> list = new ArrayList<>();
    if (all) {
      list.add(
          new Contender(
              "seda4j-block",
              "baseline",
              "defaults, no admission: full queues block",
              Services.seda("lab-block", b -> b, b -> b, false)));
      list.add(
          new Contender(
              "vt-per-request",
              "baseline",
              "a virtual thread per request",
              Services.virtualThreads()));
    }
    list.add(
        new Contender(
            "tpe-8-abort",
            "baseline",
            "ThreadPoolExecutor(8), queue 128, AbortPolicy",
            Services.threadPool(POOL, TPE_QUEUE)));
    return list;
  }

  /**
   * Measures C, picks the best fixed configuration at 2 C, then runs every contender at each load.
   */
  static void runLoads(Run run, String part, List<Double> loads) throws InterruptedException {
    Resource db = Resource.database();
    double c = db.measureCapacity(run.plan().capacitySeconds());
    run.log("%s: capacity C = %.0f requests/s (8 connections x 10 ms)", part, c);
    List<Table.Row> grid = new ArrayList<>();
    for (int q : run.plan().queues()) {
      grid.add(point(run, part, fixed(q, "grid"), SELECTION_LOAD, c, db));
    }
    Table.Row best = best(grid, "goodput_per_s", "p90_ms");
    int queue = Integer.parseInt(best.get("config").replaceAll(".*capacity (\\d+).*", "$1"));
    run.log("%s: best fixed at 2 C: %s", part, best.get("config"));
    List<Contender> contenders = new ArrayList<>();
    contenders.add(seda4jDefault());
    contenders.add(fixed(queue, "best-fixed"));
    contenders.addAll(baselines(run.plan().allBaselines()));
    for (double load : loads) {
      for (Contender k : contenders) {
        point(run, part, k, load, c, db);
      }
    }
  }

  /** One load point of one contender: a fresh service, warm-up, measured window. */
  static Table.Row point(Run run, String part, Contender k, double load, double c, Resource db)
      throws InterruptedException {
    double warmup = run.plan().openWarmupSeconds();
    double window = run.plan().openWindowSeconds();
    Trial t =
        Trial.run(
            k.factory(),
            db,
            List.of(new Arrivals.Phase(warmup + window, load * c)),
            42 + Math.round(load * 100),
            Duration.ZERO,
            null);
    long from = t.start() + (long) (warmup * 1e9);
    Recorder.Window w = t.recorder().window(from, t.end());
    Latencies l = w.latencies();
    Table.Row row =
        run.row(part)
            .put("role", k.role())
            .put("contender", k.name())
            .put("config", k.config())
            .put("load_factor", load, 2)
            .put("capacity_per_s", c, 1)
            .put("offered_per_s", t.arrivalsIn(from, t.end()) / window, 1)
            .put("goodput_per_s", w.results() / window, 1)
            .put("goodput_over_c", w.results() / window / c, 3)
            .put("answered", w.results())
            .put("rejected_window", w.rejections())
            .put("offered_run", t.arrivals().length)
            .put("rejected_run", t.recorder().rejections())
            .put("p50_ms", l.p50Ms(), 2)
            .put("p90_ms", l.p90Ms(), 2)
            .put("p99_ms", l.p99Ms(), 2)
            .put("max_ms", l.maxMs(), 2)
            .put("warmup_s", warmup, 1)
            .put("window_s", window, 1);
    StageSnapshot last = t.last();
    Run.stage(row, last);
    run.log(
        "%s %-18s %.2f C: goodput %.3f C, p90 %7.1f ms, rejected %d of %d%s",
        part,
        k.name(),
        load,
        w.results() / window / c,
        l.p90Ms(),
        t.recorder().rejections(),
        t.arrivals().length,
        last == null ? "" : ", permits " + last.handlers().permits());
    return row;
  }

  /**
   * The best fixed configuration of a grid: the highest goodput whose admitted p90 ≤ 1.2 × target;
   * if none qualifies, the lowest p90.
   */
  static Table.Row best(List<Table.Row> grid, String goodput, String p90) {
    double limit = P90_LIMIT * TARGET_MS;
    return grid.stream()
        .filter(r -> r.number(p90) <= limit)
        .max(Comparator.comparingDouble(r -> r.number(goodput)))
        .orElseGet(
            () -> grid.stream().min(Comparator.comparingDouble(r -> r.number(p90))).orElseThrow());
  }

  @Override
  List<Verdict> verdicts(List<Table.Row> rows, String engine) {
    return verdicts(rows, "S1", engine);
  }

  /**
   * The S1 targets for the default rows of one part (the low-load one only if it has such loads).
   */
  static List<Verdict> verdicts(List<Table.Row> rows, String part, String engine) {
    List<Table.Row> def =
        rows.stream().filter(r -> r.is("part", part) && r.is("role", "default")).toList();
    List<Verdict> out = new ArrayList<>();
    List<Table.Row> high = def.stream().filter(r -> r.number("load_factor") >= 1).toList();
    Table.Row worst =
        high.stream().min(Comparator.comparingDouble(r -> r.number("goodput_over_c"))).orElse(null);
    out.add(
        new Verdict(
            part,
            "goodput>=0.95C-at-load>=C",
            worst != null && worst.number("goodput_over_c") >= GOODPUT_TARGET,
            worst == null
                ? "no-data"
                : String.format(
                    Locale.ROOT,
                    "min %.3f C at %s C (%s)",
                    worst.number("goodput_over_c"),
                    worst.get("load_factor"),
                    list(high, "goodput_over_c", "%.2f")),
            ">=0.95",
            engine));
    Table.Row slow =
        def.stream().max(Comparator.comparingDouble(r -> r.number("p90_ms"))).orElse(null);
    out.add(
        new Verdict(
            part,
            "admitted-p90<=1.2*target",
            slow != null && slow.number("p90_ms") <= P90_LIMIT * TARGET_MS,
            slow == null
                ? "no-data"
                : String.format(
                    Locale.ROOT,
                    "max %.2f x target (%.1f ms at %s C; %s ms)",
                    slow.number("p90_ms") / TARGET_MS,
                    slow.number("p90_ms"),
                    slow.get("load_factor"),
                    list(def, "p90_ms", "%.0f")),
            "<=1.2",
            engine));
    List<Table.Row> low = def.stream().filter(r -> r.number("load_factor") <= LOW_LOAD).toList();
    if (!low.isEmpty()) {
      long rejected = low.stream().mapToLong(r -> (long) r.number("rejected_run")).sum();
      out.add(
          new Verdict(
              part,
              "no-rejection-at<=0.8C",
              rejected == 0,
              String.format(
                  Locale.ROOT, "%d rejections (%s)", rejected, list(low, "rejected_run", "%.0f")),
              "=0",
              engine));
    }
    return out;
  }

  /** {@code 1C 0.98, 2C 0.97...}: a column per load factor. */
  private static String list(List<Table.Row> rows, String column, String format) {
    List<String> parts = new ArrayList<>();
    for (Table.Row r : rows) {
      parts.add(
          trimLoad(r.get("load_factor"))
              + "C:"
              + String.format(Locale.ROOT, format, r.number(column)));
    }
    return String.join(" ", parts);
  }

  static String trimLoad(String load) {
    return new BigDecimal(load).stripTrailingZeros().toPlainString();
  }

  @Override
  String chart(Table rows) {
    List<Table.Row> curve =
        rows.rows(
            r -> r.is("part", "S1") && !r.is("role", "grid") && !r.get("load_factor").isEmpty());
    boolean engines = Markdown.engines(curve);
    double maxLoad = curve.stream().mapToDouble(r -> r.number("load_factor")).max().orElse(4);
    LineChart.Axis x = new LineChart.Axis("offered load", 0, maxLoad, false, " C");
    double c = curve.isEmpty() ? 0 : curve.get(0).number("capacity_per_s");
    return LineChart.render(
        String.format(
            Locale.ROOT,
            "S1 open loop: goodput, p90 and rejections vs offered load (C = %.0f/s, 8 x 10 ms,"
                + " target 50 ms)",
            c),
        List.of(
            new LineChart.Panel(
                "goodput / C",
                x,
                new LineChart.Axis("goodput / C", 0, 1.2, false, ""),
                series(curve, engines, "goodput_over_c", 1),
                List.of(new LineChart.Mark(false, GOODPUT_TARGET, "0.95"))),
            new LineChart.Panel(
                "p90 of admitted requests (ms, log)",
                x,
                new LineChart.Axis("ms", 1, 100_000, true, ""),
                series(curve, engines, "p90_ms", 1),
                List.of(new LineChart.Mark(false, P90_LIMIT * TARGET_MS, "1.2 x target"))),
            new LineChart.Panel(
                "rejected, % of offered (whole run; 0 at the bottom)",
                x,
                new LineChart.Axis("%", 0.01, 100, true, ""),
                rejectedPercent(curve, engines),
                List.of())),
        3);
  }

  private static List<LineChart.Series> series(
      List<Table.Row> rows, boolean engines, String column, double scale) {
    Map<String, List<LineChart.Point>> by = new LinkedHashMap<>();
    for (Table.Row r : rows) {
      by.computeIfAbsent(Markdown.who(r, engines), k -> new ArrayList<>())
          .add(new LineChart.Point(r.number("load_factor"), r.number(column) * scale));
    }
    return by.entrySet().stream().map(e -> new LineChart.Series(e.getKey(), e.getValue())).toList();
  }

  private static List<LineChart.Series> rejectedPercent(List<Table.Row> rows, boolean engines) {
    Map<String, List<LineChart.Point>> by = new LinkedHashMap<>();
    for (Table.Row r : rows) {
      by.computeIfAbsent(Markdown.who(r, engines), k -> new ArrayList<>())
          .add(
              new LineChart.Point(
                  r.number("load_factor"),
                  100 * r.number("rejected_run") / Math.max(1, r.number("offered_run"))));
    }
    return by.entrySet().stream().map(e -> new LineChart.Series(e.getKey(), e.getValue())).toList();
  }

  @Override
  String summary(Table rows) {
    return summary(rows.rows(), "S1");
  }

  /** The tables of one part: every contender by load, the grid, the default's controllers. */
  static String summary(List<Table.Row> all, String part) {
    List<Table.Row> rows = all.stream().filter(r -> r.is("part", part)).toList();
    boolean engines = Markdown.engines(rows);
    StringBuilder s = new StringBuilder();
    List<Table.Row> curve = rows.stream().filter(r -> !r.is("role", "grid")).toList();
    List<String> who = curve.stream().map(r -> Markdown.who(r, engines)).distinct().toList();
    List<String> header = new ArrayList<>();
    header.add("offered load");
    header.addAll(who);
    List<List<String>> table = new ArrayList<>();
    for (String load : curve.stream().map(r -> r.get("load_factor")).distinct().toList()) {
      List<String> line = new ArrayList<>();
      line.add(trimLoad(load) + " C");
      for (String w : who) {
        Table.Row r = find(curve, load, w, engines);
        line.add(r == null ? "" : cell(r));
      }
      table.add(line);
    }
    s.append(
        "Goodput (÷ C), p90 of admitted requests, rejections over the whole run (of offered):\n\n");
    s.append(Markdown.table(header, table)).append('\n');
    s.append("Contenders: ");
    List<String> configs = new ArrayList<>();
    for (Table.Row r : curve) {
      String c = "`" + r.get("contender") + "`: " + r.get("config");
      if (!configs.contains(c)) {
        configs.add(c);
      }
    }
    s.append(String.join("; ", configs)).append(".\n\n");
    List<Table.Row> grid = rows.stream().filter(r -> r.is("role", "grid")).toList();
    if (!grid.isEmpty()) {
      List<List<String>> g = new ArrayList<>();
      for (Table.Row r : grid) {
        g.add(
            List.of(
                r.get("engine"),
                r.get("config"),
                Markdown.fixed(r.number("goodput_over_c"), 3) + " C",
                Markdown.fixed(r.number("p90_ms"), 1) + " ms",
                Markdown.count(r.number("rejected_window"))));
      }
      s.append("Grid of fixed configurations at 2 C (best: highest goodput with p90 ≤ 60 ms):\n\n");
      s.append(
          Markdown.table(
              List.of("engine", "configuration", "goodput", "p90", "rejected in window"), g));
      s.append('\n');
    }
    s.append(controllers(rows.stream().filter(r -> r.is("role", "default")).toList()));
    return s.toString();
  }

  private static Table.@Nullable Row find(
      List<Table.Row> rows, String load, String who, boolean engines) {
    for (Table.Row r : rows) {
      if (r.is("load_factor", load) && Markdown.who(r, engines).equals(who)) {
        return r;
      }
    }
    return null;
  }

  private static String cell(Table.Row r) {
    return String.format(
        Locale.ROOT,
        "%.2f C, p90 %s, %s rej.",
        r.number("goodput_over_c"),
        Markdown.millis(r.number("p90_ms")),
        Markdown.count(r.number("rejected_run")));
  }

  /** What the default's controllers ended with, per row. */
  static String controllers(List<Table.Row> def) {
    if (def.isEmpty()) {
      return "";
    }
    List<List<String>> t = new ArrayList<>();
    for (Table.Row r : def) {
      t.add(
          List.of(
              r.get("engine"),
              r.get("load_factor").isEmpty()
                  ? r.get("config")
                  : trimLoad(r.get("load_factor")) + " C",
              Markdown.settings(r),
              "`" + r.get("admission") + "`",
              "`" + r.get("concurrency_decision") + "`"));
    }
    return "seda4j-default's work stage at the end of each run (permits / batch, admission state,"
        + " last concurrency decision):\n\n"
        + Markdown.table(List.of("engine", "run", "permits / batch", "admission", "concurrency"), t)
        + '\n';
  }
}
