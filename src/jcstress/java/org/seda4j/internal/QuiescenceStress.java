package org.seda4j.internal;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.time.Duration;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.openjdk.jcstress.infra.results.I_Result;
import org.seda4j.Stage;
import org.seda4j.StageGraph;
import org.seda4j.StageSnapshot;

/**
 * Quiescence detection (GraphImpl's pending count, awaitIdle) and the stage counters, under every
 * interleaving jcstress finds. Each state owns a real graph (JMX off), closed by the arbiter.
 */
public final class QuiescenceStress {
  private QuiescenceStress() {}

  static GraphImpl graph() {
    return (GraphImpl) StageGraph.builder("jcstress").jmx(false).open();
  }

  /** The last event ends while awaitIdle waits: the waiter must wake (no lost wake-up). */
  @JCStressTest
  @Outcome(id = "1", expect = ACCEPTABLE, desc = "awaitIdle saw the last event end")
  @Outcome(
      id = "0",
      expect = FORBIDDEN,
      desc = "lost wake-up: awaitIdle timed out (10 s) although nothing was pending")
  @State
  public static class LastEventEndsWhileAwaiting {
    final GraphImpl g = graph();

    public LastEventEndsWhileAwaiting() {
      g.eventsPending(1);
    }

    @Actor
    public void end() {
      g.eventsEnded(1);
    }

    @Actor
    public void await(I_Result r) {
      try {
        r.r1 = g.awaitIdle(Duration.ofSeconds(10)) ? 1 : 0;
      } catch (InterruptedException e) {
        r.r1 = -1;
      }
    }

    @Arbiter
    public void close() {
      g.close();
    }
  }

  /**
   * A handler emits an event, then its own event ends: the graph is never quiescent in between,
   * because the emit is counted before the end (the property that makes close() exact across
   * cycles).
   */
  @JCStressTest
  @Outcome(id = "0", expect = ACCEPTABLE, desc = "not idle: the emitted event is pending")
  @Outcome(id = "1", expect = FORBIDDEN, desc = "idle seen while the emitted event was pending")
  @State
  public static class EmitIsCountedBeforeTheEmitterEnds {
    final GraphImpl g = graph();

    public EmitIsCountedBeforeTheEmitterEnds() {
      g.eventsPending(1); // the handler's own event
    }

    @Actor
    public void handler() {
      g.eventsPending(1); // its emit
      g.eventsEnded(1); // its own event ends
    }

    @Actor
    public void observer(I_Result r) {
      try {
        r.r1 = g.awaitIdle(Duration.ZERO) ? 1 : 0;
      } catch (InterruptedException e) {
        r.r1 = -1;
      }
    }

    @Arbiter
    public void close() {
      g.eventsEnded(1); // the emitted event ends
      g.close();
    }
  }

  /**
   * The stage counters: a snapshot taken while an event is admitted, dispatched and handled by the
   * stage's own threads never counts it twice, and at quiescence the books balance.
   */
  @JCStressTest
  @Outcome(
      id = "1, 1",
      expect = ACCEPTABLE,
      desc = "admitted >= ended + queued + in flight; balanced when idle")
  @Outcome(expect = FORBIDDEN, desc = "an event counted twice, or lost")
  @State
  public static class SnapshotWhileEventsMove {
    final GraphImpl g = graph();
    final Stage<Integer> s =
        g.stage("s", Integer.class).capacity(4).permits(2).batchSize(2).handler((e, ctx) -> {});

    @Actor
    public void producer() {
      s.offer(1);
      s.offer(2);
    }

    @Actor
    public void observer(II_Result r) {
      StageSnapshot snap = s.snapshot();
      r.r1 = snap.admitted() >= snap.finished() + snap.queued() + snap.inFlight() ? 1 : 0;
    }

    @Arbiter
    public void quiescent(II_Result r) {
      try {
        r.r2 = g.awaitIdle(Duration.ofSeconds(10)) && s.snapshot().balanced() ? 1 : 0;
      } catch (InterruptedException e) {
        r.r2 = -1;
      }
      g.close();
    }
  }
}
