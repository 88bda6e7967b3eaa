package org.seda4j.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLongArray;
import org.jspecify.annotations.Nullable;

/*
 * Maintainer note. A few monotone counters that the workers of one stage write together (completed,
 * batches, busy nanoseconds: each handed event writes all three), striped by the writing thread's
 * id: each stripe is one 64-byte line of a long array holding one slot per counter, so an event's
 * three adds touch one line, not three. A LongAdder picks its cell by the thread's random probe,
 * which a new thread has not drawn yet: with a virtual thread per event every first add went to the
 * same cell of each adder, three contended lines per event between the carriers. Thread ids are
 * handed out in sequence, so the workers running at once mostly fall on different stripes. No
 * lock; adds are atomic (getAndAdd) and a sum is exact once the writers are done (at quiescence),
 * as LongAdder's. The cells are allocated at the first add (a CAS publishes them), so a stage that
 * never ran an event does not pay for them (an idle stage's heap is a target of its own).
 */
final class StripedLongs {
  private static final int STRIPES = 8; // a power of two
  private static final int LINE = 8; // longs per stripe: 64 bytes

  private static final VarHandle CELLS;

  static {
    try {
      CELLS =
          MethodHandles.lookup().findVarHandle(StripedLongs.class, "cells", AtomicLongArray.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @SuppressWarnings("UnusedVariable") // also written through CELLS
  private volatile @Nullable AtomicLongArray cells;

  private final int width;

  /**
   * @param width how many counters (at most {@value #LINE})
   */
  StripedLongs(int width) {
    if (width < 1 || width > LINE) {
      throw new IllegalArgumentException("width must be 1.." + LINE + ", was " + width);
    }
    this.width = width;
  }

  /** The cells, allocated by the first caller. */
  private AtomicLongArray cells() {
    AtomicLongArray c = cells;
    if (c != null) {
      return c;
    }
    // A line of padding before the first stripe and after the last: no other object shares them.
    AtomicLongArray fresh = new AtomicLongArray((STRIPES + 2) * LINE);
    AtomicLongArray witness = (AtomicLongArray) CELLS.compareAndExchange(this, null, fresh);
    return witness == null ? fresh : witness;
  }

  /** Counter {@code index} (0 ≤ index &lt; width). */
  Counter counter(int index) {
    if (index < 0 || index >= width) {
      throw new IllegalArgumentException("index must be 0.." + (width - 1) + ", was " + index);
    }
    return new Counter(this, index);
  }

  private static int stripe() {
    return (1 + (int) (Thread.currentThread().threadId() & (STRIPES - 1))) * LINE;
  }

  /** One of the counters: the subset of LongAdder the engine uses. */
  static final class Counter {
    private final StripedLongs owner;
    private final int index;

    private Counter(StripedLongs owner, int index) {
      this.owner = owner;
      this.index = index;
    }

    void add(long x) {
      owner.cells().getAndAdd(stripe() + index, x);
    }

    void increment() {
      add(1);
    }

    long sum() {
      AtomicLongArray c = owner.cells;
      if (c == null) {
        return 0;
      }
      long s = 0;
      for (int i = 1; i <= STRIPES; i++) {
        s += c.get(i * LINE + index);
      }
      return s;
    }
  }
}
