package org.seda4j.observe;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Draws the stage network of a {@link GraphSnapshot} as a diagram: {@link #mermaid(GraphSnapshot)
 * Mermaid} (renders in Markdown on GitHub and in many wikis) or {@link #dot(GraphSnapshot) Graphviz
 * DOT}. One node per stage, labelled with its name, queue length/capacity and permits; one arrow
 * per {@link GraphSnapshot.Edge edge}, labelled with its event count. Pure text rendering: never
 * blocks; any thread may call it.
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
