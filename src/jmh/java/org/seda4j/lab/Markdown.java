package org.seda4j.lab;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Markdown tables and number formats for the summary. */
final class Markdown {

  private Markdown() {}

  /** A table with a header row. */
  static String table(List<String> header, List<List<String>> rows) {
    StringBuilder s = new StringBuilder();
    s.append("| ").append(String.join(" | ", header)).append(" |\n|");
    s.append("---|".repeat(header.size())).append('\n');
    for (List<String> r : rows) {
      List<String> cells = new ArrayList<>();
      for (String c : r) {
        cells.add(c.replace("|", "\\|").replace('\n', ' '));
      }
      s.append("| ").append(String.join(" | ", cells)).append(" |\n");
    }
    return s.toString();
  }

  /** A number with thousands separators and no decimals. */
  static String count(double v) {
    return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%,.0f", v);
  }

  /** A number with {@code decimals} decimals. */
  static String fixed(double v, int decimals) {
    return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  /** A duration in ms, as ms below 1 s and as s above. */
  static String millis(double ms) {
    if (Double.isNaN(ms)) {
      return "–";
    }
    return ms >= 1000
        ? String.format(Locale.ROOT, "%.1f s", ms / 1000)
        : String.format(Locale.ROOT, "%.0f ms", ms);
  }

  /** The name of a contender, with its engine when the table holds more than one engine. */
  static String who(Table.Row r, boolean engines) {
    return r.get("contender") + (engines ? " [" + r.get("engine") + "]" : "");
  }

  /** A seda4j stage's permits and batch size at the end, or empty for other contenders. */
  static String settings(Table.Row r) {
    return r.get("permits_end").isEmpty() ? "" : r.get("permits_end") + " / " + r.get("batch_end");
  }

  /** Whether the rows come from more than one engine. */
  static boolean engines(List<Table.Row> rows) {
    return rows.stream().map(r -> r.get("engine")).distinct().count() > 1;
  }
}
