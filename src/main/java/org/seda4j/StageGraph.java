package org.seda4j;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.seda4j.control.AdmissionController;
import org.seda4j.control.ControllerSample;
import org.seda4j.observe.GraphSnapshot;
import org.seda4j.observe.Latency;
import org.seda4j.observe.ShutdownReport;
import org.seda4j.observe.StageMXBean;
import org.seda4j.observe.StageSnapshot;
import org.seda4j.spi.Engine;

/**
 * The owner of a network of stages: it creates them, runs their threads, and shuts them all down
 * together. Nothing a graph starts outlives it (structured concurrency, built on final JDK APIs).
 *
 * {@snippet class=org.seda4j.readme.JavadocSnippetsTest region=hello}
 *
 * <h2>Lifecycle</h2>
 *
 * <p>{@link State#OPEN OPEN} → {@link State#CLOSING CLOSING} ({@link #close()} began: external
 * producers are turned away, handlers keep running and emitting until the graph is quiescent) →
 * {@link State#TERMINATING TERMINATING} (only on a forced path: a close deadline passed, {@link
 * #shutdownNow()}, or a {@link FailurePolicy#failGraph() failGraph} failure; handlers are
 * interrupted, queued events cancelled and reported) → {@link State#TERMINATED TERMINATED} (every
 * thread of the graph has ended, unless a handler ignored its interrupt past the interrupt grace,
 * which the {@link ShutdownReport} then names).
 *
 * <h2>Cycles</h2>
 *
 * <p>A handler can emit to any stage of its graph, including stages created after it and itself.
 * Quiescence is detected exactly across cycles: the graph counts every admitted event until it
 * ends, so {@link #awaitIdle} and {@link #close()} return only when no event is queued or in flight
 * anywhere.
 *
 * <p>A cycle of bounded queues can deadlock: if every stage of a cycle has a full queue, every
 * permit of each is held by a handler waiting in a blocking {@link StageContext#emit emit} for room
 * in the next, and none can drain its own queue. The graph detects this (its sampler thread checks
 * every sampling period): {@link GraphSnapshot#deadlocked()} names the stages, the snapshot's table
 * ends with a DEADLOCK line, and one WARN line names the cycle, within about three sampling
 * periods. Nothing un-deadlocks by itself: {@link #close()} would wait forever, {@link
 * #close(Duration)} and {@link #shutdownNow()} interrupt the waiting handlers and report their
 * events. Remedies, in the design: let the edge that closes the cycle not wait for ever ({@link
 * StageContext#offer} instead of {@code emit}, or a {@link FullQueuePolicy} other than {@code
 * block()} on one stage of the cycle), or bound what circulates (a time-to-live in the event) and
 * give the cycle's queues room for it. {@link StageSnapshot.Handlers#blockedOnEmit()} shows
 * handlers waiting on an emit at any time.
 *
 * <p>Graphs are created with {@link #open(String)} or {@link #builder(String)}; this interface is
 * not meant to be implemented outside seda4j.
 */
public interface StageGraph extends AutoCloseable {

  /** The lifecycle states of a graph, in order; a graph only moves forward. */
  enum State {
    /** Admitting events from anyone. */
    OPEN,
    /** {@link #close()} began: only handlers of the graph may still emit; draining. */
    CLOSING,
    /** A forced shutdown began: nothing is admitted; handlers are interrupted. */
    TERMINATING,
    /** Every thread of the graph has ended (or was reported as unstoppable). */
    TERMINATED
  }

  /**
   * Opens a graph with default settings.
   *
   * @param name the graph's name: 1 to 64 characters of {@code [A-Za-z0-9_.-]}; it appears in
   *     thread and logger names
   * @return the open graph
   * @throws IllegalArgumentException if the name is not allowed
   */
  static StageGraph open(String name) {
    return builder(name).open();
  }

  /**
   * Starts configuring a graph.
   *
   * @param name the graph's name: 1 to 64 characters of {@code [A-Za-z0-9_.-]}
   * @return a builder
   * @throws IllegalArgumentException if the name is not allowed
   */
  static Builder builder(String name) {
    return Engine.get().graphBuilder(name);
  }

  /**
   * The graph's name.
   *
   * @return the name
   */
  String name();

  /**
   * The graph's lifecycle state. Never blocks.
   *
   * @return the state
   */
  State state();

  /**
   * Starts configuring a new stage of this graph. Any thread may call it, handlers included.
   *
   * @param name the stage's name, unique in the graph: 1 to 64 characters of {@code [A-Za-z0-9_.-]}
   * @param eventType the class of the events the stage accepts; producers' events are checked
   *     against it
   * @param <E> the event type
   * @return a builder; its {@code handler}, {@code batchHandler} or {@code map} method creates the
   *     stage
   * @throws IllegalArgumentException if the name is not allowed or already taken
   * @throws StageClosedException if the graph is not {@link State#OPEN}
   */
  <E> Stage.Builder<E> stage(String name, Class<E> eventType);

  /**
   * The graph's stages, in creation order. Never blocks.
   *
   * @return an unmodifiable list
   */
  List<Stage<?>> stages();

  /**
   * Measures the end-to-end response time of a path, from admission at {@code entry} to the end of
   * handling at {@code exit}, shown in {@link GraphSnapshot#paths()}. From this call on, every
   * event {@code entry} admits carries its admission time, and every event a handler emits (through
   * {@link StageContext#emit}, {@link StageContext#offer} or a {@code map} stage) while handling
   * such an event carries it on, so when {@code exit} finishes handling one of them the time since
   * admission at {@code entry} is recorded. (A batch handler's emits carry the earliest admission
   * time of its batch. An event that already carries an earlier path's time keeps it.) Costs one
   * small object per event on the path; stages off the path pay nothing.
   *
   * <p>Idempotent; never blocks; any thread may call it. {@link AdmissionController#responseTime}
   * with a path calls it for you.
   *
   * @param entry where the path starts, a stage of this graph
   * @param exit where it ends, a stage of this graph (may be {@code entry} itself)
   * @throws IllegalArgumentException if a stage belongs to another graph
   */
  void measurePath(Stage<?> entry, Stage<?> exit);

  /**
   * Waits until the graph is quiescent: every queue empty and no event in flight, across all stages
   * and cycles. Meant for tests and batch jobs: it replaces sleeps.
   *
   * <p>Blocks the calling thread at most {@code timeout}. Must not be called by a handler of this
   * graph (its own event would never finish). Returns {@code true} at once if the graph is already
   * quiescent, also after close.
   *
   * @param timeout the longest wait
   * @return {@code true} if quiescent, {@code false} if the timeout passed first
   * @throws InterruptedException if the calling thread is interrupted while waiting
   * @throws GraphFailedException if the graph failed (see {@link FailurePolicy#failGraph()})
   * @throws IllegalStateException if called from a handler of this graph
   */
  boolean awaitIdle(Duration timeout) throws InterruptedException;

  /**
   * The first failure of a {@link FailurePolicy#failGraph() failGraph} stage, if any. Never blocks.
   *
   * @return the failure, or empty
   */
  Optional<GraphFailedException> failure();

  /**
   * A snapshot of every stage. Never blocks; any thread may call it at any time.
   *
   * @return the snapshot; its {@code toString()} is a table
   */
  GraphSnapshot snapshot();

  /**
   * Closes the graph gracefully: turns away external producers at once, waits (without a bound)
   * until every admitted event has ended, then stops and joins every thread of the graph.
   * Idempotent: later calls wait for the first to finish.
   *
   * <p>Blocks until done. If the calling thread is interrupted while waiting, the graph is shut
   * down forcibly (as {@link #shutdownNow()}) and the interrupt status is kept set. Must not be
   * called by a handler of this graph.
   *
   * @throws GraphFailedException if a {@link FailurePolicy#failGraph() failGraph} stage failed; the
   *     graph is terminated all the same, and {@link GraphFailedException#report()} lists the
   *     events the failure cancelled
   * @throws IllegalStateException if called from a handler of this graph
   */
  @Override
  void close();

  /**
   * Closes the graph with a deadline: like {@link #close()} for at most {@code timeout}; if the
   * graph is not quiescent by then, interrupts every handler, cancels every queued event, waits at
   * most the interrupt grace (see {@link Builder#interruptGrace(Duration)}) for handlers to stop,
   * and reports every admitted event it cancelled. A handler still running at the end of the grace
   * (it ignores interrupts, or never returns) is named in {@link ShutdownReport#unstoppedThreads()}
   * and its unfinished events are cancelled and reported all the same; it is the only thread of the
   * graph left running.
   *
   * <p>Blocks at most {@code timeout} plus the interrupt grace (plus the few milliseconds it takes
   * to stop the graph's own threads). If the calling thread is interrupted, the forced path starts
   * at once and the interrupt status is kept set. Must not be called by a handler of this graph.
   * Idempotent: a call after the graph terminated returns the termination's report again (see
   * {@link #shutdownReport()}).
   *
   * @param timeout how long to wait for a graceful end
   * @return what the shutdown did
   * @throws GraphFailedException if a {@link FailurePolicy#failGraph() failGraph} stage failed; its
   *     {@link GraphFailedException#report()} lists the events the failure cancelled
   * @throws IllegalStateException if called from a handler of this graph
   */
  ShutdownReport close(Duration timeout);

  /**
   * The report of the graph's termination, once it is {@link State#TERMINATED}: the same report the
   * terminating call returned (or, for {@link #close()} and a failure, would have returned), so
   * that it is never lost, also when {@code close()} was interrupted or several threads closed the
   * graph at once. Never blocks (so an interrupt does not concern it); any thread may call it,
   * handlers of the graph included.
   *
   * @return the report, or empty while the graph has not terminated
   */
  Optional<ShutdownReport> shutdownReport();

  /**
   * Shuts the graph down forcibly at once: {@link #close(Duration)} with a zero timeout.
   *
   * @return what the shutdown did
   * @throws GraphFailedException if a {@link FailurePolicy#failGraph() failGraph} stage failed; its
   *     {@link GraphFailedException#report()} lists the events the failure cancelled
   * @throws IllegalStateException if called from a handler of this graph
   */
  ShutdownReport shutdownNow();

  /** Configures and opens a graph; obtained from {@link StageGraph#builder(String)}. */
  interface Builder {

    /**
     * How long a forced shutdown waits for interrupted handlers to stop before it returns, naming
     * the threads still running and reporting their unfinished events as cancelled (default 1
     * second).
     *
     * @param grace the bound, zero or positive
     * @return this builder
     * @throws IllegalArgumentException if negative
     */
    Builder interruptGrace(Duration grace);

    /**
     * How often the graph's sampler thread measures every stage and asks its controllers for new
     * settings (default 100 ms).
     *
     * @param period the sampling period, from 1 ms to 1 minute
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    Builder samplePeriod(Duration period);

    /**
     * Whether stages record queue-wait and service-time statistics ({@link
     * StageSnapshot.Latencies#queueWait()}, {@link StageSnapshot.Latencies#serviceTime()}); default
     * {@code true}. They cost one {@link System#nanoTime()} per inserted event, one per batch, and
     * histogram increments (runs of equal buckets are added at once): on a pipeline of trivial
     * handlers in batches of 64 (the {@code PipelineThroughput} benchmark) about 25-40% of its
     * throughput, within the noise at batch size 1, and negligible for handlers that do
     * microseconds of work. Turn them off to save that on the hot path; every {@link Latency} of
     * the graph's snapshots is then all zeros. Non-blocking; call it before {@link #open()}.
     *
     * @param enabled {@code true} to record latency statistics
     * @return this builder
     */
    Builder latencyStatistics(boolean enabled);

    /**
     * The clock that timestamps samples ({@link ControllerSample#nanoTime()}) and measures their
     * windows (default {@link System#nanoTime()}). Meant for tests.
     *
     * @param nanoClock a monotonic clock in nanoseconds
     * @return this builder
     */
    Builder nanoClock(java.util.function.LongSupplier nanoClock);

    /**
     * Whether each stage is registered in the platform MBeanServer as a {@link StageMXBean}
     * (default {@code true}); see {@link StageMXBean} for the names. The MBeans are unregistered
     * when the graph terminates, however it terminates. Pass {@code false} to register nothing, for
     * example when many short-lived graphs would flood a JMX console. Never blocks; the builder's
     * thread calls it before {@link #open()}.
     *
     * @param enabled {@code false} to keep the graph's stages out of JMX
     * @return this builder
     */
    Builder jmx(boolean enabled);

    /**
     * Carries context (MDC, tracing) from the thread that offers an event to the handler that
     * processes it, through every stage of the graph: each propagator captures the producer's
     * context when a stage admits an event, and restores it around the handler's call (see {@link
     * ContextPropagator}). Default: none, and then the engine does no work for context at all.
     * Several propagators are captured and restored in the order given. A later call replaces the
     * earlier one's list; no argument turns propagation off. Non-blocking; call it before {@link
     * #open()}.
     *
     * {@snippet class=org.seda4j.readme.JavadocSnippetsTest region=context-propagation}
     *
     * @param propagators the propagators, none {@code null}, each at most once
     * @return this builder
     * @throws NullPointerException if the array or one of its elements is {@code null}
     * @throws IllegalArgumentException if a propagator is given twice
     */
    Builder contextPropagation(ContextPropagator... propagators);

    /**
     * Opens the graph.
     *
     * @return the open graph
     */
    StageGraph open();
  }
}
