package org.seda4j.control;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/*
 * Per-key shares of the capacity for the fairness option of the response-time limit
 * (ResponseTimeLimit): a token bucket per key, all refilled at the same rate.
 *
 * Each key (a tenant, a client, a connection: whatever the user's key function returns) that
 * offered an event within ACTIVE_NANOS is active. The stages' measured capacity X is divided
 * equally, with HEADROOM: every key earns HEADROOM x X / (active keys) admissions per second,
 * banking at most what it earns in ACTIVE_NANOS (and at least BURST): a key counts as active, and
 * its share is reserved, for that long after it last asked, so it may use that share when it comes
 * back. With a bank of a couple of admissions, a key that waits out a Retry-After of a second
 * between its turns would lose most of what it earned while away, and the stages would idle for
 * the sake of fairness while the keys wait. (The headroom lets keys that ask more use what others
 * leave.) While the limit is in force, an event is admitted only if its key has an admission banked
 * (and it uses it up); so a client that is answered and comes straight back runs out within a
 * burst and is shed, while a client that was shed, or asks rarely, finds its share banked when it
 * returns. Every key gets about the same number of admissions whatever the speed at which it comes
 * back, which is what a first-come rule cannot give closed-loop clients: the one just answered is
 * always first at a slot that just freed.
 *
 * Work conservation: shares that keys do not use (a client waiting out its Retry-After) would
 * leave the stages idle, so while fewer than FLOOR x L events are in the system an event is admitted
 * on credit: charged all the same, down to a debt of BURST and no further, so a key that comes back
 * the moment a slot frees cannot live off the floor. Without a limit (the stages never worked at
 * capacity) nothing is charged.
 *
 * Threads: offer() runs on producers' threads, concurrently; each key's Share is updated under its
 * own monitor (a few arithmetic operations, never blocking). update() runs on the sampler thread:
 * it recomputes the refill rate (a volatile double producers read) and forgets idle keys. The map
 * holds at most MAX_KEYS keys; a new key beyond that is not tracked (admitted like a key with an
 * admission banked), so a flood of one-off keys costs bounded memory.
 */
/** Equal per-key shares of the measured capacity: one token bucket per key. */
final class KeyShares {
  static final long ACTIVE_NANOS = 2_000_000_000L;
  static final long FORGET_NANOS = 10_000_000_000L;
  static final int MAX_KEYS = 1 << 16;
  static final double BURST = 2;
  static final double FLOOR = 0.1;
  static final double HEADROOM = 1.2;

  private static final class Share {
    private double banked = 1;
    private long at;
    private long offeredAt;

    Share(long now) {
      at = now;
      offeredAt = now;
    }

    /** Whether the key may be admitted now; if so it is charged. */
    synchronized boolean offer(long now, long inSystem, long limit, double rate) {
      offeredAt = now;
      if (limit == Long.MAX_VALUE) {
        return true;
      }
      if (inSystem >= limit) {
        return false; // the limit binds every key; nothing is charged
      }
      double b = refill(now, rate, bank(rate));
      if (b >= 1 || (inSystem < FLOOR * limit && b - 1 >= -BURST)) {
        banked = b - 1;
        return true;
      }
      banked = b;
      return false;
    }

    private double refill(long now, double rate, double bank) {
      long dt = now - at;
      at = now;
      return dt <= 0 ? banked : Math.min(bank, banked + dt * rate / 1e9);
    }

    synchronized double banked(long now, double rate) {
      banked = refill(now, rate, bank(rate));
      return banked;
    }

    synchronized long offeredAt() {
      return offeredAt;
    }
  }

  /** The most a key may bank at {@code rate} admissions per second: ACTIVE_NANOS of its share. */
  static double bank(double rate) {
    return Double.isInfinite(rate) ? BURST : Math.max(BURST, rate * ACTIVE_NANOS / 1e9);
  }

  private final ConcurrentHashMap<Object, Share> shares = new ConcurrentHashMap<>();
  private volatile double rate = Double.POSITIVE_INFINITY; // admissions per second per key
  private int active;

  /**
   * A producer offers an event of {@code key} at {@code now} while {@code inSystem} events are in
   * the system under {@code limit} ({@link Long#MAX_VALUE}: no limit). Returns whether the key may
   * be admitted (never with {@code inSystem >= limit}), and if so charges it. Every offer, admitted
   * or not, makes the key active.
   */
  boolean offer(Object key, long now, long inSystem, long limit) {
    Share s = shares.get(key);
    if (s == null) {
      if (shares.size() >= MAX_KEYS) {
        return true; // untracked: like a key with an admission banked
      }
      s = shares.computeIfAbsent(key, k -> new Share(now));
    }
    return s.offer(now, inSystem, limit, rate);
  }

  /**
   * Divides {@code capacity} (events per second) between the keys active at {@code now} and forgets
   * idle keys. Sampler thread only.
   */
  void update(long now, double capacity) {
    int n = 0;
    for (Iterator<Map.Entry<Object, Share>> it = shares.entrySet().iterator(); it.hasNext(); ) {
      long idle = now - it.next().getValue().offeredAt();
      if (idle > FORGET_NANOS) {
        it.remove();
      } else if (idle <= ACTIVE_NANOS) {
        n++;
      }
    }
    active = n;
    rate = n == 0 || !(capacity > 0) ? Double.POSITIVE_INFINITY : HEADROOM * capacity / n;
  }

  /** Admissions per second each key earns (infinite before a capacity is known). */
  double rate() {
    return rate;
  }

  /** Keys that offered an event within the active window, at the last update. */
  int active() {
    return active;
  }

  /** Admissions {@code key} has banked at {@code now} (the most it may bank if unknown). Tests. */
  double banked(Object key, long now) {
    Share s = shares.get(key);
    return s == null ? bank(rate) : s.banked(now, rate);
  }
}
