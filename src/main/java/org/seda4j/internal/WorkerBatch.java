package org.seda4j.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.AbstractCollection;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/*
 * Maintainer note. The state of a looping worker's batches (Worker), reused from batch to batch:
 * the buffer, the path origins, what a batch handler got (`live`) and how many expired (`late`),
 * the tally, the loop's clock and the progress of the batch's handler calls. The worker thread's, but for what a terminator reads after
 * abandoning a batch (Worker.abandon: after the queue's lock as a fence, `live` and `late`
 * volatile). It is also the worker's adapter for ArrayBlockingQueue.drainTo, which calls add under
 * the queue's lock and removes an item only after add returned: once the batch is abandoned, add
 * throws and the item stays queued (for the shutdown's sweep).
 */
final class WorkerBatch extends AbstractCollection<Object> {
  private static final VarHandle PROGRESS;

  static {
    try {
      PROGRESS =
          MethodHandles.lookup().findVarHandle(WorkerBatch.class, "progressWord", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Worker worker;

  // (begun << 32) | completed: see Worker's note on `progress`. Written with release by the worker
  // before each handler call, read with acquire by a terminator after it abandoned the batch.
  @SuppressWarnings("UnusedVariable") // read and written through PROGRESS
  private volatile long progressWord;

  Object[] events = new Object[1];
  // Per index, the origin of a tracked event (null for an untracked one); null until one is seen.
  @Nullable Tracked @Nullable [] origins;
  int size; // events in the buffer (counted as the drain adds them)
  volatile int late;
  volatile @Nullable List<?> live;
  final BatchTally tally = new BatchTally();
  long started; // when the current batch began
  long clock; // when the last batch ended (the loop's clock)
  long sliceEnd; // when the worker's slice of its carrier ends

  WorkerBatch(Worker worker) {
    this.worker = worker;
  }

  @Override
  public boolean add(Object o) {
    if (worker.abandoned()) {
      throw new AbandonedException();
    }
    events[size++] = o;
    return true;
  }

  @Override
  public Iterator<Object> iterator() {
    throw new UnsupportedOperationException();
  }

  @Override
  public int size() {
    return size;
  }

  /** The origins array, created on first use, as long as the buffer. */
  @Nullable Tracked[] origins() {
    @Nullable Tracked[] o = origins;
    if (o == null || o.length < events.length) {
      o = new Tracked[events.length];
      origins = o;
    }
    return o;
  }

  /** Worker: {@code begun} handler calls began, {@code ok} of the ended ones completed. */
  void progress(int begun, int ok) {
    PROGRESS.setRelease(this, ((long) begun << 32) | (ok & 0xFFFF_FFFFL));
  }

  /** Terminator, after abandoning the batch: the last progress the worker stored. */
  long progress() {
    return (long) PROGRESS.getAcquire(this);
  }

  /** Drops the buffer's references after a batch, so handled events can be collected. */
  void release() {
    Arrays.fill(events, 0, size, null);
    @Nullable Tracked[] o = origins;
    if (o != null) {
      Arrays.fill(o, 0, size, null);
    }
    live = null;
  }

  /** Stops a drain into an abandoned batch (no stack trace: it is control flow). */
  static final class AbandonedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AbandonedException() {
      super("batch abandoned by a forced shutdown", null, false, false);
    }
  }
}
