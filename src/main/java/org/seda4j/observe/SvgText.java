package org.seda4j.observe;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import org.seda4j.RejectionReason;

/**
 * What every part of the SVG pictures writes with: the palette, the root element, text elements,
 * numbers for coordinates and for people, and escaping.
 */
final class SvgText {
  private SvgText() {}

  /** The space between a picture's edge and what it shows. */
  static final int MARGIN = 16;

  /** The width of a sparkline's cell. */
  static final int CELL_W = 138;

  static final String INK = "#1f2933";
  static final String MUTED = "#616e7c";
  static final String NODE_STROKE = "#3e6aa8";
  static final String NODE_FILL = "#f5f8fc";
  static final String ALARM = "#c62828";
  static final String EDGE = "#7b8794";
  static final String SPARK = "#2b6cb0";
  static final String GRID = "#d9dee5";

  /** A colour per rejection reason, so a reason keeps its colour from picture to picture. */
  private static final Map<RejectionReason, String> REASON_COLOURS = reasonColours();

  /** The root element, sized, with a white background. */
  static void open(StringBuilder out, int width, int height) {
    out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"seda4j\" width=\"")
        .append(width)
        .append("\" height=\"")
        .append(height)
        .append("\" viewBox=\"0 0 ")
        .append(width)
        .append(' ')
        .append(height)
        .append("\" font-family=\"system-ui, -apple-system, 'Segoe UI', Helvetica, Arial,")
        .append(" sans-serif\" font-size=\"12\">\n")
        .append("<rect width=\"")
        .append(width)
        .append("\" height=\"")
        .append(height)
        .append("\" fill=\"#ffffff\"/>\n");
  }

  static void text(
      StringBuilder out,
      double x,
      double y,
      double size,
      String colour,
      String anchor,
      String text,
      String attributes) {
    out.append("<text x=\"")
        .append(number(x))
        .append("\" y=\"")
        .append(number(y))
        .append("\" font-size=\"")
        .append(number(size))
        .append("\" fill=\"")
        .append(colour)
        .append('"');
    if (!anchor.equals("start")) {
      out.append(" text-anchor=\"").append(anchor).append('"');
    }
    if (!attributes.isEmpty()) {
      out.append(' ').append(attributes);
    }
    out.append('>').append(escape(text)).append("</text>\n");
  }

  /** A coordinate with at most one decimal. */
  static String number(double d) {
    long tenths = Math.round(d * 10);
    return tenths % 10 == 0
        ? Long.toString(tenths / 10)
        : String.format(Locale.ROOT, "%.1f", tenths / 10.0);
  }

  /** A rate for people: one decimal below 10, else whole and grouped ("1,234"). */
  static String rate(double perSecond) {
    if (Double.isNaN(perSecond)) {
      return "-";
    }
    return perSecond < 9.95
        ? String.format(Locale.ROOT, "%.1f", perSecond)
        : String.format(Locale.ROOT, "%,.0f", perSecond);
  }

  static String grouped(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  static String grouped(double d) {
    return String.format(Locale.ROOT, "%,.0f", d);
  }

  static String seconds(double s) {
    return String.format(Locale.ROOT, "%.1f s", s);
  }

  static String shorten(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "\u2026";
  }

  /** Text safe in SVG (XML) text and in double-quoted attribute values. */
  static String escape(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      switch (ch) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> {
          // Characters XML 1.0 does not allow at all (controls but tab, line feed, return).
          if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') {
            out.append('\uFFFD');
          } else {
            out.append(ch);
          }
        }
      }
    }
    return out.toString();
  }

  static String reasonColour(RejectionReason reason) {
    String colour = REASON_COLOURS.get(reason);
    return colour == null ? ALARM : colour;
  }

  private static Map<RejectionReason, String> reasonColours() {
    Map<RejectionReason, String> colours = new EnumMap<>(RejectionReason.class);
    String[] palette = {
      "#c62828", "#ef6c00", "#6d4c41", "#8e24aa", "#00897b", "#f9a825", "#d81b60", "#5e35b1"
    };
    RejectionReason[] reasons = RejectionReason.values();
    for (int i = 0; i < reasons.length; i++) {
      colours.put(reasons[i], palette[i % palette.length]);
    }
    return colours;
  }
}
