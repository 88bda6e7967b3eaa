package org.seda4j.lab;

import java.util.List;

/**
 * A scenario of the lab: it runs in a JVM of its own and writes raw rows; verdicts, chart and
 * summary are computed from those rows (so they can be drawn again, and over two engines).
 */
abstract class Scenario {

  private final String id;
  private final String title;
  private final String description;

  /**
   * A scenario.
   *
   * @param id its identifier, such as {@code S1}
   * @param title a short title
   * @param description what it does and what it targets, one paragraph of markdown
   */
  Scenario(String id, String title, String description) {
    this.id = id;
    this.title = title;
    this.description = description;
  }

  final String id() {
    return id;
  }

  final String title() {
    return title;
  }

  final String description() {
    return description;
  }

  /**
   * Runs the scenario in this JVM, adding rows to the run's table.
   *
   * @param run the run
   * @throws Exception if it fails
   */
  abstract void run(Run run) throws Exception;

  /**
   * The verdicts of one engine's run.
   *
   * @param rows the rows of that engine
   * @param engine its label
   * @return one verdict per target
   */
  abstract List<Verdict> verdicts(List<Table.Row> rows, String engine);

  /**
   * The chart of the rows of every engine.
   *
   * @param rows the rows
   * @return SVG text
   */
  abstract String chart(Table rows);

  /**
   * Markdown tables of the rows of every engine (contenders and key figures).
   *
   * @param rows the rows
   * @return markdown
   */
  abstract String summary(Table rows);
}
