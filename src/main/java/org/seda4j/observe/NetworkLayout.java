package org.seda4j.observe;

import static org.seda4j.observe.SvgText.MARGIN;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Where the stages of a snapshot go in its network picture, and the curve of each edge; nodes by
 * index in {@link #names}, edges by index in the snapshot's edges.
 *
 * <p>A small layered drawing, left to right. Edges that close a cycle are found by a depth-first
 * search from the sources (then from the remaining stages, in snapshot order) and drawn as arcs
 * below the nodes; every other edge goes from a lower layer to a higher one (layer = longest path
 * from a source), as a curve between neighbouring layers or an arc above the nodes when it skips
 * layers. Within a layer the nodes are ordered by the mean position of their predecessors (one
 * pass), else by snapshot order.
 */
final class NetworkLayout {
  static final int NODE_W = 178;
  static final int NODE_H = 74;
  static final int GAP_X = 84;
  private static final int GAP_Y = 22;

  final List<String> names = new ArrayList<>();
  private final Map<String, Integer> index = new HashMap<>();
  final List<@Nullable StageSnapshot> stages = new ArrayList<>();

  /** Per edge of the snapshot: source and target index, and whether it closes a cycle. */
  private final int[] from;

  private final int[] to;
  private final boolean[] back;
  private final int[] layer;
  final double[] x;
  final double[] y;
  private final int layers;
  final double top;
  private final double bottom;

  NetworkLayout(GraphSnapshot snapshot) {
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
  Route route(int e) {
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

  /** The number of edges. */
  int edges() {
    return from.length;
  }

  record Route(
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
}
