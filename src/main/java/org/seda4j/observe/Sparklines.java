package org.seda4j.observe;

import static org.seda4j.observe.SvgText.CELL_W;
import static org.seda4j.observe.SvgText.GRID;
import static org.seda4j.observe.SvgText.INK;
import static org.seda4j.observe.SvgText.MUTED;
import static org.seda4j.observe.SvgText.SPARK;
import static org.seda4j.observe.SvgText.escape;
import static org.seda4j.observe.SvgText.grouped;
import static org.seda4j.observe.SvgText.number;
import static org.seda4j.observe.SvgText.rate;
import static org.seda4j.observe.SvgText.reasonColour;
import static org.seda4j.observe.SvgText.text;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;
import org.seda4j.RejectionReason;

/** The values of every series over the samples, drawn as sparklines. */
final class Sparklines {
  private final List<SnapshotHistory.Sample> samples;
  private final List<Map<String, StageSnapshot>> stages = new ArrayList<>();
  private final long lastNanos;
  private final double spanNanos;

  Sparklines(List<SnapshotHistory.Sample> samples, int capacity) {
    this.samples = samples;
    for (SnapshotHistory.Sample s : samples) {
      stages.add(Svg.byName(s.snapshot()));
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
}
