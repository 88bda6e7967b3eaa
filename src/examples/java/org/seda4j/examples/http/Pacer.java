package org.seda4j.examples.http;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Holds threads until their time has come and releases them in batches: one platform thread wakes
 * when the earliest held thread is due, but at most once a tick, and unparks every thread whose
 * time has passed. So a thousand held threads due within one tick cost one timer wake-up, not a
 * thousand (a virtual thread's timed park schedules a timer of its own, and each one that fires
 * wakes a thread to run it), and nothing held for a second costs no wake-ups in between. A thread
 * is released late by at most one tick, never early. When nothing is held the pacer's thread parks
 * without a timer.
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
  // Guarded by lock: when the ticking thread, parked, will look next (System.nanoTime()).
  private long nextLookNanos;
  private volatile boolean closed;
  // How often the ticking thread has looked for due actions.
  private final AtomicLong looks = new AtomicLong();
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
   * Parks the calling thread until an action released it: no sooner than {@code dueNanos} and at
   * most a tick after, the pacer runs the action that {@code decide} made of the thread's release,
   * which may release it, or leave it to another action it schedules ({@link #at}). Returns at once
   * if the pacer closes or the thread is interrupted (the interrupt stays set).
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
   * Runs an action on the pacer's thread no sooner than {@code dueNanos} and at most a tick after,
   * or on the thread that closes the pacer if it closes first (at once if it is closed already).
   * The action must be short and must not block for long: the pacer's other actions wait for it.
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
        // Woken only if it would otherwise look more than a tick after this action's time.
        wake = parkedIdle || nextLookNanos - dueNanos > tickNanos;
        parkedIdle = false;
        if (wake) {
          nextLookNanos = dueNanos;
        }
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
      looks.incrementAndGet();
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
      long sleep;
      lock.lock();
      try {
        empty = held.isEmpty();
        parkedIdle = empty;
        long now = System.nanoTime();
        // Until the next action is due, but a tick at least: the actions due within a tick of each
        // other run in one wake-up.
        sleep = empty ? 0 : Math.max(tickNanos, held.element().dueNanos - now);
        nextLookNanos = now + sleep;
      } finally {
        lock.unlock();
      }
      if (empty) {
        LockSupport.park(this); // until the next hold (or close); a spurious return just loops
      } else {
        LockSupport.parkNanos(this, sleep);
      }
    }
  }

  /**
   * How often the pacer's thread has woken to look for due actions, for tests.
   *
   * @return the looks so far
   */
  long looks() {
    return looks.get();
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
