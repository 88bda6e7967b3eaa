package org.seda4j.internal;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;
import org.seda4j.Stage;
import org.seda4j.StageGraph;

/**
 * Quiescence detection without a graph-wide counter (Quiescence: the double scan of the per-stage
 * books, and its wake-up protocol), through awaitIdle on real graphs (JMX off, closed by the
 * arbiter). The handlers are gated by latches, so the event ends that matter happen while the
 * actors run.
 */
public final class QuiescenceStress {
  private QuiescenceStress() {}

  /** How long an awaitIdle that must return true may wait before a lost wake-up is suspected. */
  static final Duration WAKE_UP = Duration.ofSeconds(1);

  static GraphImpl graph() {
    return (GraphImpl) StageGraph.builder("jcstress").jmx(false).open();
  }

  /** Waits for {@code latch}, however often interrupted (handlers and state constructors). */
  static void awaitLatch(CountDownLatch latch) {
    boolean interrupted = false;
    while (true) {
      try {
        latch.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The end of gated handlers: each handler calls {@link #returning()} last, so the time the last
   * one returned is known (its event is counted as ended microseconds later).
   */
  static final class Ends {
    final int expected;
    final AtomicInteger returned = new AtomicInteger();
    final AtomicLong lastReturn = new AtomicLong();

    Ends(int expected) {
      this.expected = expected;
    }

    void returning() {
      lastReturn.accumulateAndGet(System.nanoTime(), Math::max);
      returned.incrementAndGet();
    }
  }

  /**
   * awaitIdle(WAKE_UP) for an actor, while the gated handlers of {@code ends} are released. A lost
   * wake-up does not make awaitIdle return false: its loop scans once more when the timeout ends,
   * finds the graph quiescent and returns true, late. So the outcome is told by when it returned: 1
   * if before its deadline, with true; 0 if only at its deadline although every handler had
   * returned at least half the wait before (nobody woke it: a lost wake-up); 2 if at its deadline
   * with a handler still running or returning late (a machine too loaded); 3 if false before its
   * deadline (no stop condition holds here); -1 if interrupted.
   */
  static int awaitIdle(GraphImpl g, Ends ends) {
    long start = System.nanoTime();
    boolean idle;
    try {
      idle = g.awaitIdle(WAKE_UP);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
    long end = System.nanoTime();
    if (end - start < WAKE_UP.toNanos()) {
      return idle ? 1 : 3;
    }
    boolean endedLongBefore =
        ends.returned.get() == ends.expected
            && end - ends.lastReturn.get() >= WAKE_UP.toNanos() / 2;
    return endedLongBefore && g.quiescence.quiescent() ? 0 : 2;
  }

  /** awaitIdle(ZERO): whether the graph is quiescent at this scan. */
  static boolean idleNow(GraphImpl g) {
    try {
      return g.awaitIdle(Duration.ZERO);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * The only event ends while awaitIdle waits: the worker that counts its end must see the waiter
   * (or the waiter's scan must see the end): no lost wake-up.
   */
  @JCStressTest
  @Outcome(id = "1", expect = ACCEPTABLE, desc = "awaitIdle woke when the event ended")
  @Outcome(
      id = "0",
      expect = FORBIDDEN,
      desc =
          "lost wake-up: awaitIdle returned only at its 1 s deadline, though the handler had"
              + " returned at least 0.5 s before")
  @Outcome(
      id = "2",
      expect = ACCEPTABLE_INTERESTING,
      desc = "returned at its deadline, the handler returning late: the machine is too loaded")
  @Outcome(expect = FORBIDDEN, desc = "awaitIdle returned false before its deadline")
  @State
  public static class LastEventEndsWhileAwaiting {
    final GraphImpl g = graph();
    final CountDownLatch started = new CountDownLatch(1);
    final CountDownLatch go = new CountDownLatch(1);
    final Ends ends = new Ends(1);

    public LastEventEndsWhileAwaiting() {
      Stage<Integer> s =
          g.stage("s", Integer.class)
              .capacity(4)
              .permits(1)
              .batchSize(1)
              .handler(
                  (e, ctx) -> {
                    started.countDown();
                    awaitLatch(go);
                    ends.returning();
                  });
      s.offer(1);
      awaitLatch(started); // the event is in its handler
    }

    @Actor
    public void release() {
      go.countDown();
    }

    @Actor
    public void waiter(I_Result r) {
      r.r1 = awaitIdle(g, ends);
    }

    @Arbiter
    public void close() {
      g.close();
    }
  }

  /**
   * Two workers of one stage end their events at the same moment while awaitIdle waits. Each batch
   * end lowers the stage's in-flight count before it counts the event as completed, and only the
   * worker whose decrement leaves nothing in flight wakes the waiters: this checks that the other
   * worker's later count is still seen (no lost wake-up).
   */
  @JCStressTest
  @Outcome(id = "1", expect = ACCEPTABLE, desc = "awaitIdle woke when the last event ended")
  @Outcome(
      id = "0",
      expect = FORBIDDEN,
      desc =
          "lost wake-up: awaitIdle returned only at its 1 s deadline, though both handlers had"
              + " returned at least 0.5 s before (the last end was counted by a worker that did"
              + " not wake the waiter)")
  @Outcome(
      id = "2",
      expect = ACCEPTABLE_INTERESTING,
      desc = "returned at its deadline, a handler returning late: the machine is too loaded")
  @Outcome(expect = FORBIDDEN, desc = "awaitIdle returned false before its deadline")
  @State
  public static class TwoWorkersEndWhileAwaiting {
    final GraphImpl g = graph();
    final CountDownLatch started = new CountDownLatch(2);
    final CountDownLatch go = new CountDownLatch(1);
    final Ends ends = new Ends(2);

    public TwoWorkersEndWhileAwaiting() {
      Stage<Integer> s =
          g.stage("s", Integer.class)
              .capacity(4)
              .permits(2)
              .batchSize(1)
              .handler(
                  (e, ctx) -> {
                    started.countDown();
                    awaitLatch(go);
                    ends.returning();
                  });
      s.offer(1);
      s.offer(2);
      awaitLatch(started); // both events in their handlers, on two workers
    }

    @Actor
    public void release() {
      go.countDown();
    }

    @Actor
    public void waiter(I_Result r) {
      r.r1 = awaitIdle(g, ends);
    }

    @Arbiter
    public void close() {
      g.close();
    }
  }

  /**
   * A handler of stage a emits to stage b, whose handler holds its event until the arbiter, then
   * a's own event ends. The emit is counted in b's books before a's event settles, so no scan may
   * find the graph quiescent at any moment of that hand-over. The observer scans until a's event is
   * counted as finished, then once more.
   */
  @JCStressTest
  @Outcome(id = "0", expect = ACCEPTABLE, desc = "never idle: an event was pending at every scan")
  @Outcome(
      id = "1",
      expect = FORBIDDEN,
      desc = "idle seen while the emitted event was admitted and not ended")
  @State
  public static class EmitCountedBeforeEmitterEnds {
    final GraphImpl g = graph();
    final CountDownLatch aStarted = new CountDownLatch(1);
    final CountDownLatch aGo = new CountDownLatch(1);
    final CountDownLatch bGo = new CountDownLatch(1);
    final Stage<Integer> b;
    final Stage<Integer> a;

    public EmitCountedBeforeEmitterEnds() {
      b = g.stage("b", Integer.class).capacity(4).permits(1).handler((e, ctx) -> awaitLatch(bGo));
      a =
          g.stage("a", Integer.class)
              .capacity(4)
              .permits(1)
              .batchSize(1)
              .handler(
                  (e, ctx) -> {
                    aStarted.countDown();
                    awaitLatch(aGo);
                    ctx.emit(b, e);
                  });
      a.offer(1);
      awaitLatch(aStarted);
    }

    @Actor
    public void handOver() {
      aGo.countDown();
    }

    @Actor
    public void observer(I_Result r) {
      int idle = 0;
      while (a.snapshot().counts().finished() == 0) {
        if (idleNow(g)) {
          idle = 1;
        }
      }
      if (idleNow(g)) {
        idle = 1;
      }
      r.r1 = idle;
    }

    @Arbiter
    public void close() {
      bGo.countDown();
      g.close();
    }
  }

  /**
   * A cycle: a stage's handler emits to its own stage until a chain of three events ends (two
   * workers, so an emitted event may end before its emitter). A scan that finds the graph quiescent
   * must come after the chain's last event ended; the handler of that event sets `done` before it
   * returns, so an idle scan must see it.
   */
  @JCStressTest
  @Outcome(id = "0", expect = ACCEPTABLE, desc = "idle seen only after the chain ended")
  @Outcome(
      id = "1",
      expect = FORBIDDEN,
      desc = "idle seen before the chain's last event ended (an emit not counted in time)")
  @State
  public static class SelfEmittingChain {
    final GraphImpl g = graph();
    final CountDownLatch go = new CountDownLatch(1);
    volatile boolean done;

    public SelfEmittingChain() {
      Stage<Integer> s =
          g.stage("s", Integer.class)
              .capacity(8)
              .permits(2)
              .batchSize(1)
              .handler(
                  new org.seda4j.EventHandler<Integer>() {
                    @Override
                    public void handle(Integer e, org.seda4j.StageContext ctx)
                        throws InterruptedException {
                      if (e == 3) {
                        awaitLatch(go);
                      }
                      if (e > 0) {
                        ctx.emit(self(), e - 1);
                      } else {
                        done = true;
                      }
                    }
                  });
      self = s;
      s.offer(3);
    }

    @SuppressWarnings("NullAway.Init") // set by the constructor before the first event is offered
    private Stage<Integer> self;

    Stage<Integer> self() {
      return self;
    }

    @Actor
    public void start() {
      go.countDown();
    }

    @Actor
    public void observer(I_Result r) {
      int bad = 0;
      while (true) {
        if (idleNow(g)) {
          if (!done) {
            bad = 1;
          }
          break;
        }
      }
      r.r1 = bad;
    }

    @Arbiter
    public void close() {
      g.close();
    }
  }
}
