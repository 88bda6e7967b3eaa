package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.seda4j.internal.Internals;
import org.seda4j.observe.ShutdownReport;
import org.seda4j.observe.StageSnapshot;
import org.seda4j.testing.Gate;

/**
 * A stage whose per-event handlers mostly wait hands a producer's event to a new worker past its
 * empty queue (what a virtual thread per task does). The graphs here run on a clock that stands
 * still, so the sampler never ends a window and the "mostly waiting" flag the test sets stays.
 */
class HandOffTest {

  private static StageGraph frozenGraph(String name) {
    return StageGraph.builder(name).nanoClock(() -> 0L).jmx(false).open();
  }

  @Test
  void eventsGoStraightToNewWorkersWhileHandlersWaitAndPermitsAreFree() throws Exception {
    try (StageGraph graph = frozenGraph("hand-off");
        Gate gate = new Gate()) {
      Stage<Integer> stage = gate.stage(graph.stage("io", Integer.class).capacity(16).permits(256));
      Internals.handlersWait(stage, true);
      for (int i = 0; i < 200; i++) {
        assertThat(stage.offer(i)).as("offer %d", i).isInstanceOf(OfferResult.Accepted.class);
      }
      gate.awaitEntered(200); // 200 handlers at once past a queue of 16: none of them queued
      StageSnapshot s = stage.snapshot();
      assertThat(s.queue().queued()).isZero();
      assertThat(s.handlers().active()).isEqualTo(200);
      // Past the free permits, events queue as before; the queue holds 16.
      for (int i = 0; i < 56 + 16; i++) {
        assertThat(stage.offer(i)).isInstanceOf(OfferResult.Accepted.class);
      }
      gate.awaitEntered(256);
      assertThat(stage.offer(-1)).isInstanceOf(OfferResult.Rejected.class);
      gate.open();
      assertThat(graph.awaitIdle(Duration.ofSeconds(10))).isTrue();
      StageSnapshot end = stage.snapshot();
      assertThat(end.counts().completed()).isEqualTo(256 + 16);
      assertThat(end.counts().admitted()).isEqualTo(end.counts().finished());
    }
  }

  @Test
  void handOffsResumeOnceABacklogDrainedAndNoQueuedEventIsLeftBehind() throws Exception {
    for (int round = 0; round < 20; round++) {
      try (StageGraph graph = frozenGraph("hand-off-mix-" + round)) {
        AtomicLong handled = new AtomicLong();
        Stage<Integer> stage =
            graph
                .stage("s", Integer.class)
                .capacity(32)
                .permits(4)
                .handler(
                    (e, ctx) -> {
                      handled.incrementAndGet();
                      if (e % 3 == 0) {
                        Thread.sleep(1); // a blocking call now and then: backlogs form and drain
                      }
                    });
        Internals.handlersWait(stage, true);
        List<Thread> producers = new ArrayList<>();
        for (int p = 0; p < 4; p++) {
          producers.add(
              Thread.ofVirtual()
                  .start(
                      () -> {
                        for (int i = 0; i < 500; i++) {
                          try {
                            stage.put(i);
                          } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                          }
                        }
                      }));
        }
        for (Thread t : producers) {
          t.join();
        }
        // Every queued event is taken although most came past the queue, to workers that ended.
        assertThat(graph.awaitIdle(Duration.ofSeconds(10))).as("round %d", round).isTrue();
        assertThat(handled.get()).isEqualTo(2000);
        assertThat(stage.snapshot().counts().completed()).isEqualTo(2000);
      }
    }
  }

  @Test
  void aForcedShutdownRacingHandOffsReportsEveryCancelledEvent() throws Exception {
    for (int round = 0; round < 50; round++) {
      StageGraph graph = frozenGraph("hand-off-race-" + round);
      Gate never = new Gate(); // handlers wait until interrupted by the shutdown
      Stage<Integer> stage =
          never.stage(graph.stage("s", Integer.class).capacity(64).permits(10_000));
      Internals.handlersWait(stage, true);
      AtomicLong offered = new AtomicLong();
      AtomicLong admitted = new AtomicLong();
      CountDownLatch running = new CountDownLatch(4);
      List<Thread> producers = new ArrayList<>();
      for (int p = 0; p < 4; p++) {
        boolean virtual = p % 2 == 0;
        Runnable produce =
            () -> {
              running.countDown();
              for (int i = 0; ; i++) {
                OfferResult r = stage.offer(i);
                offered.incrementAndGet();
                if (r.admitted()) {
                  admitted.incrementAndGet();
                }
                if (r instanceof OfferResult.Closed) {
                  return;
                }
              }
            };
        producers.add(
            virtual ? Thread.ofVirtual().start(produce) : Thread.ofPlatform().start(produce));
      }
      running.await();
      never.awaitEntered(1 + round % 7);
      ShutdownReport report = graph.shutdownNow();
      StageSnapshot s =
          ForcedShutdownRaceTest.assertBooksKept(
              "round " + round, stage, report, producers, offered, admitted);
      assertThat(s.handlers().inFlight()).as("round %d: %s", round, s).isZero();
    }
  }
}
