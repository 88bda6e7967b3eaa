package org.seda4j.internal;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/*
 * Maintainer note. The graph's sampler: once per period, every stage's window (controllers,
 * statistics), then every stage's admission feedback (so a controller measuring a path reads its
 * stages' state in the window that just ended), then the deadlock detector. Owns its thread and
 * its stop flag (guarded by `lock`). While a stage is in a slow start whose windows are a quarter
 * period (Tuning.quickWindows), the sampler also wakes every quarter period for those stages alone
 * (their controllers; the statistics, admission and deadlock checks stay once a period). A
 * platform daemon thread, not a virtual one: the controllers must run when they matter most, while
 * CPU-bound handlers keep every carrier busy. Tests drive a manual sampler window by window with an
 * injected clock (sampleNow(), sampleQuarterNow()); it has no thread then.
 */
final class Sampler {
  private final StageRegistry registry;
  private final DeadlockDetector deadlocks;
  private final Logger log;
  private final long periodNanos;
  private final LongSupplier clock;
  private final boolean manual;
  private final Thread thread;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wake = lock.newCondition();
  private boolean stop; // guarded by lock

  Sampler(
      String graph,
      StageRegistry registry,
      DeadlockDetector deadlocks,
      Logger log,
      long periodNanos,
      LongSupplier clock,
      boolean manual) {
    this.registry = registry;
    this.deadlocks = deadlocks;
    this.log = log;
    this.periodNanos = periodNanos;
    this.clock = clock;
    this.manual = manual;
    this.thread =
        Thread.ofPlatform().daemon(true).name("seda4j-" + graph + "-sampler").unstarted(this::loop);
  }

  void start() {
    if (!manual) {
      thread.start();
    }
  }

  private void loop() {
    CpuMeter cpuMeter = new CpuMeter();
    long quarter = periodNanos / 4;
    long nextFull = System.nanoTime() + periodNanos;
    long next = nextFull;
    boolean quick = false;
    while (true) {
      lock.lock();
      try {
        while (!stop && next - System.nanoTime() > 0) {
          wake.awaitNanos(next - System.nanoTime());
        }
        if (stop) {
          return;
        }
      } catch (InterruptedException e) {
        return;
      } finally {
        lock.unlock();
      }
      long tick = next;
      if (tick == nextFull) {
        quick = pass(clock.getAsLong(), cpuMeter.load());
        nextFull += periodNanos;
        long late = System.nanoTime() - nextFull;
        if (late > 0) {
          nextFull += (late / periodNanos + 1) * periodNanos; // skip missed windows
        }
      } else if (quick) {
        quick = quickPass(clock.getAsLong(), cpuMeter.load());
      }
      long now = System.nanoTime();
      long q = tick + quarter - now > 0 ? tick + quarter : now + quarter; // late: a quarter on
      next = quick && q - nextFull < 0 ? q : nextFull;
    }
  }

  /** One full pass of a manual sampler at the injected clock's time (CPU load unknown). Tests. */
  void sampleNow() {
    requireManual();
    pass(clock.getAsLong(), -1);
  }

  /**
   * One quarter-period pass of a manual sampler at the injected clock's time: the stages whose
   * windows are a quarter period now (CPU load unknown). Tests only.
   */
  void sampleQuarterNow() {
    requireManual();
    quickPass(clock.getAsLong(), -1);
  }

  private void requireManual() {
    if (!manual) {
      throw new IllegalStateException("this graph samples by itself");
    }
  }

  /** Every stage's window and statistics, then admission, then deadlocks; whether any is quick. */
  private boolean pass(long now, double cpu) {
    registry.pruneLeftBehind(periodNanos);
    int n = registry.count();
    StageImpl<?>[] stages = registry.array();
    boolean quick = false;
    for (int i = 0; i < n; i++) {
      try {
        stages[i].sample(now, periodNanos, true, cpu);
        quick |= stages[i].quickWindows();
      } catch (Throwable e) {
        Guard.rethrowFatal(e);
        log.warn("sampling stage '{}' failed; its settings stay as they are", stages[i].name(), e);
      }
    }
    for (int i = 0; i < n; i++) {
      try {
        stages[i].updateAdmission(now);
      } catch (Throwable e) {
        Guard.rethrowFatal(e);
        log.warn("admission update of stage '{}' failed", stages[i].name(), e);
      }
    }
    try {
      deadlocks.check(registry.stages());
    } catch (Throwable e) {
      Guard.rethrowFatal(e);
      log.warn("deadlock detection failed", e);
    }
    return quick;
  }

  /** The windows of the stages on quarter windows; whether any still is. */
  private boolean quickPass(long now, double cpu) {
    int n = registry.count();
    StageImpl<?>[] stages = registry.array();
    boolean quick = false;
    for (int i = 0; i < n; i++) {
      try {
        if (stages[i].quickWindows()) {
          stages[i].sample(now, periodNanos, false, cpu);
          quick |= stages[i].quickWindows();
        }
      } catch (Throwable e) {
        Guard.rethrowFatal(e);
        log.warn("sampling stage '{}' failed; its settings stay as they are", stages[i].name(), e);
      }
    }
    return quick;
  }

  /**
   * Tells the sampler to stop, and interrupts it, so that a controller that blocks (which it must
   * not) cannot hold a shutdown: the sampler then ends as soon as the controller returns.
   */
  void requestStop() {
    lock.lock();
    try {
      stop = true;
      wake.signalAll();
    } finally {
      lock.unlock();
    }
    if (!manual) {
      thread.interrupt();
    }
  }

  /** Joins the sampler thread until {@code deadline}; whether it ended (or never ran). */
  boolean join(long deadline) {
    return manual || Waits.joinUntil(thread, deadline);
  }

  String threadName() {
    return thread.getName();
  }
}
