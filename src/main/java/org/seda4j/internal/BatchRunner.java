package org.seda4j.internal;

import java.util.List;
import org.jspecify.annotations.Nullable;
import org.seda4j.BatchHandler;
import org.seda4j.EventHandler;
import org.seda4j.Expiring;
import org.seda4j.UnprocessedEvent;

/*
 * Maintainer note. Runs one batch a worker took: unwraps the queue items (Stamped, Carried,
 * Tracked), drops the events whose deadline passed, calls the handler (per event, or once for the
 * batch) inside the context its event carried, if any (ContextCarrier: restored right before the
 * call, closed after it and after the failure policy, so that a dead letter carries it on),
 * applies the failure policy, records response times of the paths ending here, and counts the
 * batch once (StageBooks, Workers.flow) if the worker still owns it (Worker.finish); an event
 * handed to a worker past the queue takes a path of its own (HandedRunner), a batch handler's
 * call is BatchHandlerRunner's; the events
 * it cancels because a forced shutdown began go to Cancellations, which owns that report. Owns no
 * shared state: what one batch did is in the worker's BatchTally.
 *
 * Every call into user code is guarded: the handler, Expiring.deadline() (a throw or a null fails
 * that event with an error naming the stage and the callback), the context propagators (inside
 * ContextCarrier, which never throws), the dead-letter routing and the drop listener. A per-event
 * handler's interrupt status is cleared before every event, so an interrupt a handler restored
 * (the usual idiom) cannot fail the next one; a forced shutdown is seen through the phase, read
 * after that clear.
 */
final class BatchRunner<E> {
  private final StageImpl<E> stage;
  private final GraphServices graph;
  private final StageBooks books;
  private final @Nullable LatencyStats stats;
  private final StagePaths<E> paths;
  private final @Nullable ContextCarrier carrier; // null: no context propagation
  private final @Nullable EventHandler<? super E> eventHandler;
  private final @Nullable BatchHandler<E> batchHandler;
  final FailureHandling<E> failures;
  final HandlerContext sharedContext;
  final HandedRunner<E> handed; // the path of an event handed to a worker past the queue
  private final BatchHandlerRunner<E> batches; // a batch handler's call
  private final Cancellations<E> cancellations;

  @SuppressWarnings("NullAway.Init") // set by StageImpl right after construction
  private Workers<E> workers;

  BatchRunner(
      StageImpl<E> stage,
      GraphServices graph,
      StageBooks books,
      StagePaths<E> paths,
      @Nullable LatencyStats stats,
      StageSpec<E> spec,
      Cancellations<E> cancellations) {
    this.stage = stage;
    this.graph = graph;
    this.books = books;
    this.paths = paths;
    this.stats = stats;
    this.carrier = graph.contextCarrier();
    this.eventHandler = spec.eventHandler();
    this.batchHandler = spec.batchHandler();
    this.failures = new FailureHandling<>(stage, graph, spec.failurePolicy());
    this.sharedContext = stage.newContext();
    this.cancellations = cancellations;
    this.handed = new HandedRunner<>(this, stage, graph, books, stats, eventHandler);
    this.batches = new BatchHandlerRunner<>(this, stage, graph, paths);
  }

  void workers(Workers<E> workers) {
    this.workers = workers;
  }

  /**
   * Runs the {@code n} events in {@code w}'s buffer, drained at {@code start}; sets the batch's
   * clock to the time it ended.
   *
   * <p>The methods under a handler's call (this one, runEach, call) keep the batch's state in the
   * worker and its tally, not in locals that live across the call, and read it back from there:
   * each such local is a slot of the compiled frame, which a blocked handler's stack chunk keeps
   * (see Worker.run).
   */
  void run(Worker w, int n, long start) {
    w.batch().started = start;
    HandlerContext ctx = prepare(w, n, start);
    try {
      EventHandler<? super E> each = eventHandler;
      if (each != null) {
        runEach(w, ctx);
      } else {
        batches.run(java.util.Objects.requireNonNull(batchHandler), w, ctx);
      }
    } finally {
      ended(w);
    }
  }

  /** Resets the tally and unwraps the batch; returns the context its handler gets. */
  private HandlerContext prepare(Worker w, int n, long start) {
    BatchTally t = w.batch().tally;
    t.reset();
    t.tracked = unwrap(w, n, start, t);
    return t.tracked ? stage.newContext() : sharedContext;
  }

  /** The batch ended: counts it if the worker still owns it, and clears the buffers. */
  private void ended(Worker w) {
    WorkerBatch b = w.batch();
    BatchTally t = b.tally;
    int n = b.size;
    long end = System.nanoTime();
    long busy = end - b.started;
    t.end = end;
    b.clock = end;
    books.busyNanos.add(busy);
    books.batches.increment();
    if (stats != null && t.served > 0) {
      stats.served(busy, t.served);
    }
    if (w.finish()) {
      account(w, n, t);
    }
    w.clear();
    @Nullable Object[] contexts = t.carried ? t.contexts : null;
    if (contexts != null) {
      java.util.Arrays.fill(contexts, 0, n, null);
    }
  }

  /**
   * Replaces the queue items by their events, keeping their contexts in {@code tally}; returns
   * whether any was tracked.
   */
  private boolean unwrap(Worker w, int n, long now, BatchTally tally) {
    Object[] items = w.batch().events;
    boolean tracked = false;
    for (int i = 0; i < n; i++) {
      Object o = items[i];
      if (o instanceof Stamped s) {
        o = java.util.Objects.requireNonNull(stats).taken(s, now);
      }
      if (carrier != null && o instanceof Carried c) {
        tally.contexts(items.length)[i] = c.context();
        tally.carried = true;
        o = c.item();
      }
      if (o instanceof Tracked t) {
        w.batch().origins()[i] = t;
        o = t.event();
        tracked = true;
      } else if (w.batch().origins != null) {
        w.batch().origins[i] = null;
      }
      items[i] = o;
    }
    return tracked;
  }

  /** A per-event handler on each event of the batch (see run() on what stays in locals). */
  private void runEach(Worker w, HandlerContext ctx) {
    BatchTally t = w.batch().tally;
    if (t.tracked && paths.recordsResponses()) {
      t.handled = new int[w.batch().size];
    }
    for (int i = 0; i < w.batch().size; i++) {
      Thread.interrupted(); // a restored interrupt of the last event must not fail this one
      if (graph.phase() >= Phase.FORCING) {
        cancelFrom(w, i);
        break;
      }
      if (w.batch().events[i] instanceof Expiring x && expiredOrFailed(w, i, x)) {
        continue;
      }
      t = w.batch().tally;
      if (t.tracked) {
        ctx.current = java.util.Objects.requireNonNull(w.batch().origins)[i];
      }
      w.progress(i + 1, t.ok);
      @Nullable Object[] contexts = t.carried ? t.contexts : null;
      Object context = contexts != null ? contexts[i] : null;
      if (context != null) {
        handleInContext(w, i, context, ctx);
      } else {
        call(w, i, ctx);
      }
    }
    t = w.batch().tally;
    t.served = t.ok + t.bad;
  }

  /** The handler's call on event {@code i} of {@code w}'s batch. */
  @SuppressWarnings("unchecked")
  private void call(Worker w, int i, HandlerContext ctx) {
    try {
      java.util.Objects.requireNonNull(eventHandler).handle((E) w.batch().events[i], ctx);
      BatchTally t = w.batch().tally;
      t.ok++;
      t.handled(i);
    } catch (Throwable error) {
      failed((E) w.batch().events[i], i, error, w.batch().tally);
    }
  }

  /** A forced shutdown began before event {@code i}: it and the rest are cancelled. */
  private void cancelFrom(Worker w, int i) {
    BatchTally t = w.batch().tally;
    int n = w.batch().size;
    for (int j = i; j < n; j++) {
      t.cancelled(new UnprocessedEvent(stage.name(), w.batch().events[j], false));
    }
    t.cancel += n - i;
  }

  /**
   * Event {@code i} is {@code Expiring}: drops it if its deadline passed, fails it if its {@code
   * deadline()} threw or returned null; returns whether it did either.
   */
  @SuppressWarnings("unchecked")
  private boolean expiredOrFailed(Worker w, int i, Expiring x) {
    BatchTally t = w.batch().tally;
    E e = (E) w.batch().events[i];
    Throwable error;
    try {
      if (!WorkerDeadlines.expired(x, stage.name(), graph.clockNanos())) {
        return false;
      }
      w.late(++t.late);
      expire(e);
      return true;
    } catch (WorkerDeadlines.DeadlineFailure f) {
      error = f;
    }
    t.bad++;
    t.served++;
    failures.handle(e, error);
    return true;
  }

  /** A per-event handler's call on event {@code i}, inside the context the event carried. */
  @SuppressWarnings("unchecked")
  private void handleInContext(Worker w, int i, Object context, HandlerContext ctx) {
    ContextCarrier carried = requireCarrier();
    Object restored = carried.restore(stage, context);
    E e = (E) w.batch().events[i];
    try {
      java.util.Objects.requireNonNull(eventHandler).handle(e, ctx);
      w.batch().tally.ok++;
      w.batch().tally.handled(i);
    } catch (Throwable error) {
      if (restored != null) {
        carried.failed(stage, restored, error);
      }
      failed(e, i, error, w.batch().tally);
    } finally {
      if (restored != null) {
        carried.close(stage, restored);
      }
    }
  }

  /** A per-event handler's call on event {@code i} threw {@code error}. */
  private void failed(E e, int i, Throwable error, BatchTally t) {
    if (graph.phase() >= Phase.FORCING) {
      t.cancelled(new UnprocessedEvent(stage.name(), e, true));
      t.cancel++;
    } else {
      t.bad++;
      t.handled(i);
      Thread.interrupted(); // an interrupt not caused by a shutdown must not leak on
      failures.handle(e, error);
    }
  }

  ContextCarrier requireCarrier() {
    return java.util.Objects.requireNonNull(carrier); // set whenever an event carried a context
  }

  /** Counts a batch its worker still owns. */
  private void account(Worker w, int n, BatchTally t) {
    int[] handled = t.handled;
    if (handled != null && t.handledCount > 0) {
      paths.recordResponses(
          java.util.Objects.requireNonNull(w.batch().origins), handled, t.handledCount, t.end);
    }
    count(w, n, false, t.ok, t.bad, t.cancel, t.late, t.cancelled);
  }

  /**
   * Counts the ends of a batch of {@code n} its worker still owns, then publishes it and wakes the
   * idle waiters if it was the last one. {@code ends}: the worker ends after it (a handed one), so
   * it does not become a taker again (one atomic add on the flow instead of two).
   */
  void count(
      Worker w,
      int n,
      boolean ends,
      int ok,
      int bad,
      int cancel,
      int late,
      List<UnprocessedEvent> cancelled) {
    // before the ends are counted: see StageImpl.snapshot
    long inFlight = ends ? workers.handedEnded(n) : workers.batchEnded(n);
    if (ok > 0) { // LongAdder.add(0) still writes: skip it on the per-batch path
      books.completed.add(ok);
    }
    if (bad > 0) {
      books.failed.add(bad);
    }
    if (cancel > 0) {
      books.cancelled.add(cancel);
      cancellations.add(cancelled);
    }
    if (late > 0) {
      books.expired.add(late);
    }
    w.published();
    // The last batch to end wakes the idle waiters, after its counts. One that saw another batch
    // in flight looks again after counting: that batch may have ended and woken the waiters
    // meanwhile, before this one's counts were in.
    if (graph.idleAwaited() && (inFlight == 0 || workers.inFlight() == 0)) {
      graph.wakeIdleWaiters();
    }
  }

  /** A queued event's deadline passed before its handler ran: dropped, counted, reported. */
  void expire(E e) {
    JfrEvents.rejection(stage, JfrEvents.DROPPED_EXPIRED, "EXPIRED", 1, "");
    stage.notifyDropped(e, "deadline passed while queued");
  }
}
