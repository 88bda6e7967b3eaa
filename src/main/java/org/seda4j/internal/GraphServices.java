package org.seda4j.internal;

import org.jspecify.annotations.Nullable;
import org.seda4j.Stage;
import org.seda4j.StageGraph;

/*
 * Maintainer note. What a stage's parts may ask of their graph, and nothing more: the narrow
 * interface between the stage parts (Intake, Inbox, Workers, BatchRunner, Tuning, StagePaths) and
 * GraphImpl. Dependencies run one way: stage parts call the graph through this interface; the graph
 * calls stages through StageImpl's package-private methods (registration, sampling, shutdown).
 *
 * The phase is the one volatile field every producer reads on its way in (see Phase); everything
 * else here is off the per-event path except currentHandlerStage(), which a direct put/offer from
 * a virtual thread calls to count the edge it may be.
 */
interface GraphServices {

  /** The graph's name. */
  String name();

  /** The graph as users see it (StageContext.graph()). */
  StageGraph api();

  /** The graph's phase: {@link Phase#OPEN} ... {@link Phase#TERMINATED}. One volatile read. */
  int phase();

  /**
   * Whether events offered on the calling thread may enter now: the graph is open, or it is closing
   * and the caller is a handler thread of this graph (its own event is still pending, so the graph
   * cannot have become quiescent).
   */
  boolean admitsCaller();

  /** The graph's clock (System.nanoTime unless a test injected one). */
  long clockNanos();

  /** Whether stages keep latency statistics. */
  boolean latencyStatistics();

  /** The graph's context propagators, or null if it has none (propagation off). */
  @Nullable ContextCarrier contextCarrier();

  /** The processors the JVM may use. */
  int processors();

  /** {@code stage} as an engine stage of this graph, or IllegalArgumentException. */
  <T> StageImpl<T> own(Stage<T> stage);

  /** The stage whose handler runs on the calling thread, if it is a worker of this graph. */
  @Nullable StageImpl<?> currentHandlerStage();

  /** A handler of a failGraph stage threw: record the failure and abort the graph. */
  void fail(String stage, Throwable error);

  /** Throws the graph's failure, if it failed. */
  void throwIfFailed();

  /** {@code stage} is about to queue an event of the paths entering at stage {@code entry}. */
  void joinPaths(int entry, StageImpl<?> stage);

  /** Whether a thread waits for quiescence (awaitIdle, close): one volatile read. */
  boolean idleAwaited();

  /** An event ended and the stage may be idle: re-check quiescence for the waiters. */
  void wakeIdleWaiters();

  /** Registers a worker thread before it starts, so that shutdown can find and join it. */
  void addWorker(Worker worker);

  /** A worker's thread is ending. */
  void removeWorker(Worker worker);
}
