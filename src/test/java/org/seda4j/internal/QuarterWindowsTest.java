package org.seda4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.seda4j.EventHandler;
import org.seda4j.Stage;
import org.seda4j.control.ConcurrencyController;
import org.seda4j.control.ControllerDecision;
import org.seda4j.control.ControllerSample;

/**
 * A stage in a slow start whose handler calls are short takes its controller windows a quarter
 * period apart (Tuning.quickWindows); the sampler's quarter passes leave every other stage alone.
 * Driven pass by pass on a manually sampled graph with an injected clock.
 */
@Timeout(30)
class QuarterWindowsTest {

  private static final Duration PATIENCE = Duration.ofSeconds(10);
  private static final long PERIOD = 100_000_000L;

  /** Records the samples it is given; says `searching` while told to. */
  private static final class Recording implements ConcurrencyController {
    final List<ControllerSample> seen = new CopyOnWriteArrayList<>();
    final AtomicBoolean searching = new AtomicBoolean(true);

    @Override
    public ControllerDecision decide(ControllerSample s) {
      seen.add(s);
      return new ControllerDecision(s.permits(), "recorded", searching.get());
    }
  }

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final GraphImpl graph =
      GraphImpl.openManuallySampled("quarter", Duration.ofMillis(100), now::get);

  @AfterEach
  void shutDown() {
    graph.shutdownNow();
  }

  /** A per-event stage (batch 1: its concurrency controller is asked every window). */
  private Stage<Integer> stage(String name, Recording controller, EventHandler<Integer> handler) {
    return graph.stage(name, Integer.class).concurrency(controller).batchSize(1).handler(handler);
  }

  private static void putAndDrain(GraphImpl graph, Stage<Integer> stage, int n) throws Exception {
    for (int i = 0; i < n; i++) {
      stage.put(i);
    }
    assertThat(graph.awaitIdle(PATIENCE)).isTrue();
  }

  @Test
  void aSlowStartWithShortCallsIsJudgedEveryQuarterPeriod() throws Exception {
    Recording controller = new Recording();
    Recording other = new Recording();
    other.searching.set(false);
    Stage<Integer> stage = stage("s", controller, (i, c) -> {});
    Stage<Integer> steady = stage("t", other, (i, c) -> {});
    putAndDrain(graph, stage, 10);
    putAndDrain(graph, steady, 10);
    now.addAndGet(PERIOD);
    graph.sampleNow();
    assertThat(controller.seen).hasSize(1);
    assertThat(other.seen).hasSize(1);

    // Searching, calls far shorter than a quarter period: a quarter pass is a window.
    putAndDrain(graph, stage, 5);
    putAndDrain(graph, steady, 5);
    now.addAndGet(PERIOD / 4);
    graph.sampleQuarterNow();
    assertThat(controller.seen).hasSize(2);
    assertThat(controller.seen.get(1).elapsedNanos()).isEqualTo(PERIOD / 4);
    assertThat(controller.seen.get(1).completions()).isEqualTo(5);
    assertThat(other.seen).as("a stage that is not searching waits for the period").hasSize(1);

    // Less than half a quarter window: folded into the next one.
    now.addAndGet(PERIOD / 10);
    graph.sampleQuarterNow();
    assertThat(controller.seen).hasSize(2);
    putAndDrain(graph, stage, 3);
    now.addAndGet(PERIOD / 10);
    graph.sampleQuarterNow();
    assertThat(controller.seen).hasSize(3);
    assertThat(controller.seen.get(2).elapsedNanos()).isEqualTo(PERIOD / 5);

    // The slow start ended: whole periods again, for this stage too.
    controller.searching.set(false);
    putAndDrain(graph, stage, 3);
    now.addAndGet(PERIOD / 4);
    graph.sampleQuarterNow();
    assertThat(controller.seen).hasSize(4); // this window was still a quarter one
    now.addAndGet(PERIOD / 4);
    graph.sampleQuarterNow();
    assertThat(controller.seen).hasSize(4);
    now.addAndGet(PERIOD / 5);
    graph.sampleNow(); // 45 ms since its last window: too short for a whole one
    assertThat(controller.seen).hasSize(4);
    assertThat(other.seen).hasSize(2);
    now.addAndGet(PERIOD);
    graph.sampleNow();
    assertThat(controller.seen).hasSize(5);
    assertThat(controller.seen.get(4).elapsedNanos()).isEqualTo(PERIOD * 145 / 100);
  }

  @Test
  void callsLongerThanAQuarterPeriodKeepWholeWindows() throws Exception {
    Recording controller = new Recording();
    Stage<Integer> stage =
        stage("s", controller, (i, c) -> Thread.sleep(30)); // longer than a quarter (25 ms)
    putAndDrain(graph, stage, 2);
    now.addAndGet(PERIOD);
    graph.sampleNow();
    assertThat(controller.seen).hasSize(1);
    assertThat(controller.seen.get(0).serviceNanosPerEvent()).isGreaterThan(PERIOD / 4.0);
    putAndDrain(graph, stage, 1);
    now.addAndGet(PERIOD / 4);
    graph.sampleQuarterNow();
    assertThat(controller.seen).as("a quarter window would hold less than a call").hasSize(1);
  }

  @Test
  void permitsSetByHandKeepWholeWindows() throws Exception {
    Recording controller = new Recording();
    Stage<Integer> stage = stage("s", controller, (i, c) -> {});
    putAndDrain(graph, stage, 10);
    now.addAndGet(PERIOD);
    graph.sampleNow();
    assertThat(controller.seen).hasSize(1);
    stage.setPermits(3);
    putAndDrain(graph, stage, 10);
    now.addAndGet(PERIOD);
    graph.sampleNow(); // the controller is not asked while the permits are pinned
    putAndDrain(graph, stage, 5);
    now.addAndGet(PERIOD / 4);
    graph.sampleQuarterNow();
    assertThat(controller.seen).hasSize(1);
  }
}
