package org.seda4j;

import java.util.List;
import java.util.Locale;

/**
 * A point-in-time view of a graph: its state and one {@link StageSnapshot} per stage, in creation
 * order. {@link #toString()} renders a table meant for people (jshell prints it).
 *
 * @param graph the graph's name
 * @param state the graph's lifecycle state
 * @param stages the stages, in creation order
 */
public record GraphSnapshot(String graph, StageGraph.State state, List<StageSnapshot> stages) {

  /**
   * Copies the list.
   *
   * @param graph the graph's name
   * @param state the graph's lifecycle state
   * @param stages the stages, in creation order
   */
  public GraphSnapshot {
    stages = List.copyOf(stages);
  }

  /**
   * Sum of {@link StageSnapshot#admitted()} over all stages.
   *
   * @return events admitted by the graph's stages
   */
  public long admitted() {
    return stages.stream().mapToLong(StageSnapshot::admitted).sum();
  }

  /**
   * Sum of {@link StageSnapshot#rejected()} over all stages.
   *
   * @return events rejected by the graph's stages
   */
  public long rejected() {
    return stages.stream().mapToLong(StageSnapshot::rejected).sum();
  }

  /**
   * Sum of {@link StageSnapshot#finished()} over all stages.
   *
   * @return admitted events that reached an end
   */
  public long finished() {
    return stages.stream().mapToLong(StageSnapshot::finished).sum();
  }

  /**
   * Whether every stage's accounting balances (see {@link StageSnapshot#balanced()}).
   *
   * @return whether every admitted event of the graph is accounted for
   */
  public boolean balanced() {
    return stages.stream().allMatch(StageSnapshot::balanced);
  }

  /**
   * The snapshot as a text table, one row per stage.
   *
   * @return the table
   */
  @Override
  public String toString() {
    String[] header = {
      "stage",
      "queue",
      "permits",
      "active",
      "batch",
      "admitted",
      "completed",
      "failed",
      "cancelled",
      "dropped",
      "rejected",
      "blocked",
      "events/s",
      "wait p99",
      "service p99"
    };
    String[][] rows = new String[stages.size()][];
    for (int i = 0; i < rows.length; i++) {
      StageSnapshot s = stages.get(i);
      rows[i] =
          new String[] {
            s.name(),
            s.queued() + "/" + s.capacity(),
            Integer.toString(s.permits()),
            Integer.toString(s.activeHandlers()),
            Integer.toString(s.batchSize()),
            Long.toString(s.admitted()),
            Long.toString(s.completed()),
            Long.toString(s.failed()),
            Long.toString(s.cancelled()),
            Long.toString(s.dropped()),
            Long.toString(s.rejected()),
            s.blockedProducers() + "p/" + s.blockedOnEmit() + "e",
            String.format(Locale.ROOT, "%.0f", s.throughput()),
            duration(s.queueWait()),
            duration(s.serviceTime())
          };
    }
    int[] width = new int[header.length];
    for (int c = 0; c < header.length; c++) {
      width[c] = header[c].length();
      for (String[] row : rows) {
        width[c] = Math.max(width[c], row[c].length());
      }
    }
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "graph '%s' (%s)%n", graph, state));
    appendRow(out, header, width);
    for (String[] row : rows) {
      appendRow(out, row, width);
    }
    return out.toString();
  }

  /** A p99 in human units ("850ns", "12.3us", "1.2ms", "3.40s"), or "-" if nothing recorded. */
  static String duration(Latency latency) {
    if (latency.count() == 0) {
      return "-";
    }
    long n = latency.p99Nanos();
    if (n < 1_000) {
      return n + "ns";
    } else if (n < 1_000_000) {
      return String.format(Locale.ROOT, "%.1fus", n / 1e3);
    } else if (n < 1_000_000_000) {
      return String.format(Locale.ROOT, "%.1fms", n / 1e6);
    }
    return String.format(Locale.ROOT, "%.2fs", n / 1e9);
  }

  private static void appendRow(StringBuilder out, String[] cells, int[] width) {
    for (int c = 0; c < cells.length; c++) {
      if (c == 0) {
        out.append(cells[c]).append(" ".repeat(width[c] - cells[c].length()));
      } else {
        out.append("  ").append(" ".repeat(width[c] - cells[c].length())).append(cells[c]);
      }
    }
    out.append(System.lineSeparator());
  }
}
