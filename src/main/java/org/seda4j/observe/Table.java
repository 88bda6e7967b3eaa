package org.seda4j.observe;

import java.util.List;
import java.util.Locale;

/** The text table of a {@link GraphSnapshot} (its {@code toString()}), for people. */
final class Table {
  private Table() {}

  /** The table of {@code snapshot}. */
  static String render(GraphSnapshot snapshot) {
    List<StageSnapshot> stages = snapshot.stages();
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
            s.queue().queued() + "/" + s.queue().capacity(),
            Integer.toString(s.handlers().permits()),
            Integer.toString(s.handlers().active()),
            Integer.toString(s.handlers().batchSize()),
            Long.toString(s.counts().admitted()),
            Long.toString(s.counts().completed()),
            Long.toString(s.counts().failed()),
            Long.toString(s.counts().cancelled()),
            Long.toString(s.counts().dropped()),
            Long.toString(s.counts().rejected()),
            s.queue().blockedProducers() + "p/" + s.handlers().blockedOnEmit() + "e",
            String.format(Locale.ROOT, "%.0f", s.handlers().throughput()),
            duration(s.latency().queueWait()),
            duration(s.latency().serviceTime())
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
    out.append(String.format(Locale.ROOT, "graph '%s' (%s)%n", snapshot.graph(), snapshot.state()));
    appendRow(out, header, width);
    for (String[] row : rows) {
      appendRow(out, row, width);
    }
    if (!snapshot.deadlocked().isEmpty()) {
      out.append("DEADLOCK: every handler of ")
          .append(snapshot.deadlocked())
          .append(" waits for room in a full queue of another of them; shut the graph down with")
          .append(" close(Duration) or shutdownNow(), and break the cycle of blocking emits")
          .append(System.lineSeparator());
    }
    for (StageSnapshot s : stages) {
      if (!s.counts().rejections().isEmpty() || s.counts().expired() > 0) {
        out.append("  ").append(s.name()).append(" rejected:");
        s.counts()
            .rejections()
            .forEach((reason, n) -> out.append(' ').append(reason).append('=').append(n));
        if (s.counts().expired() > 0) {
          out.append("; expired while queued: ").append(s.counts().expired());
        }
        out.append(System.lineSeparator());
      }
      if (!s.controllers().admission().isEmpty()) {
        out.append("  ")
            .append(s.name())
            .append(" admission: ")
            .append(s.controllers().admission())
            .append(System.lineSeparator());
      }
    }
    for (GraphSnapshot.Path p : snapshot.paths()) {
      Latency r = p.responseTime();
      out.append(
          String.format(
              Locale.ROOT,
              "  path %s -> %s: %d responses, p50 %s, p90 %s, p99 %s%n",
              p.entry(),
              p.exit(),
              r.count(),
              nanos(r.p50Nanos(), r.count()),
              nanos(r.p90Nanos(), r.count()),
              nanos(r.p99Nanos(), r.count())));
    }
    return out.toString();
  }

  /** A p99 in human units ("850ns", "12.3us", "1.2ms", "3.40s"), or "-" if nothing recorded. */
  private static String duration(Latency latency) {
    return nanos(latency.p99Nanos(), latency.count());
  }

  /** A duration in human units, or "-" if {@code count} is 0 (nothing recorded). */
  static String nanos(long n, long count) {
    if (count == 0) {
      return "-";
    }
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
