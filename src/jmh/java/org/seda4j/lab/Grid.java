package org.seda4j.lab;

import java.util.List;
import java.util.Locale;

/**
 * A hand-written SVG table of coloured cells: a heat map of a grid search (rows and columns are the
 * two settings, a cell's shade its result) or a score card (a cell green or red by its target).
 * Blocks are stacked one under the other.
 */
public final class Grid {

  /**
   * One cell.
   *
   * @param text what it says
   * @param fill its colour
   * @param marked whether it has a thick border (the default's configuration)
   */
  public record Cell(String text, String fill, boolean marked) {}

  /**
   * One table.
   *
   * @param title its title
   * @param corner the text above the row labels (what rows and columns are)
   * @param columns the column labels
   * @param rows the row labels
   * @param cells the cells, row by row
   * @param notes lines of text under the table
   * @param cellWidth the width of a cell
   */
  public record Block(
      String title,
      String corner,
      List<String> columns,
      List<String> rows,
      List<List<Cell>> cells,
      List<String> notes,
      int cellWidth) {}

  /** Met. */
  static final String GREEN = "#c7e9c0";

  /** Missed. */
  static final String RED = "#fcbba1";

  private static final int LABEL_W = 180;
  private static final int CELL_H = 26;

  private Grid() {}

  /**
   * A shade of blue for a fraction: white at 0, dark at 1.
   *
   * @param fraction from 0 to 1
   * @return the colour
   */
  static String shade(double fraction) {
    double f = Double.isNaN(fraction) ? 0 : Math.max(0, Math.min(1, fraction));
    int r = (int) Math.round(247 + (33 - 247) * f);
    int g = (int) Math.round(251 + (113 - 251) * f);
    int b = (int) Math.round(255 + (181 - 255) * f);
    return String.format(Locale.ROOT, "#%02x%02x%02x", r, g, b);
  }

  /**
   * Draws the tables.
   *
   * @param title the chart's title
   * @param blocks the tables
   * @return the SVG text
   */
  public static String render(String title, List<Block> blocks) {
    int width = Math.max(700, 20 + title.length() * 8);
    int height = 40;
    for (Block b : blocks) {
      width = Math.max(width, 20 + LABEL_W + b.columns().size() * b.cellWidth() + 20);
      for (String note : b.notes()) {
        width = Math.max(width, 30 + note.length() * 7);
      }
      height += blockHeight(b);
    }
    Svg svg = new Svg(width, height);
    svg.text(10, 20, title, "font-size=\"14\" font-weight=\"bold\"");
    int y = 40;
    for (Block b : blocks) {
      block(svg, b, 10, y);
      y += blockHeight(b);
    }
    return svg.end();
  }

  private static int blockHeight(Block b) {
    return 30 + CELL_H * (b.rows().size() + 1) + 16 * b.notes().size() + 20;
  }

  private static void block(Svg svg, Block b, int x0, int y0) {
    int cellWidth = b.cellWidth();
    svg.text(x0, y0 + 16, b.title(), "font-size=\"13\" font-weight=\"bold\"");
    int top = y0 + 26;
    svg.text(x0 + LABEL_W - 8, top + 17, b.corner(), "text-anchor=\"end\" fill=\"#666\"");
    for (int c = 0; c < b.columns().size(); c++) {
      svg.text(
          x0 + LABEL_W + c * cellWidth + cellWidth / 2.0,
          top + 17,
          b.columns().get(c),
          "text-anchor=\"middle\" font-weight=\"bold\"");
    }
    for (int r = 0; r < b.rows().size(); r++) {
      int yy = top + CELL_H * (r + 1);
      svg.text(
          x0 + LABEL_W - 8, yy + 17, b.rows().get(r), "text-anchor=\"end\" font-weight=\"bold\"");
      List<Cell> row = b.cells().get(r);
      for (int c = 0; c < row.size(); c++) {
        Cell cell = row.get(c);
        double xx = x0 + LABEL_W + c * cellWidth;
        svg.rect(xx, yy, cellWidth - 2, CELL_H - 2, cell.fill(), "#ddd");
        String colour = dark(cell.fill()) ? "fill=\"white\"" : "fill=\"black\"";
        svg.text(
            xx + (cellWidth - 2) / 2.0, yy + 17, cell.text(), "text-anchor=\"middle\" " + colour);
      }
    }
    for (int r = 0; r < b.rows().size(); r++) {
      List<Cell> row = b.cells().get(r);
      for (int c = 0; c < row.size(); c++) {
        if (row.get(c).marked()) {
          svg.rect(
              x0 + LABEL_W + c * cellWidth - 1,
              top + CELL_H * (r + 1) - 1,
              cellWidth,
              CELL_H,
              "none",
              "#e66101",
              3);
        }
      }
    }
    int ny = top + CELL_H * (b.rows().size() + 1) + 14;
    for (String note : b.notes()) {
      svg.text(x0, ny, note, "fill=\"#333\"");
      ny += 16;
    }
  }

  private static boolean dark(String fill) {
    if (!fill.startsWith("#") || fill.length() != 7) {
      return false;
    }
    int r = Integer.parseInt(fill.substring(1, 3), 16);
    int g = Integer.parseInt(fill.substring(3, 5), 16);
    int b = Integer.parseInt(fill.substring(5, 7), 16);
    return 0.299 * r + 0.587 * g + 0.114 * b < 140;
  }
}
