package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.seda4j.observe.StageSnapshot;

/**
 * Stages with real handlers move their settings in the right direction under the default
 * controllers. Directions only: timings are measured by the benchmark harness, not here.
 */
@Timeout(60)
class ControllerIntegrationTest {

  private static final Duration PERIOD = Duration.ofMillis(20);
  private static final Duration PATIENCE = Duration.ofSeconds(20);

  /** Keeps a stage's queue non-empty until stopped. */
  private static final class Producer {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    Producer(Stage<Integer> stage) {
      thread =
          Thread.ofVirtual()
              .start(
                  () -> {
                    int n = 0;
                    while (running.get()) {
                      try {
                        stage.put(n++);
                      } catch (InterruptedException | StageClosedException e) {
                        return;
                      }
                    }
                  });
    }

    void stop() throws InterruptedException {
      running.set(false);
      thread.interrupt();
      thread.join();
    }
  }

  private static StageGraph graph(String name) {
    return StageGraph.builder(name).samplePeriod(PERIOD).open();
  }

  @Test
  void blockingHandlerGetsMorePermitsAndBatchOne() throws Exception {
    try (StageGraph graph = graph("ctl-blocking")) {
      Stage<Integer> stage =
          graph.stage("io", Integer.class).capacity(10_000).handler((e, ctx) -> Thread.sleep(10));
      int initial = stage.permits();
      Producer p = new Producer(stage);
      try {
        await().atMost(PATIENCE).until(() -> stage.permits() >= 4 * initial);
        assertThat(stage.batchSize()).isEqualTo(1);
        assertThat(stage.snapshot().controllers().concurrencyDecision())
            .doesNotStartWith("initial");
      } finally {
        p.stop();
      }
      graph.shutdownNow();
    }
  }

  @Test
  void aBatchHandlerWithAFixedCostPerCallGrowsItsBatchBeforeItsPermits() throws Exception {
    // One 2 ms round trip per call whatever the batch size: bigger batches pay for it, more
    // permits would only put more calls in flight. The batch is searched first; the permits wait.
    AtomicInteger maxPermitsWhileBatchGrew = new AtomicInteger();
    try (StageGraph graph = graph("ctl-round-trip")) {
      Stage<Integer> stage =
          graph
              .stage("db", Integer.class)
              .capacity(10_000)
              .batchHandler((batch, ctx) -> Thread.sleep(2));
      Producer p = new Producer(stage);
      try {
        await()
            .atMost(PATIENCE)
            .until(
                () -> {
                  maxPermitsWhileBatchGrew.accumulateAndGet(stage.permits(), Math::max);
                  return stage.batchSize() >= 256;
                });
        assertThat(maxPermitsWhileBatchGrew.get()).isLessThanOrEqualTo(4);
      } finally {
        p.stop();
      }
      graph.shutdownNow();
    }
  }

  @Test
  void cheapHandlerGetsLargerBatches() throws Exception {
    AtomicInteger sink = new AtomicInteger();
    try (StageGraph graph = graph("ctl-cpu")) {
      Stage<Integer> stage =
          graph.stage("cpu", Integer.class).capacity(10_000).handler((e, ctx) -> sink.addAndGet(e));
      Producer p = new Producer(stage);
      try {
        await().atMost(PATIENCE).until(() -> stage.batchSize() > 1);
        assertThat(stage.snapshot().controllers().batchDecision()).contains("us");
      } finally {
        p.stop();
      }
      graph.shutdownNow();
    }
  }

  @Test
  void idlePermitsAreGivenBackWhenTheLoadStops() throws Exception {
    try (StageGraph graph = graph("ctl-idle")) {
      Stage<Integer> stage =
          graph.stage("io", Integer.class).capacity(10_000).handler((e, ctx) -> Thread.sleep(10));
      int peak;
      Producer p = new Producer(stage);
      try {
        await().atMost(PATIENCE).until(() -> stage.permits() >= 32);
        peak = stage.permits();
      } finally {
        p.stop();
      }
      await().atMost(PATIENCE).until(() -> stage.permits() <= peak / 4);
    }
  }

  @Test
  void manualOverrideHoldsUntilReleased() throws Exception {
    try (StageGraph graph = graph("ctl-override")) {
      Stage<Integer> stage =
          graph.stage("io", Integer.class).capacity(10_000).handler((e, ctx) -> Thread.sleep(10));
      Producer p = new Producer(stage);
      try {
        stage.setPermits(3);
        stage.setBatchSize(2);
        StageSnapshot pinned = stage.snapshot();
        assertThat(pinned.controllers().permitsOverridden()).isTrue();
        assertThat(pinned.controllers().batchSizeOverridden()).isTrue();
        // Many sampling windows later the controllers still have not touched the settings.
        long admittedBefore = pinned.counts().admitted();
        await()
            .atMost(PATIENCE)
            .until(() -> stage.snapshot().counts().admitted() > admittedBefore + 300);
        assertThat(stage.permits()).isEqualTo(3);
        assertThat(stage.batchSize()).isEqualTo(2);

        stage.releaseOverrides();

        assertThat(stage.snapshot().controllers().permitsOverridden()).isFalse();
        await().atMost(PATIENCE).until(() -> stage.permits() > 3);
        await().atMost(PATIENCE).until(() -> stage.batchSize() == 1);
      } finally {
        p.stop();
      }
      graph.shutdownNow();
    }
  }

  @Test
  void fixedSettingsNeverMove() throws Exception {
    try (StageGraph graph = graph("ctl-fixed")) {
      Stage<Integer> stage =
          graph
              .stage("io", Integer.class)
              .capacity(10_000)
              .permits(5)
              .batchSize(7)
              .handler((e, ctx) -> Thread.sleep(1));
      Producer p = new Producer(stage);
      try {
        long before = stage.snapshot().counts().admitted();
        await().atMost(PATIENCE).until(() -> stage.snapshot().counts().admitted() > before + 2_000);
        assertThat(stage.permits()).isEqualTo(5);
        assertThat(stage.batchSize()).isEqualTo(7);
        assertThat(stage.snapshot().controllers().concurrencyDecision())
            .contains("fixed permits 5");
      } finally {
        p.stop();
      }
      graph.shutdownNow();
    }
  }
}
