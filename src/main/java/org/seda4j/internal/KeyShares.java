package org.seda4j.internal;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/*
 * Per-key admission shares for the fairness option of the response-time limit (ResponseTimeLimit).
 *
 * Each key (a tenant, a client, a connection: whatever the user's key function returns) has a count
 * of its recent admissions that decays exponentially with time constant TAU (an admission 1 s ago
 * weighs 1/e). The fair share is the mean of those counts over the active keys: keys that offered an
 * event within ACTIVE_NANOS. While the system is loaded (the limit's caller decides when), a key
 * whose count is above the fair share is refused: the key admitted most recently and most often is
 * shed first, so a client that is answered and comes straight back cannot take the room a client
 * that was just shed would have had. Over a few seconds every active key converges to the same
 * number of admissions.
 *
 * Threads: offer() runs on producers' threads, concurrently; each key's Share is updated under its
 * own monitor (a few arithmetic operations, never blocking). update() runs on the sampler thread:
 * it recomputes the fair share (a volatile double producers read) and forgets idle keys. The map
 * holds at most MAX_KEYS keys; a new key beyond that is not tracked (admitted as a key with no
 * history), so a flood of one-off keys costs bounded memory.
 */
/** Decaying per-key admission counts and the fair share over active keys. */
final class KeyShares {
  static final long TAU_NANOS = 1_000_000_000L;
  static final long ACTIVE_NANOS = 2 * TAU_NANOS;
  static final long FORGET_NANOS = 10 * TAU_NANOS;
  static final int MAX_KEYS = 1 << 16;

  private static final class Share {
    private double count;
    private long countedAt;
    private long offeredAt;

    Share(long now) {
      countedAt = now;
      offeredAt = now;
    }

    synchronized boolean offer(long now, boolean loaded, double fair) {
      offeredAt = now;
      double c = decayed(now);
      if (loaded && c > fair) {
        count = c;
        countedAt = now;
        return false;
      }
      count = c + 1;
      countedAt = now;
      return true;
    }

    synchronized double decayed(long now) {
      long dt = now - countedAt;
      return dt <= 0 ? count : count * Math.exp(-(double) dt / TAU_NANOS);
    }

    synchronized long offeredAt() {
      return offeredAt;
    }
  }

  private final ConcurrentHashMap<Object, Share> shares = new ConcurrentHashMap<>();
  private volatile double fair = Double.POSITIVE_INFINITY;
  private int active;

  /**
   * A producer offers an event of {@code key} at {@code now}; {@code loaded} says whether the
   * system is loaded enough for shares to count. Returns whether the key may be admitted, and if so
   * counts the admission.
   */
  boolean offer(Object key, long now, boolean loaded) {
    Share s = shares.get(key);
    if (s == null) {
      if (shares.size() >= MAX_KEYS) {
        return true; // untracked: a key with no history
      }
      s = shares.computeIfAbsent(key, k -> new Share(now));
    }
    return s.offer(now, loaded, fair);
  }

  /** Recomputes the fair share at {@code now} and forgets idle keys. Sampler thread only. */
  void update(long now) {
    double sum = 0;
    int n = 0;
    for (Iterator<Map.Entry<Object, Share>> it = shares.entrySet().iterator(); it.hasNext(); ) {
      Share s = it.next().getValue();
      long idle = now - s.offeredAt();
      if (idle > FORGET_NANOS) {
        it.remove();
      } else if (idle <= ACTIVE_NANOS) {
        sum += s.decayed(now);
        n++;
      }
    }
    active = n;
    fair = n == 0 ? Double.POSITIVE_INFINITY : sum / n;
  }

  /** The fair share: mean decayed admissions of the active keys (infinite if none). */
  double fair() {
    return fair;
  }

  /** Keys that offered an event within the active window, at the last update. */
  int active() {
    return active;
  }

  /** The decayed admission count of {@code key} at {@code now} (0 if unknown). For tests. */
  double count(Object key, long now) {
    Share s = shares.get(key);
    return s == null ? 0 : s.decayed(now);
  }
}
