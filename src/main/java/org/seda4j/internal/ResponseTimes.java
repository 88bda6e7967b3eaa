package org.seda4j.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.seda4j.observe.Latency;

/*
 * Response times split by priority, for admission feedback (a stage's own response time, or a
 * path's). One LatencyHistogram.Window per priority. Recorders (handler threads) add to the current
 * histograms; the sampler reads the current histograms as the sample "since the last consumed one"
 * and rotates them all when the controller consumes it, so the previous histograms hold the last
 * consumed sample (snapshots show current + previous). Same races as the stage's latency windows
 * (see StageImpl's class comment): only events recorded at the instant of a rotation may be lost.
 */
/** Response-time windows per priority. */
final class ResponseTimes {

  private final AtomicReferenceArray<LatencyHistogram.Window> windows; // replaced by rotation

  ResponseTimes(int priorities) {
    windows = new AtomicReferenceArray<>(priorities);
    for (int i = 0; i < priorities; i++) {
      windows.set(i, new LatencyHistogram.Window());
    }
  }

  int priorities() {
    return windows.length();
  }

  /** Records one response; any thread. Out-of-range priorities count as the nearest one. */
  void record(int priority, long nanos) {
    int p = priority < 0 ? 0 : Math.min(priority, windows.length() - 1);
    windows.get(p).current().record(nanos);
  }

  /** Since the last consume, all priorities together. */
  Latency currentAll() {
    LatencyHistogram[] h = new LatencyHistogram[windows.length()];
    for (int i = 0; i < h.length; i++) {
      h[i] = windows.get(i).current();
    }
    return LatencyHistogram.summarize(h);
  }

  /** Since the last consume, per priority. */
  List<Latency> currentByPriority() {
    List<Latency> out = new ArrayList<>(windows.length());
    for (int i = 0; i < windows.length(); i++) {
      out.add(LatencyHistogram.summarize(windows.get(i).current()));
    }
    return out;
  }

  /** The sample was consumed: start the next one. Sampler thread only. */
  void consume() {
    for (int i = 0; i < windows.length(); i++) {
      windows.set(i, windows.get(i).rotate());
    }
  }

  /** The current and the last consumed sample, all priorities: for snapshots. */
  Latency summary() {
    LatencyHistogram[] h = new LatencyHistogram[windows.length() * 2];
    for (int i = 0; i < windows.length(); i++) {
      LatencyHistogram.Window w = windows.get(i);
      h[2 * i] = w.current();
      h[2 * i + 1] = w.previous();
    }
    return LatencyHistogram.summarize(h);
  }
}
