package org.seda4j.internal;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;

/*
 * Maintainer note. Detects quiescence (every admitted event ended, nothing in flight anywhere)
 * without a graph-wide counter written per event. Owns the waiters' count, the wake-up epoch and
 * the lock/condition waiters park on.
 *
 * The graph is quiescent when, summed over its stages, settled() == offered() (see StageBooks),
 * with every stage's settled() read before any stage's offered(). Both sums only grow, and every
 * event is counted in offered before it can settle, so settled <= offered at every instant; if the
 * two reads are equal, every event counted in offered before the first read of offered had settled
 * before the end of the settled reads: at that instant nothing was pending. A handler's emits are
 * counted in offered before its own event settles, so work anywhere keeps the sums apart, cycles
 * included.
 *
 * Waking: a waiter counts itself in `waiters`, then scans; whoever settles an event (a worker at
 * the end of a batch that left its stage with nothing in flight, a producer whose event was
 * rejected or dropped) reads `waiters` after its counting and, if there is one, bumps `epoch` and
 * signals. One side always sees the other (a Dekker pair), and the epoch read before each scan
 * catches a signal that comes between the scan and the wait. The stop condition (a failure, a
 * forced shutdown) is re-checked on every wake; whoever makes it true calls wake().
 */
final class Quiescence {
  private static final long FIRST_REPORT_NANOS = 5_000_000_000L;
  private static final long MAX_REPORT_NANOS = 60_000_000_000L;

  private final StageRegistry registry;
  private final AtomicInteger waiters = new AtomicInteger();
  private final AtomicLong epoch = new AtomicLong();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();

  Quiescence(StageRegistry registry) {
    this.registry = registry;
  }

  /** Whether a thread waits for quiescence. */
  boolean awaited() {
    return waiters.get() > 0;
  }

  /** Something a waiter waits for may have happened: it re-checks. */
  void wake() {
    epoch.incrementAndGet();
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Whether the graph is quiescent now (see the class comment). */
  boolean quiescent() {
    int n = registry.count();
    StageImpl<?>[] stages = registry.array();
    long settled = 0;
    for (int i = 0; i < n; i++) {
      settled += stages[i].settled();
    }
    long offered = 0;
    for (int i = 0; i < n; i++) {
      offered += stages[i].offered();
    }
    return settled == offered;
  }

  /**
   * Waits until the graph is quiescent (true), {@code nanos} passed or {@code stop} holds (false).
   * {@code longWait}, if given, is told how long it has waited, after 5 s, then at doubling
   * intervals up to a minute.
   */
  boolean await(long nanos, BooleanSupplier stop, @Nullable LongConsumer longWait)
      throws InterruptedException {
    waiters.incrementAndGet();
    try {
      long start = System.nanoTime();
      long deadline = Waits.deadlineAfter(nanos);
      long reportEvery = FIRST_REPORT_NANOS;
      long nextReport = start + reportEvery;
      while (true) {
        long e = epoch.get();
        if (quiescent()) {
          return true;
        }
        if (stop.getAsBoolean()) {
          return false;
        }
        long now = System.nanoTime();
        if (deadline != Long.MAX_VALUE && deadline - now <= 0) {
          return false;
        }
        if (longWait != null && now - nextReport >= 0) {
          longWait.accept(now - start);
          reportEvery = Math.min(MAX_REPORT_NANOS, reportEvery * 2);
          nextReport = now + reportEvery;
        }
        long wait = deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - now;
        if (longWait != null) {
          wait = Math.min(wait, nextReport - now);
        }
        lock.lockInterruptibly();
        try {
          while (epoch.get() == e && wait > 0 && !stop.getAsBoolean()) {
            if (wait == Long.MAX_VALUE) {
              changed.await();
            } else {
              wait = changed.awaitNanos(wait);
            }
          }
        } finally {
          lock.unlock();
        }
      }
    } finally {
      waiters.decrementAndGet();
    }
  }
}
