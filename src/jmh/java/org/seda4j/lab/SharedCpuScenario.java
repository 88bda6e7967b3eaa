package org.seda4j.lab;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * S5, a shared CPU: a separate process keeps one core busy ({@link CpuHog}) while S1 runs at 2 C (C
 * measured again under it) and S4's three parts run with their grid (searched again under it).
 */
final class SharedCpuScenario extends Scenario {

  static final String OPEN_LOOP = "S5/S1@2C";

  SharedCpuScenario() {
    super(
        "S5",
        "shared CPU: S1 at 2 C and S4 under a process that keeps one core busy",
        "A separate OS process spins one thread for the whole scenario (`org.seda4j.lab.CpuHog`,"
            + " killed at the end, on failure, and when its parent exits). Under it: S1 at 2 C (C"
            + " measured again, the best fixed queue capacity searched again) and S4's three parts"
            + " (their grids run again). Targets: as S1 (goodput ≥ 0.95 C, admitted p90 ≤ 1.2 ×"
            + " target) and S4 (default ≥ 0.9 × the best fixed configuration under the same"
            + " contention, calls in flight ≤ 8 / 16).");
  }

  @Override
  void run(Run run) throws Exception {
    CpuHog hog = CpuHog.start(3600);
    run.helperStarted(hog.handle());
    try {
      Thread.sleep(500); // its JVM starts and spins
      OpenLoopScenario.runLoads(run, OPEN_LOOP, List.of(2.0));
      for (ResourceScenario.Part part : ResourceScenario.PARTS) {
        ResourceScenario.runPart(run, "S5/" + part.name(), part);
      }
    } finally {
      hog.close();
      run.helperEnded(hog.handle(), hog.cpuSeconds());
      run.table()
          .comment(
              String.format(
                  Locale.ROOT,
                  "cpu hog (pid %d) used %.1f s of CPU",
                  hog.handle().pid(),
                  hog.cpuSeconds()));
    }
  }

  @Override
  List<Verdict> verdicts(List<Table.Row> rows, String engine) {
    List<Verdict> out = new ArrayList<>(OpenLoopScenario.verdicts(rows, OPEN_LOOP, engine));
    out.addAll(ResourceScenario.verdictsOf(rows, engine));
    return out;
  }

  @Override
  String chart(Table rows) {
    List<Grid.Block> blocks = new ArrayList<>();
    blocks.add(scoreCard(rows.rows(r -> r.is("part", OPEN_LOOP) && !r.is("role", "grid"))));
    blocks.addAll(ResourceScenario.heatMaps(rows.rows()));
    return Grid.render(
        "S5 shared CPU (one core kept busy by another process): S1 at 2 C and S4's grids", blocks);
  }

  private static Grid.Block scoreCard(List<Table.Row> rows) {
    boolean engines = Markdown.engines(rows);
    List<List<Grid.Cell>> cells = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (Table.Row r : rows) {
      names.add(Markdown.who(r, engines));
      double g = r.number("goodput_over_c");
      double p90 = r.number("p90_ms");
      double rejected = 100 * r.number("rejected_run") / Math.max(1, r.number("offered_run"));
      cells.add(
          List.of(
              new Grid.Cell(
                  Markdown.fixed(g, 2) + " C",
                  g >= OpenLoopScenario.GOODPUT_TARGET ? Grid.GREEN : Grid.RED,
                  false),
              new Grid.Cell(
                  Markdown.millis(p90),
                  p90 <= OpenLoopScenario.P90_LIMIT * OpenLoopScenario.TARGET_MS
                      ? Grid.GREEN
                      : Grid.RED,
                  false),
              new Grid.Cell(Markdown.fixed(rejected, 1) + " %", "#f0f0f0", false),
              new Grid.Cell(r.get("permits_end"), "#f0f0f0", false)));
    }
    double c = rows.isEmpty() ? 0 : rows.get(0).number("capacity_per_s");
    return new Grid.Block(
        String.format(Locale.ROOT, "S1 at 2 C under the hog (C = %.0f/s measured under it)", c),
        "contender",
        List.of("goodput", "p90", "rejected", "permits"),
        names,
        cells,
        List.of("green: meets the S1 target (goodput >= 0.95 C, p90 <= 60 ms); red: misses it"),
        110);
  }

  @Override
  String summary(Table rows) {
    return OpenLoopScenario.summary(rows.rows(), OPEN_LOOP)
        + '\n'
        + ResourceScenario.summaryOf(rows.rows(r -> !r.is("part", OPEN_LOOP)));
  }
}
