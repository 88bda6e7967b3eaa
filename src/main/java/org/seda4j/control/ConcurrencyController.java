package org.seda4j.control;

import org.seda4j.Stage;

/**
 * Decides a stage's concurrency limit ({@link Stage#permits()}) from samples: SEDA's thread pool
 * controller, for virtual threads.
 *
 * <p>A controller is a pure function of the samples it is fed (plus its own state): it reads no
 * clock and starts no thread, so tests feed it numbers. The graph's sampler calls {@link #decide}
 * once per window (default every 100 ms) on the sampler thread, never concurrently, and applies the
 * result unless the permits were set by hand ({@link Stage#setPermits(int)}) and not yet released.
 * One instance serves one stage. Implement it to plug in your own algorithm.
 *
 * <h2>Choosing one</h2>
 *
 * <ul>
 *   <li>{@link #adaptive()} — the default: hill climbing on measured throughput; finds the
 *       concurrency a blocking handler needs and stops adding permits that buy nothing.
 *   <li>{@link #queueThreshold(int, int, int)} — the SEDA/Sandstorm rule: add permits while the
 *       queue is long, remove them when idle.
 *   <li>{@link #fixed(int)} — what {@link Stage.Builder#permits(int)} installs.
 * </ul>
 */
@FunctionalInterface
public interface ConcurrencyController {

  /**
   * Decides the permits for the next window.
   *
   * <p>Called only by the graph's sampler thread, one window at a time; must not block.
   *
   * @param sample what the stage did in the last window
   * @return the permits to use next, and why
   */
  ControllerDecision decide(ControllerSample sample);

  /**
   * The permits a stage starts with, before the first window. The default is the number of
   * available processors.
   *
   * @return the initial permits, at least 1
   */
  default int initial() {
    return Math.max(1, Runtime.getRuntime().availableProcessors());
  }

  /**
   * Always the same number of permits.
   *
   * @param permits the limit, at least 1
   * @return a new controller
   * @throws IllegalArgumentException if {@code permits < 1}
   */
  static ConcurrencyController fixed(int permits) {
    return new FixedController("permits", permits);
  }

  /**
   * The default: throughput-aware hill climbing between 1 and 16384 permits.
   *
   * @return a new controller
   * @see #adaptive(int, int)
   */
  static ConcurrencyController adaptive() {
    return adaptive(1, 16_384);
  }

  /**
   * Throughput-aware hill climbing (in the spirit of Sandstorm's {@code autoMaxDetect} and .NET's
   * thread-pool hill climbing).
   *
   * <p>While events wait in the queue, it doubles the permits each window as long as each doubling
   * raises throughput by more than 5% (slow start: a 10 ms blocking handler reaches thousands of
   * permits within about a second). When a step buys no throughput (the handler is limited by the
   * CPU, a connection pool or another downstream resource), it returns to the best count seen and
   * from then on probes every few windows: a step up by a quarter is kept only if it raises
   * throughput by more than 5%, a step down by a quarter is kept if throughput stays within 3%, so
   * the limit settles at the smallest count that sustains the best throughput instead of drifting
   * to the maximum; a step up that raises throughput nearly in proportion (the plateau is far
   * above) starts slow start again. It never grows while the machine's CPU is saturated: in slow
   * start that pauses growth for up to five windows (a JVM that just started is busy compiling)
   * before it ends slow start. When the queue is empty and handlers sit idle for three windows, it
   * halves the permits towards what is used. A sudden throughput change (below 1/2 or above 2x the
   * reference) restarts the search.
   *
   * <p>Why not a latency gradient (Netflix Gradient2/Vegas): those infer capacity from rising
   * latency and are known to drift under moderate overload; a stage can measure its own throughput
   * directly, which is the quantity the permits exist to maximise.
   *
   * @param min the fewest permits, at least 1
   * @param max the most permits, at least {@code min}
   * @return a new controller
   * @throws IllegalArgumentException if the bounds are out of range
   */
  static ConcurrencyController adaptive(int min, int max) {
    return new HillClimbingConcurrency(min, max);
  }

  /**
   * The SEDA/Sandstorm thread pool controller, rescaled for virtual threads: when the queue holds
   * at least {@code threshold} events at the end of a window, add a quarter more permits (at least
   * one, at most {@code max}); when the queue is empty and fewer than half the permits were busy
   * for three consecutive windows, remove a quarter (down to {@code min}). Sandstorm added one
   * thread per 2 s sample; with 100 ms windows and multiplicative steps this reacts in about a
   * second instead of minutes.
   *
   * @param threshold the queue length that counts as overloaded, at least 1
   * @param min the fewest permits, at least 1
   * @param max the most permits, at least {@code min}
   * @return a new controller
   * @throws IllegalArgumentException if an argument is out of range
   */
  static ConcurrencyController queueThreshold(int threshold, int min, int max) {
    return new QueueThresholdConcurrency(threshold, min, max);
  }
}
