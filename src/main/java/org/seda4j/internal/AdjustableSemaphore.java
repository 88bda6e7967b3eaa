package org.seda4j.internal;

import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.ReentrantLock;

/*
 * A semaphore whose total number of permits (the limit) can be changed at run time, also while
 * permits are out. Raising the limit releases the difference; lowering it reduces the available
 * permits, possibly below zero, so that holders returning their permits pay the debt before anyone
 * acquires again. Only setLimit takes the lock (never around anything that blocks); acquire and
 * release are the plain Semaphore fast paths.
 *
 * Invariant: availablePermits() + held permits == limit, at every moment no setLimit is running.
 */
final class AdjustableSemaphore extends Semaphore {
  private static final long serialVersionUID = 1L;

  private final ReentrantLock lock = new ReentrantLock();
  private volatile int limit;

  AdjustableSemaphore(int limit) {
    super(limit);
    this.limit = limit;
  }

  int limit() {
    return limit;
  }

  /** Sets the limit to {@code newLimit} (>= 1); never blocks. */
  void setLimit(int newLimit) {
    lock.lock();
    try {
      int delta = newLimit - limit;
      limit = newLimit;
      if (delta > 0) {
        release(delta);
      } else if (delta < 0) {
        reducePermits(-delta);
      }
    } finally {
      lock.unlock();
    }
  }
}
