package org.seda4j;

import org.jspecify.annotations.Nullable;

/**
 * A function-shaped handler for linear pipelines: its result is emitted to the next stage (see
 * {@link Stage.Builder#map(EventMapper, Stage)}). Returning {@code null} forwards nothing.
 *
 * <p>It may block and may throw, like an {@link EventHandler}; forwarding honours the next stage's
 * {@link FullQueuePolicy} (with {@code BLOCK}, the mapper's virtual thread waits for room).
 *
 * @param <E> the event type of this stage
 * @param <R> the event type of the next stage
 */
@FunctionalInterface
public interface EventMapper<E, R> {
  /**
   * Maps one event.
   *
   * <p>Called only by the stage, on one of its virtual threads; an interrupt means a forced
   * shutdown (the event is then counted as cancelled).
   *
   * @param event the event, never {@code null}
   * @return the event to forward, or {@code null} to forward nothing
   * @throws Exception any failure; handled by the stage's {@link FailurePolicy}
   */
  @Nullable R apply(E event) throws Exception;
}
