package org.seda4j;

import java.util.List;

/**
 * A per-batch handler: called once for each batch drained from the queue (between 1 and {@link
 * Stage#batchSize()} events, in queue order), on a virtual thread owned by the stage. Use it when
 * the work groups naturally, e.g. one SQL batch insert or one buffered write per batch.
 *
 * <p>The handler may block and may throw. A batch succeeds or fails as a whole: if it throws, every
 * event of the batch is counted as failed (or cancelled during a forced shutdown) and handed to the
 * stage's {@link FailurePolicy} one by one.
 *
 * @param <E> the event type of the stage
 */
@FunctionalInterface
public interface BatchHandler<E> {
  /**
   * Handles one batch.
   *
   * <p>Called only by the stage, on one of its virtual threads. An interrupt means the graph is
   * being shut down forcibly; the handler should stop and let the exception propagate, and the
   * whole batch is then counted as cancelled.
   *
   * @param batch the events, never empty, unmodifiable, valid only during this call
   * @param context emits events to other stages and describes the running stage
   * @throws Exception any failure; handled by the stage's {@link FailurePolicy}
   */
  void handle(List<E> batch, StageContext context) throws Exception;
}
