package org.seda4j.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Raw result rows of one scenario, written and read as CSV: named columns (the header is the union
 * of every row's columns, in order of first use), values quoted where they hold a comma, a quote or
 * a line break (RFC 4180), and {@code #} comment lines at the top that describe the run.
 */
public final class Table {

  /** One row: column name to value, as text. */
  public static final class Row {
    private final Map<String, String> values = new LinkedHashMap<>();

    /**
     * Sets a column to a text value.
     *
     * @param column the column
     * @param value the value
     * @return this row
     */
    public Row put(String column, String value) {
      values.put(column, value);
      return this;
    }

    /**
     * Sets a column to a number, in the shortest form that keeps {@code decimals} decimals.
     *
     * @param column the column
     * @param value the value
     * @param decimals how many decimals to keep
     * @return this row
     */
    public Row put(String column, double value, int decimals) {
      return put(column, String.format(Locale.ROOT, "%." + decimals + "f", value));
    }

    /**
     * Sets a column to an integer.
     *
     * @param column the column
     * @param value the value
     * @return this row
     */
    public Row put(String column, long value) {
      return put(column, Long.toString(value));
    }

    /**
     * A column's value.
     *
     * @param column the column
     * @return its value, empty if the row has none
     */
    public String get(String column) {
      return values.getOrDefault(column, "");
    }

    /**
     * A column's value as a number.
     *
     * @param column the column
     * @return its value, NaN if the row has none
     */
    public double number(String column) {
      String v = get(column);
      return v.isEmpty() ? Double.NaN : Double.parseDouble(v);
    }

    /**
     * Whether a column has the given value.
     *
     * @param column the column
     * @param value the value
     * @return whether they are equal
     */
    public boolean is(String column, String value) {
      return get(column).equals(value);
    }
  }

  private final List<String> comments = new ArrayList<>();
  private final List<Row> rows = new ArrayList<>();

  /**
   * Adds a row.
   *
   * @return the new row, to fill
   */
  public Row add() {
    Row r = new Row();
    rows.add(r);
    return r;
  }

  /**
   * Adds a comment line (written as {@code # text}).
   *
   * @param text the comment
   */
  public void comment(String text) {
    comments.add(text);
  }

  /**
   * The comment lines.
   *
   * @return the comments, without their {@code #}
   */
  public List<String> comments() {
    return comments;
  }

  /**
   * The rows.
   *
   * @return every row, in order
   */
  public List<Row> rows() {
    return rows;
  }

  /**
   * The rows that match.
   *
   * @param filter which rows
   * @return the matching rows, in order
   */
  public List<Row> rows(Predicate<Row> filter) {
    return rows.stream().filter(filter).toList();
  }

  /**
   * The first of some rows that matches.
   *
   * @param rows the rows
   * @param filter which rows
   * @return the first matching row, or {@code null}
   */
  public static @Nullable Row first(List<Row> rows, Predicate<Row> filter) {
    return rows.stream().filter(filter).findFirst().orElse(null);
  }

  /**
   * The distinct values of a column, in order of first appearance.
   *
   * @param column the column
   * @return its values
   */
  public List<String> distinct(String column) {
    Set<String> seen = new LinkedHashSet<>();
    for (Row r : rows) {
      seen.add(r.get(column));
    }
    return List.copyOf(seen);
  }

  /**
   * Appends another table's comments and rows.
   *
   * @param other the table to append
   */
  public void addAll(Table other) {
    comments.addAll(other.comments);
    rows.addAll(other.rows);
  }

  /**
   * Writes the table as CSV.
   *
   * @param file the file
   * @throws IOException if it cannot be written
   */
  public void write(Path file) throws IOException {
    Set<String> columns = new LinkedHashSet<>();
    for (Row r : rows) {
      columns.addAll(r.values.keySet());
    }
    StringBuilder s = new StringBuilder();
    for (String c : comments) {
      s.append("# ").append(c.replace('\n', ' ')).append('\n');
    }
    s.append(String.join(",", columns.stream().map(Table::quote).toList())).append('\n');
    for (Row r : rows) {
      List<String> fields = new ArrayList<>();
      for (String c : columns) {
        fields.add(quote(r.get(c)));
      }
      s.append(String.join(",", fields)).append('\n');
    }
    Files.writeString(file, s, StandardCharsets.UTF_8);
  }

  /**
   * Reads a table written by {@link #write}.
   *
   * @param file the file
   * @return the table
   * @throws IOException if it cannot be read
   */
  public static Table read(Path file) throws IOException {
    Table t = new Table();
    String text = Files.readString(file, StandardCharsets.UTF_8);
    List<List<String>> records = new ArrayList<>();
    int i = 0;
    while (i < text.length()) {
      if (text.charAt(i) == '#') {
        int end = text.indexOf('\n', i);
        end = end < 0 ? text.length() : end;
        t.comments.add(text.substring(Math.min(i + 2, end), end));
        i = end + 1;
        continue;
      }
      List<String> fields = new ArrayList<>();
      i = parseRecord(text, i, fields);
      records.add(fields);
    }
    if (records.isEmpty()) {
      return t;
    }
    List<String> header = records.get(0);
    for (List<String> fields : records.subList(1, records.size())) {
      Row r = t.add();
      for (int c = 0; c < header.size() && c < fields.size(); c++) {
        if (!fields.get(c).isEmpty()) {
          r.put(header.get(c), fields.get(c));
        }
      }
    }
    return t;
  }

  /**
   * Parses one CSV record starting at {@code i} into {@code fields}; returns where the next starts.
   */
  private static int parseRecord(String text, int start, List<String> fields) {
    StringBuilder field = new StringBuilder();
    int i = start;
    boolean quoted = false;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
          field.append('"');
          i += 2;
          continue;
        }
        if (c == '"') {
          quoted = false;
        } else {
          field.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        fields.add(field.toString());
        field.setLength(0);
      } else if (c == '\n') {
        break;
      } else if (c != '\r') {
        field.append(c);
      }
      i++;
    }
    fields.add(field.toString());
    return i + 1;
  }

  private static String quote(String v) {
    if (v.indexOf(',') < 0 && v.indexOf('"') < 0 && v.indexOf('\n') < 0 && v.indexOf('\r') < 0) {
      return v;
    }
    return '"' + v.replace("\"", "\"\"") + '"';
  }
}
