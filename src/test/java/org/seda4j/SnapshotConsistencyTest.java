package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.seda4j.observe.GraphSnapshot;
import org.seda4j.observe.StageSnapshot;

/** Snapshots taken while events flow never count an event twice; at quiescence they balance. */
@Slow
@Timeout(60)
class SnapshotConsistencyTest {

  @Test
  void everySnapshotUnderLoadAccountsForNoMoreThanItAdmitted() throws Exception {
    try (StageGraph graph = StageGraph.open("snapshot-consistency")) {
      Stage<Integer> last =
          graph
              .stage("last", Integer.class)
              .capacity(64)
              .onFull(FullQueuePolicy.dropOldest())
              .handler(
                  (e, ctx) -> {
                    if (e % 7 == 0) {
                      throw new IllegalStateException("every seventh fails");
                    }
                  });
      Stage<Integer> first = graph.stage("first", Integer.class).capacity(64).map(e -> e + 1, last);

      AtomicBoolean running = new AtomicBoolean(true);
      List<Thread> producers = new ArrayList<>();
      for (int p = 0; p < 2; p++) {
        producers.add(
            Thread.ofVirtual()
                .start(
                    () -> {
                      int n = 0;
                      try {
                        while (running.get()) {
                          first.put(n++); // parks while the queue is full
                        }
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                    }));
      }
      int checked = 0;
      long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
      while (System.nanoTime() < deadline || checked < 1_000) {
        for (StageSnapshot s : graph.snapshot().stages()) {
          assertThat(s.counts().admitted())
              .as(
                  "%s: admitted vs finished %d + queued %d + in flight %d",
                  s.name(), s.counts().finished(), s.queue().queued(), s.handlers().inFlight())
              .isGreaterThanOrEqualTo(
                  s.counts().finished() + s.queue().queued() + s.handlers().inFlight());
          checked++;
        }
      }
      running.set(false);
      for (Thread t : producers) {
        t.join();
      }
      assertThat(graph.awaitIdle(Duration.ofSeconds(20))).isTrue();
      GraphSnapshot end = graph.snapshot();
      assertThat(end.balanced()).as("%s", end).isTrue();
      assertThat(end.stages()).allMatch(s -> s.counts().admitted() > 0);
    }
  }
}
