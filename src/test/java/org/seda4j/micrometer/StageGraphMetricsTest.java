package org.seda4j.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.seda4j.testing.Await.TIMEOUT;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.seda4j.FailurePolicy;
import org.seda4j.FullQueuePolicy;
import org.seda4j.Stage;
import org.seda4j.StageGraph;
import org.seda4j.testing.Gate;

class StageGraphMetricsTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final StageGraph graph = StageGraph.open("metrics");

  @AfterEach
  void close() {
    graph.shutdownNow();
  }

  @Test
  void registersEveryMeterWithGraphAndStageTags() {
    graph.stage("work", Integer.class).permits(3).batchSize(5).capacity(64).handler((e, c) -> {});
    new StageGraphMetrics(graph, Tags.of("app", "test")).bindTo(registry);

    Set<String> names =
        registry.getMeters().stream().map(m -> m.getId().getName()).collect(Collectors.toSet());
    assertThat(names)
        .containsExactlyInAnyOrder(
            "seda4j.graph.stages",
            "seda4j.stage.queue.size",
            "seda4j.stage.queue.capacity",
            "seda4j.stage.permits",
            "seda4j.stage.active",
            "seda4j.stage.in.flight",
            "seda4j.stage.batch.size",
            "seda4j.stage.blocked.producers",
            "seda4j.stage.throughput",
            "seda4j.stage.queue.wait",
            "seda4j.stage.service.time",
            "seda4j.stage.events",
            "seda4j.stage.rejections",
            "seda4j.stage.expired");
    for (Meter m : registry.getMeters()) {
      assertThat(m.getId().getTag("graph")).isEqualTo("metrics");
      assertThat(m.getId().getTag("app")).isEqualTo("test");
      if (m.getId().getName().startsWith("seda4j.stage.")) {
        assertThat(m.getId().getTag("stage")).isEqualTo("work");
      }
    }
    assertThat(
            registry.find("seda4j.stage.events").tags("stage", "work").functionCounters().stream()
                .map(c -> c.getId().getTag("outcome"))
                .collect(Collectors.toSet()))
        .containsExactlyInAnyOrder(
            "admitted", "rejected", "completed", "failed", "cancelled", "dropped");
    assertThat(gauge("seda4j.stage.queue.capacity", "work")).isEqualTo(64.0);
    assertThat(gauge("seda4j.stage.permits", "work")).isEqualTo(3.0);
    assertThat(gauge("seda4j.stage.batch.size", "work")).isEqualTo(5.0);
    assertThat(registry.get("seda4j.graph.stages").gauge().value()).isEqualTo(1.0);
  }

  @Test
  void countersFollowTheEvents() throws InterruptedException {
    Stage<Integer> work =
        graph
            .stage("work", Integer.class)
            .permits(1)
            .batchSize(1)
            .onFailure(FailurePolicy.logAndCount())
            .handler(
                (e, c) -> {
                  if (e % 10 == 0) {
                    throw new IllegalStateException("event " + e + " fails on purpose");
                  }
                });
    new StageGraphMetrics(graph).bindTo(registry);
    for (int i = 1; i <= 100; i++) {
      work.put(i);
    }
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();

    assertThat(events("work", "admitted")).isEqualTo(100.0);
    assertThat(events("work", "completed")).isEqualTo(90.0);
    assertThat(events("work", "failed")).isEqualTo(10.0);
    assertThat(events("work", "rejected")).isZero();
    assertThat(events("work", "dropped")).isZero();
    assertThat(events("work", "cancelled")).isZero();
    assertThat(gauge("seda4j.stage.queue.size", "work")).isZero();
    assertThat(gauge("seda4j.stage.active", "work")).isZero();
    assertThat(gauge("seda4j.stage.in.flight", "work")).isZero();
  }

  @Test
  void rejectionsAreCountedByReason() {
    Stage<Integer> gated =
        graph.stage("gated", Integer.class).admission((e, sink) -> e > 0).handler((e, c) -> {});
    new StageGraphMetrics(graph).bindTo(registry);
    gated.offer(-1);
    gated.offer(-2);
    gated.offer(1);
    assertThat(
            registry
                .get("seda4j.stage.rejections")
                .tags("stage", "gated", "reason", "refused")
                .functionCounter()
                .count())
        .isEqualTo(2.0);
    assertThat(
            registry
                .get("seda4j.stage.rejections")
                .tags("stage", "gated", "reason", "queue_full")
                .functionCounter()
                .count())
        .isZero();
    assertThat(events("gated", "rejected")).isEqualTo(2.0);
    assertThat(registry.get("seda4j.stage.expired").tag("stage", "gated").functionCounter().count())
        .isZero();
  }

  @Test
  void latencyPercentilesAreTimeGaugesByQuantile() throws InterruptedException {
    Stage<Integer> slow =
        graph.stage("slow", Integer.class).permits(1).handler((e, c) -> Thread.sleep(2));
    new StageGraphMetrics(graph).bindTo(registry);
    for (int i = 0; i < 10; i++) {
      slow.put(i);
    }
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();

    assertThat(
            registry.find("seda4j.stage.service.time").tags("stage", "slow").timeGauges().stream()
                .map(g -> g.getId().getTag("quantile"))
                .collect(Collectors.toSet()))
        .containsExactlyInAnyOrder("0.5", "0.9", "0.99", "1.0");
    double p50Millis =
        registry
            .get("seda4j.stage.service.time")
            .tags("stage", "slow", "quantile", "0.5")
            .timeGauge()
            .value(TimeUnit.MILLISECONDS);
    assertThat(p50Millis).isGreaterThanOrEqualTo(2.0);
    assertThat(
            registry
                .get("seda4j.stage.queue.wait")
                .tags("stage", "slow", "quantile", "1.0")
                .timeGauge()
                .value(TimeUnit.NANOSECONDS))
        .isPositive();
  }

  @Test
  void gaugesShowQueuedAndRunningWorkAndDropsAreCounted() throws InterruptedException {
    Gate release = new Gate();
    Stage<Integer> slow =
        release.stage(
            graph
                .stage("slow", Integer.class)
                .permits(1)
                .batchSize(1)
                .capacity(2)
                .onFull(FullQueuePolicy.dropNewest()));
    new StageGraphMetrics(graph).bindTo(registry);
    try {
      slow.put(0);
      release.awaitEntered(1);
      slow.put(1);
      slow.put(2);
      slow.offer(3); // queue full: dropped
      assertThat(gauge("seda4j.stage.queue.size", "slow")).isEqualTo(2.0);
      assertThat(gauge("seda4j.stage.active", "slow")).isEqualTo(1.0);
      assertThat(gauge("seda4j.stage.in.flight", "slow")).isEqualTo(1.0);
      assertThat(events("slow", "dropped")).isEqualTo(1.0);
      assertThat(events("slow", "admitted")).isEqualTo(4.0);
    } finally {
      release.open();
    }
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
    assertThat(events("slow", "completed")).isEqualTo(3.0);
  }

  @Test
  void stagesCreatedAfterBindingAppearWhenTheRegistryReadsTheGraphGauge() {
    graph.stage("first", String.class).handler((e, c) -> {});
    new StageGraphMetrics(graph).bindTo(registry);
    graph.stage("second", String.class).permits(7).handler((e, c) -> {});
    assertThat(registry.find("seda4j.stage.permits").tag("stage", "second").gauge()).isNull();

    // what every scrape or publication does: read every meter
    assertThat(registry.get("seda4j.graph.stages").gauge().value()).isEqualTo(2.0);

    assertThat(gauge("seda4j.stage.permits", "second")).isEqualTo(7.0);
    assertThat(registry.find("seda4j.stage.events").tag("stage", "second").functionCounters())
        .hasSize(6);
    // no duplicates for the stage that was there already
    assertThat(registry.find("seda4j.stage.permits").gauges()).hasSize(2);
  }

  @Test
  void aClosedGraphKeepsReportingItsFinalCounters() throws InterruptedException {
    Stage<String> s = graph.stage("s", String.class).handler((e, c) -> {});
    new StageGraphMetrics(graph).bindTo(registry);
    s.put("x");
    graph.close();
    assertThat(events("s", "completed")).isEqualTo(1.0);
    assertThat(registry.get("seda4j.graph.stages").gauge().value()).isEqualTo(1.0);
  }

  private double gauge(String name, String stage) {
    Gauge g = registry.get(name).tag("stage", stage).gauge();
    return g.value();
  }

  private double events(String stage, String outcome) {
    FunctionCounter c =
        registry
            .get("seda4j.stage.events")
            .tag("stage", stage)
            .tag("outcome", outcome)
            .functionCounter();
    return c.count();
  }
}
