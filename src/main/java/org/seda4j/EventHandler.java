package org.seda4j;

/**
 * A per-event handler: called once for each event of a drained batch, in queue order, on a virtual
 * thread owned by the stage.
 *
 * <p>The handler may block (I/O, locks, {@code Thread.sleep}): blocking parks only its virtual
 * thread. It may throw: the exception is handled by the stage's {@link FailurePolicy} and the event
 * is counted as failed, or as cancelled if the graph is being shut down forcibly. Up to {@link
 * Stage#permits()} invocations of the same handler run concurrently, so a handler that touches
 * shared state must be thread-safe.
 *
 * @param <E> the event type of the stage
 */
@FunctionalInterface
public interface EventHandler<E> {
  /**
   * Handles one event.
   *
   * <p>Called only by the stage, on one of its virtual threads. An interrupt means the graph is
   * being shut down forcibly ({@link StageGraph#shutdownNow()} or a close deadline that passed):
   * the handler should stop and let {@link InterruptedException} (or any exception) propagate; the
   * event is then counted as cancelled, not failed.
   *
   * @param event the event, never {@code null}
   * @param context emits events to other stages and describes the running stage
   * @throws Exception any failure; handled by the stage's {@link FailurePolicy}
   */
  void handle(E event, StageContext context) throws Exception;
}
