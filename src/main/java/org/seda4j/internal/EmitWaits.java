package org.seda4j.internal;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/*
 * Maintainer note. The handlers of one stage that wait for room in some stage's queue (an emit, a
 * put on a handler thread, a dead letter): how many (StageSnapshot.blockedOnEmit) and, for waits
 * without a bound, on which stages (the DeadlockDetector's edges). Written on the slow path only
 * (a producer about to wait).
 */
final class EmitWaits {
  private final AtomicInteger waiting = new AtomicInteger();
  private final ConcurrentHashMap<StageImpl<?>, AtomicInteger> withoutBound =
      new ConcurrentHashMap<>(); // its table is allocated on the first put

  /** A handler of this stage starts ({@code +1}) or stops ({@code -1}) waiting for room. */
  void waiting(StageImpl<?> target, boolean forever, int delta) {
    waiting.addAndGet(delta);
    if (forever) {
      withoutBound.computeIfAbsent(target, t -> new AtomicInteger()).addAndGet(delta);
    }
  }

  /** Handlers now waiting for room, bounded or not. */
  int waiting() {
    return waiting.get();
  }

  /** Handlers now waiting without a bound. */
  int withoutBound() {
    int sum = 0;
    for (AtomicInteger n : withoutBound.values()) {
      sum += n.get();
    }
    return sum;
  }

  /** The stages waited on without a bound now. */
  Set<StageImpl<?>> targets() {
    Set<StageImpl<?>> out = new HashSet<>();
    withoutBound.forEach(
        (target, n) -> {
          if (n.get() > 0) {
            out.add(target);
          }
        });
    return out;
  }
}
