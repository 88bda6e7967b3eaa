package org.seda4j.examples.http;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Holds threads until their time has come and releases them in batches: one platform thread ticks
 * while some are held and, at each tick, unparks every thread whose time has passed. So a thousand
 * held threads due within one tick cost one timer wake-up, not a thousand (a virtual thread's timed
 * park schedules a timer of its own, and each one that fires wakes a thread to run it). A thread is
 * released at the first tick at or after its time: late by at most one tick, never early. When
 * nothing is held the pacer's thread parks without a timer.
 *
 * <p>Used by {@link StagedHttpServer} to pace the 503s of a connection ({@link
 * ServerConfig.Wakeups#BATCHED}).
 */
final class Pacer implements AutoCloseable {

  /** One thing to do when its time has come. */
  private static final class Due {
    final long dueNanos;
    final Runnable action;

    Due(long dueNanos, Runnable action) {
      this.dueNanos = dueNanos;
      this.action = action;
    }
  }

  /** A held thread's release. */
  private static final class Release implements Runnable {
    final Thread thread;
    volatile boolean released;

    Release(Thread thread) {
      this.thread = thread;
    }

    @Override
    public void run() {
      released = true;
      LockSupport.unpark(thread);
    }
  }

  private final long tickNanos;
  private final ReentrantLock lock = new ReentrantLock();
  // Guarded by lock.
  private final PriorityQueue<Due> held =
      new PriorityQueue<>(Comparator.comparingLong((Due d) -> d.dueNanos));
  // Guarded by lock: the ticking thread parked without a timer, to be unparked by the next hold.
  private boolean parkedIdle;
  private volatile boolean closed;
  private final Thread ticker;

  /**
   * Starts the pacer's thread.
   *
   * @param name the thread's name
   * @param tick how often it looks while some thread is held
   */
  Pacer(String name, Duration tick) {
    this.tickNanos = tick.toNanos();
    if (tickNanos <= 0) {
      throw new IllegalArgumentException("the tick must be positive, was " + tick);
    }
    this.ticker = Thread.ofPlatform().name(name).daemon().start(this::tick);
  }

  /**
   * Parks the calling thread until {@code dueNanos} (a {@link System#nanoTime()} instant) has
   * passed, at the latest one tick after; returns at once if the pacer is closed or the thread is
   * interrupted (the interrupt stays set).
   *
   * @param dueNanos when the thread may go on
   */
  void holdUntil(long dueNanos) {
    hold(dueNanos, release -> release);
  }

  /**
   * Parks the calling thread until an action released it: at the first tick at or after {@code
   * dueNanos}, the pacer runs the action that {@code decide} made of the thread's release, which
   * may release it, or leave it to another action it schedules ({@link #at}). Returns at once if
   * the pacer closes or the thread is interrupted (the interrupt stays set).
   *
   * @param dueNanos when the action runs
   * @param decide makes the action from the release
   */
  void hold(long dueNanos, java.util.function.Function<Runnable, Runnable> decide) {
    Release release = new Release(Thread.currentThread());
    at(dueNanos, decide.apply(release));
    while (!release.released && !closed && !Thread.currentThread().isInterrupted()) {
      LockSupport.park(this);
    }
  }

  /**
   * Runs an action on the pacer's thread at the first tick at or after {@code dueNanos}, or on the
   * thread that closes the pacer if it closes first (at once if it is closed already). The action
   * must be short and must not block for long: the pacer's other actions wait for it.
   *
   * @param dueNanos when ({@link System#nanoTime()})
   * @param action what
   */
  void at(long dueNanos, Runnable action) {
    boolean added = false;
    boolean wake = false;
    lock.lock();
    try {
      if (!closed) {
        held.add(new Due(dueNanos, action));
        added = true;
        wake = parkedIdle;
        parkedIdle = false;
      }
    } finally {
      lock.unlock();
    }
    if (!added) {
      action.run();
    } else if (wake) {
      LockSupport.unpark(ticker);
    }
  }

  private void tick() {
    List<Due> ready = new ArrayList<>();
    while (!closed) {
      lock.lock();
      try {
        long now = System.nanoTime();
        while (!held.isEmpty() && held.element().dueNanos - now <= 0) {
          ready.add(held.remove());
        }
      } finally {
        lock.unlock();
      }
      release(ready); // an action may add another: looked at only now
      boolean empty;
      lock.lock();
      try {
        empty = held.isEmpty();
        parkedIdle = empty;
      } finally {
        lock.unlock();
      }
      if (empty) {
        LockSupport.park(this); // until the next hold (or close); a spurious return just loops
      } else {
        LockSupport.parkNanos(this, tickNanos);
      }
    }
  }

  private static void release(List<Due> ready) {
    for (Due d : ready) {
      try {
        d.action.run();
      } catch (RuntimeException e) {
        // an action's own failure: the others still run
      }
    }
    ready.clear();
  }

  /**
   * Stops ticking and runs every action still waiting (a held thread is released) at once, on the
   * calling thread. Idempotent.
   */
  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
    } finally {
      lock.unlock();
    }
    LockSupport.unpark(ticker);
    boolean interrupted = false;
    while (true) {
      try {
        ticker.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    drain();
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void drain() {
    List<Due> rest;
    lock.lock();
    try {
      rest = new ArrayList<>(held);
      held.clear();
    } finally {
      lock.unlock();
    }
    release(rest);
  }
}
