package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.seda4j.testing.Await.TIMEOUT;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.seda4j.observe.Latency;
import org.seda4j.observe.StageSnapshot;
import org.seda4j.testing.Await;

class LatencyStatisticsTest extends GraphTestSupport {

  private static final long MS = 1_000_000;
  private static final Latency ZERO = new Latency(0, 0, 0, 0, 0);

  private StageGraph open(Duration samplePeriod, boolean latencyStatistics) {
    return register(
        StageGraph.builder("latency")
            .samplePeriod(samplePeriod)
            .latencyStatistics(latencyStatistics)
            .open());
  }

  @Test
  void perEventServiceTimeMeasuresTheHandler() throws InterruptedException {
    StageGraph graph = open(Duration.ofMillis(20), true);
    Stage<Integer> stage =
        graph
            .stage("sleepy", Integer.class)
            .permits(4)
            .batchSize(1)
            .handler((e, ctx) -> Thread.sleep(5));
    for (int i = 0; i < 200; i++) {
      stage.put(i);
    }
    AtomicReference<Latency> seen = new AtomicReference<>(ZERO);
    Await.until(
        () -> {
          seen.set(stage.snapshot().latency().serviceTime());
          return seen.get().count() >= 3;
        });
    Latency service = seen.get();
    assertThat(service.p50Nanos()).isBetween(4 * MS, 100 * MS);
    assertThat(service.p90Nanos()).isGreaterThanOrEqualTo(service.p50Nanos());
    assertThat(service.p99Nanos()).isGreaterThanOrEqualTo(service.p90Nanos());
    assertThat(service.maxNanos()).isGreaterThanOrEqualTo(service.p99Nanos());
  }

  @Test
  void batchServiceTimeIsSharedByTheBatchesEvents() throws InterruptedException {
    StageGraph graph = open(Duration.ofMillis(20), true);
    Stage<Integer> stage =
        graph
            .stage("batches", Integer.class)
            .permits(1)
            .batchSize(4)
            .batchHandler((batch, ctx) -> Thread.sleep(8));
    List<Integer> events = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      events.add(i);
    }
    stage.putAll(events);
    AtomicReference<Latency> seen = new AtomicReference<>(ZERO);
    Await.until(
        () -> {
          seen.set(stage.snapshot().latency().serviceTime());
          return seen.get().count() >= 8;
        });
    // mostly full batches (the queue is backed up): 8 ms / 4 events; a short first batch costs more
    assertThat(seen.get().p50Nanos()).isBetween(MS * 3 / 2, 100 * MS);
  }

  @Test
  void queueWaitGrowsWhileEventsWaitBehindABlockedHandler() throws InterruptedException {
    // A long sampling period: each dispatch below must still be in the window when it is read.
    StageGraph graph = open(Duration.ofSeconds(1), true);
    Semaphore gate = new Semaphore(0);
    Stage<Integer> stage =
        graph
            .stage("gated", Integer.class)
            .permits(1)
            .batchSize(1)
            .handler((e, ctx) -> gate.acquire());
    for (int i = 0; i < 5; i++) {
      stage.put(i);
    }
    Await.until(
        () ->
            stage.snapshot().latency().queueWait().count() == 1); // the first one is in the handler
    long last = stage.snapshot().latency().queueWait().maxNanos();
    for (int k = 0; k < 4; k++) {
      gate.release(); // the next event, queued since the start, is dispatched now
      long before = last;
      AtomicReference<Latency> seen = new AtomicReference<>(ZERO);
      Await.until(
          () -> {
            seen.set(stage.snapshot().latency().queueWait());
            return seen.get().maxNanos() > before;
          });
      last = seen.get().maxNanos();
    }
    assertThat(last).isPositive();
    assertThat(stage.snapshot().latency().queueWait().p50Nanos()).isPositive();
    gate.release(10);
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
  }

  @Test
  void anIdleStageKeepsShowingItsLastEvents() throws InterruptedException {
    StageGraph graph = open(Duration.ofMillis(20), true);
    Stage<Integer> stage = graph.stage("quick", Integer.class).handler((e, ctx) -> {});
    for (int i = 0; i < 100; i++) {
      stage.put(i);
    }
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
    // a sampled window without completions has passed: its (empty) rotation was skipped
    Await.until(() -> stage.snapshot().handlers().throughput() == 0);
    StageSnapshot s = stage.snapshot();
    assertThat(s.counts().completed()).isEqualTo(100);
    assertThat(s.latency().queueWait().count()).isEqualTo(100);
    assertThat(s.latency().serviceTime().count()).isEqualTo(100);
  }

  @Test
  void statisticsOffReportZeros() throws InterruptedException {
    StageGraph graph = open(Duration.ofMillis(20), false);
    Stage<Integer> stage =
        graph.stage("off", Integer.class).permits(2).handler((e, ctx) -> Thread.sleep(1));
    for (int i = 0; i < 50; i++) {
      stage.put(i);
    }
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
    StageSnapshot s = stage.snapshot();
    assertThat(s.counts().completed()).isEqualTo(50);
    assertThat(s.latency().queueWait()).isEqualTo(ZERO);
    assertThat(s.latency().serviceTime()).isEqualTo(ZERO);
  }

  @Test
  void dropOldestKeepsTheRingInStepWithTheQueue() throws InterruptedException {
    StageGraph graph = open(Duration.ofMinutes(1), true); // no rotation: the counts stay whole
    Semaphore gate = new Semaphore(0);
    Stage<Integer> stage =
        graph
            .stage("shed", Integer.class)
            .capacity(4)
            .permits(1)
            .batchSize(2)
            .onFull(FullQueuePolicy.dropOldest())
            .handler((e, ctx) -> gate.acquire());
    for (int i = 0; i < 100; i++) {
      stage.offer(i);
    }
    gate.release(1_000);
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
    StageSnapshot s = stage.snapshot();
    assertThat(s.balanced()).isTrue();
    assertThat(s.counts().completed() + s.counts().dropped()).isEqualTo(100);
    // every dispatched event recorded one queue wait, none of them bogus (a stale or unwritten
    // slot would show as a wait of about the JVM's uptime or more)
    assertThat(s.latency().queueWait().count()).isEqualTo(s.counts().completed());
    assertThat(s.latency().queueWait().maxNanos()).isLessThan(TIMEOUT.toNanos());
    assertThat(s.latency().serviceTime().count()).isEqualTo(s.counts().completed());
  }

  @Test
  void tableShowsThroughputAndP99s() throws InterruptedException {
    StageGraph graph = open(Duration.ofSeconds(1), true);
    Stage<Integer> stage = graph.stage("table", Integer.class).handler((e, ctx) -> {});
    stage.put(1);
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
    String table = graph.snapshot().toString();
    assertThat(table).contains("events/s", "wait p99", "service p99");
    assertThat(table.lines().filter(l -> l.startsWith("table")).findFirst().orElseThrow())
        .containsPattern("\\d+(ns|us|ms)\\s+\\d+(\\.\\d)?(ns|us|ms)");
  }
}
