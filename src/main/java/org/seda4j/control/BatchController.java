package org.seda4j.control;

import org.seda4j.BatchHandler;
import org.seda4j.Stage;

/**
 * Decides a stage's batch size ({@link Stage#batchSize()}) from samples: SEDA's batching
 * controller.
 *
 * <p>Like {@link ConcurrencyController}, a pure function of the samples it is fed, called once per
 * window by the graph's sampler (never concurrently, never while the batch size is set by hand),
 * one instance per stage. To keep the two controllers from confusing each other, the sampler asks
 * the batching controller only in windows where the permits did not just change.
 *
 * <ul>
 *   <li>{@link #adaptive(int)} — the default: the smallest batch that sustains the throughput.
 *   <li>{@link #aggThrottle(int)} — Sandstorm's {@code AggThrottle}, as published.
 *   <li>{@link #fixed(int)} — what {@link Stage.Builder#batchSize(int)} installs.
 * </ul>
 */
@FunctionalInterface
public interface BatchController {

  /**
   * Decides the batch size for the next window.
   *
   * <p>Called only by the graph's sampler thread, one window at a time; must not block.
   *
   * @param sample what the stage did in the last window
   * @return the batch size to use next, and why
   */
  ControllerDecision decide(ControllerSample sample);

  /**
   * The batch size a stage starts with, before the first window. The default is 1.
   *
   * @return the initial batch size, at least 1
   */
  default int initial() {
    return 1;
  }

  /**
   * Always the same batch size.
   *
   * @param batchSize the batch size, at least 1
   * @return a new controller
   * @throws IllegalArgumentException if {@code batchSize < 1}
   */
  static BatchController fixed(int batchSize) {
    return new FixedController("batchSize", batchSize);
  }

  /**
   * The default: the smallest batch that sustains the throughput, between 1 and {@code max}
   * (starting at 1, the lowest latency).
   *
   * <p>For a per-event handler, a batch buys nothing but the amortised dispatch cost (starting a
   * virtual thread, draining the queue, handing over), while each event waits behind the others of
   * its batch. So the batch is computed, not searched: from the measured handler time per event
   * {@code s} and the measured dispatch cost per batch {@code d} (in windows with a backlog, the
   * permit time not spent in handlers, per batch), it is the smallest batch that keeps dispatch
   * under 5% of the work, {@code ceil(d / (0.05 s))}; events slower than 20 µs stay at 1. Being a
   * formula over smoothed measurements, it does not wander with window-to-window noise.
   *
   * <p>For a {@link BatchHandler}, whose gain from batching is its own (one round trip per batch),
   * only a search can find the size: while events wait, the batch doubles each window as long as
   * throughput rises by more than 5%, returns to the best size when it stops rising, and is then
   * probed a quarter up and down every few windows (kept up only for a gain over 5%, kept down if
   * throughput stays within 3%). Two windows in a row far from the reference (below 1/2 or above
   * 2x) restart the search.
   *
   * @param max the largest batch, at least 1
   * @return a new controller
   * @throws IllegalArgumentException if {@code max < 1}
   */
  static BatchController adaptive(int max) {
    return new AdaptiveBatching(max);
  }

  /**
   * Sandstorm's {@code AggThrottle} (Welsh's SEDA thesis, section 4.3.2): start at {@code max};
   * while decreasing, divide by 1.2 and remember the best throughput; when throughput falls to 90%
   * of the best, switch to increasing (x1.2) until it is back to 98%; if throughput suddenly drops
   * below 0.2x or rises above 2x the best, reset to {@code max}.
   *
   * @param max the largest batch, at least 1
   * @return a new controller
   * @throws IllegalArgumentException if {@code max < 1}
   */
  static BatchController aggThrottle(int max) {
    return new AggThrottleBatching(max);
  }
}
