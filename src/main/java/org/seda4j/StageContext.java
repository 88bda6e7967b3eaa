package org.seda4j;

import org.seda4j.observe.StageSnapshot;

/**
 * What a handler can do besides handling its event: emit events to stages of its graph. Passed to
 * every handler call; valid only on the handler's own thread, during the call.
 *
 * <p>Events emitted through the context are admitted even while the graph is closing (only external
 * producers are turned away then), so that {@link StageGraph#close()} drains every stage the work
 * flows through, cycles included.
 */
public interface StageContext {

  /**
   * The name of the stage whose handler is running.
   *
   * @return the stage's name
   */
  String stageName();

  /**
   * The graph the stage belongs to.
   *
   * @return the graph
   */
  StageGraph graph();

  /**
   * Emits an event to a stage of the same graph, honouring the target's full-queue policy: under
   * {@code block} this waits for room (the handler's virtual thread parks; {@link
   * StageSnapshot.Handlers#blockedOnEmit()} counts it), under {@code blockFor} at most the timeout,
   * under {@code reject} it throws at once, under the drop policies it drops and returns.
   *
   * @param target the stage to emit to, of the same graph (it may be the running stage itself)
   * @param event the event, not {@code null}, an instance of the target's event type
   * @param <T> the target's event type
   * @throws InterruptedException if interrupted while waiting (a forced shutdown interrupts
   *     handlers); the event was not admitted
   * @throws StageRejectedException if the target rejected the event
   * @throws StageClosedException if a forced shutdown of the graph has begun
   * @throws IllegalArgumentException if {@code target} belongs to another graph
   * @throws ClassCastException if {@code event} is not an instance of the target's event type
   */
  <T> void emit(Stage<T> target, T event) throws InterruptedException;

  /**
   * Emits an event to a stage of the same graph without ever blocking, like {@link Stage#offer}
   * (but admitted while the graph is closing, like {@link #emit}).
   *
   * @param target the stage to emit to, of the same graph
   * @param event the event, not {@code null}
   * @param <T> the target's event type
   * @return what happened to the event
   * @throws IllegalArgumentException if {@code target} belongs to another graph
   * @throws ClassCastException if {@code event} is not an instance of the target's event type
   */
  <T> OfferResult offer(Stage<T> target, T event);
}
