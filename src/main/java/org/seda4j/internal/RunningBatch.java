package org.seda4j.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/*
 * One batch a worker runs, from the moment it took it until its events are accounted for: the
 * record a forced shutdown reads when the worker's handler ignores its interrupt for longer than
 * the grace. A worker publishes the batch it runs in its Worker slot (StageImpl.workers).
 *
 * Who accounts for the batch's events is decided by one CAS on `state`:
 *   RUNNING --finish() by the handler thread--> FINISHING --published()--> PUBLISHED
 *   RUNNING --abandon() by the terminating thread--> ABANDONED
 * The handler thread counts its events (completed/failed/cancelled, the report entries of those it
 * cancelled, the graph's pending count) only if it wins finish(). The terminator abandons a batch
 * only after the interrupt grace passed with its thread still running (a handler that ignores the
 * interrupt, or never returns): it then counts the events itself from `progress` (events whose
 * handler call ended are completed or failed; the one in progress and the rest are cancelled and
 * reported; events dropped because their deadline passed, counted in `late`, stay dropped), and
 * whatever the thread does with them later is not counted. If the terminator finds FINISHING, the
 * handler thread is counting right now, running engine code only: the terminator waits (polling
 * every 10 us) until it has published, so the report it then collects is complete.
 *
 * `progress` (per-event handlers): before calling the handler on event i the thread stores
 * begun = i + 1 and the number of events completed so far (one release store per event, a plain
 * store on x86). Events [0, begun - 1) ended: `ok` of them completed, the rest failed; event
 * begun - 1 is in progress; events from begun on never started. A batch handler stores begun = 1
 * before its one call: every event started, none ended. The terminator reads it after winning
 * abandon(), so the value is one the thread published and the split is exact up to that point.
 */
final class RunningBatch<E> {

  private static final int RUNNING = 0;
  private static final int FINISHING = 1;
  private static final int PUBLISHED = 2;
  private static final int ABANDONED = 3;

  private static final VarHandle STATE;
  private static final VarHandle PROGRESS;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      STATE = l.findVarHandle(RunningBatch.class, "state", int.class);
      PROGRESS = l.findVarHandle(RunningBatch.class, "progress", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final List<E> events;
  private volatile int state = RUNNING;

  @SuppressWarnings("UnusedVariable") // read and written through PROGRESS
  private volatile long progress; // (begun << 32) | ok; see the class comment

  private final Thread thread;
  private volatile int late; // events of the batch dropped because their deadline passed
  private volatile @Nullable List<E> live; // a batch handler's events, without the expired ones

  /** Created by the worker thread that runs the batch. */
  RunningBatch(List<E> events) {
    this.events = events;
    this.thread = Thread.currentThread();
  }

  /** Handler thread: {@code n} events of the batch expired so far (before the next progress). */
  void late(int n) {
    late = n;
  }

  /** Terminating thread, after abandon(): events dropped as expired. */
  int late() {
    return late;
  }

  /** Handler thread: the events a batch handler receives (the batch without the expired ones). */
  void live(List<E> events) {
    live = events;
  }

  /** Terminating thread, after abandon(): the batch handler's events, or null if not reached. */
  @Nullable List<E> live() {
    return live;
  }

  /** Handler thread: {@code begun} handler calls began, {@code ok} of the ended ones completed. */
  void progress(int begun, int ok) {
    PROGRESS.setRelease(this, ((long) begun << 32) | (ok & 0xFFFF_FFFFL));
  }

  /** Handler thread: claims the accounting; {@code false} if the batch was abandoned. */
  boolean finish() {
    return STATE.compareAndSet(this, RUNNING, FINISHING);
  }

  /** Handler thread, after finish() and its counting: the terminator need not wait for it. */
  void published() {
    state = PUBLISHED;
  }

  /**
   * Terminating thread, after the grace: takes the accounting from a handler thread still running
   * user code. Returns {@code false} if the handler thread finished first; it has then counted (or,
   * if {@code FINISHING}, this waits until it has).
   */
  boolean abandon() {
    if (STATE.compareAndSet(this, RUNNING, ABANDONED)) {
      return true;
    }
    while (state == FINISHING) {
      // The worker is counting the batch right now (engine code only, a few instructions); it
      // goes on to other batches afterwards, so wait for the state, not for the thread's end.
      LockSupport.parkNanos(10_000); // not a spin: a poll every 10 us, for nanoseconds
    }
    return false;
  }

  /** The name of the thread that runs the batch, for the shutdown report. */
  String threadName() {
    return thread.getName();
  }

  /** Terminating thread, after abandon(): how many handler calls began. */
  int begun() {
    return (int) ((long) PROGRESS.getAcquire(this) >>> 32);
  }

  /** Terminating thread, after abandon(): how many of the ended events completed. */
  int completed() {
    return (int) (long) PROGRESS.getAcquire(this);
  }
}
