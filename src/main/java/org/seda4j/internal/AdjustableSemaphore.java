package org.seda4j.internal;

import java.util.concurrent.locks.ReentrantLock;

/*
 * Permits whose total (the limit) can be changed at run time, also while permits are out. Raising
 * the limit adds the difference; lowering it reduces the available permits, possibly below zero,
 * so that holders returning their permits pay the debt before anyone acquires again. Nobody waits
 * for a permit (tryAcquire only: a stage starts a worker only if one is free). Only setLimit takes
 * the lock (never around anything that blocks); tryAcquire is a CAS loop on the available count,
 * release one atomic add.
 *
 * The available count is a cell the caller may place beside a word written by the same threads
 * at the same moments (Isolated.block): a stage's workers take a permit and count their event in
 * flight together, so one cache line moves between the cores for both (Workers).
 *
 * Invariant: availablePermits() + held permits == limit, at every moment no setLimit is running.
 */
final class AdjustableSemaphore {
  private final ReentrantLock lock = new ReentrantLock();
  private final Isolated.Counter available;
  private volatile int limit;

  /** {@code limit} permits, counted in {@code available} (set here). */
  AdjustableSemaphore(int limit, Isolated.Counter available) {
    this.available = available;
    this.limit = limit;
    available.set(limit);
  }

  /** {@code limit} permits, counted in a cell of their own. */
  AdjustableSemaphore(int limit) {
    this(limit, new Isolated.Counter());
  }

  int limit() {
    return limit;
  }

  /** Takes a permit if one is available; never blocks. */
  boolean tryAcquire() {
    while (true) {
      long a = available.get();
      if (a <= 0) {
        return false;
      }
      if (available.compareAndSet(a, a - 1)) {
        return true;
      }
    }
  }

  /** Returns a permit (or pays one of a lowered limit's debt); never blocks. */
  void release() {
    available.getAndAdd(1);
  }

  /** The permits available now: negative while holders owe a lowered limit's debt. */
  int availablePermits() {
    return (int) available.get();
  }

  /** Sets the limit to {@code newLimit} (>= 1); never blocks. */
  void setLimit(int newLimit) {
    lock.lock();
    try {
      int delta = newLimit - limit;
      limit = newLimit;
      available.getAndAdd(delta);
    } finally {
      lock.unlock();
    }
  }
}
