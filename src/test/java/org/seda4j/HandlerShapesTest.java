package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.seda4j.testing.Await.TIMEOUT;
import static org.seda4j.testing.Await.eventually;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.seda4j.observe.StageSnapshot;
import org.seda4j.testing.Gate;

/**
 * The three handler shapes (per event, per batch, mapper) and the run-time knobs that shape their
 * invocations ({@link Stage#setBatchSize}, {@link Stage#setPermits}).
 */
@Timeout(30)
class HandlerShapesTest {

  private static void assertIdle(StageGraph graph) throws InterruptedException {
    assertThat(graph.awaitIdle(TIMEOUT)).as("graph quiescent").isTrue();
  }

  private static List<Integer> range(int fromInclusive, int toExclusive) {
    return IntStream.range(fromInclusive, toExclusive).boxed().toList();
  }

  @Test
  void perEventHandlerWithOnePermitSeesEveryEventOnceInOrder() throws Exception {
    List<Integer> seen = new CopyOnWriteArrayList<>();
    List<String> stageNames = new CopyOnWriteArrayList<>();
    try (StageGraph graph = StageGraph.open("per-event")) {
      // given a per-event stage with one permit and the default batch size
      Stage<Integer> stage =
          graph
              .stage("numbers", Integer.class)
              .permits(1)
              .handler(
                  (n, ctx) -> {
                    seen.add(n);
                    stageNames.add(ctx.stageName());
                  });

      // when 500 events are put
      for (int i = 0; i < 500; i++) {
        stage.put(i);
      }

      // then the handler saw each once, in order, with a context naming its stage
      assertIdle(graph);
      assertThat(seen).isEqualTo(range(0, 500));
      assertThat(stageNames).containsOnly("numbers");
      StageSnapshot s = stage.snapshot();
      assertThat(s.counts().admitted()).isEqualTo(500);
      assertThat(s.counts().completed()).isEqualTo(500);
      assertThat(s.balanced()).isTrue();
    }
  }

  @Test
  void batchHandlerReceivesBacklogInBatchesNoLargerThanTheBatchSize() throws Exception {
    List<List<Integer>> batches = new CopyOnWriteArrayList<>();
    List<Class<?>> modificationErrors = new CopyOnWriteArrayList<>();
    try (StageGraph graph = StageGraph.open("batches");
        Gate gate = new Gate()) {
      // given a batch stage (batch size 4, one permit) whose first batch waits at the gate
      Stage<Integer> stage =
          graph
              .stage("batches", Integer.class)
              .permits(1)
              .batchSize(4)
              .batchHandler(
                  (batch, ctx) -> {
                    gate.pass();
                    batches.add(List.copyOf(batch));
                    try {
                      batch.add(-1);
                    } catch (UnsupportedOperationException expected) {
                      modificationErrors.add(expected.getClass());
                    }
                  });
      stage.put(0);
      eventually().until(() -> stage.snapshot().handlers().active() == 1);

      // when a backlog of 21 events forms behind it and the gate opens
      for (int i = 1; i <= 21; i++) {
        stage.put(i);
      }
      assertThat(stage.snapshot().queue().queued()).isEqualTo(21);
      gate.open();

      // then the backlog arrives in full batches of 4 (the last one holds the rest), in order
      assertIdle(graph);
      assertThat(batches).allSatisfy(b -> assertThat(b).isNotEmpty().hasSizeLessThanOrEqualTo(4));
      assertThat(batches).anySatisfy(b -> assertThat(b).hasSizeGreaterThan(1));
      assertThat(batches.stream().map(List::size).toList()).containsExactly(1, 4, 4, 4, 4, 4, 1);
      assertThat(batches.stream().flatMap(List::stream).toList()).isEqualTo(range(0, 22));
      // and each batch was read-only for the handler
      assertThat(modificationErrors).hasSize(batches.size());
      StageSnapshot s = stage.snapshot();
      assertThat(s.counts().admitted()).isEqualTo(22);
      assertThat(s.counts().completed()).isEqualTo(22);
      assertThat(s.balanced()).isTrue();
    }
  }

  @Test
  void mapperForwardsNonNullResultsAndNothingForNull() throws Exception {
    List<Integer> lengths = new CopyOnWriteArrayList<>();
    try (StageGraph graph = StageGraph.open("mapper")) {
      // given a mapper from words to their lengths that skips blank words
      Stage<Integer> sink =
          graph
              .stage("lengths", Integer.class)
              .permits(1) // one handler at a time keeps the order (more may interleave)
              .handler((n, ctx) -> lengths.add(n));
      Stage<String> measure =
          graph
              .stage("measure", String.class)
              .permits(1)
              .map(word -> word.isBlank() ? null : word.length(), sink);

      // when words, some blank, are put
      for (String word : List.of("a", " ", "abc", "", "abcde")) {
        measure.put(word);
      }

      // then only the non-null results reach the next stage, in order
      assertIdle(graph);
      assertThat(lengths).containsExactly(1, 3, 5);
      assertThat(measure.snapshot().counts().completed()).isEqualTo(5);
      assertThat(sink.snapshot().counts().admitted()).isEqualTo(3);
      assertThat(sink.snapshot().counts().completed()).isEqualTo(3);
      assertThat(graph.snapshot().balanced()).isTrue();
    }
  }

  @Test
  void setBatchSizeAtRunTimeAppliesFromTheNextBatchDrained() throws Exception {
    List<Integer> sizes = new CopyOnWriteArrayList<>();
    AtomicReference<Gate> gate = new AtomicReference<>(new Gate());
    try (StageGraph graph = StageGraph.open("set-batch")) {
      // given a batch stage (batch size 8) whose first batch waits at the gate, and 12 queued
      Stage<Integer> stage =
          graph
              .stage("batches", Integer.class)
              .permits(1)
              .batchSize(8)
              .batchHandler(
                  (batch, ctx) -> {
                    gate.get().pass();
                    sizes.add(batch.size());
                  });
      try (Gate first = gate.get()) {
        holdOneAndQueue(stage, 12);

        // when the batch size is lowered to 3 and the gate opens
        stage.setBatchSize(3);
        assertThat(stage.batchSize()).isEqualTo(3);
        assertThat(stage.snapshot().handlers().batchSize()).isEqualTo(3);
        first.open();

        // then the queued events arrive in batches of 3
        assertIdle(graph);
        assertThat(sizes).containsExactly(1, 3, 3, 3, 3);
      }

      try (Gate second = new Gate()) {
        // given a new backlog of 12 behind a held batch
        sizes.clear();
        gate.set(second);
        holdOneAndQueue(stage, 12);

        // when the batch size is raised to 5 and the gate opens
        stage.setBatchSize(5);
        second.open();

        // then the queued events arrive in batches of 5 (the last one holds the rest)
        assertIdle(graph);
        assertThat(sizes).containsExactly(1, 5, 5, 2);
      }
      assertThat(stage.snapshot().counts().completed()).isEqualTo(26);
      assertThat(stage.snapshot().balanced()).isTrue();
    }
  }

  /** Puts one event that the handler holds at its gate, then {@code queued} more behind it. */
  private static void holdOneAndQueue(Stage<Integer> stage, int queued)
      throws InterruptedException {
    stage.put(0);
    eventually().until(() -> stage.snapshot().handlers().active() == 1);
    for (int i = 1; i <= queued; i++) {
      stage.put(i);
    }
    assertThat(stage.snapshot().queue().queued()).isEqualTo(queued);
  }

  @Test
  void setPermitsAtRunTimeRaisesAndLowersHowManyHandlersRunAtOnce() throws Exception {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger maxRunningAfterLowering = new AtomicInteger();
    List<Integer> measuredSeen = new CopyOnWriteArrayList<>();
    try (StageGraph graph = StageGraph.open("set-permits");
        Gate gate = new Gate()) {
      // given a stage with one permit whose "held" events wait at the gate, and three of them
      Stage<String> stage =
          graph
              .stage("work", String.class)
              .permits(1)
              .batchSize(1)
              .handler(
                  (event, ctx) -> {
                    int now = running.incrementAndGet();
                    try {
                      if (event.startsWith("held")) {
                        gate.pass();
                      } else {
                        maxRunningAfterLowering.accumulateAndGet(now, Math::max);
                        Thread.sleep(2); // simulated work, so that overlaps would show
                        measuredSeen.add(Integer.parseInt(event.substring("measured".length())));
                      }
                    } finally {
                      running.decrementAndGet();
                    }
                  });
      for (int i = 0; i < 3; i++) {
        stage.put("held" + i);
      }
      eventually().until(() -> stage.snapshot().handlers().active() == 1);
      assertThat(stage.snapshot().queue().queued()).isEqualTo(2);

      // when the permits are raised to 3, then three handlers run at once
      stage.setPermits(3);
      assertThat(stage.permits()).isEqualTo(3);
      eventually().until(() -> stage.snapshot().handlers().active() == 3);
      eventually().until(() -> running.get() == 3); // the handler threads have started
      assertThat(stage.snapshot().queue().queued()).isZero();

      // when more work queues up and the permits are lowered to 1 while three are out
      for (int i = 0; i < 20; i++) {
        stage.put("measured" + i);
      }
      stage.setPermits(1);
      assertThat(stage.permits()).isEqualTo(1);
      assertThat(stage.snapshot().handlers().permits()).isEqualTo(1);
      assertThat(stage.snapshot().handlers().active()).isEqualTo(3);
      gate.open();

      // then, once the three finish, no more than one handler runs at a time (and none of the
      // new work started before all three held handlers had finished)
      assertIdle(graph);
      assertThat(maxRunningAfterLowering.get()).isEqualTo(1);
      assertThat(measuredSeen).isEqualTo(range(0, 20));
      StageSnapshot s = stage.snapshot();
      assertThat(s.counts().admitted()).isEqualTo(23);
      assertThat(s.counts().completed()).isEqualTo(23);
      assertThat(s.handlers().active()).isZero();
      assertThat(s.balanced()).isTrue();
    }
  }

  @Test
  void permitsAndBatchSizeBelowOneAreRefused() throws Exception {
    try (StageGraph graph = StageGraph.open("knobs")) {
      Stage<String> stage = graph.stage("s", String.class).handler((e, ctx) -> {});
      int permitsBefore = stage.permits();
      int batchSizeBefore = stage.batchSize();

      assertThatThrownBy(() -> stage.setPermits(0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("permits");
      assertThatThrownBy(() -> stage.setBatchSize(0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("batchSize");
      assertThatThrownBy(() -> graph.stage("t", String.class).permits(-1))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> graph.stage("t", String.class).batchSize(0))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(stage.permits()).isEqualTo(permitsBefore);
      assertThat(stage.batchSize()).isEqualTo(batchSizeBefore);
    }
  }
}
