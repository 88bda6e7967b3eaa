package org.seda4j.observe;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.seda4j.DeadLetter;
import org.seda4j.FailurePolicy;
import org.seda4j.FullQueuePolicy;
import org.seda4j.Stage;
import org.seda4j.StageContext;
import org.seda4j.StageGraph;

/**
 * A point-in-time view of a graph: its state, one {@link StageSnapshot} per stage, in creation
 * order, the {@link Edge edges} of the stage network discovered from actual emits, and the stages
 * found {@link #deadlocked() deadlocked}, if any. {@link #toString()} renders a table meant for
 * people (jshell prints it); {@link #toMermaid()} and {@link #toDot()} render the network as a
 * diagram. A snapshot is immutable; all its methods are pure computations that never block, and any
 * thread may call them.
 *
 * @param graph the graph's name
 * @param state the graph's lifecycle state
 * @param stages the stages, in creation order
 * @param edges the edges that carried at least one event, ordered by source stage, then target
 *     stage, each in creation order
 * @param paths the measured paths ({@link StageGraph#measurePath}), in the order they were first
 *     measured
 * @param deadlocked the stages found deadlocked, in creation order; empty if none. A set of stages
 *     is deadlocked when every handler of each of them waits, without a bound, for room in a full
 *     queue of another of them (a blocking {@link StageContext#emit emit} or a {@link Stage#put
 *     put} under {@link FullQueuePolicy#block()} round a cycle, a stage emitting to itself
 *     included) and none of them has a free permit to drain its own queue: none can move until its
 *     permits are raised or the graph is shut down. The graph's sampler thread looks for this once
 *     per sampling period and reports a set (here, and in one WARN line naming the cycle) after two
 *     consecutive periods found it with no event moving, so within about three sampling periods of
 *     the moment it formed; the entry is cleared when the set moves again and when the graph
 *     terminates. See {@link StageGraph} ("Cycles") for the remedies.
 */
public record GraphSnapshot(
    String graph,
    StageGraph.State state,
    List<StageSnapshot> stages,
    List<Edge> edges,
    List<Path> paths,
    List<String> deadlocked) {

  /**
   * Copies the lists.
   *
   * @param graph the graph's name
   * @param state the graph's lifecycle state
   * @param stages the stages, in creation order
   * @param edges the edges that carried at least one event
   * @param paths the measured paths
   * @param deadlocked the stages found deadlocked, in creation order
   */
  public GraphSnapshot {
    stages = List.copyOf(stages);
    edges = List.copyOf(edges);
    paths = List.copyOf(paths);
    deadlocked = List.copyOf(deadlocked);
  }

  /**
   * A snapshot with no measured path and no deadlocked stage.
   *
   * @param graph the graph's name
   * @param state the graph's lifecycle state
   * @param stages the stages, in creation order
   * @param edges the edges that carried at least one event
   */
  public GraphSnapshot(
      String graph, StageGraph.State state, List<StageSnapshot> stages, List<Edge> edges) {
    this(graph, state, stages, edges, List.of(), List.of());
  }

  /**
   * The end-to-end response time of a measured path (see {@link StageGraph#measurePath}): from
   * admission at {@code entry} to the end of handling, at {@code exit}, of the events it led to. An
   * immutable value: its methods never block and any thread may call them.
   *
   * @param entry the entry stage's name
   * @param exit the exit stage's name
   * @param responseTime the response times over the recent window: the last one to two samples of
   *     the entry's response-time admission controller when it measures this path, else one to two
   *     sampling periods of activity
   */
  public record Path(String entry, String exit, Latency responseTime) {

    /**
     * Checks the arguments.
     *
     * @param entry the entry stage's name
     * @param exit the exit stage's name
     * @param responseTime the response times
     */
    public Path {
      Objects.requireNonNull(entry, "entry must not be null");
      Objects.requireNonNull(exit, "exit must not be null");
      Objects.requireNonNull(responseTime, "responseTime must not be null");
    }
  }

  /**
   * One edge of the stage network: events that stage {@code from} sent to stage {@code to} and that
   * {@code to} admitted. An edge exists once the first such event is admitted; nothing is declared
   * up front.
   *
   * <p>What counts: events emitted by a handler of {@code from} through {@link StageContext#emit}
   * or {@link StageContext#offer} (including the forwarding of a {@code map} stage), events a
   * handler of {@code from} put or offered directly on {@code to} ({@link Stage#put} and friends
   * called on a handler thread of the same graph), and {@link DeadLetter}s that the failure policy
   * {@link FailurePolicy#deadLetter} of {@code from} routed to {@code to}. An event counts when the
   * target admits it, exactly when it adds to the target's {@link StageSnapshot#admitted()} (so an
   * event shed by {@link FullQueuePolicy#dropNewest()} counts as well); events the target rejected
   * or turned away as closed do not count. Events from producers outside the graph are not edges,
   * so a stage's incoming edges sum to at most its {@code admitted}; the difference came from
   * outside.
   *
   * <p>Each count is exact; like the stage counters, the edges are read without stopping the graph,
   * so while events flow they may be a few events apart from the stage snapshots. At a quiescent
   * moment they agree. An edge is an immutable value: its methods never block and any thread may
   * call them.
   *
   * @param from the source stage's name
   * @param to the target stage's name
   * @param events events {@code to} admitted from {@code from}
   */
  public record Edge(String from, String to, long events) {

    /**
     * Checks the arguments.
     *
     * @param from the source stage's name, not {@code null}
     * @param to the target stage's name, not {@code null}
     * @param events events {@code to} admitted from {@code from}, not negative
     */
    public Edge {
      Objects.requireNonNull(from, "from must not be null");
      Objects.requireNonNull(to, "to must not be null");
      if (events < 0) {
        throw new IllegalArgumentException("events must not be negative: " + events);
      }
    }
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
   * The stage network as a <a href="https://mermaid.js.org/syntax/flowchart.html">Mermaid</a>
   * flowchart: one node per stage labelled with its name, queue length/capacity and permits, one
   * arrow per {@link #edges() edge} labelled with its event count. Node ids are {@code s0, s1, ...}
   * in stage order, so any stage name renders safely. Lines end with {@code \n}. Pure text
   * rendering: never blocks; any thread may call it.
   *
   * <p>Example, for a graph {@code orders} with {@code parse -> enrich} and dead letters of {@code
   * enrich} going to {@code dead.letters}:
   *
   * <pre>{@code
   * flowchart LR
   *   %% graph orders (OPEN)
   *   s0["parse<br/>queue 0/128, permits 4"]
   *   s1["enrich<br/>queue 3/128, permits 8"]
   *   s2["dead.letters<br/>queue 0/64, permits 1"]
   *   s0 -->|1000| s1
   *   s1 -->|7| s2
   * }</pre>
   *
   * @return the Mermaid source, to paste into a Markdown {@code mermaid} block
   */
  public String toMermaid() {
    Map<String, String> ids = nodeIds();
    StringBuilder out = new StringBuilder("flowchart LR\n");
    out.append("  %% graph ").append(mermaidText(graph)).append(" (").append(state).append(")\n");
    for (Map.Entry<String, String> node : ids.entrySet()) {
      out.append("  ")
          .append(node.getValue())
          .append("[\"")
          .append(mermaidText(node.getKey()))
          .append(detail(node.getKey(), "<br/>"))
          .append("\"]\n");
    }
    for (Edge e : edges) {
      out.append("  ")
          .append(ids.get(e.from()))
          .append(" -->|")
          .append(e.events())
          .append("| ")
          .append(ids.get(e.to()))
          .append('\n');
    }
    return out.toString();
  }

  /**
   * The stage network as a <a href="https://graphviz.org/doc/info/lang.html">Graphviz DOT</a>
   * digraph, with the same content as {@link #toMermaid()}: nodes are the quoted stage names,
   * labelled with name, queue length/capacity and permits; edges are labelled with their event
   * counts. Lines end with {@code \n}. Pure text rendering: never blocks; any thread may call it.
   *
   * <p>Example (render with {@code dot -Tsvg}):
   *
   * <pre>{@code
   * digraph "orders" {
   *   rankdir=LR;
   *   node [shape=box];
   *   "parse" [label="parse\nqueue 0/128, permits 4"];
   *   "enrich" [label="enrich\nqueue 3/128, permits 8"];
   *   "dead.letters" [label="dead.letters\nqueue 0/64, permits 1"];
   *   "parse" -> "enrich" [label="1000"];
   *   "enrich" -> "dead.letters" [label="7"];
   * }
   * }</pre>
   *
   * @return the DOT source
   */
  public String toDot() {
    StringBuilder out = new StringBuilder("digraph ").append(dotQuote(graph)).append(" {\n");
    out.append("  rankdir=LR;\n  node [shape=box];\n");
    for (String node : nodeIds().keySet()) {
      out.append("  ")
          .append(dotQuote(node))
          .append(" [label=\"")
          .append(dotEscape(node))
          .append(detail(node, "\\n"))
          .append("\"];\n");
    }
    for (Edge e : edges) {
      out.append("  ")
          .append(dotQuote(e.from()))
          .append(" -> ")
          .append(dotQuote(e.to()))
          .append(" [label=\"")
          .append(e.events())
          .append("\"];\n");
    }
    return out.append("}\n").toString();
  }

  /** Stage names, then names only edges mention, each mapped to a node id s0, s1, ... */
  private Map<String, String> nodeIds() {
    Map<String, String> ids = new LinkedHashMap<>();
    for (StageSnapshot s : stages) {
      ids.putIfAbsent(s.name(), "s" + ids.size());
    }
    for (Edge e : edges) {
      ids.putIfAbsent(e.from(), "s" + ids.size());
      ids.putIfAbsent(e.to(), "s" + ids.size());
    }
    return ids;
  }

  /**
   * The queue/permits part of a node label, after {@code separator}; empty for an unknown stage.
   */
  private String detail(String stage, String separator) {
    for (StageSnapshot s : stages) {
      if (s.name().equals(stage)) {
        return separator + "queue " + s.queued() + "/" + s.capacity() + ", permits " + s.permits();
      }
    }
    return "";
  }

  /** Text safe inside a quoted Mermaid label. */
  private static String mermaidText(String s) {
    return s.replace("&", "#amp;")
        .replace("\"", "#quot;")
        .replace("<", "#lt;")
        .replace(">", "#gt;");
  }

  /** A DOT quoted string. */
  private static String dotQuote(String s) {
    return "\"" + dotEscape(s) + "\"";
  }

  /** Text safe inside a DOT quoted string. */
  private static String dotEscape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
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
    if (!deadlocked.isEmpty()) {
      out.append("DEADLOCK: every handler of ")
          .append(deadlocked)
          .append(" waits for room in a full queue of another of them; shut the graph down with")
          .append(" close(Duration) or shutdownNow(), and break the cycle of blocking emits")
          .append(System.lineSeparator());
    }
    for (StageSnapshot s : stages) {
      if (!s.rejections().isEmpty() || s.expired() > 0) {
        out.append("  ").append(s.name()).append(" rejected:");
        s.rejections().forEach((reason, n) -> out.append(' ').append(reason).append('=').append(n));
        if (s.expired() > 0) {
          out.append("; expired while queued: ").append(s.expired());
        }
        out.append(System.lineSeparator());
      }
      if (!s.admission().isEmpty()) {
        out.append("  ")
            .append(s.name())
            .append(" admission: ")
            .append(s.admission())
            .append(System.lineSeparator());
      }
    }
    for (Path p : paths) {
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
  static String duration(Latency latency) {
    return nanos(latency.p99Nanos(), latency.count());
  }

  /** A duration in human units, or "-" if {@code count} is 0 (nothing recorded). */
  private static String nanos(long n, long count) {
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
