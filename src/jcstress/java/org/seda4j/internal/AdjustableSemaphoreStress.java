package org.seda4j.internal;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The adjustable permit mechanism: whatever the interleaving of setLimit with acquire, release and
 * another setLimit, no permit is lost or created. Invariant checked at the end: available permits
 * == limit - permits held.
 */
public final class AdjustableSemaphoreStress {
  private AdjustableSemaphoreStress() {}

  /** Shrinking the limit while a permit is being acquired: a holder over the limit is a debt. */
  @JCStressTest
  @Outcome(
      id = "1, -1",
      expect = ACCEPTABLE,
      desc = "acquired before the shrink: 2 held, limit 1, one permit owed")
  @Outcome(
      id = "0, 0",
      expect = ACCEPTABLE,
      desc = "shrunk first: the one permit left is held, the acquire fails")
  @Outcome(expect = FORBIDDEN, desc = "a permit was lost or created")
  @State
  public static class ShrinkWhileAcquiring {
    final AdjustableSemaphore s = new AdjustableSemaphore(2);

    public ShrinkWhileAcquiring() {
      s.tryAcquire(); // one permit is out
    }

    @Actor
    public void shrink() {
      s.setLimit(1);
    }

    @Actor
    public void acquire(II_Result r) {
      r.r1 = s.tryAcquire() ? 1 : 0;
    }

    @Arbiter
    public void after(II_Result r) {
      r.r2 = s.availablePermits();
    }
  }

  /** Two concurrent setLimit calls: one wins, the permits follow the winner exactly. */
  @JCStressTest
  @Outcome(id = "3, 3", expect = ACCEPTABLE, desc = "setLimit(3) last")
  @Outcome(id = "5, 5", expect = ACCEPTABLE, desc = "setLimit(5) last")
  @Outcome(expect = FORBIDDEN, desc = "a lost update: permits and limit disagree")
  @State
  public static class ConcurrentSetLimits {
    final AdjustableSemaphore s = new AdjustableSemaphore(1);

    @Actor
    public void three() {
      s.setLimit(3);
    }

    @Actor
    public void five() {
      s.setLimit(5);
    }

    @Arbiter
    public void after(II_Result r) {
      r.r1 = s.limit();
      r.r2 = s.availablePermits();
    }
  }

  /** Growing the limit while the holder releases: all permits free at the end. */
  @JCStressTest
  @Outcome(id = "3, 3", expect = ACCEPTABLE, desc = "limit 3, nothing held, 3 free")
  @Outcome(expect = FORBIDDEN, desc = "a permit was lost or created")
  @State
  public static class GrowWhileReleasing {
    final AdjustableSemaphore s = new AdjustableSemaphore(1);

    public GrowWhileReleasing() {
      s.tryAcquire();
    }

    @Actor
    public void release() {
      s.release();
    }

    @Actor
    public void grow() {
      s.setLimit(3);
    }

    @Arbiter
    public void after(II_Result r) {
      r.r1 = s.limit();
      r.r2 = s.availablePermits();
    }
  }

  /** A shrink, a grow and a release at once, two permits out: limit - held == free. */
  @JCStressTest
  @Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "grow, then shrink: limit 1, 1 held")
  @Outcome(id = "4, 3", expect = ACCEPTABLE, desc = "shrink, then grow: limit 4, 1 held")
  @Outcome(expect = FORBIDDEN, desc = "a permit was lost or created")
  @State
  public static class ShrinkGrowRelease {
    final AdjustableSemaphore s = new AdjustableSemaphore(2);

    public ShrinkGrowRelease() {
      s.tryAcquire();
      s.tryAcquire();
    }

    @Actor
    public void release() {
      s.release();
    }

    @Actor
    public void shrink() {
      s.setLimit(1);
    }

    @Actor
    public void grow() {
      s.setLimit(4);
    }

    @Arbiter
    public void after(II_Result r) {
      r.r1 = s.limit();
      r.r2 = s.availablePermits();
    }
  }
}
