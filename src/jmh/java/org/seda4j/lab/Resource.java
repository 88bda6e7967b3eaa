package org.seda4j.lab;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * A blocking resource behind a stage, such as a database: a pool of connections (or none), and a
 * call that holds a connection while it sleeps for a fixed cost plus a cost per row. It counts the
 * calls in flight (including those waiting for a connection): their maximum and time-mean over a
 * measurement window.
 */
public final class Resource {

  private final @Nullable Semaphore connections;
  private final int size;
  private final long baseNanos;
  private final long perRowNanos;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private final LongAdder inFlightNanos = new LongAdder();
  private final LongAdder callsInWindow = new LongAdder();
  private volatile long windowStart = Long.MAX_VALUE;
  private volatile long windowEnd = Long.MAX_VALUE;

  /**
   * A resource.
   *
   * @param connections the pool's size, or 0 for no limit
   * @param base the cost of a call
   * @param perRow the cost of each row of a call
   */
  public Resource(int connections, Duration base, Duration perRow) {
    this.connections = connections > 0 ? new Semaphore(connections) : null;
    this.size = connections;
    this.baseNanos = base.toNanos();
    this.perRowNanos = perRow.toNanos();
  }

  /**
   * The database of the open-loop scenarios: 8 connections, 10 ms per call (capacity about 800
   * calls per second).
   *
   * @return a new resource
   */
  public static Resource database() {
    return new Resource(8, Duration.ofMillis(10), Duration.ZERO);
  }

  /**
   * The pool's size.
   *
   * @return the number of connections, 0 if unlimited
   */
  public int connections() {
    return size;
  }

  /**
   * One call: waits for a connection, holds it for the call's cost, releases it.
   *
   * @param rows the rows the call carries
   * @throws InterruptedException if interrupted while waiting or sleeping
   */
  public void call(int rows) throws InterruptedException {
    long t0 = System.nanoTime();
    int n = inFlight.incrementAndGet();
    if (t0 >= windowStart && t0 < windowEnd) {
      maxInFlight.accumulateAndGet(n, Math::max);
      callsInWindow.increment();
    }
    try {
      if (connections != null) {
        connections.acquire();
      }
      try {
        Thread.sleep(Duration.ofNanos(baseNanos + perRowNanos * rows));
      } finally {
        if (connections != null) {
          connections.release();
        }
      }
    } finally {
      inFlight.decrementAndGet();
      long overlap = Math.min(System.nanoTime(), windowEnd) - Math.max(t0, windowStart);
      if (overlap > 0) {
        inFlightNanos.add(overlap);
      }
    }
  }

  /**
   * Starts counting calls in flight over a window (calls that start in it count towards the
   * maximum; every call's time inside it counts towards the mean).
   *
   * @param start the window's start, {@link System#nanoTime()}
   * @param end its end
   */
  public void measure(long start, long end) {
    windowEnd = end;
    windowStart = start;
  }

  /**
   * The most calls in flight at once seen by a call that started in the window.
   *
   * @return the maximum
   */
  public int maxInFlight() {
    return maxInFlight.get();
  }

  /**
   * The time-mean of the calls in flight over the window (read it once the calls ended).
   *
   * @return the mean number of calls in flight
   */
  public double meanInFlight() {
    return inFlightNanos.sum() / (double) (windowEnd - windowStart);
  }

  /**
   * Calls that started in the window.
   *
   * @return the count
   */
  public long callsInWindow() {
    return callsInWindow.sum();
  }

  /**
   * Measures the resource's capacity: one closed-loop caller per connection, one row per call.
   *
   * @param seconds for how long
   * @return calls per second
   * @throws InterruptedException if interrupted
   */
  public double measureCapacity(double seconds) throws InterruptedException {
    if (size == 0) {
      throw new IllegalStateException("an unlimited resource has no capacity to measure");
    }
    LongAdder calls = new LongAdder();
    long end = System.nanoTime() + (long) (seconds * 1e9);
    List<Thread> callers = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      callers.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      while (System.nanoTime() < end) {
                        call(1);
                        calls.increment();
                      }
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  }));
    }
    for (Thread t : callers) {
      t.join();
    }
    return calls.sum() / seconds;
  }
}
