package org.seda4j;

import java.util.List;
import java.util.Objects;

/**
 * Response times measured for an {@link AdmissionController} that asked for {@link
 * AdmissionController.Feedback}: the input of {@link AdmissionController#update}. The graph's
 * sampler builds one per sampling period; tests build them by hand.
 *
 * <p>A sample covers the time since the controller last <em>consumed</em> one (its {@code update}
 * returned {@code true}), so a controller can wait until enough responses were measured (for
 * example 100 events or 1 second, as in Welsh and Culler's controller) by returning {@code false}.
 *
 * @param nanoTime the end of the sample, from the graph's clock
 * @param elapsedNanos the time the sample covers, positive
 * @param responseTime response times of all priorities together: from admission at the guarded
 *     stage to the end of the event's handling there (or, for a {@link
 *     AdmissionController.Feedback#exit() path}, to the end of the handling of the events it led to
 *     at the exit stage)
 * @param byPriority response times per priority: element {@code p} for {@link
 *     AdmissionController#priorityOf priority} {@code p}; as many elements as the feedback's
 *     priorities
 * @param admitted events the guarded stage admitted during the sample
 * @param rejected events the guarded stage rejected during the sample, for any reason
 * @param queueLength events waiting in the guarded stage's queue at the end of the sample
 * @param capacity the guarded stage's queue capacity
 * @param meanServiceNanos mean handler time per event at the guarded stage during the sample (0 if
 *     none ended)
 */
public record AdmissionSample(
    long nanoTime,
    long elapsedNanos,
    Latency responseTime,
    List<Latency> byPriority,
    long admitted,
    long rejected,
    int queueLength,
    int capacity,
    long meanServiceNanos) {

  /**
   * Validates the sample and copies the list.
   *
   * @param nanoTime end of the sample
   * @param elapsedNanos the time covered, positive
   * @param responseTime all priorities
   * @param byPriority per priority, at least one element
   * @param admitted admitted events
   * @param rejected rejected events
   * @param queueLength queued events
   * @param capacity queue capacity
   * @param meanServiceNanos mean handler time per event
   */
  public AdmissionSample {
    if (elapsedNanos <= 0) {
      throw new IllegalArgumentException("elapsedNanos must be positive, was " + elapsedNanos);
    }
    Objects.requireNonNull(responseTime, "responseTime must not be null");
    byPriority = List.copyOf(byPriority);
    if (byPriority.isEmpty()) {
      throw new IllegalArgumentException("byPriority needs at least one element (priority 0)");
    }
  }

  /**
   * A sample of one priority.
   *
   * @param nanoTime end of the sample
   * @param elapsedNanos the time covered, positive
   * @param responseTime the measured response times
   * @param admitted admitted events
   * @param rejected rejected events
   * @param queueLength queued events
   * @param capacity queue capacity
   * @param meanServiceNanos mean handler time per event
   * @return the sample
   */
  public static AdmissionSample of(
      long nanoTime,
      long elapsedNanos,
      Latency responseTime,
      long admitted,
      long rejected,
      int queueLength,
      int capacity,
      long meanServiceNanos) {
    return new AdmissionSample(
        nanoTime,
        elapsedNanos,
        responseTime,
        List.of(responseTime),
        admitted,
        rejected,
        queueLength,
        capacity,
        meanServiceNanos);
  }

  /**
   * Responses measured per second over the sample, all priorities.
   *
   * @return the response rate
   */
  public double responseRate() {
    return responseTime.count() * 1e9 / elapsedNanos;
  }
}
