package org.seda4j.internal;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.function.ObjLongConsumer;

/**
 * Decides which messages of a kind may be logged: at most {@code limit} per window of {@code
 * windowNanos} per key; the rest are counted, and the count is handed back once so the caller can
 * log one summary ("suppressed K similar messages").
 *
 * <p>A key's window starts with its first message after a quiet period and lasts {@code
 * windowNanos} of the injected clock. The suppressed count of a window that ended is reported
 * either by the next {@link #acquire} of that key (before its own message) or by {@link
 * #flushExpired}, whichever comes first; never twice.
 *
 * <p>Thread-safe. Once a window is full, further messages are suppressed without taking a lock.
 */
final class LogLimiter<K> {

  /** What {@link #acquire} returns for a message that must not be logged. */
  static final long SUPPRESSED = -1;

  private final int limit;
  private final long windowNanos;
  private final LongSupplier clock;
  private final Map<K, Window> windows = new ConcurrentHashMap<>();
  private final LongAdder logged = new LongAdder();
  private final LongAdder suppressed = new LongAdder();

  /**
   * @param limit messages allowed per window and key, at least 1
   * @param windowNanos the window's length, positive
   * @param clock a monotonic clock in nanoseconds
   */
  LogLimiter(int limit, long windowNanos, LongSupplier clock) {
    if (limit < 1 || windowNanos <= 0) {
      throw new IllegalArgumentException(
          "limit must be at least 1 and the window positive, was " + limit + ", " + windowNanos);
    }
    this.limit = limit;
    this.windowNanos = windowNanos;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Asks whether one message of {@code key} may be logged now.
   *
   * @return {@link #SUPPRESSED} if not; otherwise how many messages of {@code key} were suppressed
   *     in windows that ended and were not reported yet (log a summary first if it is positive)
   */
  long acquire(K key) {
    Window w = windows.computeIfAbsent(key, k -> new Window());
    long now = clock.getAsLong();
    if (w.full && now - w.start < windowNanos) {
      w.fastSuppressed.increment(); // the window is full: no lock on the hot path
      suppressed.increment();
      return SUPPRESSED;
    }
    w.lock.lock();
    try {
      long unreported = 0;
      if (w.open && now - w.start >= windowNanos) {
        unreported = w.close();
      }
      if (!w.open) {
        w.open = true;
        w.start = now;
      }
      if (w.logged < limit) {
        w.logged++;
        w.full = w.logged == limit;
        logged.increment();
        return unreported;
      }
      w.suppressed++;
      suppressed.increment();
      return SUPPRESSED; // (unreported is 0 here: a window that just started is not full)
    } finally {
      w.lock.unlock();
    }
  }

  /**
   * Ends every window that is over, and hands each key whose ended window suppressed messages, with
   * their count, to {@code summary} (outside any lock).
   *
   * @param summary receives a key and its suppressed count
   */
  void flushExpired(ObjLongConsumer<K> summary) {
    long now = clock.getAsLong();
    for (Map.Entry<K, Window> e : windows.entrySet()) {
      Window w = e.getValue();
      if (!w.open || now - w.start < windowNanos) {
        continue;
      }
      long n;
      w.lock.lock();
      try {
        n = w.open && now - w.start >= windowNanos ? w.close() : 0;
      } finally {
        w.lock.unlock();
      }
      if (n > 0) {
        summary.accept(e.getKey(), n);
      }
    }
  }

  /** Messages allowed so far, over all keys. */
  long logged() {
    return logged.sum();
  }

  /** Messages suppressed so far, over all keys. */
  long suppressed() {
    return suppressed.sum();
  }

  /** The window's length in nanoseconds. */
  long windowNanos() {
    return windowNanos;
  }

  /** One key's current window. Fields written under {@code lock}; volatile ones read without. */
  private static final class Window {
    final ReentrantLock lock = new ReentrantLock();
    final LongAdder fastSuppressed = new LongAdder();
    volatile boolean full;
    volatile long start;
    boolean open;
    int logged;
    long suppressed;

    /** Ends the window; returns what it suppressed. Called under {@code lock}. */
    long close() {
      // A message racing on the fast path while the window closes may be counted in the next
      // window's summary instead: a summary count, never the limit, can be off by a few.
      long n = suppressed + fastSuppressed.sumThenReset();
      suppressed = 0;
      logged = 0;
      full = false;
      open = false;
      return n;
    }
  }
}
