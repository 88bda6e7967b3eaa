package org.seda4j.observe;

import java.time.Duration;
import java.util.List;
import org.seda4j.StageGraph;
import org.seda4j.UnprocessedEvent;

/**
 * What a shutdown did: returned by {@link StageGraph#close(Duration)} and {@link
 * StageGraph#shutdownNow()}.
 *
 * @param graceful {@code true} if the graph became quiescent before its deadline, so every admitted
 *     event reached its end without being cancelled
 * @param elapsed how long the shutdown took
 * @param unprocessed every admitted event that the shutdown cancelled, in no particular order:
 *     events still queued, events of drained batches whose handler had not reached them, events
 *     whose handler was interrupted, and the unfinished events of handlers that ignored the
 *     interrupt past the interrupt grace (counted as cancelled then, whatever those handlers do
 *     with them later)
 * @param unstoppedThreads one line per thread of the graph still running when the call returned,
 *     starting with the thread's name: a handler that ignored the interrupt for longer than the
 *     graph's interrupt grace (with how many of its events were reported as cancelled), or the
 *     sampler if a controller did not return; empty when everything stopped
 */
public record ShutdownReport(
    boolean graceful,
    Duration elapsed,
    List<UnprocessedEvent> unprocessed,
    List<String> unstoppedThreads) {

  /**
   * Copies the lists.
   *
   * @param graceful whether quiescence was reached before the deadline
   * @param elapsed how long the shutdown took
   * @param unprocessed the cancelled events
   * @param unstoppedThreads the threads that did not stop
   */
  public ShutdownReport {
    unprocessed = List.copyOf(unprocessed);
    unstoppedThreads = List.copyOf(unstoppedThreads);
  }

  @Override
  public String toString() {
    return (graceful ? "graceful" : "forced")
        + " shutdown in "
        + elapsed.toMillis()
        + " ms: "
        + unprocessed.size()
        + " unprocessed event(s)"
        + (unstoppedThreads.isEmpty() ? "" : ", threads still running: " + unstoppedThreads);
  }
}
