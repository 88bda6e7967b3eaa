package org.seda4j.control;

import java.util.concurrent.atomic.AtomicLong;

/*
 * A lock-free token bucket in its "virtual scheduling" form (GCRA, the generic cell rate
 * algorithm): instead of a token count it keeps the theoretical arrival time `tat` of the next event
 * that conforms to the rate. An event at time t conforms if tat <= t + tolerance, and then moves tat
 * to max(tat, t) + interval. interval = 1 s / rate; tolerance = (burst - 1) x interval lets `burst`
 * events through back to back after a quiet period, exactly like a bucket of `burst` tokens
 * refilled at `rate`. One compare-and-set per admitted event, none per refused one.
 *
 * Time comes from the caller (the admission context's clock), never from a clock of its own: tests
 * drive it with numbers. `interval == 0` means unlimited (nothing is read or written).
 *
 * Rate changes (setRate) come from one thread (the sampler) while producers acquire: interval and
 * tolerance are published together in one immutable Limits object, and tat is capped so that a rate
 * cut does not let a backlog built at the old rate pass, nor a rate raise inherit a wait built at
 * the old one.
 */
/** A lock-free token bucket (GCRA) with an externally supplied clock. */
final class TokenBucket {

  private static final long UNSET = Long.MIN_VALUE;

  private record Limits(long intervalNanos, long toleranceNanos) {}

  private static final Limits UNLIMITED = new Limits(0, 0);

  private volatile Limits limits = UNLIMITED;
  private final AtomicLong tat = new AtomicLong(UNSET);

  /** Lets everything through until the next setRate. */
  void unlimited() {
    limits = UNLIMITED;
    tat.set(UNSET);
  }

  /**
   * Sets the rate, in events per second, and the burst tolerance, in nanoseconds of the new rate's
   * schedule (at least one interval is always allowed to pass at once).
   */
  void setRate(double eventsPerSecond, long toleranceNanos, long nowNanos) {
    if (!(eventsPerSecond > 0)) {
      throw new IllegalArgumentException("rate must be positive, was " + eventsPerSecond);
    }
    double interval = 1e9 / eventsPerSecond;
    if (interval < 1) {
      unlimited(); // more than one event per nanosecond: nothing to limit
      return;
    }
    long i = interval >= Long.MAX_VALUE / 4.0 ? Long.MAX_VALUE / 4 : (long) interval;
    long tol = Math.max(0, toleranceNanos);
    limits = new Limits(i, tol);
    // Cap the schedule: at most `tol` ahead of now, so the new rate applies from now on.
    long t = tat.get();
    if (t != UNSET && t - nowNanos > tol) {
      tat.compareAndSet(t, nowNanos + tol);
    }
  }

  /** Whether an event at {@code nowNanos} conforms; if so, it is counted against the rate. */
  boolean tryAcquire(long nowNanos) {
    Limits l = limits;
    if (l.intervalNanos == 0) {
      return true;
    }
    while (true) {
      long t = tat.get();
      long base = (t == UNSET || t - nowNanos < 0) ? nowNanos : t; // max(tat, now)
      if (base - nowNanos > l.toleranceNanos) {
        return false;
      }
      if (tat.compareAndSet(t, base + l.intervalNanos)) {
        return true;
      }
    }
  }

  /** The rate in events per second, or positive infinity when unlimited. */
  double rate() {
    long i = limits.intervalNanos;
    return i == 0 ? Double.POSITIVE_INFINITY : 1e9 / i;
  }
}
