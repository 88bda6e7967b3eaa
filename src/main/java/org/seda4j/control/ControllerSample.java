package org.seda4j.control;

import org.seda4j.BatchHandler;
import org.seda4j.StageGraph;

/**
 * What a stage did during one sampling window: the only input of a {@link ConcurrencyController} or
 * {@link BatchController}. The graph's sampler builds one per stage per window (period set by
 * {@link StageGraph.Builder#samplePeriod(java.time.Duration)}); tests build them by hand.
 *
 * <p>Counts ending in a verb ({@code arrivals}, {@code completions}, {@code batches}, {@code
 * busyNanos}) are deltas over the window; the others are levels at its end.
 *
 * @param nanoTime the end of the window, from the graph's clock ({@link
 *     StageGraph.Builder#nanoClock(java.util.function.LongSupplier)})
 * @param elapsedNanos the window's length, positive
 * @param queueLength events waiting in the queue at the end of the window
 * @param capacity the queue's capacity
 * @param blockedProducers producers waiting for room at the end of the window
 * @param arrivals events admitted during the window
 * @param rejected events offered during the window that were not admitted (refused by an admission
 *     controller, or rejected by a full queue): demand the stage did not take in
 * @param completions events whose handling ended during the window (completed, failed or cancelled)
 * @param batches handler invocations started during the window
 * @param busyNanos handler time spent in invocations that ended during the window, summed over
 *     invocations (so {@code busyNanos / elapsedNanos} is the mean number of busy handlers)
 * @param activeHandlers handler invocations running at the end of the window
 * @param permits the concurrency limit during the window
 * @param batchSize the batch size during the window
 * @param perEventHandler {@code true} if the handler handles one event per call (batching then only
 *     amortises dispatch); {@code false} for a {@link BatchHandler}
 * @param cpuLoad the whole JVM's CPU use during the window, from 0 (idle) to 1 (every available
 *     processor busy), or -1 if the platform does not tell
 */
public record ControllerSample(
    long nanoTime,
    long elapsedNanos,
    int queueLength,
    int capacity,
    int blockedProducers,
    long arrivals,
    long rejected,
    long completions,
    long batches,
    long busyNanos,
    int activeHandlers,
    int permits,
    int batchSize,
    boolean perEventHandler,
    double cpuLoad) {

  /**
   * Validates the sample.
   *
   * @param nanoTime end of the window
   * @param elapsedNanos the window's length, positive
   * @param queueLength queued events
   * @param capacity queue capacity
   * @param blockedProducers waiting producers
   * @param arrivals admitted events
   * @param rejected events not admitted
   * @param completions ended events
   * @param batches started invocations
   * @param busyNanos handler time
   * @param activeHandlers running invocations
   * @param permits concurrency limit
   * @param batchSize batch size
   * @param perEventHandler handler shape
   * @param cpuLoad JVM CPU use, 0 to 1, or -1
   */
  public ControllerSample {
    if (elapsedNanos <= 0) {
      throw new IllegalArgumentException("elapsedNanos must be positive, was " + elapsedNanos);
    }
    if (permits < 1 || batchSize < 1) {
      throw new IllegalArgumentException(
          "permits and batchSize must be at least 1, were " + permits + " and " + batchSize);
    }
  }

  /**
   * Whether the JVM used nearly every available processor during the window (at least 85%): more
   * concurrency cannot add CPU work then, only contention.
   *
   * @return {@code true} if CPU-saturated; {@code false} if not or unknown
   */
  public boolean cpuSaturated() {
    return cpuLoad >= 0.85;
  }

  /**
   * Completions per second over the window.
   *
   * @return the throughput in events per second
   */
  public double throughput() {
    return completions * 1e9 / elapsedNanos;
  }

  /**
   * Whether there was more work than the stage took on: events waiting at the end of the window
   * (queued, or producers blocked for room), or events turned away during it (an admission
   * controller holding the load at what the stage can answer in time keeps the queue short, but the
   * demand is there). More handler capacity could have been used.
   *
   * @return {@code true} if there was a backlog
   */
  public boolean backlogged() {
    return queueLength > 0 || blockedProducers > 0 || rejected > 0;
  }

  /**
   * Mean handler time per completed event over the window, or 0 if none completed.
   *
   * @return nanoseconds per event
   */
  public double serviceNanosPerEvent() {
    return completions == 0 ? 0 : (double) busyNanos / completions;
  }

  /**
   * Whether the window measured what the stage's permits can do: there was a backlog ({@link
   * #backlogged()}) and on average at least 80% of the permits were busy in handlers (for handler
   * calls as long as half a window or more, whose time counts only in the window they end in: every
   * permit held at the end of the window). The throughput of such a window is the stage's capacity
   * at these permits; {@link ConcurrencyController#adaptive()} judges its steps only on them.
   *
   * @return {@code true} if the permits were the limit in this window
   */
  public boolean saturated() {
    return HillClimbingConcurrency.saturated(this);
  }

  /**
   * Whether the stage's handlers spent the window mostly waiting (blocking calls, a remote
   * resource) rather than computing: their handler time was more than twice the CPU time the whole
   * JVM used in the window. More permits then mean more waiting in parallel, not more CPU work.
   *
   * @param processors the processors {@link #cpuLoad()} is relative to (normally {@link
   *     Runtime#availableProcessors()})
   * @return {@code true} if the handlers mostly waited; {@code false} if not or if the CPU use is
   *     unknown
   */
  public boolean handlersMostlyWait(int processors) {
    return HillClimbingConcurrency.mostlyWaiting(this, processors);
  }

  /**
   * Mean number of busy handler invocations over the window (Little's law on handler time).
   *
   * @return mean concurrency in use
   */
  public double meanBusyHandlers() {
    return (double) busyNanos / elapsedNanos;
  }
}
