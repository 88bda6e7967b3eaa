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

/**
 * A small hand-written SVG line chart for {@link Conditioning}: goodput and p90 response time
 * against offered load, one line per contender. No dependency; regenerate the chart from a results
 * file with {@code java -cp target/bench/benchmarks.jar org.seda4j.bench.LineChart
 * src/jmh/results/conditioning.csv src/jmh/results/conditioning.svg}.
 */
final class LineChart {

  private static final String[] COLOURS = {"#e66101", "#5e3c99", "#1b9e77", "#666666"};
  private static final int W = 460;
  private static final int H = 300;
  private static final int LEFT = 60;
  private static final int TOP = 40;
  private static final int PLOT_W = W - LEFT - 20;
  private static final int PLOT_H = H - TOP - 50;

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
    Map<String, List<Conditioning.Point>> bySystem = new LinkedHashMap<>();
    for (Conditioning.Point p : points) {
      bySystem.computeIfAbsent(p.system(), k -> new ArrayList<>()).add(p);
    }
    double maxLoad = points.stream().mapToDouble(Conditioning.Point::loadFactor).max().orElse(1);
    double capacity = points.isEmpty() ? 1 : points.get(0).capacity();
    StringBuilder s = new StringBuilder();
    int width = 2 * W + 20;
    int height = H + 60;
    s.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d"
                + " %d\" font-family=\"sans-serif\" font-size=\"12\">%n",
            width,
            height,
            width,
            height));
    s.append(
        String.format(
            Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height));
    s.append(
        String.format(
            Locale.ROOT,
            "<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">Overload: goodput and"
                + " p90 response time vs offered load (C = %.0f req/s, bottleneck 8 x 10 ms,"
                + " target 50 ms)</text>%n",
            capacity));
    panel(
        s,
        10,
        30,
        "goodput / C",
        bySystem,
        maxLoad,
        p -> p.goodput() / p.capacity(),
        false,
        0,
        1.2,
        Double.NaN);
    panel(
        s,
        W + 10,
        30,
        "p90 response time of answered requests (ms, log)",
        bySystem,
        maxLoad,
        Conditioning.Point::p90Ms,
        true,
        1,
        100_000,
        50);
    int lx = 20;
    int i = 0;
    for (String system : bySystem.keySet()) {
      String c = COLOURS[i++ % COLOURS.length];
      s.append(
          String.format(
              Locale.ROOT,
              "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"4\" fill=\"%s\"/>"
                  + "<text x=\"%d\" y=\"%d\">%s</text>%n",
              lx,
              H + 40,
              c,
              lx + 18,
              H + 45,
              system));
      lx += 40 + system.length() * 7;
    }
    return s.append("</svg>\n").toString();
  }

  private static void panel(
      StringBuilder s,
      int x0,
      int y0,
      String title,
      Map<String, List<Conditioning.Point>> bySystem,
      double maxLoad,
      ToDoubleFunction<Conditioning.Point> y,
      boolean log,
      double lo,
      double hi,
      double targetLine) {
    int px = x0 + LEFT;
    int py = y0 + TOP;
    s.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s</text>%n",
            x0 + 10,
            y0 + 20,
            title));
    s.append(
        String.format(
            Locale.ROOT,
            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>%n",
            px,
            py,
            PLOT_W,
            PLOT_H));
    // y ticks
    List<Double> ticks = new ArrayList<>();
    if (log) {
      for (double t = lo; t <= hi; t *= 10) {
        ticks.add(t);
      }
    } else {
      for (double t = lo; t <= hi + 1e-9; t += 0.2) {
        ticks.add(t);
      }
    }
    for (double t : ticks) {
      double yy = py + PLOT_H - scale(t, lo, hi, log) * PLOT_H;
      s.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
                  + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
              px,
              yy,
              px + PLOT_W,
              yy,
              px - 5,
              yy + 4,
              log ? String.format(Locale.ROOT, "%.0f", t) : String.format(Locale.ROOT, "%.1f", t)));
    }
    // x ticks: each load factor
    for (double f = 0; f <= maxLoad + 1e-9; f += maxLoad > 2 ? 1 : 0.5) {
      double xx = px + f / maxLoad * PLOT_W;
      s.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.1f C</text>%n",
              xx,
              py + PLOT_H + 15,
              f));
    }
    s.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">offered load</text>%n",
            px + PLOT_W / 2,
            py + PLOT_H + 32));
    if (!Double.isNaN(targetLine)) {
      double yy = py + PLOT_H - scale(targetLine, lo, hi, log) * PLOT_H;
      s.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e66101\""
                  + " stroke-dasharray=\"4 3\"/><text x=\"%d\" y=\"%.1f\" fill=\"#e66101\">"
                  + "target</text>%n",
              px,
              yy,
              px + PLOT_W,
              yy,
              px + PLOT_W - 40,
              yy - 4));
    }
    int i = 0;
    for (List<Conditioning.Point> series : bySystem.values()) {
      String c = COLOURS[i++ % COLOURS.length];
      StringBuilder pts = new StringBuilder();
      for (Conditioning.Point p : series) {
        double v = Math.max(lo, Math.min(hi, y.applyAsDouble(p)));
        double xx = px + p.loadFactor() / maxLoad * PLOT_W;
        double yy = py + PLOT_H - scale(v, lo, hi, log) * PLOT_H;
        pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", xx, yy));
        s.append(
            String.format(
                Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n", xx, yy, c));
      }
      s.append(
          String.format(
              Locale.ROOT,
              "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>%n",
              pts.toString().trim(),
              c));
    }
  }

  private static double scale(double v, double lo, double hi, boolean log) {
    if (log) {
      return (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo));
    }
    return (v - lo) / (hi - lo);
  }
}
