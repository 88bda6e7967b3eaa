package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.seda4j.testing.Await.TIMEOUT;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.seda4j.control.ConcurrencyController;
import org.seda4j.control.ControllerDecision;
import org.seda4j.control.ControllerSample;
import org.seda4j.internal.Internals;
import org.seda4j.observe.GraphSnapshot;
import org.seda4j.observe.ShutdownReport;
import org.seda4j.testing.Await;
import org.seda4j.testing.Gate;

/**
 * A cycle of full BLOCK queues whose handlers all wait on emits to each other is found and reported
 * (snapshot, table, WARN line) within a few sampling periods, and cleared once it moves again or
 * the graph terminates; stages that merely wait for a slow stage are not reported.
 */
@Timeout(60)
class DeadlockTest extends GraphTestSupport {

  /** An event that may be sent on {@code ttl} more times. */
  record Hop(int ttl) {}

  private StageGraph openFast(String name) {
    return register(StageGraph.builder(name).samplePeriod(Duration.ofMillis(5)).jmx(false).open());
  }

  /** A stage whose handler emits each event twice to {@code next} (lowering its TTL). */
  private static Stage<Hop> doubling(
      StageGraph graph, String name, int permits, AtomicReference<Stage<Hop>> next) {
    return graph
        .stage(name, Hop.class)
        .capacity(1)
        .permits(permits)
        .batchSize(1)
        .handler(
            (h, ctx) -> {
              if (h.ttl() > 0) {
                Stage<Hop> target = java.util.Objects.requireNonNull(next.get());
                ctx.emit(target, new Hop(h.ttl() - 1));
                ctx.emit(target, new Hop(h.ttl() - 1));
              }
            });
  }

  @Test
  void aCycleOfFullBlockingQueuesIsReportedNamingItsStagesAndShutdownNowFreesIt() throws Exception {
    StageGraph graph = openFast("dl_cycle");
    AtomicReference<Stage<Hop>> toB = new AtomicReference<>();
    AtomicReference<Stage<Hop>> toA = new AtomicReference<>();
    Stage<Hop> a = doubling(graph, "a", 1, toB);
    Stage<Hop> b = doubling(graph, "b", 1, toA);
    toB.set(b);
    toA.set(a);
    a.put(new Hop(Integer.MAX_VALUE)); // grows without end: it must fill both queues

    Await.until(() -> graph.snapshot().deadlocked().equals(List.of("a", "b")));

    GraphSnapshot snap = graph.snapshot();
    assertThat(snap.toString()).contains("DEADLOCK: every handler of [a, b] waits for room");
    assertThat(snap.stages())
        .allSatisfy(s -> assertThat(s.handlers().blockedOnEmit()).isEqualTo(1));
    assertThat(Internals.lastDeadlockWarning(graph))
        .contains("graph 'dl_cycle' is deadlocked")
        .contains("stages [a, b]")
        .contains("(a -> b -> a)")
        .contains("close(Duration) or shutdownNow()")
        .contains("emit with StageContext.offer on the edge back");

    ShutdownReport report = graph.shutdownNow();

    assertThat(report.unstoppedThreads()).isEmpty();
    GraphSnapshot end = graph.snapshot();
    assertThat(end.deadlocked()).isEmpty();
    assertThat(end.balanced()).isTrue();
    long cancelled = end.stages().stream().mapToLong(s -> s.counts().cancelled()).sum();
    assertThat(report.unprocessed()).hasSize((int) cancelled);
    assertThat(cancelled).as("the two blocked handlers' events and the two queued").isEqualTo(4);
  }

  @Test
  void aStageEmittingToItselfDeadlocksAloneAndIsReported() throws Exception {
    StageGraph graph = openFast("dl_self");
    AtomicReference<Stage<Hop>> self = new AtomicReference<>();
    Stage<Hop> s = doubling(graph, "self", 2, self);
    self.set(s);
    s.put(new Hop(Integer.MAX_VALUE));

    Await.until(() -> graph.snapshot().deadlocked().equals(List.of("self")));

    assertThat(Internals.lastDeadlockWarning(graph)).contains("(self -> self)");
    assertThat(s.snapshot().handlers().blockedOnEmit()).isEqualTo(2);
    assertThat(graph.shutdownNow().unprocessed()).hasSize(3); // two running, one queued
  }

  @Test
  void theReportIsClearedOnceTheCycleMovesAgain() throws Exception {
    StageGraph graph = openFast("dl_resolved");
    AtomicReference<Stage<Hop>> toB = new AtomicReference<>();
    AtomicReference<Stage<Hop>> toA = new AtomicReference<>();
    Stage<Hop> a = doubling(graph, "a", 1, toB);
    Stage<Hop> b = doubling(graph, "b", 1, toA);
    toB.set(b);
    toA.set(a);
    a.put(new Hop(5)); // 63 events in all: with one permit each the cycle jams

    Await.until(() -> !graph.snapshot().deadlocked().isEmpty());
    a.setPermits(64); // room for every event there can be: both stages drain
    b.setPermits(64);

    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
    Await.until(() -> graph.snapshot().deadlocked().isEmpty());
    assertThat(a.snapshot().counts().completed() + b.snapshot().counts().completed()).isEqualTo(63);
    graph.close();
  }

  @Test
  void handlersWaitingForASlowStageAreNotADeadlock() throws Exception {
    StageGraph graph = openFast("dl_slow");
    Gate gate = new Gate();
    AtomicInteger windows = new AtomicInteger();
    ConcurrencyController counting =
        sample -> {
          windows.incrementAndGet();
          return new ControllerDecision(1, "fixed at 1, counting windows");
        };
    Stage<Integer> slow =
        gate.stage(graph.stage("slow", Integer.class).capacity(1).permits(1).batchSize(1));
    Stage<Integer> fast =
        graph
            .stage("fast", Integer.class)
            .capacity(1)
            .concurrency(
                new ConcurrencyController() {
                  @Override
                  public ControllerDecision decide(ControllerSample sample) {
                    return counting.decide(sample);
                  }

                  @Override
                  public int initial() {
                    return 1;
                  }
                })
            .batchSize(1)
            .handler((e, ctx) -> ctx.emit(slow, e));
    for (int i = 0; i < 3; i++) {
      fast.put(i); // 1 in slow's handler, 1 in slow's queue, 1 in fast's handler (blocked)
    }
    Await.until(() -> fast.snapshot().handlers().blockedOnEmit() == 1);
    int seen = windows.get();
    Await.until(() -> windows.get() >= seen + 10); // ten sampling periods with the wait going on

    assertThat(graph.snapshot().deadlocked()).isEmpty();
    assertThat(Internals.lastDeadlockWarning(graph)).isNull();
    gate.open();
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
    graph.close();
  }
}
