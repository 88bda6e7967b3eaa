package org.seda4j.observe;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import org.seda4j.Deadline;
import org.seda4j.RejectionReason;
import org.seda4j.Stage;
import org.seda4j.StageContext;
import org.seda4j.StageGraph;
import org.seda4j.control.AdmissionController;
import org.seda4j.control.AdmissionSample;

/**
 * A point-in-time view of one stage: its settings, its load and its event accounting, grouped as
 * the stage is built: its {@link Queue queue}, its {@link Handlers handlers}, the {@link Counts
 * counts} of the accounting invariant, the {@link Latencies latencies} it measures and the state of
 * its {@link Controllers controllers}.
 *
 * {@snippet class=org.seda4j.readme.ObserveSnippetsTest region=stage-snapshot}
 *
 * <p>Each counter is exact; the snapshot as a whole is taken without stopping the stage. While
 * events flow it may miss events in transit between two states, but it never counts an event twice:
 * {@code admitted >= completed + failed + cancelled + dropped + queued + inFlight} holds in every
 * snapshot. At a quiescent moment (after {@link StageGraph#awaitIdle(java.time.Duration)} returned
 * {@code true}, or after close) the two sides are equal and {@link #balanced()} is {@code true}. An
 * immutable value: its methods never block and any thread may call them.
 *
 * @param name the stage's name
 * @param queue the queue: its length, capacity and the producers waiting for room
 * @param handlers the handlers: permits, batch size, what runs now, throughput
 * @param counts the events counted since the stage was created
 * @param latency queue wait, service time and response time over the recent window
 * @param controllers the controllers' last decisions and state
 */
public record StageSnapshot(
    String name,
    Queue queue,
    Handlers handlers,
    Counts counts,
    Latencies latency,
    Controllers controllers) {

  /**
   * Checks the arguments.
   *
   * @param name the stage's name
   * @param queue the queue
   * @param handlers the handlers
   * @param counts the counts
   * @param latency the latencies
   * @param controllers the controllers
   */
  public StageSnapshot {
    Objects.requireNonNull(name, "name must not be null");
    Objects.requireNonNull(queue, "queue must not be null");
    Objects.requireNonNull(handlers, "handlers must not be null");
    Objects.requireNonNull(counts, "counts must not be null");
    Objects.requireNonNull(latency, "latency must not be null");
    Objects.requireNonNull(controllers, "controllers must not be null");
  }

  /**
   * Whether the accounting invariant holds in this snapshot: {@code admitted = completed + failed +
   * cancelled + dropped + queued + inFlight}. Always true at a quiescent moment.
   *
   * @return whether every admitted event is accounted for
   */
  public boolean balanced() {
    return counts.admitted() == counts.finished() + queue.queued() + handlers.inFlight();
  }

  /**
   * The stage's queue.
   *
   * @param capacity the queue's capacity
   * @param queued events waiting in the queue (exact)
   * @param blockedProducers threads now waiting for room in the queue
   * @param fullQueuePolicy the full-queue policy, as text
   */
  public record Queue(int capacity, int queued, int blockedProducers, String fullQueuePolicy) {
    /**
     * Checks the arguments.
     *
     * @param capacity the capacity
     * @param queued queued events
     * @param blockedProducers waiting producers
     * @param fullQueuePolicy the full-queue policy
     */
    public Queue {
      Objects.requireNonNull(fullQueuePolicy, "fullQueuePolicy must not be null");
    }
  }

  /**
   * The stage's handlers.
   *
   * @param permits the concurrency limit: how many handler invocations may run at once
   * @param active handler invocations running now
   * @param inFlight events taken from the queue whose handling has not ended
   * @param batchSize the most events one handler invocation receives
   * @param blockedOnEmit this stage's handlers now waiting for room in a stage's queue (its own
   *     included): in {@link StageContext#emit}, in a {@link Stage#put put} or {@link Stage#putAll
   *     putAll} called on the handler thread, or routing a dead letter (when every stage of a cycle
   *     has all its handlers counted here, the cycle may be deadlocked: see {@link
   *     GraphSnapshot#deadlocked()})
   * @param throughput events per second whose handling ended in the last sampling window
   * @param failurePolicy the failure policy, as text
   */
  public record Handlers(
      int permits,
      int active,
      long inFlight,
      int batchSize,
      int blockedOnEmit,
      double throughput,
      String failurePolicy) {
    /**
     * Checks the arguments.
     *
     * @param permits the concurrency limit
     * @param active running invocations
     * @param inFlight events in flight
     * @param batchSize the batch size
     * @param blockedOnEmit handlers waiting on an emit
     * @param throughput events per second
     * @param failurePolicy the failure policy
     */
    public Handlers {
      Objects.requireNonNull(failurePolicy, "failurePolicy must not be null");
    }
  }

  /**
   * The events a stage counted since it was created: every event offered is admitted or rejected;
   * every admitted event ends exactly once as completed, failed, cancelled or dropped (until then
   * it is queued or in flight).
   *
   * @param admitted events admitted
   * @param completed admitted events whose handler returned normally
   * @param failed admitted events whose handler threw
   * @param cancelled admitted events cancelled by a forced shutdown
   * @param dropped admitted events shed by a drop policy, or whose {@link Deadline} passed while
   *     they were queued (those are also counted in {@code expired})
   * @param expired admitted events whose {@link Deadline} passed while they were queued: dropped
   *     before their handler ran (part of {@code dropped})
   * @param rejections the events offered and not admitted, per {@link RejectionReason}; reasons
   *     with none are left out; in the order of the enum, unmodifiable
   */
  public record Counts(
      long admitted,
      long completed,
      long failed,
      long cancelled,
      long dropped,
      long expired,
      Map<RejectionReason, Long> rejections) {

    /**
     * Copies the map of rejections (in the order of {@link RejectionReason}).
     *
     * @param admitted admitted events
     * @param completed completed events
     * @param failed failed events
     * @param cancelled cancelled events
     * @param dropped dropped events
     * @param expired expired events
     * @param rejections rejections per reason
     */
    public Counts {
      rejections =
          rejections.isEmpty()
              ? Map.of()
              : Collections.unmodifiableMap(new EnumMap<>(Map.copyOf(rejections)));
    }

    /**
     * Events offered and not admitted, for any reason: the sum of {@link #rejections()}.
     *
     * @return the rejected events
     */
    public long rejected() {
      long n = 0;
      for (long r : rejections.values()) {
        n += r;
      }
      return n;
    }

    /**
     * The rejections for one reason.
     *
     * @param reason the reason
     * @return events rejected for it
     */
    public long rejected(RejectionReason reason) {
      return rejections.getOrDefault(reason, 0L);
    }

    /**
     * Events offered to the stage: {@code admitted + rejected}.
     *
     * @return the number of events offered
     */
    public long offered() {
      return admitted + rejected();
    }

    /**
     * Admitted events that reached an end: {@code completed + failed + cancelled + dropped}.
     *
     * @return the number of finished events
     */
    public long finished() {
      return completed + failed + cancelled + dropped;
    }
  }

  /**
   * The durations a stage measures over the recent window (see {@link Latency}).
   *
   * @param queueWait time events spent in the queue, from insertion until a worker took them for a
   *     batch, measured on a uniform sample of the window's events (every event up to about 512 per
   *     window, then about 512 to 1,024 of them): its {@code count} is the number of samples, and a
   *     percentile's error is that of a random sample of that size (for 512 samples the reported
   *     p90 lies between the true p88.7 and p91.3, one standard deviation), plus the histogram's
   *     bucket width; all zeros if latency statistics are off
   * @param serviceTime handler time per event: each batch's handler time divided by the number of
   *     events it handled, recorded once per event (exact per event at batch size 1; percentiles of
   *     batch means for larger batches, which hides outliers inside a batch); failed events count
   *     (with their failure handling), events cancelled before their handler ran do not; all zeros
   *     if latency statistics are off
   * @param responseTime time from admission to the end of handling at this stage, over the last one
   *     to two samples of its {@link AdmissionController} (see {@link AdmissionSample}); measured
   *     only when an admission controller of the stage asks for its response time ({@link
   *     AdmissionController#feedback()}), all zeros otherwise
   */
  public record Latencies(Latency queueWait, Latency serviceTime, Latency responseTime) {
    /**
     * Checks the arguments.
     *
     * @param queueWait queue wait
     * @param serviceTime service time
     * @param responseTime response time
     */
    public Latencies {
      Objects.requireNonNull(queueWait, "queueWait must not be null");
      Objects.requireNonNull(serviceTime, "serviceTime must not be null");
      Objects.requireNonNull(responseTime, "responseTime must not be null");
    }
  }

  /**
   * The state of a stage's controllers.
   *
   * @param concurrencyDecision the concurrency controller's last decision and its reason
   * @param permitsOverridden {@code true} if the permits were set by hand ({@link
   *     Stage#setPermits(int)}) and the concurrency controller is paused
   * @param batchDecision the batching controller's last decision and its reason
   * @param batchSizeOverridden {@code true} if the batch size was set by hand ({@link
   *     Stage#setBatchSize(int)}) and the batching controller is paused
   * @param admission the stage's admission controllers and their current state (for an adaptive
   *     one, its limit or rate and measured response time), or empty if it has none
   */
  public record Controllers(
      String concurrencyDecision,
      boolean permitsOverridden,
      String batchDecision,
      boolean batchSizeOverridden,
      String admission) {
    /**
     * Checks the arguments.
     *
     * @param concurrencyDecision the concurrency controller's last decision
     * @param permitsOverridden permits set by hand
     * @param batchDecision the batching controller's last decision
     * @param batchSizeOverridden batch size set by hand
     * @param admission admission controllers' state
     */
    public Controllers {
      Objects.requireNonNull(concurrencyDecision, "concurrencyDecision must not be null");
      Objects.requireNonNull(batchDecision, "batchDecision must not be null");
      Objects.requireNonNull(admission, "admission must not be null");
    }
  }
}
