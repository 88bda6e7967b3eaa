package org.seda4j.internal;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/*
 * Maintainer note. The graph's sampler: once per period, every stage's window (controllers,
 * statistics), then every stage's admission feedback (so a controller measuring a path reads its
 * stages' state in the window that just ended), then the deadlock detector. Owns its thread and
 * its stop flag (guarded by `lock`). A platform daemon thread, not a virtual one: the controllers
 * must run when they matter most, while CPU-bound handlers keep every carrier busy. Tests drive a
 * manual sampler window by window with an injected clock (sampleNow()); it has no thread then.
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
    long next = System.nanoTime() + periodNanos;
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
      pass(clock.getAsLong(), cpuMeter.load());
      next += periodNanos;
      long late = System.nanoTime() - next;
      if (late > 0) {
        next += (late / periodNanos + 1) * periodNanos; // skip missed windows
      }
    }
  }

  /** One pass of a manual sampler at the injected clock's time (CPU load unknown). Tests only. */
  void sampleNow() {
    if (!manual) {
      throw new IllegalStateException("this graph samples by itself");
    }
    pass(clock.getAsLong(), -1);
  }

  private void pass(long now, double cpu) {
    registry.pruneExited();
    int n = registry.count();
    StageImpl<?>[] stages = registry.array();
    for (int i = 0; i < n; i++) {
      try {
        stages[i].sample(now, periodNanos, cpu);
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
