package org.seda4j.internal;

import java.util.List;
import org.jspecify.annotations.Nullable;
import org.seda4j.EventHandler;
import org.seda4j.Expiring;
import org.seda4j.UnprocessedEvent;

/*
 * Maintainer note. The path of one event a producer handed to a new worker past the queue
 * (Workers.handOff, Worker.Handed): what BatchRunner does for a batch of one, for a plain or
 * stamped event of a per-event handler, without a tally and with nothing but this object and the
 * worker held across the handler's call (a blocked handler's stack chunk keeps every frame under
 * it: see BatchRunner.run). Any other event goes through BatchRunner.run. Owns no state: what the
 * event became is the return value of callHanded, counted once by BatchRunner.count if the worker
 * still owns its batch (Worker.finish). The handler and the failure policy are guarded as in
 * BatchRunner; an interrupt left by the producer's thread is cleared before the handler runs.
 */
final class HandedRunner<E> {
  private final BatchRunner<E> runner;
  private final StageImpl<E> stage;
  private final GraphServices graph;
  private final StageBooks books;
  private final @Nullable LatencyStats stats;
  private final @Nullable EventHandler<? super E> eventHandler;

  HandedRunner(
      BatchRunner<E> runner,
      StageImpl<E> stage,
      GraphServices graph,
      StageBooks books,
      @Nullable LatencyStats stats,
      @Nullable EventHandler<? super E> eventHandler) {
    this.runner = runner;
    this.stage = stage;
    this.graph = graph;
    this.books = books;
    this.stats = stats;
    this.eventHandler = eventHandler;
  }

  // What became of a handed event (run).
  private static final int CANCELLED_BEFORE = 0; // a forced shutdown began before its handler
  private static final int COMPLETED = 1;
  private static final int FAILED = 2;
  private static final int CANCELLED_IN_HANDLER = 3; // its handler threw in a forced shutdown

  /**
   * Worker thread (Worker.Handed): runs the one event a producer handed to {@code w}
   * (Workers.handOff), whatever the stage's state (cancelled if a forced shutdown began), as
   * BatchRunner.run does a batch of one, for a plain or stamped event of a per-event handler:
   * without a tally, and with nothing but this object and the worker held across the handler's call
   * (with the worker's run() the only engine frames under a blocked handler). Any other event goes
   * through BatchRunner.run. Returns whether the worker is a taker now: only if the event went
   * through BatchRunner.run and no forced shutdown took the batch over (it then counts the event);
   * on this path the worker never becomes a taker (count() takes it out of the flow for good).
   */
  @SuppressWarnings("unchecked")
  boolean run(Worker w) {
    if (w.abandoned()) {
      return false; // a forced shutdown took it over before this thread ran; it counted it
    }
    long start = System.nanoTime();
    w.since = start;
    Object item = java.util.Objects.requireNonNull(w.first);
    Object inner = item instanceof Stamped s ? s.item() : item;
    if (eventHandler == null
        || inner instanceof Carried
        || inner instanceof Tracked
        || inner instanceof Expiring) {
      w.batchForHanded();
      runner.run(w, 1, start);
      return !w.abandoned();
    }
    if (item instanceof Stamped s) {
      java.util.Objects.requireNonNull(stats).taken(s, start);
      w.first = inner;
      w.sampled = true; // in the latency sample: its service time is recorded too (handedEnded)
    }
    int outcome = CANCELLED_BEFORE;
    try {
      Thread.interrupted(); // the producer's thread may have been interrupted: not this event's
      if (graph.phase() < Phase.FORCING) {
        w.progress(1, 0);
        outcome = callHanded(w);
      }
    } finally {
      handedEnded(w, outcome);
    }
    return false; // not a taker: the worker ends (count() took it out of the flow for good)
  }

  /** The handler's call on {@code w}'s handed event; returns what became of it. */
  @SuppressWarnings("unchecked")
  private int callHanded(Worker w) {
    try {
      java.util.Objects.requireNonNull(eventHandler)
          .handle((E) java.util.Objects.requireNonNull(w.first), runner.sharedContext);
      return COMPLETED;
    } catch (Throwable error) {
      if (graph.phase() >= Phase.FORCING) {
        return CANCELLED_IN_HANDLER;
      }
      Thread.interrupted(); // an interrupt not caused by a shutdown must not leak on
      runner.failures.handle((E) java.util.Objects.requireNonNull(w.first), error);
      return FAILED;
    }
  }

  /** The handed event of {@code w} ended: counts it if the worker still owns it (run). */
  private void handedEnded(Worker w, int outcome) {
    int ok = outcome == COMPLETED ? 1 : 0;
    int bad = outcome == FAILED ? 1 : 0;
    long busy = System.nanoTime() - w.since;
    books.busyNanos.add(busy);
    books.batches.increment();
    if (stats != null && ok + bad > 0 && w.sampled) {
      // Service time on the queue-wait sample (see LatencyStats): one histogram bucket written by
      // every handed worker of a blocking stage was a contended atomic per event.
      stats.servedSample(busy);
    }
    if (w.finish()) {
      boolean cancelled = outcome == CANCELLED_BEFORE || outcome == CANCELLED_IN_HANDLER;
      runner.count(
          w,
          1,
          true,
          ok,
          bad,
          cancelled ? 1 : 0,
          0,
          cancelled
              ? List.of(
                  new UnprocessedEvent(
                      stage.name(),
                      java.util.Objects.requireNonNull(w.first),
                      outcome == CANCELLED_IN_HANDLER))
              : List.of());
    }
    w.clear();
  }
}
