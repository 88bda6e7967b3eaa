package org.seda4j.observe;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;
import org.seda4j.RejectionReason;

/*
 * The SVG pictures of Diagrams.svg: the stage network, and under it (for a history) one row of
 * sparklines per stage.
 *
 * Network layout: a small layered drawing, left to right. Edges that close a cycle are found by a
 * depth-first search from the sources (then from the remaining stages, in snapshot order) and
 * drawn as arcs below the nodes; every other edge goes from a lower layer to a higher one (layer =
 * longest path from a source), as a curve between neighbouring layers or an arc above the nodes
 * when it skips layers. Within a layer the nodes are ordered by the mean position of their
 * predecessors (one pass), else by snapshot order.
 *
 * Everything is drawn with presentation attributes, no <style> element and no id, so the picture
 * can be inlined in an HTML page without its rules or ids leaking into the page. Elements a reader
 * may look for carry a class and data- attributes: g.stage[data-stage], g.edge[data-from][data-to],
 * g.spark[data-stage][data-series] (one cell per stage and series: its current value in text.now,
 * a polyline per line; rejections: one per reason, with data-reason).
 */
final class Svg {
  private Svg() {}

  private static final int NODE_W = 178;
  private static final int NODE_H = 74;
  private static final int GAP_X = 84;
  private static final int GAP_Y = 22;
  private static final int MARGIN = 16;

  private static final int LABEL_W = 112;
  private static final int CELL_W = 138;
  private static final int CELL_H = 46;

  private static final String INK = "#1f2933";
  private static final String MUTED = "#616e7c";
  private static final String NODE_STROKE = "#3e6aa8";
  private static final String NODE_FILL = "#f5f8fc";
  private static final String ALARM = "#c62828";
  private static final String EDGE = "#7b8794";
  private static final String SPARK = "#2b6cb0";
  private static final String GRID = "#d9dee5";

  /** The series of a sparkline row, in column order. */
  private static final List<String> SERIES =
      List.of(
          "events/s", "queue", "wait p90", "service p90", "rejected/s", "permits", "batch size");

  /** A colour per rejection reason, so a reason keeps its colour from picture to picture. */
  private static final Map<RejectionReason, String> REASON_COLOURS = reasonColours();

  // ---- entry points -----------------------------------------------------------------------------

  /** The network of one snapshot; edges labelled with their event counts. */
  static String network(GraphSnapshot snapshot) {
    Layout layout = new Layout(snapshot, Map.of(), Map.of(), Set.of());
    int width = Math.max(layout.width(), 360);
    int headerH = 24;
    int height = headerH + layout.height() + MARGIN;
    StringBuilder out = new StringBuilder(4096);
    open(out, width, height);
    title(out, snapshot);
    layout.draw(out, headerH, false);
    return out.append("</svg>\n").toString();
  }

  /**
   * The network of the latest sample, edges labelled with their events per second since the sample
   * before, then one row of sparklines per stage.
   */
  static String history(List<SnapshotHistory.Sample> samples, int capacity) {
    if (samples.isEmpty()) {
      throw new IllegalArgumentException(
          "the history holds no sample yet: add a snapshot (history.add(graph.snapshot())) first");
    }
    SnapshotHistory.Sample last = samples.get(samples.size() - 1);
    SnapshotHistory.Sample previous = samples.size() < 2 ? null : samples.get(samples.size() - 2);
    GraphSnapshot snapshot = last.snapshot();
    double interval =
        previous == null ? 0 : (last.nanoTime() - previous.nanoTime()) / 1e9; // seconds
    Map<String, Double> edgeRates = new HashMap<>();
    Map<String, Double> eventRates = new HashMap<>();
    Set<String> rejecting = new HashSet<>();
    if (previous != null && interval > 0) {
      for (GraphSnapshot.Edge e : snapshot.edges()) {
        long before = 0;
        for (GraphSnapshot.Edge p : previous.snapshot().edges()) {
          if (p.from().equals(e.from()) && p.to().equals(e.to())) {
            before = p.events();
          }
        }
        edgeRates.put(edgeKey(e.from(), e.to()), Math.max(0, e.events() - before) / interval);
      }
      Map<String, StageSnapshot> before = byName(previous.snapshot());
      for (StageSnapshot s : snapshot.stages()) {
        StageSnapshot b = before.get(s.name());
        if (b == null) {
          continue;
        }
        eventRates.put(
            s.name(), Math.max(0, s.counts().finished() - b.counts().finished()) / interval);
        if (s.counts().rejected() > b.counts().rejected()) {
          rejecting.add(s.name());
        }
      }
    }
    Layout layout = new Layout(snapshot, edgeRates, eventRates, rejecting);
    Series series = new Series(samples, capacity);
    List<String> stageNames = snapshot.stages().stream().map(StageSnapshot::name).toList();
    int gridW = LABEL_W + SERIES.size() * CELL_W;
    int width = Math.max(Math.max(layout.width(), gridW + 2 * MARGIN), 360);
    int headerH = 40;
    int gridTop = headerH + layout.height() + 12;
    int gridH = 20 + stageNames.size() * CELL_H;
    List<RejectionReason> reasons = series.reasons();
    int footerH = 40;
    int height = gridTop + gridH + footerH;

    StringBuilder out = new StringBuilder(32 * 1024);
    open(out, width, height);
    title(out, snapshot);
    text(
        out,
        MARGIN,
        33,
        11,
        MUTED,
        "start",
        previous == null || interval <= 0
            ? "sample "
                + last.sequence()
                + ": one sample so far; nodes show events/s of the stage's last sampling period"
            : "sample "
                + last.sequence()
                + ": nodes and edges show events/s over the last "
                + seconds(interval)
                + "; a red border: rejections in that interval",
        "");
    layout.draw(out, headerH, true);

    // The sparklines: a header row of series names, then one row per stage.
    int x0 = MARGIN;
    for (int c = 0; c < SERIES.size(); c++) {
      text(
          out,
          x0 + LABEL_W + c * CELL_W + 4,
          gridTop + 12,
          11,
          MUTED,
          "start",
          SERIES.get(c),
          "font-weight=\"600\"");
    }
    for (int r = 0; r < stageNames.size(); r++) {
      String name = stageNames.get(r);
      int y0 = gridTop + 20 + r * CELL_H;
      out.append("<line x1=\"")
          .append(x0)
          .append("\" y1=\"")
          .append(y0)
          .append("\" x2=\"")
          .append(x0 + gridW)
          .append("\" y2=\"")
          .append(y0)
          .append("\" stroke=\"")
          .append(GRID)
          .append("\"/>\n");
      text(out, x0, y0 + 27, 12, INK, "start", shorten(name, 15), "font-weight=\"600\"");
      for (int c = 0; c < SERIES.size(); c++) {
        int cx = x0 + LABEL_W + c * CELL_W;
        String what = SERIES.get(c);
        if (what.equals("rejected/s")) {
          series.drawRejections(out, name, cx, y0);
        } else {
          series.draw(out, name, what, cx, y0);
        }
      }
    }
    int footY = gridTop + gridH + 14;
    StringBuilder legend = new StringBuilder();
    legend
        .append("sparklines: ")
        .append(samples.size())
        .append(" samples over ")
        .append(seconds(series.span()))
        .append(" (room for ")
        .append(capacity)
        .append("), newest at the right, each scaled from 0 to its largest value (grey)");
    text(out, MARGIN, footY, 10.5, MUTED, "start", legend.toString(), "");
    int lx = MARGIN;
    int ly = footY + 16;
    if (!reasons.isEmpty()) {
      text(out, lx, ly, 10.5, MUTED, "start", "rejected by reason:", "");
      lx += 112;
      for (RejectionReason reason : reasons) {
        out.append("<rect x=\"")
            .append(lx)
            .append("\" y=\"")
            .append(ly - 8)
            .append("\" width=\"10\" height=\"10\" fill=\"")
            .append(reasonColour(reason))
            .append("\"/>\n");
        text(out, lx + 14, ly, 10.5, MUTED, "start", reason.name(), "");
        lx += 24 + 7 * reason.name().length();
      }
    }
    return out.append("</svg>\n").toString();
  }

  // ---- network --------------------------------------------------------------------------------

  /** Nodes placed in layers, and the edges between them; nodes by index in {@code names}. */
  private static final class Layout {
    private final GraphSnapshot snapshot;
    private final Map<String, Double> edgeRates;
    private final Map<String, Double> eventRates;
    private final Set<String> rejecting;
    private final List<String> names = new ArrayList<>();
    private final Map<String, Integer> index = new HashMap<>();
    private final List<@Nullable StageSnapshot> stages = new ArrayList<>();

    /** Per edge of the snapshot: source and target index, and whether it closes a cycle. */
    private final int[] from;

    private final int[] to;
    private final boolean[] back;
    private final int[] layer;
    private final double[] x;
    private final double[] y;
    private final int layers;
    private final double top;
    private final double bottom;

    Layout(
        GraphSnapshot snapshot,
        Map<String, Double> edgeRates,
        Map<String, Double> eventRates,
        Set<String> rejecting) {
      this.snapshot = snapshot;
      this.edgeRates = edgeRates;
      this.eventRates = eventRates;
      this.rejecting = rejecting;
      for (StageSnapshot s : snapshot.stages()) {
        node(s.name(), s);
      }
      List<GraphSnapshot.Edge> edges = snapshot.edges();
      from = new int[edges.size()];
      to = new int[edges.size()];
      for (int e = 0; e < edges.size(); e++) {
        from[e] = node(edges.get(e).from(), null);
        to[e] = node(edges.get(e).to(), null);
      }
      back = findBackEdges();
      layer = assignLayers();
      int most = 0;
      for (int l : layer) {
        most = Math.max(most, l);
      }
      layers = most;
      x = new double[names.size()];
      y = new double[names.size()];
      place();
      // The extent of the nodes and of the arcs above and below them.
      double t = 0;
      double b = 0;
      for (double ny : y) {
        b = Math.max(b, ny + NODE_H);
      }
      for (int e = 0; e < from.length; e++) {
        Route r = route(e);
        t = Math.min(t, r.minY() - 6);
        b = Math.max(b, r.maxY() + 6);
      }
      top = t;
      bottom = b;
    }

    /** The index of a node, added if new. */
    private int node(String name, @Nullable StageSnapshot stage) {
      Integer i = index.get(name);
      if (i != null) {
        return i;
      }
      index.put(name, names.size());
      names.add(name);
      stages.add(stage);
      return names.size() - 1;
    }

    int width() {
      return 2 * MARGIN + (layers + 1) * NODE_W + layers * GAP_X + 40;
    }

    int height() {
      return (int) Math.ceil(bottom - top);
    }

    /** Successor lists, without self-loops. */
    private List<List<Integer>> successors() {
      List<List<Integer>> out = new ArrayList<>();
      for (int n = 0; n < names.size(); n++) {
        out.add(new ArrayList<>());
      }
      for (int e = 0; e < from.length; e++) {
        if (from[e] != to[e]) {
          out.get(from[e]).add(e);
        }
      }
      return out;
    }

    private boolean[] findBackEdges() {
      boolean[] isBack = new boolean[from.length];
      List<List<Integer>> out = successors();
      int[] incoming = new int[names.size()];
      for (int e = 0; e < from.length; e++) {
        if (from[e] != to[e]) {
          incoming[to[e]]++;
        }
      }
      List<Integer> starts = new ArrayList<>();
      for (int n = 0; n < names.size(); n++) {
        if (incoming[n] == 0) {
          starts.add(n);
        }
      }
      for (int n = 0; n < names.size(); n++) {
        starts.add(n);
      }
      boolean[] done = new boolean[names.size()];
      boolean[] onStack = new boolean[names.size()];
      for (int start : starts) {
        if (done[start]) {
          continue;
        }
        // Iterative depth-first search (no recursion depth to run out of on a long chain): a
        // frame is a node and the position of its next outgoing edge.
        Deque<int[]> stack = new ArrayDeque<>();
        stack.push(new int[] {start, 0});
        onStack[start] = true;
        while (!stack.isEmpty()) {
          int[] frame = stack.element();
          int n = frame[0];
          List<Integer> edges = out.get(n);
          if (frame[1] < edges.size()) {
            int e = edges.get(frame[1]++);
            int t = to[e];
            if (onStack[t]) {
              isBack[e] = true;
            } else if (!done[t]) {
              stack.push(new int[] {t, 0});
              onStack[t] = true;
            }
          } else {
            stack.pop();
            onStack[n] = false;
            done[n] = true;
          }
        }
      }
      return isBack;
    }

    private boolean forward(int e) {
      return from[e] != to[e] && !back[e];
    }

    /** Longest path from a source over the forward edges (a DAG), in topological order. */
    private int[] assignLayers() {
      int[] depth = new int[names.size()];
      int[] incoming = new int[names.size()];
      List<List<Integer>> out = successors();
      for (int e = 0; e < from.length; e++) {
        if (forward(e)) {
          incoming[to[e]]++;
        }
      }
      Deque<Integer> ready = new ArrayDeque<>();
      for (int n = 0; n < names.size(); n++) {
        if (incoming[n] == 0) {
          ready.add(n);
        }
      }
      while (!ready.isEmpty()) {
        int n = ready.remove();
        for (int e : out.get(n)) {
          if (forward(e)) {
            depth[to[e]] = Math.max(depth[to[e]], depth[n] + 1);
            if (--incoming[to[e]] == 0) {
              ready.add(to[e]);
            }
          }
        }
      }
      return depth;
    }

    private void place() {
      List<List<Integer>> columns = new ArrayList<>();
      for (int l = 0; l <= layers; l++) {
        columns.add(new ArrayList<>());
      }
      for (int n = 0; n < names.size(); n++) {
        columns.get(layer[n]).add(n);
      }
      double[] position = new double[names.size()];
      int tallest = 1;
      for (int l = 0; l <= layers; l++) {
        List<Integer> column = columns.get(l);
        if (l > 0) {
          // By the mean position of the predecessors in earlier layers; a stable sort keeps
          // snapshot order among equals, and nodes without such predecessors go last.
          double[] mean = new double[names.size()];
          for (int n : column) {
            double sum = 0;
            int count = 0;
            for (int e = 0; e < from.length; e++) {
              if (to[e] == n && layer[from[e]] < l) {
                sum += position[from[e]];
                count++;
              }
            }
            mean[n] = count == 0 ? Double.MAX_VALUE : sum / count;
          }
          column.sort(Comparator.comparingDouble(n -> mean[n]));
        }
        for (int i = 0; i < column.size(); i++) {
          position[column.get(i)] = i - (column.size() - 1) / 2.0;
        }
        tallest = Math.max(tallest, column.size());
      }
      double middle = (tallest * NODE_H + (tallest - 1) * GAP_Y) / 2.0;
      for (int n = 0; n < names.size(); n++) {
        x[n] = MARGIN + layer[n] * (NODE_W + GAP_X);
        y[n] = middle - NODE_H / 2.0 + position[n] * (NODE_H + GAP_Y);
      }
    }

    /** The curve of edge {@code e}: a cubic Bézier. */
    private Route route(int e) {
      int a = from[e];
      int b = to[e];
      double x1 = x[a];
      double y1 = y[a];
      double x2 = x[b];
      double y2 = y[b];
      if (a == b) {
        // A loop over the node's top right corner.
        double sx = x1 + NODE_W - 44;
        return new Route(sx, y1, sx - 6, y1 - 40, sx + 50, y1 - 40, sx + 30, y1);
      }
      int lo = Math.min(layer[a], layer[b]);
      int hi = Math.max(layer[a], layer[b]);
      int span = Math.max(1, hi - lo);
      if (!back[e] && layer[b] == layer[a] + 1) {
        // To the next layer: from the source's right side to the target's left side.
        double sy = y1 + NODE_H / 2.0;
        double ey = y2 + NODE_H / 2.0;
        double sx = x1 + NODE_W;
        return new Route(sx, sy, sx + GAP_X / 2.0, sy, x2 - GAP_X / 2.0, ey, x2, ey);
      }
      if (!back[e]) {
        // Over the layers in between: from the source's top to the target's top, above them all.
        double over = Math.min(y1, y2);
        for (int n = 0; n < names.size(); n++) {
          if (layer[n] > lo && layer[n] < hi) {
            over = Math.min(over, y[n]);
          }
        }
        double apex = over - 14 - 12 * (span - 1);
        double sx = x1 + NODE_W * 0.62;
        double ex = x2 + NODE_W * 0.38;
        double c = (apex - (y1 + y2) / 8.0) / 0.75;
        return new Route(sx, y1, sx, c, ex, c, ex, y2);
      }
      // A back edge closes a cycle: under the nodes, from the source's bottom to the target's.
      double under = Math.max(y1, y2) + NODE_H;
      for (int n = 0; n < names.size(); n++) {
        if (layer[n] >= lo && layer[n] <= hi) {
          under = Math.max(under, y[n] + NODE_H);
        }
      }
      double apex = under + 14 + 12 * (span - 1);
      double b1 = y1 + NODE_H;
      double b2 = y2 + NODE_H;
      double sx = x1 + NODE_W * 0.38;
      double ex = x2 + NODE_W * 0.62;
      double c = (apex - (b1 + b2) / 8.0) / 0.75;
      return new Route(sx, b1, sx, c, ex, c, ex, b2);
    }

    void draw(StringBuilder out, int offsetY, boolean rates) {
      out.append("<g class=\"network\" transform=\"translate(0,")
          .append(number(offsetY - top))
          .append(")\">\n");
      double most = 0;
      for (GraphSnapshot.Edge e : snapshot.edges()) {
        most = Math.max(most, edgeValue(e, rates));
      }
      for (int e = 0; e < from.length; e++) {
        drawEdge(out, e, rates, most);
      }
      for (int n = 0; n < names.size(); n++) {
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
      Route r = route(index);
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
      String name = names.get(n);
      double nx = x[n];
      double ny = y[n];
      StageSnapshot s = stages.get(n);
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

  private record Route(
      double x0, double y0, double x1, double y1, double x2, double y2, double x3, double y3) {
    // The curve lies in the hull of its four points; its label sits at its middle.
    double minY() {
      return Math.min(Math.min(Math.min(y0, y1), Math.min(y2, y3)), middleY() - 10);
    }

    double maxY() {
      return Math.max(Math.max(Math.max(y0, y1), Math.max(y2, y3)), middleY() + 10);
    }

    double middleY() {
      return (y0 + 3 * y1 + 3 * y2 + y3) / 8;
    }
  }

  // ---- sparklines -----------------------------------------------------------------------------

  /** The values of every series over the samples, drawn as sparklines. */
  private static final class Series {
    private final List<SnapshotHistory.Sample> samples;
    private final List<Map<String, StageSnapshot>> stages = new ArrayList<>();
    private final long lastNanos;
    private final double spanNanos;

    Series(List<SnapshotHistory.Sample> samples, int capacity) {
      this.samples = samples;
      for (SnapshotHistory.Sample s : samples) {
        stages.add(byName(s.snapshot()));
      }
      SnapshotHistory.Sample first = samples.get(0);
      SnapshotHistory.Sample last = samples.get(samples.size() - 1);
      this.lastNanos = last.nanoTime();
      double mean =
          samples.size() < 2 || last.nanoTime() == first.nanoTime()
              ? 1e9
              : (double) (last.nanoTime() - first.nanoTime()) / (samples.size() - 1);
      this.spanNanos = mean * (capacity - 1);
    }

    /** The time the samples span, in seconds. */
    double span() {
      return (lastNanos - samples.get(0).nanoTime()) / 1e9;
    }

    /** Every rejection reason counted by some stage in the window, in the enum's order. */
    List<RejectionReason> reasons() {
      Set<RejectionReason> seen = new HashSet<>();
      for (Map<String, StageSnapshot> sample : stages) {
        for (StageSnapshot s : sample.values()) {
          seen.addAll(s.counts().rejections().keySet());
        }
      }
      List<RejectionReason> out = new ArrayList<>();
      for (RejectionReason r : RejectionReason.values()) {
        if (seen.contains(r)) {
          out.add(r);
        }
      }
      return out;
    }

    /** One series of a stage: one point per sample that has it (NaN: no point). */
    private double[] values(String stage, ToDoubleFunction<Step> value) {
      double[] v = new double[samples.size()];
      for (int i = 0; i < v.length; i++) {
        StageSnapshot now = stages.get(i).get(stage);
        StageSnapshot before = i == 0 ? null : stages.get(i - 1).get(stage);
        double seconds =
            i == 0 ? 0 : (samples.get(i).nanoTime() - samples.get(i - 1).nanoTime()) / 1e9;
        v[i] = now == null ? Double.NaN : value.applyAsDouble(new Step(now, before, seconds));
      }
      return v;
    }

    private double[] series(String stage, String what) {
      return switch (what) {
        case "events/s" -> values(stage, s -> s.rate(x -> x.counts().finished(), Double.NaN));
        case "queue" -> values(stage, s -> s.now().queue().queued());
        case "wait p90" -> values(stage, s -> s.now().latency().queueWait().p90Nanos());
        case "service p90" -> values(stage, s -> s.now().latency().serviceTime().p90Nanos());
        case "permits" -> values(stage, s -> s.now().handlers().permits());
        case "batch size" -> values(stage, s -> s.now().handlers().batchSize());
        default -> throw new IllegalArgumentException("no series " + what);
      };
    }

    void draw(StringBuilder out, String stage, String what, int cx, int cy) {
      double[] v = series(stage, what);
      double current = lastValue(v);
      String shown =
          Double.isNaN(current)
              ? "-"
              : switch (what) {
                case "events/s" -> rate(current);
                case "wait p90", "service p90" -> Table.nanos((long) current, 1);
                case "queue" -> (long) current + "/" + capacity(stage);
                default -> grouped(current);
              };
      double max = max(v);
      String maxText = what.endsWith("p90") ? Table.nanos((long) max, 1) : grouped(max);
      openCell(out, stage, what);
      frame(out, cx, cy, shown, max <= 0 ? "" : "max " + maxText);
      polyline(out, null, v, max, SPARK, cx, cy);
      out.append("</g>\n");
    }

    void drawRejections(StringBuilder out, String stage, int cx, int cy) {
      Map<RejectionReason, double[]> byReason = new EnumMap<>(RejectionReason.class);
      for (RejectionReason reason : reasons()) {
        double[] v = values(stage, s -> s.rate(x -> x.counts().rejected(reason), Double.NaN));
        boolean any = false;
        for (int i = 0; i < v.length; i++) {
          StageSnapshot now = stages.get(i).get(stage);
          any |= now != null && now.counts().rejected(reason) > 0;
        }
        if (any) {
          byReason.put(reason, v);
        }
      }
      double max = 0;
      double current = 0;
      for (double[] v : byReason.values()) {
        max = Math.max(max, max(v));
        double last = lastValue(v);
        current += Double.isNaN(last) ? 0 : last;
      }
      openCell(out, stage, "rejected/s");
      frame(
          out,
          cx,
          cy,
          byReason.isEmpty() ? "none" : rate(current),
          max <= 0 ? "" : "max " + rate(max));
      if (byReason.isEmpty()) {
        double[] zeros = values(stage, s -> s.rate(x -> 0, Double.NaN));
        polyline(out, null, zeros, 0, GRID, cx, cy);
      }
      for (Map.Entry<RejectionReason, double[]> e : byReason.entrySet()) {
        polyline(out, e.getKey(), e.getValue(), max, reasonColour(e.getKey()), cx, cy);
      }
      out.append("</g>\n");
    }

    private static void openCell(StringBuilder out, String stage, String what) {
      out.append("<g class=\"spark\" data-stage=\"")
          .append(escape(stage))
          .append("\" data-series=\"")
          .append(what)
          .append("\">\n");
    }

    private int capacity(String stage) {
      StageSnapshot s = stages.get(stages.size() - 1).get(stage);
      return s == null ? 0 : s.queue().capacity();
    }

    private static void frame(StringBuilder out, int cx, int cy, String current, String max) {
      text(out, cx + CELL_W - 10, cy + 14, 11, INK, "end", current, "class=\"now\"");
      if (!max.isEmpty()) {
        text(out, cx + 4, cy + 14, 9.5, MUTED, "start", max, "class=\"max\"");
      }
      out.append("<line x1=\"")
          .append(cx + 4)
          .append("\" y1=\"")
          .append(cy + 40)
          .append("\" x2=\"")
          .append(cx + CELL_W - 10)
          .append("\" y2=\"")
          .append(cy + 40)
          .append("\" stroke=\"")
          .append(GRID)
          .append("\"/>\n");
    }

    private void polyline(
        StringBuilder out,
        @Nullable RejectionReason reason,
        double[] v,
        double max,
        String colour,
        int cx,
        int cy) {
      double left = cx + 4;
      double width = CELL_W - 14;
      double base = cy + 40;
      double height = 22;
      StringBuilder points = new StringBuilder();
      double lastX = Double.NaN;
      double lastY = Double.NaN;
      int count = 0;
      for (int i = 0; i < v.length; i++) {
        if (Double.isNaN(v[i])) {
          continue;
        }
        double px = left + width - (lastNanos - samples.get(i).nanoTime()) / spanNanos * width;
        double py = base - (max <= 0 ? 0 : v[i] / max * height);
        points.append(count == 0 ? "" : " ").append(number(px)).append(',').append(number(py));
        lastX = px;
        lastY = py;
        count++;
      }
      out.append("<polyline");
      if (reason != null) {
        out.append(" data-reason=\"").append(reason.name()).append('"');
      }
      out.append(" points=\"")
          .append(points)
          .append("\" fill=\"none\" stroke=\"")
          .append(colour)
          .append("\" stroke-width=\"1.6\" stroke-linejoin=\"round\"/>\n");
      if (count > 0) {
        out.append("<circle cx=\"")
            .append(number(lastX))
            .append("\" cy=\"")
            .append(number(lastY))
            .append("\" r=\"2.2\" fill=\"")
            .append(colour)
            .append("\"/>\n");
      }
    }

    private static double lastValue(double[] v) {
      return v.length == 0 ? Double.NaN : v[v.length - 1];
    }

    private static double max(double[] v) {
      double m = 0;
      for (double d : v) {
        if (!Double.isNaN(d)) {
          m = Math.max(m, d);
        }
      }
      return m;
    }
  }

  /** A stage at one sample, with the sample before (if it had the stage) and the time between. */
  private record Step(StageSnapshot now, @Nullable StageSnapshot before, double seconds) {
    /**
     * A counter's increase per second since the sample before, or {@code none} if there is none.
     */
    double rate(ToDoubleFunction<StageSnapshot> counter, double none) {
      if (before == null || seconds <= 0) {
        return none;
      }
      return Math.max(0, counter.applyAsDouble(now) - counter.applyAsDouble(before)) / seconds;
    }
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private static Map<String, StageSnapshot> byName(GraphSnapshot snapshot) {
    Map<String, StageSnapshot> out = new HashMap<>();
    for (StageSnapshot s : snapshot.stages()) {
      out.putIfAbsent(s.name(), s);
    }
    return out;
  }

  private static String edgeKey(String from, String to) {
    return from + "\u0000" + to;
  }

  /** The first line: the graph, its state, and the deadlocked stages if any. */
  private static void title(StringBuilder out, GraphSnapshot snapshot) {
    String deadlock =
        snapshot.deadlocked().isEmpty()
            ? ""
            : " \u2014 DEADLOCK: " + String.join(", ", snapshot.deadlocked());
    text(
        out,
        MARGIN,
        17,
        13,
        INK,
        "start",
        "graph '" + snapshot.graph() + "' (" + snapshot.state() + ")" + deadlock,
        "font-weight=\"600\"");
  }

  private static void open(StringBuilder out, int width, int height) {
    out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"seda4j\" width=\"")
        .append(width)
        .append("\" height=\"")
        .append(height)
        .append("\" viewBox=\"0 0 ")
        .append(width)
        .append(' ')
        .append(height)
        .append("\" font-family=\"system-ui, -apple-system, 'Segoe UI', Helvetica, Arial,")
        .append(" sans-serif\" font-size=\"12\">\n")
        .append("<rect width=\"")
        .append(width)
        .append("\" height=\"")
        .append(height)
        .append("\" fill=\"#ffffff\"/>\n");
  }

  private static void text(
      StringBuilder out,
      double x,
      double y,
      double size,
      String colour,
      String anchor,
      String text,
      String attributes) {
    out.append("<text x=\"")
        .append(number(x))
        .append("\" y=\"")
        .append(number(y))
        .append("\" font-size=\"")
        .append(number(size))
        .append("\" fill=\"")
        .append(colour)
        .append('"');
    if (!anchor.equals("start")) {
      out.append(" text-anchor=\"").append(anchor).append('"');
    }
    if (!attributes.isEmpty()) {
      out.append(' ').append(attributes);
    }
    out.append('>').append(escape(text)).append("</text>\n");
  }

  /** A coordinate with at most one decimal. */
  private static String number(double d) {
    long tenths = Math.round(d * 10);
    return tenths % 10 == 0
        ? Long.toString(tenths / 10)
        : String.format(Locale.ROOT, "%.1f", tenths / 10.0);
  }

  /** A rate for people: one decimal below 10, else whole and grouped ("1,234"). */
  static String rate(double perSecond) {
    if (Double.isNaN(perSecond)) {
      return "-";
    }
    return perSecond < 9.95
        ? String.format(Locale.ROOT, "%.1f", perSecond)
        : String.format(Locale.ROOT, "%,.0f", perSecond);
  }

  private static String grouped(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  private static String grouped(double d) {
    return String.format(Locale.ROOT, "%,.0f", d);
  }

  private static String seconds(double s) {
    return String.format(Locale.ROOT, "%.1f s", s);
  }

  private static String shorten(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "\u2026";
  }

  /** Text safe in SVG (XML) text and in double-quoted attribute values. */
  static String escape(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      switch (ch) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> {
          // Characters XML 1.0 does not allow at all (controls but tab, line feed, return).
          if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') {
            out.append('\uFFFD');
          } else {
            out.append(ch);
          }
        }
      }
    }
    return out.toString();
  }

  private static String reasonColour(RejectionReason reason) {
    String colour = REASON_COLOURS.get(reason);
    return colour == null ? ALARM : colour;
  }

  private static Map<RejectionReason, String> reasonColours() {
    Map<RejectionReason, String> colours = new EnumMap<>(RejectionReason.class);
    String[] palette = {
      "#c62828", "#ef6c00", "#6d4c41", "#8e24aa", "#00897b", "#f9a825", "#d81b60", "#5e35b1"
    };
    RejectionReason[] reasons = RejectionReason.values();
    for (int i = 0; i < reasons.length; i++) {
      colours.put(reasons[i], palette[i % palette.length]);
    }
    return colours;
  }
}
