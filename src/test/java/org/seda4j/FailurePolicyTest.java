package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.seda4j.testing.Await.TIMEOUT;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.seda4j.observe.ShutdownReport;
import org.seda4j.observe.StageSnapshot;
import org.seda4j.testing.Await;
import org.seda4j.testing.Gate;

/** What a stage does when its handler throws: log and count, dead-letter, or fail the graph. */
class FailurePolicyTest extends GraphTestSupport {

  @Test
  void logAndCountCountsTheFailureAndGoesOnWithTheOtherEvents() throws Exception {
    Set<Integer> done = ConcurrentHashMap.newKeySet();
    StageGraph graph = open("fp_log");
    Stage<Integer> work =
        graph
            .stage("work", Integer.class)
            .permits(2)
            .batchSize(4)
            .handler(
                (e, ctx) -> {
                  if (e % 3 == 0) {
                    throw new IllegalArgumentException("no multiples of 3: " + e);
                  }
                  done.add(e);
                });
    assertThat(work.snapshot().handlers().failurePolicy()).isEqualTo("LOG_AND_COUNT");
    for (int i = 1; i <= 12; i++) {
      work.put(i);
    }
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();

    assertThat(done).containsExactlyInAnyOrder(1, 2, 4, 5, 7, 8, 10, 11);
    StageSnapshot s = work.snapshot();
    assertThat(s.counts().failed()).isEqualTo(4);
    assertThat(s.counts().completed()).isEqualTo(8);
    assertThat(s.counts().cancelled()).isZero();
    assertThat(s.balanced()).isTrue();
    assertThat(graph.failure()).isEmpty();
    // the stage is still healthy after failures
    work.put(13);
    graph.close();
    assertThat(done).contains(13);
  }

  @Test
  void deadLetterDeliversStageEventAndExceptionToTheDeadLetterStage() throws Exception {
    Map<Integer, Exception> thrown = new ConcurrentHashMap<>();
    ConcurrentLinkedQueue<DeadLetter> letters = new ConcurrentLinkedQueue<>();
    StageGraph graph = open("fp_dead");
    Stage<DeadLetter> dl = graph.stage("dl", DeadLetter.class).handler((d, c) -> letters.add(d));
    Stage<Integer> work =
        graph
            .stage("work", Integer.class)
            .permits(2)
            .onFailure(FailurePolicy.deadLetter(dl))
            .handler(
                (e, ctx) -> {
                  if (e % 2 == 0) {
                    Exception ex = new IllegalStateException("even: " + e);
                    thrown.put(e, ex);
                    throw ex;
                  }
                });
    assertThat(work.snapshot().handlers().failurePolicy()).isEqualTo("DEAD_LETTER(dl)");
    for (int i = 1; i <= 6; i++) {
      work.put(i);
    }
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();

    assertThat(letters).hasSize(3);
    for (DeadLetter d : letters) {
      assertThat(d.stage()).isEqualTo("work");
      assertThat(d.event()).isIn(2, 4, 6);
      assertThat(d.error()).isSameAs(thrown.get((Integer) d.event()));
    }
    assertThat(work.snapshot().counts().failed()).isEqualTo(3);
    assertThat(work.snapshot().counts().completed()).isEqualTo(3);
    assertThat(dl.snapshot().counts().admitted()).isEqualTo(3);
    assertThat(dl.snapshot().counts().completed()).isEqualTo(3);
    graph.close();
    assertThat(graph.snapshot().balanced()).isTrue();
  }

  @Test
  void failGraphCancelsOtherWorkAndCloseAndAwaitIdleRethrowTheFirstFailure() throws Exception {
    RuntimeException boom = new IllegalStateException("boom");
    CountDownLatch otherStarted = new CountDownLatch(1);
    CountDownLatch otherInterrupted = new CountDownLatch(1);
    CountDownLatch gateStarted = new CountDownLatch(1);
    CountDownLatch gate = new CountDownLatch(1);
    Set<Integer> processedAfterFailure = ConcurrentHashMap.newKeySet();
    StageGraph graph = open("fp_failgraph");
    Stage<Integer> other =
        graph
            .stage("other", Integer.class)
            .permits(1)
            .batchSize(1)
            .handler(
                (e, ctx) -> {
                  otherStarted.countDown();
                  try {
                    Thread.sleep(60_000);
                  } catch (InterruptedException ie) {
                    otherInterrupted.countDown();
                    throw ie;
                  }
                });
    Stage<Integer> failing =
        graph
            .stage("failing", Integer.class)
            .permits(1)
            .batchSize(4)
            .onFailure(FailurePolicy.failGraph())
            .handler(
                (e, ctx) -> {
                  if (e == 0) {
                    gateStarted.countDown();
                    gate.await();
                  } else if (e == 1) {
                    throw boom;
                  } else {
                    processedAfterFailure.add(e);
                  }
                });
    assertThat(failing.snapshot().handlers().failurePolicy()).isEqualTo("FAIL_GRAPH");
    for (int i = 0; i < 4; i++) {
      other.put(i); // one running, three queued
    }
    Await.released(otherStarted);
    failing.put(0);
    Await.released(gateStarted);
    failing.putAll(List.of(1, 2, 3, 4)); // drained as one batch once the gate opens
    gate.countDown();

    Await.until(() -> graph.failure().isPresent());
    Await.released(otherInterrupted);
    assertThat(graph.failure().orElseThrow()).cause().isSameAs(boom);

    Throwable idle = catchThrowable(() -> graph.awaitIdle(TIMEOUT));
    assertThat(idle)
        .isInstanceOf(GraphFailedException.class)
        .hasMessageContaining("graph 'fp_failgraph' failed")
        .hasMessageContaining("stage 'failing'")
        .hasMessageContaining("FAIL_GRAPH")
        .cause()
        .isSameAs(boom);
    assertThat(((GraphFailedException) idle).stage()).isEqualTo("failing");

    assertThat(catchThrowable(() -> other.put(99)))
        .isInstanceOfAny(GraphFailedException.class, StageClosedException.class);
    assertThat(catchThrowable(() -> failing.put(99)))
        .isInstanceOfAny(GraphFailedException.class, StageClosedException.class);

    Throwable closed = catchThrowable(graph::close);
    assertThat(closed).isInstanceOf(GraphFailedException.class).cause().isSameAs(boom);
    assertThat(graph.state()).isEqualTo(StageGraph.State.TERMINATED);
    // the failure is not forgotten: every later close says so again
    assertThat(catchThrowable(graph::close))
        .isInstanceOf(GraphFailedException.class)
        .cause()
        .isSameAs(boom);

    // the events after the failing one in its batch were cancelled, not run
    assertThat(processedAfterFailure).isEmpty();
    StageSnapshot f = failing.snapshot();
    assertThat(f.counts().completed()).isEqualTo(1); // the gate event
    assertThat(f.counts().failed()).isEqualTo(1);
    assertThat(f.counts().cancelled()).isEqualTo(3);
    StageSnapshot o = other.snapshot();
    assertThat(o.counts().completed()).isZero();
    assertThat(o.counts().failed()).isZero();
    assertThat(o.counts().cancelled()).isEqualTo(4); // the interrupted one and the three queued
    assertThat(graph.snapshot().balanced()).isTrue();
    assertThat(boom.getSuppressed()).isEmpty();

    // nothing cancelled is lost silently: close's exception carries the abort's report
    ShutdownReport report = ((GraphFailedException) closed).report().orElseThrow();
    assertThat(report.graceful()).isFalse();
    assertThat(report.unprocessed())
        .hasSize((int) (f.counts().cancelled() + o.counts().cancelled()));
    assertThat(((GraphFailedException) idle).report()).isEmpty();
  }

  @Test
  void onceTheFailureIsVisibleNoEventIsAdmitted() throws Exception {
    RuntimeException boom = new IllegalStateException("boom");
    int admittedAfterFailure = 0;
    for (int round = 0; round < 30; round++) {
      StageGraph graph = open("fp_race" + round);
      Stage<Integer> failing =
          graph
              .stage("failing", Integer.class)
              .onFailure(FailurePolicy.failGraph())
              .handler(
                  (e, ctx) -> {
                    throw boom;
                  });
      failing.put(0);
      // Spin (not poll) on purpose: the put must follow the failure as closely as possible, the
      // way a busy producer would, not 2 ms later when the graph has long been shut down.
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (graph.failure().isEmpty()) {
        assertThat(System.nanoTime()).isLessThan(deadline);
        Thread.onSpinWait();
      }
      Throwable t = catchThrowable(() -> failing.put(1));
      if (t == null) {
        admittedAfterFailure++;
      } else {
        assertThat(t).isInstanceOf(GraphFailedException.class);
      }
      assertThat(catchThrowable(graph::close)).isInstanceOf(GraphFailedException.class);
      assertThat(graph.snapshot().balanced()).isTrue();
    }
    assertThat(admittedAfterFailure).as("puts admitted after failure() was visible").isZero();
  }

  @Test
  void failGraphMakesTheForcedVariantsOfCloseThrowToo() throws Exception {
    RuntimeException boom = new IllegalStateException("boom");
    StageGraph graph = open("fp_failgraph_now");
    Stage<Integer> failing =
        graph
            .stage("failing", Integer.class)
            .onFailure(FailurePolicy.failGraph())
            .handler(
                (e, ctx) -> {
                  throw boom;
                });
    failing.put(1);
    Await.until(() -> graph.failure().isPresent());

    assertThat(catchThrowable(() -> failing.offer(2)))
        .isInstanceOfAny(GraphFailedException.class, StageClosedException.class);
    assertThat(catchThrowable(() -> graph.close(TIMEOUT)))
        .isInstanceOf(GraphFailedException.class)
        .cause()
        .isSameAs(boom);
    assertThat(catchThrowable(graph::shutdownNow))
        .isInstanceOf(GraphFailedException.class)
        .cause()
        .isSameAs(boom);
    assertThat(graph.state()).isEqualTo(StageGraph.State.TERMINATED);
    assertThat(failing.snapshot().counts().failed()).isEqualTo(1);
  }

  @Test
  void aThrowingBatchHandlerFailsTheWholeBatch() throws Exception {
    RuntimeException boom = new IllegalStateException("batch insert failed");
    CountDownLatch gateStarted = new CountDownLatch(1);
    Gate gate = new Gate();
    List<List<Integer>> batches = new CopyOnWriteArrayList<>();
    ConcurrentLinkedQueue<DeadLetter> letters = new ConcurrentLinkedQueue<>();
    StageGraph graph = open("fp_batch");
    Stage<DeadLetter> dl = graph.stage("dl", DeadLetter.class).handler((d, c) -> letters.add(d));
    Stage<Integer> work =
        graph
            .stage("work", Integer.class)
            .permits(1)
            .batchSize(4)
            .onFailure(FailurePolicy.deadLetter(dl))
            .batchHandler(
                (batch, ctx) -> {
                  batches.add(List.copyOf(batch));
                  if (batch.contains(0)) {
                    gateStarted.countDown();
                    gate.pass();
                    return;
                  }
                  if (batch.contains(13)) {
                    throw boom;
                  }
                });
    work.put(0);
    Await.released(gateStarted);
    work.putAll(List.of(11, 12, 13, 14));
    gate.open();
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();

    assertThat(batches).containsExactly(List.of(0), List.of(11, 12, 13, 14));
    StageSnapshot s = work.snapshot();
    assertThat(s.counts().completed()).isEqualTo(1);
    assertThat(s.counts().failed()).isEqualTo(4); // all of the batch, not just event 13
    assertThat(letters).extracting(DeadLetter::event).containsExactlyInAnyOrder(11, 12, 13, 14);
    assertThat(letters).allSatisfy(d -> assertThat(d.error()).isSameAs(boom));
    assertThat(letters).allSatisfy(d -> assertThat(d.stage()).isEqualTo("work"));
    graph.close();
  }

  @Test
  void aThrowingBatchHandlerWithFailGraphFailsTheGraphOnceWithTheBatchException() throws Exception {
    RuntimeException boom = new IllegalStateException("batch insert failed");
    CountDownLatch gateStarted = new CountDownLatch(1);
    Gate gate = new Gate();
    List<Throwable> uncaught = new CopyOnWriteArrayList<>();
    Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler((t, ex) -> uncaught.add(ex));
    try {
      StageGraph graph = open("fp_batch_fail");
      Stage<Integer> work =
          graph
              .stage("work", Integer.class)
              .permits(1)
              .batchSize(4)
              .onFailure(FailurePolicy.failGraph())
              .batchHandler(
                  (batch, ctx) -> {
                    if (batch.contains(0)) {
                      gateStarted.countDown();
                      gate.pass();
                      return;
                    }
                    throw boom;
                  });
      work.put(0);
      Await.released(gateStarted);
      work.putAll(List.of(11, 12, 13, 14));
      gate.open();

      Throwable closed = catchThrowable(graph::close);
      assertThat(closed).isInstanceOf(GraphFailedException.class).cause().isSameAs(boom);
      assertThat(work.snapshot().counts().failed()).isEqualTo(4);
      assertThat(work.snapshot().counts().completed()).isEqualTo(1);
      assertThat(boom.getSuppressed()).isEmpty();
      // the same exception reported for every event of the batch must not blow up the engine
      assertThat(uncaught).isEmpty();
    } finally {
      Thread.setDefaultUncaughtExceptionHandler(previous);
    }
  }
}
