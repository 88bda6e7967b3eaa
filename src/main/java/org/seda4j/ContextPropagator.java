package org.seda4j;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Carries a thread's context (SLF4J's MDC, a tracing context, a tenant or a principal held in a
 * thread local) from the thread that offers an event to the thread that handles it, across every
 * stage the work flows through. A graph uses the propagators given to {@link
 * StageGraph.Builder#contextPropagation}; by default it has none, and then nothing is captured or
 * restored.
 *
 * {@snippet class=org.seda4j.readme.JavadocSnippetsTest region=mdc}
 *
 * <h2>One hop</h2>
 *
 * <ol>
 *   <li>{@link #capture()} runs on the producer's thread each time a stage admits an event: {@link
 *       Stage#put}, {@link Stage#offer}, {@link Stage#putAll} and {@link Stage#offerAll} (once for
 *       all their events), and {@link StageContext#emit} and {@link StageContext#offer} in a
 *       handler. It runs after the event passed the stage's admission checks and before it is
 *       queued; an event that is rejected before capture costs nothing. What it returns travels
 *       with the event through the queue; {@code null} means "nothing to carry".
 *   <li>{@link #restore} runs on the handler's thread right before the handler is called for that
 *       event (for a {@link BatchHandler}: {@link #restoreBatch}, once for the batch). The {@link
 *       Scope} it returns is closed on the same thread after the handler returned or threw, and
 *       after the stage's failure policy handled a failure, so a {@link DeadLetter} is emitted
 *       inside the failed event's context. Events that carried nothing are handled without a
 *       restore.
 * </ol>
 *
 * <p>Because a handler runs inside the restored context, what it emits captures that context in
 * turn: the context flows from the producer through every hop of a pipeline, fan-outs and cycles
 * included. A worker thread does not inherit the inheritable thread locals of the thread that
 * started it, so the only context a handler sees is the one restored for its event.
 *
 * <h2>Failures</h2>
 *
 * <p>Every call is guarded, and a failing propagator never loses an event nor changes its
 * accounting. If {@code capture} throws, the event is admitted without that propagator's context.
 * If {@code restore} throws or returns {@code null}, the handler runs without it. If {@link
 * Scope#failed} or {@link Scope#close} throws, the event's outcome stands. Each such failure is
 * logged as a rate-limited WARN on the stage's logger ({@code org.seda4j.stage.<graph>.<stage>}),
 * naming the propagator. An {@link Error} of the JVM itself (out of memory, stack overflow) is
 * thrown on.
 *
 * <h2>Threads and cost</h2>
 *
 * <p>{@code capture} runs on producers' threads (many at once) and must be thread-safe; {@code
 * restore}, {@code restoreBatch} and the scope's methods run on one handler thread. None of them
 * should block: {@code capture} delays the producer, {@code restore} and {@code close} the stage.
 * Each propagator costs what its two calls cost per hop, plus one small object per event; with no
 * propagator the engine does no work for context at all (docs/guide.md gives the measured figures).
 *
 * <h2>Implementations</h2>
 *
 * <p>{@link #mdc()} carries SLF4J's MDC. {@code org.seda4j.opentelemetry.OpenTelemetryPropagation}
 * carries the OpenTelemetry context and starts a span per hop (it needs {@code
 * io.opentelemetry:opentelemetry-api}, an optional dependency). Several propagators may be given at
 * once; they are captured and restored in the order given and closed in the reverse order.
 */
public interface ContextPropagator {

  /**
   * Captures the calling thread's context, to be carried with the event being admitted. Called on
   * the producer's thread; must be thread-safe and should not block.
   *
   * @return the captured context, or {@code null} if there is nothing to carry (the event is then
   *     queued as if there were no propagator)
   */
  @Nullable Object capture();

  /**
   * Makes a captured context current on the calling thread (the handler's), for the handler's call
   * on one event.
   *
   * @param stage the stage whose handler is about to run
   * @param captured what {@link #capture()} returned for the event, never {@code null}
   * @return the scope to close after the handler's call, which restores what was current before
   */
  Scope restore(Stage<?> stage, Object captured);

  /**
   * Makes the context of a batch current for one call of a {@link BatchHandler}. The default
   * restores the first event's context: {@code restore(stage, captured.get(0))}; a tracing
   * propagator may link all of them instead.
   *
   * @param stage the stage whose batch handler is about to run
   * @param captured the contexts of the batch's events that carried one, in queue order; at least
   *     one, none {@code null}; the list is valid only during this call
   * @return the scope to close after the handler's call
   */
  default Scope restoreBatch(Stage<?> stage, List<Object> captured) {
    return restore(stage, captured.get(0));
  }

  /**
   * A restored context, closed after the handler's call on the same thread. A functional interface:
   * {@code () -> MDC.clear()} is a scope.
   */
  @FunctionalInterface
  interface Scope extends AutoCloseable {

    /**
     * The handler's call threw {@code error} (a failure, or an interrupt by a forced shutdown).
     * Called before {@link #close()}; the default does nothing. A tracing propagator records it on
     * the hop's span.
     *
     * @param error what the handler threw
     */
    default void failed(Throwable error) {}

    /** Restores the context that was current before {@link #restore}; never throws checked. */
    @Override
    void close();
  }

  /**
   * Carries SLF4J's MDC: captures a copy of the producer's context map ({@code
   * MDC.getCopyOfContextMap()}, nothing if it is empty) and installs it around the handler's call
   * ({@code MDC.setContextMap}); closing restores the handler thread's previous map, or clears it.
   * A batch handler sees the MDC of the first event of its batch that carried one. Works with every
   * SLF4J backend that keeps an MDC (Logback, Log4j 2, reload4j; slf4j-simple and slf4j-nop keep
   * none, and then there is nothing to carry).
   *
   * @return the MDC propagator (one shared, stateless instance)
   */
  static ContextPropagator mdc() {
    return MdcPropagator.INSTANCE;
  }
}
