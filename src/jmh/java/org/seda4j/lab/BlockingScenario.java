package org.seda4j.lab;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.seda4j.Stage;
import org.seda4j.observe.StageSnapshot;

/**
 * S6, a blocking handler with zero configuration: 10 ms blocking calls with 10,000 events
 * outstanding, seda4j's defaults against a virtual thread per task, throughput per 100 ms from the
 * start (the first seda4j run is the JVM's first work: a cold start).
 */
final class BlockingScenario extends Scenario {

  static final int BIN_MS = 100;
  static final int WITHIN_MS = 2000;
  static final double RATIO_TARGET = 0.9;

  BlockingScenario() {
    super(
        "S6",
        "blocking handler, zero configuration",
        "A handler that blocks 10 ms (`Thread.sleep(10)`) with 10,000 events outstanding (a"
            + " producer thread holds a permit per event until its handler ends, as the suite's"
            + " blocking workload): `seda4j-default` (one stage, all defaults, capacity 1,024 — the"
            + " producer waits in `put` when it is full) against `vt-per-task` (a virtual thread per"
            + " event). Completions per 100 ms from the start. The first seda4j run is the first"
            + " thing its JVM does (a cold start); in full mode a second one runs after the virtual"
            + " threads (`seda4j-default-warm`, for comparison). Target (the cold run): ≥ 0.9 × the"
            + " virtual threads' steady throughput (their mean from 2 s to the end) within 2 s of the"
            + " start — the first 100 ms bin that reaches it — and the mean from 2 s to the end ≥ 0.9 ×"
            + " theirs.");
  }

  @Override
  void run(Run run) throws InterruptedException {
    List<String[]> order = new ArrayList<>();
    order.add(new String[] {"seda4j-default", "seda4j-default"});
    order.add(new String[] {"vt-per-task", "vt-per-task"});
    if (run.plan().allBaselines()) {
      order.add(new String[] {"seda4j-default-warm", "seda4j-default"});
    }
    List<List<Table.Row>> bins = new ArrayList<>();
    for (String[] o : order) {
      bins.add(trace(run, o[0], o[1]));
    }
    double vt = steady(bins.get(1));
    for (List<Table.Row> b : bins) {
      Table.Row first = b.get(0);
      double mean = steady(b);
      long reached = -1;
      for (Table.Row r : b) {
        if (r.number("completions_per_s") >= RATIO_TARGET * vt) {
          reached = (long) r.number("t_ms") + BIN_MS;
          break;
        }
      }
      Table.Row last = b.get(b.size() - 1);
      run.row("S6")
          .put("role", first.get("role"))
          .put("contender", first.get("contender"))
          .put("series", "summary")
          .put("steady_per_s", mean, 0)
          .put("vt_steady_per_s", vt, 0)
          .put("ratio_to_vt", mean / vt, 3)
          .put("first_090_ms", reached)
          .put("permits_end", last.get("permits"))
          .put("batch_end", last.get("batch"))
          .put("concurrency_decision", last.get("concurrency_decision"))
          .put("batch_decision", last.get("batch_decision"));
      run.log(
          "%-20s mean from 2 s: %,10.0f/s = %.2f x vt; first 100 ms bin >= 0.9 x vt ends at %s",
          first.get("contender"), mean, mean / vt, reached < 0 ? "never" : reached + " ms");
    }
  }

  /** Mean throughput from 2 s to the end. */
  private static double steady(List<Table.Row> bins) {
    return bins.stream()
        .filter(r -> r.number("t_ms") >= WITHIN_MS)
        .mapToDouble(r -> r.number("completions_per_s"))
        .average()
        .orElse(Double.NaN);
  }

  private static List<Table.Row> trace(Run run, String name, String who)
      throws InterruptedException {
    int n = (int) (run.plan().blockingSeconds() * 1000 / BIN_MS);
    List<Table.Row> rows = new ArrayList<>();
    long t0 = System.nanoTime();
    try (BlockingWorkload w = BlockingWorkload.start(who, b -> b)) {
      Stage<Integer> stage = w.stage();
      long previous = 0;
      for (int i = 1; i <= n; i++) {
        Run.sleepUntil(t0 + (long) i * BIN_MS * 1_000_000L);
        long c = w.completed();
        Table.Row r =
            run.row("S6")
                .put("role", who.equals("seda4j-default") ? "default" : "baseline")
                .put("contender", name)
                .put("series", "bin")
                .put("t_ms", (long) (i - 1) * BIN_MS)
                .put("completions_per_s", (c - previous) * 1000.0 / BIN_MS, 0);
        previous = c;
        if (stage != null) {
          StageSnapshot s = stage.snapshot();
          r.put("permits", s.handlers().permits())
              .put("batch", s.handlers().batchSize())
              .put("queued", s.queue().queued());
          if (i == n) {
            r.put("concurrency_decision", s.controllers().concurrencyDecision())
                .put("batch_decision", s.controllers().batchDecision());
          }
        }
        rows.add(r);
      }
      w.stop();
    }
    return rows;
  }

  @Override
  List<Verdict> verdicts(List<Table.Row> rows, String engine) {
    Table.Row d =
        Table.first(rows, r -> r.is("contender", "seda4j-default") && r.is("series", "summary"));
    if (d == null) {
      return List.of();
    }
    long reached = (long) d.number("first_090_ms");
    double ratio = d.number("ratio_to_vt");
    return List.of(
        new Verdict(
            "S6",
            "default>=0.9*vt-within-2s",
            reached >= 0 && reached <= WITHIN_MS && ratio >= RATIO_TARGET,
            String.format(
                Locale.ROOT,
                "first 100 ms bin >= 0.9 x vt ends at %s; mean from 2 s to end = %.2f x vt (%s/s vs"
                    + " %s/s; permits %s at the end)",
                reached < 0 ? "never" : String.format(Locale.ROOT, "%.1f s", reached / 1000.0),
                ratio,
                Markdown.count(d.number("steady_per_s")),
                Markdown.count(d.number("vt_steady_per_s")),
                d.get("permits_end")),
            "<=2s-and>=0.9",
            engine));
  }

  @Override
  String chart(Table table) {
    List<Table.Row> bins = table.rows(r -> r.is("series", "bin"));
    boolean engines = Markdown.engines(bins);
    List<LineChart.Series> series = new ArrayList<>();
    for (String who : bins.stream().map(r -> Markdown.who(r, engines)).distinct().toList()) {
      List<LineChart.Point> pts = new ArrayList<>();
      for (Table.Row r : bins) {
        if (Markdown.who(r, engines).equals(who)) {
          pts.add(
              new LineChart.Point(r.number("t_ms") / 1000 + 0.1, r.number("completions_per_s")));
        }
      }
      series.add(new LineChart.Series(who, pts));
    }
    List<LineChart.Mark> marks = new ArrayList<>();
    marks.add(new LineChart.Mark(true, WITHIN_MS / 1000.0, "2 s"));
    table.rows(r -> r.is("series", "summary")).stream()
        .map(r -> r.number("vt_steady_per_s"))
        .distinct()
        .forEach(v -> marks.add(new LineChart.Mark(false, RATIO_TARGET * v, "0.9 x vt")));
    double top = bins.stream().mapToDouble(r -> r.number("completions_per_s")).max().orElse(1);
    double end = bins.stream().mapToDouble(r -> r.number("t_ms") / 1000 + 0.1).max().orElse(10);
    return LineChart.render(
        "S6 blocking handler (10 ms, 10,000 outstanding), zero configuration: completions per 100"
            + " ms bin",
        List.of(
            new LineChart.Panel(
                "completions/s from the start",
                new LineChart.Axis("time since start (s)", 0, end, false, ""),
                new LineChart.Axis("events/s", 0, top * 1.1, false, ""),
                series,
                marks),
            new LineChart.Panel(
                "seda4j permits",
                new LineChart.Axis("time since start (s)", 0, end, false, ""),
                new LineChart.Axis("permits", 1, 100_000, true, ""),
                permits(bins, engines),
                List.of(new LineChart.Mark(true, WITHIN_MS / 1000.0, "2 s")))),
        2);
  }

  private static List<LineChart.Series> permits(List<Table.Row> bins, boolean engines) {
    List<LineChart.Series> series = new ArrayList<>();
    List<Table.Row> seda = bins.stream().filter(r -> !r.get("permits").isEmpty()).toList();
    for (String who : seda.stream().map(r -> Markdown.who(r, engines)).distinct().toList()) {
      List<LineChart.Point> pts = new ArrayList<>();
      for (Table.Row r : seda) {
        if (Markdown.who(r, engines).equals(who)) {
          pts.add(new LineChart.Point(r.number("t_ms") / 1000 + 0.1, r.number("permits")));
        }
      }
      series.add(new LineChart.Series(who, pts));
    }
    return series;
  }

  @Override
  String summary(Table table) {
    List<Table.Row> rows = table.rows(r -> r.is("series", "summary"));
    boolean engines = Markdown.engines(rows);
    List<List<String>> t = new ArrayList<>();
    for (Table.Row r : rows) {
      long reached = (long) r.number("first_090_ms");
      t.add(
          List.of(
              Markdown.who(r, engines),
              Markdown.count(r.number("steady_per_s")),
              Markdown.fixed(r.number("ratio_to_vt"), 2),
              reached < 0 ? "never" : Markdown.millis((double) reached),
              Markdown.settings(r)));
    }
    StringBuilder s = new StringBuilder();
    s.append(
        Markdown.table(
            List.of(
                "contender",
                "mean from 2 s to end (events/s)",
                "÷ vt-per-task",
                "first 100 ms bin ≥ 0.9 × vt ends at",
                "permits / batch at end"),
            t));
    for (Table.Row r : rows) {
      if (!r.get("concurrency_decision").isEmpty()) {
        s.append("\n")
            .append(Markdown.who(r, engines))
            .append("'s last decisions: `")
            .append(r.get("concurrency_decision"))
            .append("` | `")
            .append(r.get("batch_decision"))
            .append("`\n");
      }
    }
    return s.toString();
  }
}
