package org.seda4j.examples.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.seda4j.examples.http.LoadGenerator.OnShed;
import org.seda4j.examples.http.OverloadReport.CpuModel;
import org.seda4j.examples.http.OverloadReport.Row;
import org.seda4j.examples.http.OverloadReport.Verdict;

/** The S2 report's arithmetic, fed numbers: the CPU split, its error band, and the verdicts. */
class OverloadReportTest {

  /** A 10 s window with these counts and latencies. */
  private static LoadGenerator.Result window(long ok, long shed, double p99, double jain) {
    return window(10, ok, shed, p99, jain);
  }

  private static LoadGenerator.Result window(
      double seconds, long ok, long shed, double p99, double jain) {
    return new LoadGenerator.Result(
        1024, seconds, ok, shed, 0, 0, p99 / 2, p99, p99 * 1.1, 5, jain, 0, 40, 0, 0.1);
  }

  // 100 µs per served request, 0.01 cores of background.
  private static final CpuModel CPU = new CpuModel(100e-6, 0.01, 9000, 0);

  private static Row row(
      String name, boolean staged, OnShed clients, LoadGenerator.Result load, double cpu) {
    // A rejection costs 8 µs when measured alone.
    return new Row(
        name,
        "",
        staged,
        clients,
        load,
        cpu,
        1.0,
        CPU,
        staged ? 8e-6 : Double.NaN,
        staged ? 0.5 : Double.NaN,
        1.0);
  }

  @Test
  void theCalibrationGivesCpuPerServedRequestNetOfBackground() {
    // Given 1 s of calibration that served 2,000 requests on 0.25 s of CPU, and an idle 0.05 cores.
    CpuModel model = CpuModel.of(window(1, 2000, 0, 10, 1), 0.25, 2, 0.1);
    assertThat(model.backgroundCores()).isCloseTo(0.05, within(1e-9));
    assertThat(model.perOkSeconds()).isCloseTo(100e-6, within(1e-9));
  }

  @Test
  void theCostsMeasuredAloneSplitTheServersCpuAndAreCheckedAgainstIt() {
    // Given 18,000 served (1.8 s at 100 µs) and 100,000 rejected, 0.1 s background, 3.9 s CPU.
    Row r = row("staged", true, OnShed.RETRY_AT_ONCE, window(18_000, 100_000, 50, 0.5), 3.9);
    // Then at 8 µs measured alone a rejection costs 0.08 of a served request, 0.8 of the 3.9 s...
    assertThat(r.rejectionCostRatio()).isCloseTo(0.08, within(1e-9));
    assertThat(r.shedCpuShare()).isCloseTo(0.8 / 3.9, within(1e-9));
    // ... the costs predict 0.1 + 1.8 + 0.8 = 2.7 s of the 3.9 measured ...
    assertThat(r.modelCheck()).isCloseTo(3.9 / 2.7, within(1e-9));
    // ... and by difference a rejection would be charged (3.9 - 0.1 - 1.8) / 100,000 = 20 µs; an
    // error of 10% on the served requests' 1.8 s moves that by 1.8 µs.
    assertThat(r.unexplainedCpuPerShedSeconds()).isCloseTo(20e-6, within(1e-9));
    assertThat(r.cpuPerShedBandSeconds(0.1)).isCloseTo(1.8e-6, within(1e-9));
  }

  @Test
  void theBaselinesMeasureTheModelsError() {
    // 18,000 served should cost 0.1 + 1.8 s; one baseline took 0.1 + 2.07 (+15%), the other
    // 0.1 + 1.71 (-5%).
    List<Row> rows =
        List.of(
            row("vthreads", false, OnShed.WAIT_RETRY_AFTER, window(18_000, 0, 500, 1), 2.17),
            row("jdk", false, OnShed.WAIT_RETRY_AFTER, window(18_000, 0, 500, 1), 1.81),
            row("staged", true, OnShed.WAIT_RETRY_AFTER, window(18_000, 1000, 50, 1), 5));
    assertThat(OverloadReport.modelError(rows)).isCloseTo(0.15, within(1e-9));
  }

  @Test
  void verdictsCompareWithTheBaselineThatHasTheMostGoodput() {
    List<Row> rows =
        List.of(
            row("vthreads", false, OnShed.RETRY_AT_ONCE, window(18_600, 0, 560, 0.999), 2),
            row("jdk", false, OnShed.RETRY_AT_ONCE, window(18_000, 0, 400, 0.999), 2),
            // 0.96 x the goodput, p99 150 ms (0.27 x vthreads' 560), Jain 0.5, cheap rejections.
            row("staged", true, OnShed.RETRY_AT_ONCE, window(17_856, 10_000, 150, 0.5), 1.9));
    List<Verdict> verdicts = OverloadReport.verdicts(rows);
    assertThat(verdicts)
        .extracting(Verdict::target)
        .containsExactly("goodput", "p99", "jain", "rejection-cost");
    assertThat(verdicts).extracting(Verdict::met).containsExactly(true, true, false, true);
    assertThat(verdicts.get(0).line())
        .startsWith("VERDICT S2 retry-at-once goodput MET measured=0.960 target=>=0.95")
        .contains("contender=staged", "vs vthreads 1860 2xx/s");
    assertThat(verdicts.get(1).line())
        .contains("measured=0.268 target=<=0.30", "vthreads 560 ms", "jdk 400 ms");
    assertThat(verdicts.get(2).line()).contains("MISSED measured=0.500 target=>=0.90");
    // 8 µs measured alone against 100 µs per served request.
    assertThat(verdicts.get(3).line()).contains("MET measured=0.080 target=<=0.10");
  }

  @Test
  void aWindowWithoutRejectionsMeetsTheRejectionCostTargetAndSaysSo() {
    List<Row> rows = List.of(row("staged", true, OnShed.WAIT_RETRY_AFTER, window(100, 0, 5, 1), 1));
    assertThat(OverloadReport.verdicts(rows))
        .filteredOn(v -> v.target().equals("rejection-cost"))
        .singleElement()
        .satisfies(v -> assertThat(v.line()).contains("rejection-cost MET measured=none"));
  }

  @Test
  void theChartIsWellFormedSvgAndTheTableHasARowPerWindow() throws Exception {
    List<Row> rows =
        List.of(
            row("vthreads", false, OnShed.WAIT_RETRY_AFTER, window(18_000, 0, 560, 1), 2),
            row("vthreads", false, OnShed.RETRY_AT_ONCE, window(18_000, 0, 560, 1), 2),
            row("staged <default>", true, OnShed.WAIT_RETRY_AFTER, window(9_000, 900, 50, 0.2), 2),
            row("staged <default>", true, OnShed.RETRY_AT_ONCE, window(900, 90_000, 50, 0.2), 2));
    String svg = OverloadReport.svg("S2 & co", rows);
    assertThat(svg).startsWith("<svg ").endsWith("</svg>\n");
    assertThat(Pattern.compile("&(?!amp;|lt;|gt;)").matcher(svg).find()).isFalse();
    assertThat(Pattern.compile("<(?![a-z/])").matcher(svg).find()).as("a bare <").isFalse();
    assertThat(count(svg, "<rect"))
        .isEqualTo(count(svg, "/>") + count(svg, "</rect>") - count(svg, "<line"));
    assertThat(count(svg, "<text")).isEqualTo(count(svg, "</text>"));
    assertThat(svg).contains("staged &lt;default&gt;", "goodput", "Jain");
    assertThat(OverloadReport.markdown(rows).lines()).hasSize(2 * (2 + rows.size()) + 1);
    assertThat(OverloadReport.csv("run", rows).lines()).hasSize(1 + rows.size());
  }

  @Test
  void theGridSearchTakesTheLowestP99AmongThePointsWithinNoiseOfTheMostGoodput() {
    OverloadReport.GridScore fast = new OverloadReport.GridScore("fast", true, 1790, 50);
    OverloadReport.GridScore most = new OverloadReport.GridScore("most", true, 1830, 150);
    OverloadReport.GridScore slow = new OverloadReport.GridScore("slow", false, 1900, 300);
    OverloadReport.GridScore low = new OverloadReport.GridScore("low", true, 1600, 20);
    // 1,790 is within 3% of 1,830; 1,600 is not; the point that misses the p99 target is out.
    assertThat(OverloadReport.choose(List.of(most, slow, low, fast))).isEqualTo(fast);
    // If no point meets the target, all compete.
    OverloadReport.GridScore slower = new OverloadReport.GridScore("slower", false, 1800, 400);
    assertThat(OverloadReport.choose(List.of(slow, slower))).isEqualTo(slow);
  }

  private static int count(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
      n++;
    }
    return n;
  }
}
