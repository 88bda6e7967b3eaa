package org.seda4j.lab;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.seda4j.lab.OpenLoopScenario.Contender;
import org.seda4j.observe.StageSnapshot;

/**
 * S3, a step and a cold start: a fresh service (the S1 service), 0.5 C for 3 s, 4 C for 5 s, 0.5 C
 * for 3 s; offered, admitted and rejected requests per 100 ms bin (by arrival time), the p90 of
 * admitted requests per 250 ms bin (by arrival time).
 */
final class StepScenario extends Scenario {

  static final double LOW = 0.5;
  static final double HIGH = 4;
  static final int STEP_MS = 3000;
  static final int FALL_MS = 8000;
  static final int END_MS = 11_000;
  static final int GRACE_MS = 1000;
  static final int BIN_MS = 100;
  static final int P90_BIN_MS = 250;
  static final int RECOVERY_MS = 2000;

  StepScenario() {
    super(
        "S3",
        "step 0.5 C → 4 C → 0.5 C from a cold start",
        "A fresh service (S1's), Poisson arrivals at 0.5 C for 3 s, 4 C for 5 s, 0.5 C for 3 s,"
            + " then 1 s more for answers. Per 100 ms bin: offered, admitted (answered with a result),"
            + " rejected, by arrival time; per 250 ms bin the p90 of admitted requests by arrival time"
            + " (requests still unanswered at the end count with their wait so far: a lower bound)."
            + " The best fixed configuration is the grid entry with the highest goodput in the 4 C"
            + " phase whose p90 there ≤ 60 ms. Targets (seda4j-default): no rejection in the first"
            + " phase (its first second included); p90 ≤ 1.2 × target again within 2 s of the step"
            + " (every later 250 ms bin of the 4 C phase); no rejection of requests arriving within"
            + " 2 s after the load falls.");
  }

  @Override
  void run(Run run) throws InterruptedException {
    Resource db = Resource.database();
    double c = db.measureCapacity(run.plan().capacitySeconds());
    run.log("capacity C = %.0f requests/s", c);
    List<Contender> contenders = new ArrayList<>();
    contenders.add(OpenLoopScenario.seda4jDefault());
    for (int q : run.plan().queues()) {
      contenders.add(OpenLoopScenario.fixed(q, "grid"));
    }
    contenders.addAll(OpenLoopScenario.baselines(run.plan().allBaselines()));
    List<Arrivals.Phase> phases =
        List.of(
            new Arrivals.Phase(STEP_MS / 1000.0, LOW * c),
            new Arrivals.Phase((FALL_MS - STEP_MS) / 1000.0, HIGH * c),
            new Arrivals.Phase((END_MS - FALL_MS) / 1000.0, LOW * c));
    for (Contender k : contenders) {
      Trial t =
          Trial.run(
              k.factory(), db, phases, 7, Duration.ofMillis(GRACE_MS), Duration.ofMillis(BIN_MS));
      record(run, k, c, t);
    }
  }

  private static int bin(long nanos, long start, int binMs) {
    return (int) Math.floorDiv(nanos - start, binMs * 1_000_000L);
  }

  private static void record(Run run, Contender k, double c, Trial t) {
    long start = t.start();
    long stop = t.end() + GRACE_MS * 1_000_000L;
    int bins = (END_MS + GRACE_MS) / BIN_MS;
    int p90Bins = END_MS / P90_BIN_MS;
    long[] offered = new long[bins];
    long[] admitted = new long[bins];
    long[] rejected = new long[bins];
    long[] goodput = new long[bins];
    long[] offered250 = new long[p90Bins];
    long[] rejected250 = new long[p90Bins];
    List<List<Long>> latencies = new ArrayList<>();
    for (int i = 0; i < p90Bins; i++) {
      latencies.add(new ArrayList<>());
    }
    for (long a : t.arrivals()) {
      offered[bin(a, start, BIN_MS)]++;
      offered250[bin(a, start, P90_BIN_MS)]++;
    }
    long fall = start + FALL_MS * 1_000_000L;
    long[] lastRejection = {-1};
    t.recorder()
        .forEach(
            (intended, answered, rejection) -> {
              int b = bin(intended, start, BIN_MS);
              if (rejection) {
                rejected[b]++;
                rejected250[bin(intended, start, P90_BIN_MS)]++;
                if (intended >= fall) {
                  lastRejection[0] = Math.max(lastRejection[0], intended - fall);
                }
                return;
              }
              admitted[b]++;
              int g = bin(answered, start, BIN_MS);
              if (g >= 0 && g < bins) {
                goodput[g]++;
              }
              latencies.get(bin(intended, start, P90_BIN_MS)).add(answered - intended);
            });
    StageSnapshot[] snapshots = new StageSnapshot[bins];
    for (Trial.Sample s : t.samples()) {
      int b = bin(s.nanoTime(), start, BIN_MS) - 1; // the sample at a bin's end
      if (b >= 0 && b < bins) {
        snapshots[b] = s.snapshot();
      }
    }
    for (int b = 0; b < bins; b++) {
      Table.Row row =
          row(run, k, "bin100")
              .put("t_ms", (long) b * BIN_MS)
              .put("offered", offered[b])
              .put("admitted", admitted[b])
              .put("rejected", rejected[b])
              .put("unanswered", offered[b] - admitted[b] - rejected[b])
              .put("offered_per_s", offered[b] * 1000.0 / BIN_MS, 0)
              .put("goodput_per_s", goodput[b] * 1000.0 / BIN_MS, 0)
              .put("rejected_per_s", rejected[b] * 1000.0 / BIN_MS, 0);
      StageSnapshot s = snapshots[b];
      if (s != null) {
        row.put("permits", s.handlers().permits())
            .put("queued", s.queue().queued())
            .put("admission", s.controllers().admission());
      }
    }
    double[] p90 = new double[p90Bins];
    long phase2Unanswered = 0;
    List<Long> phase2 = new ArrayList<>();
    for (int b = 0; b < p90Bins; b++) {
      List<Long> l = latencies.get(b);
      long unanswered = offered250[b] - l.size() - rejected250[b];
      long censored = stop - (start + (long) (b + 1) * P90_BIN_MS * 1_000_000L);
      List<Long> all = new ArrayList<>(l);
      for (long i = 0; i < unanswered; i++) {
        all.add(censored);
      }
      p90[b] = all.isEmpty() ? Double.NaN : p90(all);
      if (b * P90_BIN_MS >= STEP_MS && b * P90_BIN_MS < FALL_MS) {
        phase2.addAll(all);
        phase2Unanswered += unanswered;
      }
      Table.Row row =
          row(run, k, "bin250")
              .put("t_ms", (long) b * P90_BIN_MS)
              .put("admitted", l.size())
              .put("unanswered", unanswered);
      if (!all.isEmpty()) {
        row.put("p90_ms", p90[b], 1);
      }
    }
    long recovery = recovery(p90);
    long phase1Rejected = sum(rejected, 0, STEP_MS / BIN_MS);
    long firstSecond = sum(rejected, 0, 1000 / BIN_MS);
    long afterFall = sum(rejected, FALL_MS / BIN_MS, (FALL_MS + RECOVERY_MS) / BIN_MS);
    double phase2Goodput =
        sum(goodput, STEP_MS / BIN_MS, FALL_MS / BIN_MS) / ((FALL_MS - STEP_MS) / 1000.0);
    double phase2P90 = phase2.isEmpty() ? Double.NaN : p90(phase2);
    Table.Row row =
        row(run, k, "summary")
            .put("capacity_per_s", c, 1)
            .put("rejected_phase1", phase1Rejected)
            .put("rejected_first_second", firstSecond)
            .put("goodput_phase2_per_s", phase2Goodput, 1)
            .put("goodput_phase2_over_c", phase2Goodput / c, 3)
            .put("p90_phase2_ms", phase2P90, 1)
            .put("unanswered_phase2", phase2Unanswered)
            .put("recovery_ms", recovery)
            .put("rejected_after_fall_2s", afterFall)
            .put("rejected_phase3", sum(rejected, FALL_MS / BIN_MS, END_MS / BIN_MS))
            .put(
                "last_rejection_after_fall_ms",
                lastRejection[0] < 0 ? -1 : lastRejection[0] / 1_000_000);
    Run.stage(row, t.last());
    run.log(
        "%-18s rejected in phase 1: %d; 4 C phase: goodput %.2f C, p90 %.0f ms, p90 <= 60 ms for"
            + " good from %s; rejected [fall, fall+2 s): %d",
        k.name(),
        phase1Rejected,
        phase2Goodput / c,
        phase2P90,
        recovery < 0 ? "never" : "+" + recovery + " ms",
        afterFall);
  }

  /**
   * The time after the step from which every later 250 ms bin of the 4 C phase has p90 ≤ 1.2 ×
   * target (a bin without admitted requests counts as within), or -1 if the last one does not.
   */
  static long recovery(double[] p90) {
    int first = STEP_MS / P90_BIN_MS;
    int end = FALL_MS / P90_BIN_MS;
    long from = -1;
    for (int b = end - 1; b >= first; b--) {
      if (!Double.isNaN(p90[b])
          && p90[b] > OpenLoopScenario.P90_LIMIT * OpenLoopScenario.TARGET_MS) {
        break;
      }
      from = (long) (b - first) * P90_BIN_MS;
    }
    return from;
  }

  private static double p90(List<Long> nanos) {
    long[] a = nanos.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(a);
    return Latencies.percentile(a, 90);
  }

  private static Table.Row row(Run run, Contender k, String series) {
    return run.row("S3")
        .put("role", k.role())
        .put("contender", k.name())
        .put("config", k.config())
        .put("series", series);
  }

  private static long sum(long[] a, int from, int to) {
    long s = 0;
    for (int i = from; i < to && i < a.length; i++) {
      s += a[i];
    }
    return s;
  }

  @Override
  List<Verdict> verdicts(List<Table.Row> rows, String engine) {
    Table.Row d = Table.first(rows, r -> r.is("role", "default") && r.is("series", "summary"));
    if (d == null) {
      return List.of();
    }
    long phase1 = (long) d.number("rejected_phase1");
    long recovery = (long) d.number("recovery_ms");
    long afterFall = (long) d.number("rejected_after_fall_2s");
    long last = (long) d.number("last_rejection_after_fall_ms");
    return List.of(
        new Verdict(
            "S3",
            "no-rejection-in-first-phase",
            phase1 == 0,
            String.format(
                Locale.ROOT,
                "%d rejections in [0,3s) (first second: %d)",
                phase1,
                (long) d.number("rejected_first_second")),
            "=0",
            engine),
        new Verdict(
            "S3",
            "p90<=1.2*target-within-2s-of-step",
            recovery >= 0 && recovery <= RECOVERY_MS,
            recovery < 0
                ? "never (the last 250 ms bin of the 4 C phase is above 60 ms)"
                : String.format(
                    Locale.ROOT,
                    "%.2f s after the step (every later 250 ms bin of the 4 C phase has p90 <= 60"
                        + " ms; phase p90 %.0f ms, goodput %.2f C)",
                    recovery / 1000.0,
                    d.number("p90_phase2_ms"),
                    d.number("goodput_phase2_over_c")),
            "<=2s",
            engine),
        new Verdict(
            "S3",
            "no-rejection-within-2s-after-fall",
            afterFall == 0,
            String.format(
                Locale.ROOT,
                "%d rejections of requests arriving in [fall,fall+2s) (last rejection: %s)",
                afterFall,
                last < 0
                    ? "none after the fall"
                    : String.format(Locale.ROOT, "fall+%.2fs", last / 1000.0)),
            "=0",
            engine));
  }

  @Override
  String chart(Table table) {
    List<Table.Row> bins = table.rows(r -> r.is("series", "bin100"));
    List<Table.Row> p90 = table.rows(r -> r.is("series", "bin250"));
    boolean engines = Markdown.engines(bins);
    Map<String, String> best = bestNames(table);
    LineChart.Axis x =
        new LineChart.Axis("time since start (s)", 0, (END_MS + GRACE_MS) / 1000.0, false, "");
    List<LineChart.Mark> phases =
        List.of(
            new LineChart.Mark(true, STEP_MS / 1000.0, "step"),
            new LineChart.Mark(true, FALL_MS / 1000.0, "fall"),
            new LineChart.Mark(true, (FALL_MS + RECOVERY_MS) / 1000.0, "+2 s"));
    List<LineChart.Series> traffic = new ArrayList<>();
    List<Table.Row> defaults = bins.stream().filter(r -> r.is("role", "default")).toList();
    for (String engine : defaults.stream().map(r -> r.get("engine")).distinct().toList()) {
      String e = engines ? " [" + engine + "]" : "";
      List<Table.Row> d = defaults.stream().filter(r -> r.is("engine", engine)).toList();
      traffic.add(series("offered" + e, d, "offered_per_s"));
      traffic.add(series("goodput" + e, d, "goodput_per_s"));
      traffic.add(series("rejected" + e, d, "rejected_per_s"));
    }
    double peak = bins.stream().mapToDouble(r -> r.number("offered_per_s")).max().orElse(1000);
    List<Table.Row> shown =
        p90.stream().filter(r -> !r.is("role", "grid") || isBest(r, best)).toList();
    List<Table.Row> shownBins =
        bins.stream().filter(r -> !r.is("role", "grid") || isBest(r, best)).toList();
    return LineChart.render(
        "S3 step 0.5 C → 4 C → 0.5 C from a cold start (100 ms bins by arrival; p90 per 250 ms)",
        List.of(
            new LineChart.Panel(
                "seda4j-default: offered, goodput, rejected (/s)",
                x,
                new LineChart.Axis("requests/s", 0, peak * 1.1, false, ""),
                traffic,
                phases),
            new LineChart.Panel(
                "p90 of admitted requests by arrival (ms, log)",
                x,
                new LineChart.Axis("ms", 1, 100_000, true, ""),
                bySeries(shown, engines, best, "p90_ms"),
                List.of(new LineChart.Mark(false, 60, "1.2 x target"))),
            new LineChart.Panel(
                "goodput per contender (/s)",
                x,
                new LineChart.Axis("requests/s", 0, peak * 0.4, false, ""),
                bySeries(shownBins, engines, best, "goodput_per_s"),
                phases),
            new LineChart.Panel(
                "work stage permits (seda4j)",
                x,
                new LineChart.Axis("permits", 1, 10_000, true, ""),
                bySeries(
                    shownBins.stream().filter(r -> !r.get("permits").isEmpty()).toList(),
                    engines,
                    best,
                    "permits"),
                phases)),
        2);
  }

  private static LineChart.Series series(String name, List<Table.Row> rows, String column) {
    List<LineChart.Point> pts = new ArrayList<>();
    for (Table.Row r : rows) {
      pts.add(new LineChart.Point(r.number("t_ms") / 1000, r.number(column)));
    }
    return new LineChart.Series(name, pts);
  }

  private static List<LineChart.Series> bySeries(
      List<Table.Row> rows, boolean engines, Map<String, String> best, String column) {
    List<LineChart.Series> out = new ArrayList<>();
    for (String who : rows.stream().map(r -> name(r, engines, best)).distinct().toList()) {
      out.add(
          series(
              who, rows.stream().filter(r -> name(r, engines, best).equals(who)).toList(), column));
    }
    return out;
  }

  /**
   * Each engine's best fixed configuration (its contender name), by the S1 criterion over the 4 C
   * phase.
   */
  private static Map<String, String> bestNames(Table table) {
    Map<String, String> best = new HashMap<>();
    List<Table.Row> grid = table.rows(r -> r.is("role", "grid") && r.is("series", "summary"));
    for (String engine : table.distinct("engine")) {
      List<Table.Row> own = grid.stream().filter(r -> r.is("engine", engine)).toList();
      if (!own.isEmpty()) {
        best.put(
            engine,
            OpenLoopScenario.best(own, "goodput_phase2_per_s", "p90_phase2_ms").get("contender"));
      }
    }
    return best;
  }

  private static boolean isBest(Table.Row r, Map<String, String> best) {
    return r.is("contender", best.getOrDefault(r.get("engine"), ""));
  }

  private static String name(Table.Row r, boolean engines, Map<String, String> best) {
    String n = r.get("contender") + (isBest(r, best) ? " (best fixed)" : "");
    return n + (engines ? " [" + r.get("engine") + "]" : "");
  }

  @Override
  String summary(Table table) {
    List<Table.Row> rows = table.rows(r -> r.is("series", "summary"));
    boolean engines = Markdown.engines(rows);
    Map<String, String> best = bestNames(table);
    List<List<String>> t = new ArrayList<>();
    for (Table.Row r : rows) {
      long recovery = (long) r.number("recovery_ms");
      long last = (long) r.number("last_rejection_after_fall_ms");
      t.add(
          List.of(
              name(r, engines, best),
              r.get("config"),
              r.get("rejected_phase1") + " (" + r.get("rejected_first_second") + ")",
              Markdown.fixed(r.number("goodput_phase2_over_c"), 2) + " C",
              Markdown.millis(r.number("p90_phase2_ms")),
              recovery < 0 ? "never" : "+" + Markdown.millis((double) recovery),
              r.get("rejected_after_fall_2s"),
              last < 0 ? "none" : String.format(Locale.ROOT, "fall+%.2f s", last / 1000.0),
              Markdown.settings(r)));
    }
    StringBuilder s = new StringBuilder();
    s.append(
        Markdown.table(
            List.of(
                "contender",
                "configuration",
                "rejected in phase 1 (first s)",
                "4 C phase: goodput",
                "4 C phase: p90",
                "p90 ≤ 60 ms for good from",
                "rejected [fall, fall+2 s)",
                "last rejection",
                "permits / batch at end"),
            t));
    s.append('\n');
    s.append(
        OpenLoopScenario.controllers(rows.stream().filter(r -> r.is("role", "default")).toList()));
    return s.toString();
  }
}
