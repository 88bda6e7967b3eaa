package org.seda4j.lab;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A hand-written SVG line chart: panels side by side (wrapping after a number of columns), each
 * with linear or logarithmic axes, one line per series, reference lines (a target, a step), and one
 * legend for all panels, in which a series has the same colour everywhere.
 */
public final class LineChart {

  /**
   * A point.
   *
   * @param x its x
   * @param y its y
   */
  public record Point(double x, double y) {}

  /**
   * A line.
   *
   * @param name its legend entry (one colour per name)
   * @param points its points, in x order
   */
  public record Series(String name, List<Point> points) {}

  /**
   * An axis. Values outside the range are drawn at its edge.
   *
   * @param label what it shows
   * @param lo its lowest value (positive if logarithmic)
   * @param hi its highest value
   * @param log whether it is logarithmic (ticks at powers of ten)
   * @param unit appended to tick labels (such as {@code " C"}), or empty
   */
  public record Axis(String label, double lo, double hi, boolean log, String unit) {}

  /**
   * A reference line across a panel.
   *
   * @param vertical whether it is vertical (at an x) or horizontal (at a y)
   * @param at where
   * @param label its label
   */
  public record Mark(boolean vertical, double at, String label) {}

  /**
   * A panel.
   *
   * @param title its title
   * @param x its x axis
   * @param y its y axis
   * @param series its lines
   * @param marks its reference lines
   */
  public record Panel(String title, Axis x, Axis y, List<Series> series, List<Mark> marks) {}

  private static final String[] COLOURS = {
    "#e66101", "#5e3c99", "#1b9e77", "#666666", "#0571b0", "#e7298a", "#a6761d", "#66a61e",
    "#17becf", "#b2182b"
  };
  private static final int W = 460;
  private static final int H = 300;
  private static final int LEFT = 60;
  private static final int TOP = 40;
  private static final int PLOT_W = W - LEFT - 20;
  private static final int PLOT_H = H - TOP - 50;

  private LineChart() {}

  /**
   * Draws the chart.
   *
   * @param title the chart's title
   * @param panels the panels
   * @param columns panels per row
   * @return the SVG text
   */
  public static String render(String title, List<Panel> panels, int columns) {
    Map<String, String> colours = new LinkedHashMap<>();
    for (Panel p : panels) {
      for (Series s : p.series()) {
        colours.computeIfAbsent(s.name(), k -> COLOURS[colours.size() % COLOURS.length]);
      }
    }
    int cols = Math.max(1, Math.min(columns, panels.size()));
    int rows = (panels.size() + cols - 1) / cols;
    int width = Math.max(Math.max(cols * W + 20, 700), 20 + title.length() * 8);
    List<List<String>> legendLines = legendLines(colours.keySet(), width - 40);
    int height = 30 + rows * H + 20 * legendLines.size() + 10;
    Svg svg = new Svg(width, height);
    svg.text(10, 20, title, "font-size=\"14\" font-weight=\"bold\"");
    for (int i = 0; i < panels.size(); i++) {
      panel(svg, 10 + (i % cols) * W, 30 + (i / cols) * H, panels.get(i), colours);
    }
    int ly = 30 + rows * H + 15;
    for (List<String> line : legendLines) {
      int lx = 20;
      for (String name : line) {
        svg.rect(lx, ly - 5, 14, 4, colour(colours, name), "none");
        svg.text(lx + 18, ly, name, "");
        lx += legendWidth(name);
      }
      ly += 20;
    }
    return svg.end();
  }

  private static int legendWidth(String name) {
    return 40 + name.length() * 7;
  }

  private static List<List<String>> legendLines(Iterable<String> names, int width) {
    List<List<String>> lines = new ArrayList<>();
    List<String> line = new ArrayList<>();
    int used = 0;
    for (String n : names) {
      if (!line.isEmpty() && used + legendWidth(n) > width) {
        lines.add(line);
        line = new ArrayList<>();
        used = 0;
      }
      line.add(n);
      used += legendWidth(n);
    }
    if (!line.isEmpty()) {
      lines.add(line);
    }
    return lines;
  }

  private static void panel(Svg svg, int x0, int y0, Panel p, Map<String, String> colours) {
    int px = x0 + LEFT;
    int py = y0 + TOP;
    svg.text(x0 + 10, y0 + 20, p.title(), "font-weight=\"bold\"");
    svg.rect(px, py, PLOT_W, PLOT_H, "none", "#999");
    for (double t : ticks(p.y())) {
      double yy = py + PLOT_H - scale(t, p.y()) * PLOT_H;
      svg.line(px, yy, px + PLOT_W, yy, "#eee", "");
      svg.text(px - 5, yy + 4, format(t) + p.y().unit(), "text-anchor=\"end\"");
    }
    for (double t : ticks(p.x())) {
      double xx = px + scale(t, p.x()) * PLOT_W;
      svg.text(xx, py + PLOT_H + 15, format(t) + p.x().unit(), "text-anchor=\"middle\"");
    }
    svg.text(px + PLOT_W / 2.0, py + PLOT_H + 32, p.x().label(), "text-anchor=\"middle\"");
    svg.text(
        x0 + 14,
        py + PLOT_H / 2.0,
        p.y().label(),
        String.format(
            Locale.ROOT,
            "text-anchor=\"middle\" transform=\"rotate(-90 %d %.1f)\"",
            x0 + 14,
            py + PLOT_H / 2.0));
    for (Mark m : p.marks()) {
      if (m.vertical()) {
        double xx = px + clamp(scale(m.at(), p.x())) * PLOT_W;
        svg.line(xx, py, xx, py + PLOT_H, "#999", "stroke-dasharray=\"4 3\"");
        svg.text(xx + 3, py + 12, m.label(), "fill=\"#666\"");
      } else {
        double yy = py + PLOT_H - clamp(scale(m.at(), p.y())) * PLOT_H;
        svg.line(px, yy, px + PLOT_W, yy, "#333", "stroke-dasharray=\"4 3\"");
        svg.text(px + PLOT_W - 4, yy - 4, m.label(), "fill=\"#333\" text-anchor=\"end\"");
      }
    }
    for (Series s : p.series()) {
      String c = colour(colours, s.name());
      StringBuilder pts = new StringBuilder();
      for (Point pt : s.points()) {
        if (Double.isNaN(pt.y())) {
          continue;
        }
        double xx = px + clamp(scale(pt.x(), p.x())) * PLOT_W;
        double yy = py + PLOT_H - clamp(scale(pt.y(), p.y())) * PLOT_H;
        pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", xx, yy));
        if (s.points().size() <= 20) {
          svg.circle(xx, yy, 3, c);
        }
      }
      svg.polyline(pts.toString().trim(), c, s.points().size() <= 20 ? 2 : 1.2);
    }
  }

  /** The colour render gave the series {@code name} (it gives every series one). */
  private static String colour(Map<String, String> colours, String name) {
    return Objects.requireNonNull(colours.get(name), name);
  }

  private static List<Double> ticks(Axis a) {
    List<Double> ticks = new ArrayList<>();
    if (a.log()) {
      for (double t = Math.pow(10, Math.ceil(Math.log10(a.lo()) - 1e-9)); t <= a.hi() * 1.0001; ) {
        ticks.add(t);
        t *= 10;
      }
      return ticks;
    }
    double span = a.hi() - a.lo();
    double step = Math.pow(10, Math.floor(Math.log10(span / 5)));
    for (double m : new double[] {1, 2, 2.5, 5, 10}) {
      if (span / (step * m) <= 6) {
        step *= m;
        break;
      }
    }
    for (double t = Math.ceil(a.lo() / step) * step; t <= a.hi() + step * 1e-6; t += step) {
      ticks.add(Math.abs(t) < step * 1e-9 ? 0 : t);
    }
    return ticks;
  }

  /**
   * A number in few characters: {@code 1.5k}, {@code 2M}, {@code 0.25}.
   *
   * @param v the number
   * @return its text
   */
  static String format(double v) {
    double a = Math.abs(v);
    if (a >= 1e6) {
      return trim(String.format(Locale.ROOT, "%.1f", v / 1e6)) + "M";
    }
    if (a >= 1e4) {
      return trim(String.format(Locale.ROOT, "%.0f", v / 1e3)) + "k";
    }
    if (a >= 1e3) {
      return trim(String.format(Locale.ROOT, "%.1f", v / 1e3)) + "k";
    }
    if (a >= 10 || a == 0) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    return trim(String.format(Locale.ROOT, "%.2f", v));
  }

  private static String trim(String s) {
    return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
  }

  private static double scale(double v, Axis a) {
    if (a.log()) {
      double lv = Math.log10(Math.max(v, a.lo()));
      return (lv - Math.log10(a.lo())) / (Math.log10(a.hi()) - Math.log10(a.lo()));
    }
    return (v - a.lo()) / (a.hi() - a.lo());
  }

  private static double clamp(double f) {
    return Math.max(0, Math.min(1, f));
  }
}
