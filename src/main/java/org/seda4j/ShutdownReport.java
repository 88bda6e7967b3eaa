package org.seda4j;

import java.time.Duration;
import java.util.List;

/**
 * What a shutdown did: returned by {@link StageGraph#close(Duration)} and {@link
 * StageGraph#shutdownNow()}.
 *
 * @param graceful {@code true} if the graph became quiescent before its deadline, so every admitted
 *     event reached its end without being cancelled
 * @param elapsed how long the shutdown took
 * @param unprocessed every admitted event that the shutdown cancelled, in no particular order
 * @param unstoppedThreads names of handler threads still running when the call returned (they
 *     ignored the interrupt for longer than the graph's interrupt grace); empty when everything
 *     stopped
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
