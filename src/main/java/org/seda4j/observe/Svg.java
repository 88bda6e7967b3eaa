package org.seda4j.observe;

import static org.seda4j.observe.SvgText.CELL_W;
import static org.seda4j.observe.SvgText.GRID;
import static org.seda4j.observe.SvgText.INK;
import static org.seda4j.observe.SvgText.MARGIN;
import static org.seda4j.observe.SvgText.MUTED;
import static org.seda4j.observe.SvgText.open;
import static org.seda4j.observe.SvgText.reasonColour;
import static org.seda4j.observe.SvgText.seconds;
import static org.seda4j.observe.SvgText.shorten;
import static org.seda4j.observe.SvgText.text;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.seda4j.RejectionReason;

/*
 * The SVG pictures of Diagrams.svg: the stage network (placed by NetworkLayout, drawn by
 * NetworkDrawing), and under it (for a history) one row of sparklines per stage (Sparklines); what
 * they write with is in SvgText.
 *
 * Everything is drawn with presentation attributes, no <style> element and no id, so the picture
 * can be inlined in an HTML page without its rules or ids leaking into the page. Elements a reader
 * may look for carry a class and data- attributes: g.stage[data-stage], g.edge[data-from][data-to],
 * g.spark[data-stage][data-series] (one cell per stage and series: its current value in text.now,
 * a polyline per line; rejections: one per reason, with data-reason).
 */
final class Svg {
  private Svg() {}

  private static final int LABEL_W = 112;
  private static final int CELL_H = 46;

  /** The series of a sparkline row, in column order. */
  private static final List<String> SERIES =
      List.of(
          "events/s", "queue", "wait p90", "service p90", "rejected/s", "permits", "batch size");

  // ---- entry points -----------------------------------------------------------------------------

  /** The network of one snapshot; edges labelled with their event counts. */
  static String network(GraphSnapshot snapshot) {
    NetworkDrawing layout = new NetworkDrawing(snapshot, Map.of(), Map.of(), Set.of());
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
        edgeRates.put(
            NetworkDrawing.edgeKey(e.from(), e.to()), Math.max(0, e.events() - before) / interval);
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
    NetworkDrawing layout = new NetworkDrawing(snapshot, edgeRates, eventRates, rejecting);
    Sparklines series = new Sparklines(samples, capacity);
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

  static Map<String, StageSnapshot> byName(GraphSnapshot snapshot) {
    Map<String, StageSnapshot> out = new HashMap<>();
    for (StageSnapshot s : snapshot.stages()) {
      out.putIfAbsent(s.name(), s);
    }
    return out;
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
}
