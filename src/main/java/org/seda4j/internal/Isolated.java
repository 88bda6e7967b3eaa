package org.seda4j.internal;

import java.util.concurrent.atomic.AtomicLongArray;

/*
 * Maintainer note. Atomic cells on cache lines of their own, for state that one side writes and
 * the other reads on every event. A plain AtomicLong is a 24-byte object that the garbage collector
 * may place next to any other object, for instance a worker's per-event progress word: then every
 * write of that word invalidates the line a producer reads on every put, and the producer misses
 * in its cache once per event instead of once per batch. Each cell is one slot in the middle of a
 * long array: 64 bytes of the array on either side of it, whatever the array's alignment, so no
 * other object shares its line. No lock; the memory effects are those of AtomicLongArray.
 */
final class Isolated {
  private static final int SLOT = 8; // 8 longs = 64 bytes of padding before the slot
  private static final int LENGTH = 2 * SLOT + 1; // and at least 64 after it

  private Isolated() {}

  /**
   * A block of {@code cells} longs side by side, with 64 bytes of the array on either side of them:
   * for words that the same threads read or write at the same moments (a stage's flow, permits and
   * wake-up words: producers read them on every event, workers write them per batch), so that one
   * or two cache lines move between the cores for all of them, and no other object shares those
   * lines. Cell {@code i} is read and written through a Counter or Flag made with (block, i).
   */
  static AtomicLongArray block(int cells) {
    return new AtomicLongArray(2 * SLOT + cells);
  }

  /** A long on a cache line of its own: the subset of AtomicLong that the engine uses. */
  static final class Counter {
    private final AtomicLongArray cells;
    private final int slot;

    Counter() {
      this(new AtomicLongArray(LENGTH), 0);
    }

    /** Cell {@code cell} of a {@link #block}. */
    Counter(AtomicLongArray block, int cell) {
      this.cells = block;
      this.slot = SLOT + cell;
    }

    long get() {
      return cells.get(slot);
    }

    long getAndAdd(long delta) {
      return cells.getAndAdd(slot, delta);
    }

    long addAndGet(long delta) {
      return cells.addAndGet(slot, delta);
    }

    void set(long value) {
      cells.set(slot, value);
    }

    boolean compareAndSet(long expected, long value) {
      return cells.compareAndSet(slot, expected, value);
    }
  }

  /** A boolean on a cache line of its own: the subset of AtomicBoolean that the engine uses. */
  static final class Flag {
    private final AtomicLongArray cells;
    private final int slot;

    Flag() {
      this(new AtomicLongArray(LENGTH), 0);
    }

    /** Cell {@code cell} of a {@link #block}. */
    Flag(AtomicLongArray block, int cell) {
      this.cells = block;
      this.slot = SLOT + cell;
    }

    boolean get() {
      return cells.get(slot) != 0;
    }

    void set(boolean value) {
      cells.set(slot, value ? 1 : 0);
    }

    boolean compareAndSet(boolean expected, boolean value) {
      return cells.compareAndSet(slot, expected ? 1 : 0, value ? 1 : 0);
    }
  }
}
