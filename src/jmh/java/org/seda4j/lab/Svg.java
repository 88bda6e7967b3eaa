package org.seda4j.lab;

import java.util.Locale;

/** A small hand-written SVG document: shapes and text, no dependency. */
public final class Svg {

  private final StringBuilder s = new StringBuilder();

  /**
   * Starts a document with a white background.
   *
   * @param width its width
   * @param height its height
   */
  public Svg(int width, int height) {
    s.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d"
                + " %d\" font-family=\"sans-serif\" font-size=\"12\">%n",
            width,
            height,
            width,
            height));
    rect(0, 0, width, height, "white", "none");
  }

  /**
   * Text.
   *
   * @param x where
   * @param y its baseline
   * @param text the text (escaped here)
   * @param attributes more attributes, such as {@code text-anchor="end"}, or empty
   * @return this document
   */
  public Svg text(double x, double y, String text, String attributes) {
    s.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%.1f\" y=\"%.1f\"%s>%s</text>%n",
            x,
            y,
            attributes.isEmpty() ? "" : " " + attributes,
            escape(text)));
    return this;
  }

  /**
   * A rectangle.
   *
   * @param x left
   * @param y top
   * @param w width
   * @param h height
   * @param fill fill colour, or {@code none}
   * @param stroke stroke colour, or {@code none}
   * @return this document
   */
  public Svg rect(double x, double y, double w, double h, String fill, String stroke) {
    return rect(x, y, w, h, fill, stroke, 1);
  }

  /**
   * A rectangle with a stroke of some width.
   *
   * @param x left
   * @param y top
   * @param w width
   * @param h height
   * @param fill fill colour, or {@code none}
   * @param stroke stroke colour, or {@code none}
   * @param strokeWidth the stroke's width
   * @return this document
   */
  public Svg rect(
      double x, double y, double w, double h, String fill, String stroke, double strokeWidth) {
    s.append(
        String.format(
            Locale.ROOT,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\""
                + " stroke=\"%s\" stroke-width=\"%.1f\"/>%n",
            x,
            y,
            w,
            h,
            fill,
            stroke,
            strokeWidth));
    return this;
  }

  /**
   * A line.
   *
   * @param x1 start x
   * @param y1 start y
   * @param x2 end x
   * @param y2 end y
   * @param stroke colour
   * @param attributes more attributes ({@code stroke-dasharray="4 3"}), or empty
   * @return this document
   */
  public Svg line(double x1, double y1, double x2, double y2, String stroke, String attributes) {
    s.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"%s/>%n",
            x1,
            y1,
            x2,
            y2,
            stroke,
            attributes.isEmpty() ? "" : " " + attributes));
    return this;
  }

  /**
   * A polyline.
   *
   * @param points {@code x,y x,y ...}
   * @param stroke colour
   * @param width stroke width
   * @return this document
   */
  public Svg polyline(String points, String stroke, double width) {
    s.append(
        String.format(
            Locale.ROOT,
            "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"/>%n",
            points,
            stroke,
            width));
    return this;
  }

  /**
   * A dot.
   *
   * @param cx centre x
   * @param cy centre y
   * @param r radius
   * @param fill colour
   * @return this document
   */
  public Svg circle(double cx, double cy, double r, String fill) {
    s.append(
        String.format(
            Locale.ROOT,
            "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\"/>%n",
            cx,
            cy,
            r,
            fill));
    return this;
  }

  /**
   * Ends the document.
   *
   * @return the SVG text
   */
  public String end() {
    return s + "</svg>\n";
  }

  static String escape(String t) {
    return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
