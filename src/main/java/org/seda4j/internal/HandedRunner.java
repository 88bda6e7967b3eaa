package org.seda4j.internal;

import java.util.List;
import org.jspecify.annotations.Nullable;
import org.seda4j.EventHandler;
import org.seda4j.Expiring;
import org.seda4j.UnprocessedEvent;

/*
 * Maintainer note. The path of one event a producer handed to a new worker past the queue
 * (Workers.handOff, Worker.Handed): what BatchRunner does for a batch of one, for a plain or
 * stamped event of a per-event handler, without a tally. The worker's run() (Worker.Handed) calls
 * begin(), then the handler itself, then completed() or failed(): its frame is the only engine
 * frame under a blocked handler (a blocked handler's stack chunk keeps every frame under it: see
 * BatchRunner.run). Any other event goes through BatchRunner.run. Owns no state: what the event
 * became is counted once by ended(), through BatchRunner.count, if the worker still owns its batch
 * (Worker.finish). The handler and the failure policy are guarded as in BatchRunner; an interrupt
 * left by the producer's thread is cleared before the handler runs.
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
   * Worker thread (Worker.Handed), before the handler's call: prepares the one event a producer
   * handed to {@code w} (Workers.handOff). Returns true if the worker is to call the handler on
   * {@code w.first} itself (then {@link #failed} if it throws, and {@link #ended} in any case): a
   * plain or stamped event of a per-event handler, the stage not in a forced shutdown. Otherwise
   * the event was dealt with here (cancelled if a forced shutdown began, or run through
   * BatchRunner.run as a batch of one: any other event) and {@code w.taker} says whether the worker
   * is a taker now (only if the event went through BatchRunner.run and no forced shutdown took the
   * batch over). The handler is called from the worker's run() so that the only engine frame under
   * a blocked handler is that small one (a blocked handler's stack chunk keeps every frame under
   * it, and the frames' size follows their tier: see docs/benchmarks.md).
   */
  boolean begin(Worker w) {
    // Little is kept across a call here or in ended() (`w`, this; the outcome and the time there):
    // this code is compiled into the worker's run(), the frame under a blocked handler, and that
    // frame's size is what the calls of everything compiled into it keep.
    w.taker = false; // on this path the worker never becomes a taker (count() takes it out)
    if (w.abandoned()) {
      return false; // a forced shutdown took it over before this thread ran; it counted it
    }
    w.since = System.nanoTime();
    Object item = java.util.Objects.requireNonNull(w.first);
    Object inner = item instanceof Stamped s ? s.item() : item;
    if (eventHandler == null
        || inner instanceof Carried
        || inner instanceof Tracked
        || inner instanceof Expiring) {
      w.batchForHanded();
      runner.run(w, 1, w.since);
      w.taker = !w.abandoned();
      return false;
    }
    if (item instanceof Stamped s) {
      w.first = inner;
      w.sampled = true; // in the latency sample: its service time is recorded too (ended)
      java.util.Objects.requireNonNull(stats).taken(s, w.since);
    }
    Thread.interrupted(); // the producer's thread may have been interrupted: not this event's
    if (graph.phase() >= Phase.FORCING) {
      ended(w, CANCELLED_BEFORE);
      return false;
    }
    w.begun = true;
    return true;
  }

  /**
   * Worker thread: the handler, called on {@code w}'s handed event after {@link #begin}, returned
   * normally; counts the event. Never throws but for an engine error.
   */
  void completed(Worker w) {
    ended(w, COMPLETED);
  }

  /**
   * Worker thread: the handler, called on {@code w}'s handed event after {@link #begin}, threw
   * {@code error} (or the handler was missing); applies the failure policy (guarded) and counts the
   * event.
   */
  @SuppressWarnings("unchecked")
  void failed(Worker w, Throwable error) {
    boolean forcing = graph.phase() >= Phase.FORCING;
    try {
      if (!forcing) {
        Thread.interrupted(); // an interrupt not caused by a shutdown must not leak on
        runner.failures.handle((E) java.util.Objects.requireNonNull(w.first), error);
      }
    } finally {
      ended(w, forcing ? CANCELLED_IN_HANDLER : FAILED);
    }
  }

  /**
   * The call a handed worker makes (Worker.Handed.run): the handler on the handed event, with the
   * stage's shared context.
   */
  @SuppressWarnings("unchecked")
  void call(Worker w) throws Exception {
    java.util.Objects.requireNonNull(eventHandler)
        .handle((E) java.util.Objects.requireNonNull(w.first), runner.sharedContext);
  }

  /** The handed event of {@code w} ended: counts it if the worker still owns it (run). */
  private void ended(Worker w, int outcome) {
    long busy = System.nanoTime() - w.since;
    books.busyNanos.add(busy);
    books.batches.increment();
    if (stats != null && (outcome == COMPLETED || outcome == FAILED) && w.sampled) {
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
          outcome == COMPLETED ? 1 : 0,
          outcome == FAILED ? 1 : 0,
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
