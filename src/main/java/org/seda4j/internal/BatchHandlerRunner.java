package org.seda4j.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.seda4j.BatchHandler;
import org.seda4j.Expiring;
import org.seda4j.UnprocessedEvent;

/*
 * Maintainer note. A batch handler's call on one batch (BatchRunner.run for a stage built with
 * batchHandler): drops the events whose deadline passed and fails those whose deadline() fails,
 * calls the handler once with the others (an unmodifiable list, inside the contexts they carried),
 * and tallies the outcome in the worker's BatchTally for BatchRunner to count. A batch handler ends
 * all its live events at once: completed, or failed (cancelled if a forced shutdown began). Owns no
 * state.
 */
final class BatchHandlerRunner<E> {
  private final BatchRunner<E> runner;
  private final StageImpl<E> stage;
  private final GraphServices graph;
  private final StagePaths<E> paths;

  BatchHandlerRunner(
      BatchRunner<E> runner, StageImpl<E> stage, GraphServices graph, StagePaths<E> paths) {
    this.runner = runner;
    this.stage = stage;
    this.graph = graph;
    this.paths = paths;
  }

  @SuppressWarnings("unchecked")
  void run(BatchHandler<E> handler, Worker w, HandlerContext ctx) {
    Object[] events = w.batch().events;
    int n = w.batch().size;
    BatchTally t = w.batch().tally;
    @Nullable Tracked @Nullable [] origins = t.tracked ? w.batch().origins : null;
    @Nullable Object @Nullable [] contexts = t.carried ? t.contexts : null;
    Thread.interrupted();
    if (graph.phase() >= Phase.FORCING) {
      for (int i = 0; i < n; i++) {
        t.cancelled(new UnprocessedEvent(stage.name(), events[i], false));
      }
      t.cancel = n;
      return;
    }
    // Events whose deadline passed are dropped; those whose deadline() fails, failed; the
    // handler gets the others.
    List<E> live = new ArrayList<>(n);
    int[] liveAt = new int[n];
    for (int i = 0; i < n; i++) {
      E e = (E) events[i];
      if (e instanceof Expiring x) {
        try {
          if (WorkerDeadlines.expired(x, stage.name(), graph.clockNanos())) {
            w.late(++t.late);
            runner.expire(e);
            continue;
          }
        } catch (WorkerDeadlines.DeadlineFailure f) {
          t.bad++;
          t.served++;
          runner.failures.handle(e, f);
          continue;
        }
      }
      liveAt[live.size()] = i;
      live.add(e);
    }
    int m = live.size();
    if (m == 0) {
      return;
    }
    if (origins != null) {
      ctx.current = earliest(origins, n);
      if (paths.recordsResponses()) {
        t.handled = new int[n];
      }
    }
    List<E> view = Collections.unmodifiableList(live);
    w.live(view);
    w.progress(1, 0);
    Object restored =
        contexts != null ? runner.requireCarrier().restoreBatch(stage, contexts, liveAt, m) : null;
    try {
      handler.handle(view, ctx);
      t.ok += m;
      t.served += m;
      for (int k = 0; k < m; k++) {
        t.handled(liveAt[k]);
      }
    } catch (Throwable error) {
      if (restored != null) {
        runner.requireCarrier().failed(stage, restored, error);
      }
      if (graph.phase() >= Phase.FORCING) {
        for (E e : live) {
          t.cancelled(new UnprocessedEvent(stage.name(), e, true));
        }
        t.cancel += m;
      } else {
        t.bad += m;
        t.served += m;
        for (int k = 0; k < m; k++) {
          t.handled(liveAt[k]);
        }
        Thread.interrupted();
        for (E e : live) {
          runner.failures.handle(e, error);
        }
      }
    } finally {
      if (restored != null) {
        runner.requireCarrier().close(stage, restored);
      }
    }
  }

  /** The earliest origin of a batch (what a batch handler's emits inherit), or null if none. */
  private static @Nullable Tracked earliest(@Nullable Tracked[] origins, int n) {
    Tracked first = null;
    for (int i = 0; i < n; i++) {
      Tracked t = origins[i];
      if (t != null && (first == null || t.originNanos() - first.originNanos() < 0)) {
        first = t;
      }
    }
    return first;
  }
}
