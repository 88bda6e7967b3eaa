package org.seda4j.observe;

import static org.seda4j.observe.NetworkLayout.NODE_H;
import static org.seda4j.observe.NetworkLayout.NODE_W;
import static org.seda4j.observe.SvgText.ALARM;
import static org.seda4j.observe.SvgText.EDGE;
import static org.seda4j.observe.SvgText.INK;
import static org.seda4j.observe.SvgText.MUTED;
import static org.seda4j.observe.SvgText.NODE_FILL;
import static org.seda4j.observe.SvgText.NODE_STROKE;
import static org.seda4j.observe.SvgText.escape;
import static org.seda4j.observe.SvgText.grouped;
import static org.seda4j.observe.SvgText.number;
import static org.seda4j.observe.SvgText.rate;
import static org.seda4j.observe.SvgText.shorten;
import static org.seda4j.observe.SvgText.text;

import java.util.Map;
import java.util.Set;
import org.seda4j.observe.NetworkLayout.Route;

/**
 * The stage network of a snapshot drawn on its {@link NetworkLayout}: a box per stage (queue fill,
 * permits, batch size, events/s; a red border for a stage that rejected or is deadlocked) and an
 * arrow per edge, labelled with its event count or, with rates, its events per second.
 */
final class NetworkDrawing {
  private final GraphSnapshot snapshot;
  private final Map<String, Double> edgeRates;
  private final Map<String, Double> eventRates;
  private final Set<String> rejecting;
  private final NetworkLayout layout;

  /**
   * @param edgeRates events per second per edge, by {@link #edgeKey}
   * @param eventRates events per second per stage
   * @param rejecting the stages that rejected since the sample before
   */
  NetworkDrawing(
      GraphSnapshot snapshot,
      Map<String, Double> edgeRates,
      Map<String, Double> eventRates,
      Set<String> rejecting) {
    this.snapshot = snapshot;
    this.edgeRates = edgeRates;
    this.eventRates = eventRates;
    this.rejecting = rejecting;
    this.layout = new NetworkLayout(snapshot);
  }

  /** The key of an edge in the rates by edge. */
  static String edgeKey(String from, String to) {
    return from + "\u0000" + to;
  }

  int width() {
    return layout.width();
  }

  int height() {
    return layout.height();
  }

  void draw(StringBuilder out, int offsetY, boolean rates) {
    out.append("<g class=\"network\" transform=\"translate(0,")
        .append(number(offsetY - layout.top))
        .append(")\">\n");
    double most = 0;
    for (GraphSnapshot.Edge e : snapshot.edges()) {
      most = Math.max(most, edgeValue(e, rates));
    }
    for (int e = 0; e < layout.edges(); e++) {
      drawEdge(out, e, rates, most);
    }
    for (int n = 0; n < layout.names.size(); n++) {
      drawNode(out, n, rates);
    }
    out.append("</g>\n");
  }

  private double edgeValue(GraphSnapshot.Edge e, boolean rates) {
    if (!rates) {
      return e.events();
    }
    Double rate = edgeRates.get(edgeKey(e.from(), e.to()));
    return rate == null ? 0 : rate;
  }

  private void drawEdge(StringBuilder out, int index, boolean rates, double most) {
    GraphSnapshot.Edge e = snapshot.edges().get(index);
    Route r = layout.route(index);
    boolean known = !rates || edgeRates.containsKey(edgeKey(e.from(), e.to()));
    double value = edgeValue(e, rates);
    String label =
        !known ? grouped(e.events()) + " events" : rates ? rate(value) + "/s" : grouped(value);
    double strokeWidth = 1.2 + (most <= 0 ? 0 : 3.3 * value / most);
    out.append("<g class=\"edge\" data-from=\"")
        .append(escape(e.from()))
        .append("\" data-to=\"")
        .append(escape(e.to()))
        .append("\"><title>")
        .append(escape(e.from()))
        .append(" \u2192 ")
        .append(escape(e.to()))
        .append(": ")
        .append(grouped(e.events()))
        .append(" events admitted since the start")
        .append("</title>\n<path d=\"M")
        .append(number(r.x0()))
        .append(',')
        .append(number(r.y0()))
        .append(" C")
        .append(number(r.x1()))
        .append(',')
        .append(number(r.y1()))
        .append(' ')
        .append(number(r.x2()))
        .append(',')
        .append(number(r.y2()))
        .append(' ')
        .append(number(r.x3()))
        .append(',')
        .append(number(r.y3()))
        .append("\" fill=\"none\" stroke=\"")
        .append(EDGE)
        .append("\" stroke-width=\"")
        .append(number(strokeWidth))
        .append("\"/>\n");
    // The arrowhead, along the curve's direction at its end.
    double dx = r.x3() - r.x2();
    double dy = r.y3() - r.y2();
    double len = Math.hypot(dx, dy);
    if (len == 0) {
      dx = 1;
      dy = 0;
      len = 1;
    }
    dx /= len;
    dy /= len;
    double size = 7 + strokeWidth;
    double bx = r.x3() - dx * size;
    double by = r.y3() - dy * size;
    out.append("<polygon points=\"")
        .append(number(r.x3()))
        .append(',')
        .append(number(r.y3()))
        .append(' ')
        .append(number(bx - dy * size * 0.5))
        .append(',')
        .append(number(by + dx * size * 0.5))
        .append(' ')
        .append(number(bx + dy * size * 0.5))
        .append(',')
        .append(number(by - dx * size * 0.5))
        .append("\" fill=\"")
        .append(EDGE)
        .append("\"/>\n");
    // The label at the curve's middle, on a white box so curves do not cross it.
    double mx = (r.x0() + 3 * r.x1() + 3 * r.x2() + r.x3()) / 8;
    double my = (r.y0() + 3 * r.y1() + 3 * r.y2() + r.y3()) / 8;
    double w = 6.4 * label.length() + 8;
    out.append("<rect x=\"")
        .append(number(mx - w / 2))
        .append("\" y=\"")
        .append(number(my - 9))
        .append("\" width=\"")
        .append(number(w))
        .append("\" height=\"16\" rx=\"3\" fill=\"#ffffff\" fill-opacity=\"0.9\"/>\n");
    text(out, mx, my + 3, 11, INK, "middle", label, "class=\"rate\"");
    out.append("</g>\n");
  }

  private void drawNode(StringBuilder out, int n, boolean rates) {
    String name = layout.names.get(n);
    double nx = layout.x[n];
    double ny = layout.y[n];
    StageSnapshot s = layout.stages.get(n);
    boolean alarm = rejecting.contains(name) || snapshot.deadlocked().contains(name);
    out.append("<g class=\"stage\" data-stage=\"").append(escape(name)).append("\"><title>");
    out.append(escape(name));
    if (s != null) {
      out.append(": queue ")
          .append(s.queue().queued())
          .append('/')
          .append(s.queue().capacity())
          .append(", permits ")
          .append(s.handlers().permits())
          .append(s.controllers().permitsOverridden() ? " (set by hand)" : "")
          .append(", active ")
          .append(s.handlers().active())
          .append(", batch size ")
          .append(s.handlers().batchSize())
          .append(s.controllers().batchSizeOverridden() ? " (set by hand)" : "")
          .append(", rejected ")
          .append(grouped(s.counts().rejected()))
          .append(" since the start");
    }
    out.append("</title>\n<rect x=\"")
        .append(number(nx))
        .append("\" y=\"")
        .append(number(ny))
        .append("\" width=\"")
        .append(NODE_W)
        .append("\" height=\"")
        .append(NODE_H)
        .append("\" rx=\"7\" fill=\"")
        .append(NODE_FILL)
        .append("\" stroke=\"")
        .append(alarm ? ALARM : NODE_STROKE)
        .append("\" stroke-width=\"")
        .append(alarm ? "2.5" : "1.5")
        .append('"')
        .append(snapshot.deadlocked().contains(name) ? " stroke-dasharray=\"6 3\"" : "")
        .append("/>\n");
    text(
        out,
        nx + 9,
        ny + 18,
        13,
        INK,
        "start",
        shorten(name, 16),
        "class=\"name\" font-weight=\"600\"");
    if (s == null) {
      text(out, nx + 9, ny + 40, 11, MUTED, "start", "(not in this snapshot)", "");
      out.append("</g>\n");
      return;
    }
    Double perSecond = rates ? eventRates.get(name) : null;
    text(
        out,
        nx + NODE_W - 9,
        ny + 18,
        11,
        MUTED,
        "end",
        rate(perSecond != null ? perSecond : s.handlers().throughput()) + "/s",
        "class=\"events\"");
    int queued = s.queue().queued();
    int capacity = s.queue().capacity();
    double fill = capacity <= 0 ? 0 : Math.min(1, (double) queued / capacity);
    double barW = NODE_W - 18;
    out.append("<rect x=\"")
        .append(number(nx + 9))
        .append("\" y=\"")
        .append(number(ny + 27))
        .append("\" width=\"")
        .append(number(barW))
        .append("\" height=\"8\" rx=\"2\" fill=\"#e4e7eb\"/>\n");
    if (queued > 0) {
      out.append("<rect class=\"fill\" x=\"")
          .append(number(nx + 9))
          .append("\" y=\"")
          .append(number(ny + 27))
          .append("\" width=\"")
          .append(number(Math.max(2, barW * fill)))
          .append("\" height=\"8\" rx=\"2\" fill=\"")
          .append(fill >= 0.9 ? ALARM : fill >= 0.5 ? "#d69e2e" : "#38a169")
          .append("\"/>\n");
    }
    text(
        out,
        nx + 9,
        ny + 50,
        11,
        INK,
        "start",
        "queue " + queued + "/" + capacity,
        "class=\"queue\"");
    text(
        out,
        nx + NODE_W - 9,
        ny + 50,
        11,
        INK,
        "end",
        "batch " + s.handlers().batchSize() + (s.controllers().batchSizeOverridden() ? "*" : ""),
        "class=\"batch\"");
    text(
        out,
        nx + 9,
        ny + 66,
        11,
        INK,
        "start",
        "permits "
            + s.handlers().permits()
            + (s.controllers().permitsOverridden() ? "*" : "")
            + " \u00b7 active "
            + s.handlers().active(),
        "class=\"permits\"");
    out.append("</g>\n");
  }
}
