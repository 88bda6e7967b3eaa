package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;
import org.seda4j.observe.ShutdownReport;
import org.seda4j.observe.StageSnapshot;
import org.seda4j.testing.Gate;

/**
 * Producers racing a forced shutdown: every event the shutdown cancels must be in its report, and
 * what the producers were told must match the stage's counters. (A producer that inserted just as
 * the shutdown swept the queues used to cancel events itself, after the report had been built.)
 */
@Slow
class ForcedShutdownRaceTest {

  @Test
  void everyCancelledEventIsReportedAndCallersAreToldTheTruth() throws Exception {
    for (int round = 0; round < 200; round++) {
      StageGraph graph = StageGraph.open("race-" + round);
      Gate never = new Gate();
      Stage<Integer> stage =
          never.stage(
              graph
                  .stage("s", Integer.class)
                  .capacity(20_000)
                  .permits(1)
                  .batchSize(1)); // interrupted by the shutdown
      raceShutdown(
          "round " + round,
          graph,
          stage,
          p -> p % 2 == 0 ? 1 : 3,
          (p, i) -> p % 2 == 0 ? stage.offer(i) : stage.offerAll(List.of(i, i + 1, i + 2)));
    }
  }

  /**
   * The same race with handlers that keep draining while the shutdown begins: a bulk whose head a
   * worker has run is admitted whole, not part admitted and part refused (a bulk that saw the
   * shutdown after its insert used to take back what was still queued and tell its caller Closed
   * for all of it).
   */
  @Test
  void aBulkIsAdmittedWholeOrRefusedWholeWhileWorkersDrain() throws Exception {
    for (int round = 0; round < 200; round++) {
      StageGraph graph = StageGraph.open("bulk-race-" + round);
      Stage<Integer> stage =
          graph
              .stage("s", Integer.class)
              .capacity(4_096)
              .permits(2)
              .batchSize(8)
              .handler((e, ctx) -> {});
      List<Integer> bulk = new ArrayList<>();
      for (int i = 0; i < 48; i++) {
        bulk.add(i);
      }
      raceShutdown(
          "round " + round,
          graph,
          stage,
          p -> bulk.size(),
          (p, i) -> {
            if (p % 2 == 1) {
              return stage.offerAll(bulk);
            }
            try {
              stage.putAll(bulk);
              return OfferResult.accepted();
            } catch (StageClosedException closed) {
              return new OfferResult.Closed("s", "closed");
            }
          });
    }
  }

  /** One call of producer {@code p}, its {@code i}-th. */
  interface Call {
    OfferResult next(int p, int i) throws InterruptedException;
  }

  /**
   * Starts four producers that repeat {@code call} (each call offering {@code size} events) until
   * told the graph closed, shuts the graph down at once while they run, and checks the books.
   */
  static void raceShutdown(
      String round, StageGraph graph, Stage<?> stage, IntUnaryOperator size, Call call)
      throws InterruptedException {
    AtomicLong offered = new AtomicLong();
    AtomicLong admitted = new AtomicLong();
    CountDownLatch running = new CountDownLatch(4);
    List<Thread> producers = new ArrayList<>();
    for (int p = 0; p < 4; p++) {
      int id = p;
      int n = size.applyAsInt(p);
      producers.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    running.countDown();
                    for (int i = 0; ; i++) {
                      OfferResult r;
                      try {
                        r = call.next(id, i);
                      } catch (InterruptedException unexpected) {
                        Thread.currentThread().interrupt(); // nobody interrupts producers here
                        return;
                      }
                      offered.addAndGet(n);
                      if (r.admitted()) {
                        admitted.addAndGet(n);
                      }
                      if (r instanceof OfferResult.Closed) {
                        return;
                      }
                    }
                  }));
    }
    running.await();
    ShutdownReport report = graph.shutdownNow();
    assertBooksKept(round, stage, report, producers, offered, admitted);
  }

  /**
   * Joins {@code producers} (they stop once told the graph closed), then checks what a forced
   * shutdown left: nothing queued, every admitted event finished, every cancelled one in the
   * report, and the stage's counts equal to what the producers were told; returns the stage's
   * snapshot.
   */
  static StageSnapshot assertBooksKept(
      String round,
      Stage<?> stage,
      ShutdownReport report,
      List<Thread> producers,
      AtomicLong offered,
      AtomicLong admitted)
      throws InterruptedException {
    for (Thread t : producers) {
      assertThat(t.join(Duration.ofSeconds(10))).isTrue();
    }
    StageSnapshot s = stage.snapshot();
    String context = round + ": " + s + "\n" + report;
    assertThat(s.queue().queued()).as(context).isZero();
    assertThat(s.counts().admitted()).as(context).isEqualTo(s.counts().finished());
    assertThat(report.unprocessed()).as(context).hasSize((int) s.counts().cancelled());
    assertThat(s.counts().admitted()).as(context).isEqualTo(admitted.get());
    assertThat(s.counts().offered()).as(context).isEqualTo(offered.get());
    return s;
  }
}
