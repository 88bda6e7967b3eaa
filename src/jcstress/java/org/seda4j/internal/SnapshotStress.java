package org.seda4j.internal;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.seda4j.FullQueuePolicy;
import org.seda4j.Stage;
import org.seda4j.StageGraph;
import org.seda4j.observe.StageSnapshot;

/**
 * StageImpl.snapshot() while events move (admitted, queued, taken, ended, dropped) on the stage's
 * own threads: it reads the books in the reverse of the order events move, so a snapshot may miss
 * an event in transit but never count one twice: admitted >= finished + queued + inFlight in every
 * snapshot, and the books balance at quiescence. Real graphs, JMX off, closed by the arbiter.
 */
public final class SnapshotStress {
  private SnapshotStress() {}

  static StageGraph graph() {
    return StageGraph.builder("jcstress").jmx(false).open();
  }

  /** 1 if admitted >= finished + queued + inFlight in this snapshot. */
  static int consistent(StageSnapshot s) {
    return s.counts().admitted()
            >= s.counts().finished() + s.queue().queued() + s.handlers().inFlight()
        ? 1
        : 0;
  }

  /** 1 if the graph became idle within 10 s and the stage's books balance; -1 if interrupted. */
  static int balancedWhenIdle(StageGraph g, Stage<?> s) {
    try {
      return g.awaitIdle(Duration.ofSeconds(10)) && s.snapshot().balanced() ? 1 : 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    } finally {
      g.close();
    }
  }

  /**
   * Two events offered, taken by up to two workers in batches of two, while a snapshot is taken.
   */
  @JCStressTest
  @Outcome(
      id = "1, 1",
      expect = ACCEPTABLE,
      desc = "admitted >= finished + queued + in flight; balanced when idle")
  @Outcome(expect = FORBIDDEN, desc = "an event counted twice, or lost")
  @State
  public static class WhileEventsMove {
    final StageGraph g = graph();
    final Stage<Integer> s =
        g.stage("s", Integer.class).capacity(4).permits(2).batchSize(2).handler((e, ctx) -> {});

    @Actor
    public void producer() {
      s.offer(1);
      s.offer(2);
    }

    @Actor
    public void observer(II_Result r) {
      r.r1 = consistent(s.snapshot());
    }

    @Arbiter
    public void quiescent(II_Result r) {
      r.r2 = balancedWhenIdle(g, s);
    }
  }

  /**
   * dropOldest on a queue of one: three events offered while a worker takes them; removed events
   * are counted as dropped after they left the queue.
   */
  @JCStressTest
  @Outcome(
      id = "1, 1",
      expect = ACCEPTABLE,
      desc = "admitted >= finished + queued + in flight; balanced when idle")
  @Outcome(expect = FORBIDDEN, desc = "an event counted twice, or lost")
  @State
  public static class WhileDroppingOldest {
    final StageGraph g = graph();
    final Stage<Integer> s =
        g.stage("s", Integer.class)
            .capacity(1)
            .onFull(FullQueuePolicy.dropOldest())
            .permits(1)
            .batchSize(1)
            .handler((e, ctx) -> {});

    @Actor
    public void producer() {
      s.offer(1);
      s.offer(2);
      s.offer(3);
    }

    @Actor
    public void observer(II_Result r) {
      r.r1 = consistent(s.snapshot());
    }

    @Arbiter
    public void quiescent(II_Result r) {
      r.r2 = balancedWhenIdle(g, s);
    }
  }

  /**
   * An all-or-nothing offerAll (which counts its events in `offered` before it waits for the
   * singles in the gap) and a single offer on a queue of two, so that one of them is refused after
   * being counted, while a snapshot is taken.
   */
  @JCStressTest
  @Outcome(
      id = "1, 1",
      expect = ACCEPTABLE,
      desc = "admitted >= finished + queued + in flight; balanced when idle")
  @Outcome(expect = FORBIDDEN, desc = "an event counted twice, or lost")
  @State
  public static class WhileBulkAndSingleCompete {
    final StageGraph g = graph();
    final Stage<Integer> s =
        g.stage("s", Integer.class)
            .capacity(2)
            .onFull(FullQueuePolicy.reject())
            .permits(1)
            .batchSize(2)
            .handler((e, ctx) -> {});

    @Actor
    public void bulk() {
      s.offerAll(List.of(1, 2));
    }

    @Actor
    public void single(II_Result r) {
      s.offer(3);
      r.r1 = consistent(s.snapshot());
    }

    @Arbiter
    public void quiescent(II_Result r) {
      r.r2 = balancedWhenIdle(g, s);
    }
  }

  /**
   * A producer refused by a full queue (reject policy) while snapshots are taken: on its way to the
   * refusal it is counted in `offered`, then parked for a moment inside Inbox.insert (counted in
   * the inbox's parkedEvents), then in `unadmitted`. One event is in its handler (held until the
   * arbiter) and one queued, so every snapshot must show admitted >= 2. r1: 1 if all four snapshots
   * the observer takes are consistent.
   *
   * <p>The window is a few instructions wide: snapshot() reads Inbox.parkedEvents right after the
   * books' offered, so a producer counted in offered after that read and parked before the next is
   * subtracted without having been added. Held there by a debugger, the engine gives admitted 1
   * with queued 1 and in flight 1; `-m quick` did not hit it.
   */
  @JCStressTest
  @Outcome(
      id = "1, 1",
      expect = ACCEPTABLE,
      desc = "admitted >= finished + queued + in flight; balanced when idle")
  @Outcome(
      id = "0, 1",
      expect = FORBIDDEN,
      desc =
          "a snapshot under-stated admitted: the refused producer's parked event subtracted"
              + " without being counted in offered")
  @Outcome(expect = FORBIDDEN, desc = "an event counted twice, or lost")
  @State
  public static class WhileRefusedByFullQueue {
    final StageGraph g = graph();
    final CountDownLatch started = new CountDownLatch(1);
    final CountDownLatch go = new CountDownLatch(1);
    final Stage<Integer> s =
        g.stage("s", Integer.class)
            .capacity(1)
            .onFull(FullQueuePolicy.reject())
            .permits(1)
            .batchSize(1)
            .handler(
                (e, ctx) -> {
                  started.countDown();
                  QuiescenceStress.awaitLatch(go);
                });

    public WhileRefusedByFullQueue() {
      s.offer(1);
      QuiescenceStress.awaitLatch(started); // 1 in its handler
      s.offer(2); // 2 queued: the queue is full
    }

    @Actor
    public void producer() {
      s.offer(3);
      s.offer(4);
    }

    @Actor
    public void observer(II_Result r) {
      int ok = 1;
      for (int i = 0; i < 4; i++) {
        ok &= consistent(s.snapshot());
      }
      r.r1 = ok;
    }

    @Arbiter
    public void quiescent(II_Result r) {
      go.countDown();
      r.r2 = balancedWhenIdle(g, s);
    }
  }
}
