package org.seda4j.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.seda4j.lab.LineChart.Axis;
import org.seda4j.lab.LineChart.Mark;
import org.seda4j.lab.LineChart.Panel;
import org.seda4j.lab.LineChart.Series;

/**
 * The chart of {@link Conditioning}: goodput and p90 response time against offered load, one line
 * per contender, drawn by the lab's {@link org.seda4j.lab.LineChart}. Regenerate it from a results
 * file with {@code java -cp target/bench/benchmarks.jar org.seda4j.bench.LineChart
 * src/jmh/results/conditioning.csv src/jmh/results/conditioning.svg}.
 */
final class LineChart {

  private LineChart() {}

  /**
   * Regenerates a chart from a CSV results file.
   *
   * @param args the CSV file and the SVG file to write
   * @throws IOException if a file cannot be read or written
   */
  public static void main(String[] args) throws IOException {
    Files.writeString(
        Path.of(args[1]),
        conditioning(Conditioning.read(Path.of(args[0]))),
        StandardCharsets.UTF_8);
  }

  static String conditioning(List<Conditioning.Point> points) {
    double maxLoad = points.stream().mapToDouble(Conditioning.Point::loadFactor).max().orElse(1);
    double capacity = points.isEmpty() ? 1 : points.get(0).capacity();
    Axis load = new Axis("offered load", 0, maxLoad, false, " C");
    return org.seda4j.lab.LineChart.render(
        String.format(
            Locale.ROOT,
            "Overload: goodput and p90 response time vs offered load (C = %.0f req/s, bottleneck 8"
                + " x 10 ms, target 50 ms)",
            capacity),
        List.of(
            new Panel(
                "goodput / C",
                load,
                new Axis("goodput / C", 0, 1.2, false, ""),
                series(points, p -> p.goodput() / p.capacity()),
                List.of()),
            new Panel(
                "p90 response time of answered requests (ms, log)",
                load,
                new Axis("ms", 1, 100_000, true, ""),
                series(points, Conditioning.Point::p90Ms),
                List.of(new Mark(false, Conditioning.TARGET.toMillis(), "target")))),
        2);
  }

  private static List<Series> series(
      List<Conditioning.Point> points, ToDoubleFunction<Conditioning.Point> y) {
    Map<String, List<org.seda4j.lab.LineChart.Point>> bySystem = new LinkedHashMap<>();
    for (Conditioning.Point p : points) {
      bySystem
          .computeIfAbsent(p.system(), k -> new ArrayList<>())
          .add(new org.seda4j.lab.LineChart.Point(p.loadFactor(), y.applyAsDouble(p)));
    }
    List<Series> series = new ArrayList<>();
    bySystem.forEach((name, pts) -> series.add(new Series(name, pts)));
    return series;
  }
}
