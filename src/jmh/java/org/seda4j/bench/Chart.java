package org.seda4j.bench;

import java.util.List;
import java.util.Locale;

/** A small hand-written SVG bar chart: panels of horizontal bars, two panels per row. */
final class Chart {

  /**
   * One bar.
   *
   * @param label the contender
   * @param value its length
   * @param error half the whisker
   * @param kind 0 peer, 1 the limit, 2 seda4j (colour)
   * @param text printed after the bar
   */
  record Bar(String label, double value, double error, int kind, String text) {}

  /**
   * One panel.
   *
   * @param title its title
   * @param bars its bars
   */
  record Panel(String title, List<Bar> bars) {}

  private static final String[] COLOURS = {"#8da0cb", "#555555", "#e66101"};
  private static final int LABEL = 250;
  private static final int BARS = 200;
  private static final int PANEL_W = LABEL + BARS + 70;
  private static final int ROW_H = 20;

  private Chart() {}

  static String render(String title, List<Panel> panels, boolean log) {
    int maxBars = 1;
    for (Panel p : panels) {
      maxBars = Math.max(maxBars, p.bars().size());
    }
    int panelH = 30 + maxBars * ROW_H + 10;
    int cols = Math.min(2, panels.size());
    int rowsOfPanels = (panels.size() + 1) / 2;
    int width = cols * PANEL_W + 20;
    int height = 40 + rowsOfPanels * panelH + 10;
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
                + " font-family=\"sans-serif\" font-size=\"12\">%n",
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
            "<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">%s</text>%n",
            escape(title)));
    for (int i = 0; i < panels.size(); i++) {
      int x0 = 10 + (i % 2) * PANEL_W;
      int y0 = 40 + (i / 2) * panelH;
      panel(s, panels.get(i), x0, y0, log);
    }
    s.append("</svg>\n");
    return s.toString();
  }

  private static void panel(StringBuilder s, Panel p, int x0, int y0, boolean log) {
    s.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"%d\" font-size=\"13\" font-weight=\"bold\">%s</text>%n",
            x0,
            y0 + 16,
            escape(p.title())));
    double max = 0;
    double min = Double.MAX_VALUE;
    for (Bar b : p.bars()) {
      max = Math.max(max, b.value() + b.error());
      if (b.value() > 0) {
        min = Math.min(min, b.value());
      }
    }
    if (max <= 0) {
      return;
    }
    double lo = log ? Math.pow(10, Math.floor(Math.log10(min))) : 0;
    double hi = log ? Math.pow(10, Math.ceil(Math.log10(max))) : max;
    int barX = x0 + LABEL;
    int y = y0 + 28;
    s.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>%n",
            barX,
            y - 4,
            barX,
            y + p.bars().size() * ROW_H));
    for (Bar b : p.bars()) {
      double w = scale(b.value(), lo, hi, log);
      s.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%d\" text-anchor=\"end\"%s>%s</text>%n",
              barX - 6,
              y + 12,
              b.kind() == 2 ? " font-weight=\"bold\"" : "",
              escape(b.label())));
      s.append(
          String.format(
              Locale.ROOT,
              "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>%n",
              barX,
              y + 2,
              Math.max(1, w),
              ROW_H - 5,
              COLOURS[b.kind()]));
      double end = w;
      if (b.error() > 0) {
        double l = scale(Math.max(lo, b.value() - b.error()), lo, hi, log);
        double r = scale(b.value() + b.error(), lo, hi, log);
        int my = y + 2 + (ROW_H - 5) / 2;
        s.append(
            String.format(
                Locale.ROOT,
                "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\"/>%n",
                barX + l,
                my,
                barX + r,
                my));
        end = Math.max(end, r);
      }
      s.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%.1f\" y=\"%d\" fill=\"#333\">%s</text>%n",
              barX + end + 4,
              y + 12,
              escape(b.text())));
      y += ROW_H;
    }
  }

  private static double scale(double v, double lo, double hi, boolean log) {
    if (log) {
      if (v <= lo) {
        return 0;
      }
      return BARS * Math.log(v / lo) / Math.log(hi / lo);
    }
    return BARS * v / hi;
  }

  private static String escape(String t) {
    return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
