package org.seda4j.observe;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Draws the stage network of a {@link GraphSnapshot} as a diagram: {@link #mermaid(GraphSnapshot)
 * Mermaid} (renders in Markdown on GitHub and in many wikis), {@link #dot(GraphSnapshot) Graphviz
 * DOT}, or a finished picture in {@link #svg(GraphSnapshot) SVG} (opens in any browser, inlines in
 * an HTML page). One node per stage, labelled with its name, queue length/capacity and permits; one
 * arrow per {@link GraphSnapshot.Edge edge}, labelled with its event count. {@link
 * #svg(SnapshotHistory)} draws a {@link SnapshotHistory} instead: the network of its latest sample
 * with events per second on the arrows, and per stage a row of sparklines of the samples (events/s,
 * queue, p90 queue wait and service time, rejections per second by reason, permits, batch size).
 * Pure text rendering: never blocks; any thread may call it.
 */
public final class Diagrams {
  private Diagrams() {}

  /**
   * The stage network as a <a href="https://mermaid.js.org/syntax/flowchart.html">Mermaid</a>
   * flowchart. Node ids are {@code s0, s1, ...} in stage order, so any stage name renders safely.
   * Lines end with {@code \n}.
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
   * @param snapshot the graph's snapshot
   * @return the Mermaid source, to paste into a Markdown {@code mermaid} block
   */
  public static String mermaid(GraphSnapshot snapshot) {
    Map<String, String> ids = nodeIds(snapshot);
    StringBuilder out = new StringBuilder("flowchart LR\n");
    out.append("  %% graph ")
        .append(mermaidText(snapshot.graph()))
        .append(" (")
        .append(snapshot.state())
        .append(")\n");
    for (Map.Entry<String, String> node : ids.entrySet()) {
      out.append("  ")
          .append(node.getValue())
          .append("[\"")
          .append(mermaidText(node.getKey()))
          .append(detail(snapshot, node.getKey(), "<br/>"))
          .append("\"]\n");
    }
    for (GraphSnapshot.Edge e : snapshot.edges()) {
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
   * digraph, with the same content as {@link #mermaid(GraphSnapshot)}: nodes are the quoted stage
   * names. Lines end with {@code \n}.
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
   * @param snapshot the graph's snapshot
   * @return the DOT source
   */
  public static String dot(GraphSnapshot snapshot) {
    StringBuilder out =
        new StringBuilder("digraph ").append(dotQuote(snapshot.graph())).append(" {\n");
    out.append("  rankdir=LR;\n  node [shape=box];\n");
    for (String node : nodeIds(snapshot).keySet()) {
      out.append("  ")
          .append(dotQuote(node))
          .append(" [label=\"")
          .append(dotEscape(node))
          .append(detail(snapshot, node, "\\n"))
          .append("\"];\n");
    }
    for (GraphSnapshot.Edge e : snapshot.edges()) {
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

  /**
   * The stage network as a standalone SVG picture: one box per stage with its name, events per
   * second ({@link StageSnapshot.Handlers#throughput()}), a bar of its queue's fill (green below
   * half, amber, red from 90%), queue length/capacity, permits (an asterisk if set by hand), active
   * handlers and batch size; one arrow per {@link GraphSnapshot.Edge edge}, labelled with its event
   * count. Stages are laid out left to right along the edges; an edge that closes a cycle is drawn
   * under the boxes; deadlocked stages get a dashed red border.
   *
   * <p>The text is an {@code <svg>} element with its namespace and no XML declaration, so it is at
   * the same time a complete {@code .svg} file and an element to paste into an HTML page: it uses
   * presentation attributes only, no {@code <style>} and no {@code id}, so nothing leaks into the
   * page. Elements carry a class for scripts and tests: {@code g.stage[data-stage]}, {@code
   * g.edge[data-from][data-to]}. Lines end with {@code \n}.
   *
   * {@snippet class=org.seda4j.readme.ObserveSnippetsTest region=svg}
   *
   * @param snapshot the graph's snapshot
   * @return the SVG source
   */
  public static String svg(GraphSnapshot snapshot) {
    Objects.requireNonNull(snapshot, "snapshot must not be null");
    return Svg.network(snapshot);
  }

  /**
   * A {@link SnapshotHistory} as a standalone SVG picture: the network of its latest sample, as
   * {@link #svg(GraphSnapshot)} draws it except that boxes and arrows show events per second over
   * the interval since the sample before (a box's border turns red when its stage rejected events
   * in that interval), then one row per stage of sparklines over the samples it holds: events
   * finished per second, queue length, queue-wait p90, service-time p90, rejections per second (one
   * line per {@link org.seda4j.RejectionReason}, coloured by reason, with a legend), permits and
   * batch size. Rates are computed from two consecutive samples' counters; the other series are the
   * samples' own figures (the latencies those of the stage's last one to two sampling periods when
   * the sample was taken). The time axis covers the history's capacity at the samples' mean
   * interval, newest at the right, so a history that is not yet full starts part of the way in;
   * each sparkline is scaled from 0 to its largest value, printed above it, next to the current
   * value.
   *
   * <p>Each sparkline is a {@code g.spark} element with {@code data-stage} and {@code data-series}
   * attributes holding its current value ({@code text.now}) and a {@code polyline} per line (for
   * rejections, one per reason, with {@code data-reason}); otherwise the same conventions as {@link
   * #svg(GraphSnapshot)}. The history is read once ({@link SnapshotHistory#samples()}), so a
   * sampler thread may keep adding meanwhile.
   *
   * {@snippet class=org.seda4j.readme.ObserveSnippetsTest region=svg-history}
   *
   * Files.writeString(Path.of("graph.svg"), Diagrams.svg(history)); }
   *
   * @param history the samples to draw
   * @return the SVG source
   * @throws IllegalArgumentException if the history holds no sample yet
   */
  public static String svg(SnapshotHistory history) {
    Objects.requireNonNull(history, "history must not be null");
    return Svg.history(history.samples(), history.capacity());
  }

  /** Stage names, then names only edges mention, each mapped to a node id s0, s1, ... */
  private static Map<String, String> nodeIds(GraphSnapshot snapshot) {
    Map<String, String> ids = new LinkedHashMap<>();
    for (StageSnapshot s : snapshot.stages()) {
      ids.putIfAbsent(s.name(), "s" + ids.size());
    }
    for (GraphSnapshot.Edge e : snapshot.edges()) {
      ids.putIfAbsent(e.from(), "s" + ids.size());
      ids.putIfAbsent(e.to(), "s" + ids.size());
    }
    return ids;
  }

  /**
   * The queue/permits part of a node label, after {@code separator}; empty for an unknown stage.
   */
  private static String detail(GraphSnapshot snapshot, String stage, String separator) {
    for (StageSnapshot s : snapshot.stages()) {
      if (s.name().equals(stage)) {
        return separator
            + "queue "
            + s.queue().queued()
            + "/"
            + s.queue().capacity()
            + ", permits "
            + s.handlers().permits();
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
}
