package org.seda4j.observe;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import org.seda4j.Deadline;
import org.seda4j.RejectionReason;
import org.seda4j.Stage;
import org.seda4j.StageContext;
import org.seda4j.StageGraph;
import org.seda4j.control.AdmissionController;
import org.seda4j.control.AdmissionSample;

/**
 * A point-in-time view of one stage: its settings, its load and its event accounting.
 *
 * <p>Each counter is exact; the snapshot as a whole is taken without stopping the stage. While
 * events flow it may miss events in transit between two states, but it never counts an event twice:
 * {@code admitted >= completed + failed + cancelled + dropped + queued + inFlight} holds in every
 * snapshot. At a quiescent moment (after {@link StageGraph#awaitIdle(java.time.Duration)} returned
 * {@code true}, or after close) the two sides are equal and {@link #balanced()} is {@code true}.
 *
 * @param name the stage's name
 * @param capacity the queue's capacity
 * @param queued events waiting in the queue (exact)
 * @param permits the concurrency limit: how many handler invocations may run at once
 * @param activeHandlers handler invocations running now
 * @param inFlight events taken from the queue whose handling has not ended
 * @param batchSize the most events one handler invocation receives
 * @param fullQueuePolicy the full-queue policy, as text
 * @param failurePolicy the failure policy, as text
 * @param admitted events admitted since the stage was created
 * @param rejected events offered and not admitted, for any reason (see {@link #rejections()})
 * @param completed admitted events whose handler returned normally
 * @param failed admitted events whose handler threw
 * @param cancelled admitted events cancelled by a forced shutdown
 * @param dropped admitted events shed by a drop policy, or whose {@link Deadline} passed while they
 *     were queued (those are also counted in {@code expired})
 * @param blockedProducers threads now waiting for room in this stage's queue
 * @param blockedOnEmit this stage's handlers now waiting for room in a stage's queue (its own
 *     included): in {@link StageContext#emit}, in a {@link Stage#put put} or {@link Stage#putAll
 *     putAll} called on the handler thread, or routing a dead letter (when every stage of a cycle
 *     has all its handlers counted here, the cycle may be deadlocked: see {@link
 *     GraphSnapshot#deadlocked()})
 * @param throughput events per second whose handling ended in the last sampling window
 * @param permitsOverridden {@code true} if the permits were set by hand ({@link
 *     Stage#setPermits(int)}) and the concurrency controller is paused
 * @param batchSizeOverridden {@code true} if the batch size was set by hand and the batching
 *     controller is paused
 * @param concurrencyDecision the concurrency controller's last decision and its reason
 * @param batchDecision the batching controller's last decision and its reason
 * @param queueWait time events spent in the queue, from insertion until a worker took them for a
 *     batch, over the recent window (see {@link Latency}), measured on a uniform sample of the
 *     window's events (every event up to about 512 per window, then about 512 to 1,024 of them):
 *     its {@code count} is the number of samples, and a percentile's error is that of a random
 *     sample of that size (for 512 samples the reported p90 lies between the true p88.7 and p91.3,
 *     one standard deviation), plus the histogram's bucket width; all zeros if latency statistics
 *     are off
 * @param serviceTime handler time per event over the recent window: each batch's handler time
 *     divided by the number of events it handled, recorded once per event (exact per event at batch
 *     size 1; percentiles of batch means for larger batches, which hides outliers inside a batch);
 *     failed events count (with their failure handling), events cancelled before their handler ran
 *     do not; all zeros if latency statistics are off
 * @param rejections the rejected events per {@link RejectionReason}; reasons with none are left
 *     out; the values add up to {@code rejected}
 * @param expired admitted events whose {@link Deadline} passed while they were queued: dropped
 *     before their handler ran (part of {@code dropped})
 * @param responseTime time from admission to the end of handling at this stage, over the last one
 *     to two samples of its {@link AdmissionController} (see {@link AdmissionSample}); measured
 *     only when an admission controller of the stage asks for its response time ({@link
 *     AdmissionController#feedback()}), all zeros otherwise
 * @param admission the stage's admission controllers and their current state (for an adaptive one,
 *     its rate and measured response time), or empty if it has none
 */
public record StageSnapshot(
    String name,
    int capacity,
    int queued,
    int permits,
    int activeHandlers,
    long inFlight,
    int batchSize,
    String fullQueuePolicy,
    String failurePolicy,
    long admitted,
    long rejected,
    long completed,
    long failed,
    long cancelled,
    long dropped,
    int blockedProducers,
    int blockedOnEmit,
    double throughput,
    boolean permitsOverridden,
    boolean batchSizeOverridden,
    String concurrencyDecision,
    String batchDecision,
    Latency queueWait,
    Latency serviceTime,
    Map<RejectionReason, Long> rejections,
    long expired,
    Latency responseTime,
    String admission) {

  /**
   * Copies the map of rejections (in the order of {@link RejectionReason}).
   *
   * @param name the stage's name
   * @param capacity the queue's capacity
   * @param queued queued events
   * @param permits the concurrency limit
   * @param activeHandlers running invocations
   * @param inFlight events in flight
   * @param batchSize the batch size
   * @param fullQueuePolicy the full-queue policy
   * @param failurePolicy the failure policy
   * @param admitted admitted events
   * @param rejected rejected events
   * @param completed completed events
   * @param failed failed events
   * @param cancelled cancelled events
   * @param dropped dropped events
   * @param blockedProducers waiting producers
   * @param blockedOnEmit handlers waiting on an emit
   * @param throughput events per second
   * @param permitsOverridden permits set by hand
   * @param batchSizeOverridden batch size set by hand
   * @param concurrencyDecision the concurrency controller's last decision
   * @param batchDecision the batching controller's last decision
   * @param queueWait queue wait
   * @param serviceTime service time
   * @param rejections rejections per reason
   * @param expired expired events
   * @param responseTime response time
   * @param admission admission controllers' state
   */
  public StageSnapshot {
    // In the enum's order, unmodifiable.
    rejections =
        rejections.isEmpty()
            ? Map.of()
            : Collections.unmodifiableMap(new EnumMap<>(Map.copyOf(rejections)));
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
    return admitted + rejected;
  }

  /**
   * Admitted events that reached an end: {@code completed + failed + cancelled + dropped}.
   *
   * @return the number of finished events
   */
  public long finished() {
    return completed + failed + cancelled + dropped;
  }

  /**
   * Whether the accounting invariant holds in this snapshot: {@code admitted = completed + failed +
   * cancelled + dropped + queued + inFlight}. Always true at a quiescent moment.
   *
   * @return whether every admitted event is accounted for
   */
  public boolean balanced() {
    return admitted == finished() + queued + inFlight;
  }
}
