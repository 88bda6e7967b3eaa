package org.seda4j.control;

import java.util.List;
import java.util.Objects;
import org.seda4j.observe.Latency;

/**
 * Response times measured for an {@link AdmissionController} that asked for {@link
 * AdmissionController.Feedback}, and the state of the stages they were measured on: the input of
 * {@link AdmissionController#update}. The graph's sampler builds one per sampling period; tests
 * build them by hand.
 *
 * <p>A sample covers the time since the controller last <em>consumed</em> one (its {@code update}
 * returned {@code true}), so a controller can wait until enough responses were measured (for
 * example 100 events or 1 second, as in Welsh and Culler's controller) by returning {@code false}.
 * The levels ({@code queueLength}, {@code inSystem}) are read at its end; {@code saturated} and
 * {@code searching} describe the last sampling window.
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
 * @param inSystem events admitted and not yet ended at the end of the sample, where the response
 *     time is measured (see {@link AdmissionContext#inSystem()})
 * @param saturated whether, in the last sampling window, a stage where the response time is
 *     measured (the guarded stage, or one on the measured path) worked at its capacity: every
 *     permit busy with events waiting, so the rate at which responses ended was the most the stages
 *     could do
 * @param searching whether, in the last sampling window, the concurrency or batching controller of
 *     such a stage was still raising its setting ({@link ControllerDecision#searching()}): the
 *     capacity measured now is a lower bound
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
    long meanServiceNanos,
    long inSystem,
    boolean saturated,
    boolean searching) {

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
   * @param inSystem events in the system
   * @param saturated whether a measured stage worked at its capacity
   * @param searching whether a measured stage's controllers were still raising their settings
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
   * A sample of one priority, of stages that were neither saturated nor searching, with as many
   * events in the system as in the queue.
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
        meanServiceNanos,
        queueLength,
        false,
        false);
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
