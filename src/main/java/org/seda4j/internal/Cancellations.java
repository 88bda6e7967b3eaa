package org.seda4j.internal;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.jspecify.annotations.Nullable;
import org.seda4j.UnprocessedEvent;

/*
 * Maintainer note. A stage's events cancelled by a forced shutdown, and their counting: the batches
 * the terminator takes over from workers that ignored their interrupt (abandon), the queued events
 * its sweep removed (cancelSwept), and the events workers cancelled themselves (BatchRunner hands
 * them over with add). Owns `unprocessed`, the report the terminator collects with
 * takeUnprocessed; a lock-free queue, so workers and the terminator add to it at once. Counts
 * into the StageBooks and Workers.flow only what the worker no longer owns (Worker.abandon decides
 * that with one CAS), so no event is counted twice.
 */
final class Cancellations<E> {
  private final StageImpl<E> stage;
  private final StageBooks books;
  private final boolean perEvent; // the stage's handler is per event (else per batch)
  private final ConcurrentLinkedQueue<UnprocessedEvent> unprocessed = new ConcurrentLinkedQueue<>();

  @SuppressWarnings("NullAway.Init") // set by StageImpl right after construction
  private Workers<E> workers;

  Cancellations(StageImpl<E> stage, StageBooks books, boolean perEvent) {
    this.stage = stage;
    this.books = books;
    this.perEvent = perEvent;
  }

  void workers(Workers<E> workers) {
    this.workers = workers;
  }

  /** Events a worker cancelled in a batch it still owned (counted by the worker). */
  void add(List<UnprocessedEvent> cancelled) {
    unprocessed.addAll(cancelled);
  }

  /**
   * The terminator took over {@code w}'s batch (its thread still runs after the grace): counts the
   * batch as if it stopped there. Events whose handler call ended count as completed or failed; the
   * one in progress and the rest are cancelled and reported. Returns the report line, or null if
   * the worker had no batch to take over.
   */
  @Nullable String abandon(Worker w, Runnable fence) {
    Worker.Abandoned a = w.abandon(fence);
    if (a == null) {
      return null;
    }
    List<Object> batch = a.events();
    int n = batch.size();
    int late = a.late();
    int ended;
    int ok;
    List<?> unfinished;
    if (perEvent) {
      int begun = Math.min(a.begun(), n);
      ended = Math.max(0, begun - 1);
      ok = Math.min(a.completed(), ended);
      late = Math.min(late, ended - ok);
      unfinished = batch.subList(ended, n);
    } else {
      List<?> live = a.live(); // a batch handler ends all its live events at once, or none
      ended = late;
      ok = 0;
      unfinished = live != null ? live : batch.subList(Math.min(late, n), n);
      ended = n - unfinished.size();
    }
    workers.batchAbandoned(n);
    books.completed.add(ok);
    books.failed.add(Math.max(0, ended - ok - late));
    books.expired.add(late);
    boolean first = true;
    for (Object e : unfinished) {
      boolean started = !perEvent || first;
      unprocessed.add(
          new UnprocessedEvent(stage.name(), stage.unwrapDiscarded(e), started && a.begun() > 0));
      first = false;
    }
    books.cancelled.add(n - ended);
    return w.threadName()
        + ": ignoring the interrupt; its "
        + (n - ended)
        + " unfinished event(s) are reported as cancelled";
  }

  /** Moves the events cancelled so far to {@code out}. */
  void takeUnprocessed(List<UnprocessedEvent> out) {
    UnprocessedEvent u;
    while ((u = unprocessed.poll()) != null) {
      out.add(u);
    }
  }

  /** Cancels queued items swept by a shutdown: counted, reported. */
  void cancelSwept(List<Object> items) {
    for (Object item : items) {
      unprocessed.add(new UnprocessedEvent(stage.name(), stage.unwrapDiscarded(item), false));
    }
    books.cancelled.add(items.size());
  }
}
