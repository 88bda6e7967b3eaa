package org.seda4j;

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
 * @param rejected events offered and not admitted (full queue, timeout, closed)
 * @param completed admitted events whose handler returned normally
 * @param failed admitted events whose handler threw
 * @param cancelled admitted events cancelled by a forced shutdown
 * @param dropped admitted events shed by a drop policy
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
 * @param queueWait time events spent in the queue, from insertion until the dispatcher took them
 *     for a batch, over the recent window (see {@link Latency}); all zeros if latency statistics
 *     are off
 * @param serviceTime handler time per event over the recent window: each batch's handler time
 *     divided by the number of events it handled, recorded once per event (exact per event at batch
 *     size 1; percentiles of batch means for larger batches, which hides outliers inside a batch);
 *     failed events count (with their failure handling), events cancelled before their handler ran
 *     do not; all zeros if latency statistics are off
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
    Latency serviceTime) {

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
