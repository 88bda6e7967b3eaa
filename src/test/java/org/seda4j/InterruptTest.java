package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.seda4j.testing.Await.TIMEOUT;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.seda4j.observe.ShutdownReport;
import org.seda4j.observe.StageSnapshot;
import org.seda4j.testing.Await;
import org.seda4j.testing.Background;
import org.seda4j.testing.Gate;

/** Interrupts are honoured: by blocked producers, and by a thread that is closing the graph. */
class InterruptTest extends GraphTestSupport {

  /**
   * A stage of capacity 1 whose single handler waits at {@code gate}, then adds to {@code done}.
   */
  private static Stage<Integer> gatedStage(StageGraph graph, Gate gate, Set<Integer> done) {
    return gate.stage(
        graph.stage("gated", Integer.class).capacity(1).permits(1).batchSize(1), done);
  }

  /** Fills the gated stage: one event running (waiting for the gate), one queued. */
  private static void fill(Stage<Integer> stage, Gate gate) throws Exception {
    stage.put(1);
    gate.awaitEntered(1);
    stage.put(2);
    assertThat(stage.snapshot().queue().queued()).isEqualTo(1);
  }

  @Test
  void aProducerBlockedOnAFullQueueThrowsInterruptedExceptionAndItsEventIsNotAdmitted()
      throws Exception {
    Gate gate = new Gate();
    Set<Integer> done = ConcurrentHashMap.newKeySet();
    StageGraph graph = open("it_put");
    Stage<Integer> stage = gatedStage(graph, gate, done);
    fill(stage, gate);

    Background<Void> producer = Background.run("producer", () -> stage.put(3));
    Await.until(() -> stage.snapshot().queue().blockedProducers() == 1);
    producer.thread().interrupt();

    assertThat(producer.future())
        .failsWithin(TIMEOUT)
        .withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(InterruptedException.class);
    StageSnapshot s = stage.snapshot();
    assertThat(s.queue().blockedProducers()).isZero();
    assertThat(s.counts().rejected()).isEqualTo(1);
    assertThat(s.counts().admitted()).isEqualTo(2);

    // the same for putAll: all or nothing, so nothing
    Background<Void> batchProducer =
        Background.run("batch-producer", () -> stage.putAll(List.of(4)));
    Await.until(() -> stage.snapshot().queue().blockedProducers() == 1);
    batchProducer.thread().interrupt();
    assertThat(batchProducer.future())
        .failsWithin(TIMEOUT)
        .withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(InterruptedException.class);

    gate.open();
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
    assertThat(done).containsExactlyInAnyOrder(1, 2);
    s = stage.snapshot();
    assertThat(s.counts().admitted()).isEqualTo(2);
    assertThat(s.counts().rejected()).isEqualTo(2);
    assertThat(s.counts().offered()).isEqualTo(4);
    assertThat(s.counts().completed()).isEqualTo(2);
    assertThat(s.balanced()).isTrue();
    graph.close();
    assertThat(done).containsExactlyInAnyOrder(1, 2);
  }

  @Test
  void aProducerBlockedOnAFullQueueIsReleasedWithStageClosedExceptionWhenCloseBegins()
      throws Exception {
    Gate gate = new Gate();
    Set<Integer> done = ConcurrentHashMap.newKeySet();
    StageGraph graph = open("it_close_releases");
    Stage<Integer> stage = gatedStage(graph, gate, done);
    fill(stage, gate);
    Background<Void> producer = Background.run("producer", () -> stage.put(3));
    Await.until(() -> stage.snapshot().queue().blockedProducers() == 1);

    Background<Void> closer = Background.run("closer", () -> graph.close());
    // the producer is released by close() itself, while the handler still holds the gate
    assertThat(producer.future())
        .failsWithin(TIMEOUT)
        .withThrowableOfType(ExecutionException.class)
        .havingCause()
        .isInstanceOf(StageClosedException.class)
        .withMessageContaining("stage 'gated'")
        .withMessageContaining("CLOSING");
    assertThat(closer.future()).isNotDone();
    assertThat(graph.state()).isEqualTo(StageGraph.State.CLOSING);

    gate.open();
    assertThat(closer.future()).succeedsWithin(TIMEOUT);
    assertThat(done).containsExactlyInAnyOrder(1, 2); // admitted events were still drained
    StageSnapshot s = stage.snapshot();
    assertThat(s.counts().admitted()).isEqualTo(2);
    assertThat(s.counts().completed()).isEqualTo(2);
    assertThat(s.counts().rejected()).isEqualTo(1);
    assertThat(s.queue().blockedProducers()).isZero();
    assertThat(s.balanced()).isTrue();
  }

  @Test
  void aProducerBlockedOnAFullQueueIsReleasedWhenAForcedShutdownBegins() throws Exception {
    Gate gate = new Gate();
    Set<Integer> done = ConcurrentHashMap.newKeySet();
    StageGraph graph = open("it_now_releases");
    Stage<Integer> stage = gatedStage(graph, gate, done);
    fill(stage, gate);
    Background<Void> producer = Background.run("producer", () -> stage.put(3));
    Await.until(() -> stage.snapshot().queue().blockedProducers() == 1);

    ShutdownReport report = graph.shutdownNow();

    assertThat(producer.future())
        .failsWithin(TIMEOUT)
        .withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(StageClosedException.class);
    assertThat(report.unprocessed())
        .containsExactlyInAnyOrder(
            new UnprocessedEvent("gated", 1, true), new UnprocessedEvent("gated", 2, false));
    StageSnapshot s = stage.snapshot();
    assertThat(s.counts().cancelled()).isEqualTo(2);
    assertThat(s.counts().rejected()).isEqualTo(1);
    assertThat(s.balanced()).isTrue();
  }

  @Test
  void aHandlerBlockedOnEmitIsInterruptedByAForcedShutdownAndItsEmitIsNotAdmitted()
      throws Exception {
    Gate gate = new Gate();
    Set<Integer> done = ConcurrentHashMap.newKeySet();
    StageGraph graph = open("it_emit");
    Stage<Integer> target = gatedStage(graph, gate, done);
    Stage<Integer> source =
        graph
            .stage("source", Integer.class)
            .permits(1)
            .batchSize(1)
            .handler((e, ctx) -> ctx.emit(target, e));
    fill(target, gate);
    source.put(3);
    Await.until(() -> source.snapshot().handlers().blockedOnEmit() == 1);

    ShutdownReport report = graph.close(Duration.ofMillis(10));

    assertThat(report.graceful()).isFalse();
    assertThat(report.unprocessed())
        .containsExactlyInAnyOrder(
            new UnprocessedEvent("gated", 1, true),
            new UnprocessedEvent("gated", 2, false),
            new UnprocessedEvent("source", 3, true));
    StageSnapshot src = source.snapshot();
    assertThat(src.counts().cancelled()).isEqualTo(1);
    assertThat(src.counts().failed()).isZero();
    assertThat(src.handlers().blockedOnEmit()).isZero();
    StageSnapshot tgt = target.snapshot();
    assertThat(tgt.counts().admitted()).isEqualTo(2);
    assertThat(tgt.counts().rejected()).isEqualTo(1); // the emit that was interrupted
    assertThat(graph.snapshot().balanced()).isTrue();
  }

  @Test
  void closeInterruptedWhileWaitingShutsDownForciblyAndKeepsTheInterruptFlag() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch handlerInterrupted = new CountDownLatch(1);
    AtomicBoolean flagAfterClose = new AtomicBoolean();
    StageGraph graph = open("it_closer");
    Stage<Integer> stage =
        graph
            .stage("slow", Integer.class)
            .permits(1)
            .batchSize(1)
            .handler(
                (e, ctx) -> {
                  started.countDown();
                  try {
                    Thread.sleep(60_000);
                  } catch (InterruptedException ie) {
                    handlerInterrupted.countDown();
                    throw ie;
                  }
                });
    for (int i = 1; i <= 3; i++) {
      stage.put(i);
    }
    Await.released(started);

    Background<Void> closer =
        Background.call(
            "closer",
            () -> {
              graph.close();
              flagAfterClose.set(Thread.currentThread().isInterrupted());
              return null;
            });
    Await.until(() -> graph.state() == StageGraph.State.CLOSING);
    closer.awaitBlocked();
    closer.thread().interrupt();

    assertThat(closer.future()).succeedsWithin(TIMEOUT);
    assertThat(flagAfterClose).isTrue();
    Await.released(handlerInterrupted);
    assertThat(graph.state()).isEqualTo(StageGraph.State.TERMINATED);
    StageSnapshot s = stage.snapshot();
    assertThat(s.counts().cancelled()).isEqualTo(3); // the interrupted one and the two queued
    assertThat(s.counts().completed()).isZero();
    assertThat(s.counts().failed()).isZero();
    assertThat(s.balanced()).isTrue();
  }

  @Test
  void closeWithDeadlineInterruptedWhileWaitingReportsAForcedShutdownAndKeepsTheFlag()
      throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    AtomicBoolean flagAfterClose = new AtomicBoolean();
    StageGraph graph = open("it_closer_deadline");
    Stage<Integer> stage =
        graph
            .stage("slow", Integer.class)
            .permits(1)
            .batchSize(1)
            .handler(
                (e, ctx) -> {
                  started.countDown();
                  Thread.sleep(60_000);
                });
    stage.put(1);
    stage.put(2);
    Await.released(started);

    Background<ShutdownReport> closer =
        Background.call(
            "closer",
            () -> {
              ShutdownReport r = graph.close(Duration.ofMinutes(5));
              flagAfterClose.set(Thread.currentThread().isInterrupted());
              return r;
            });
    Await.until(() -> graph.state() == StageGraph.State.CLOSING);
    closer.awaitBlocked();
    closer.thread().interrupt();

    ShutdownReport report = closer.future().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(flagAfterClose).isTrue();
    assertThat(report.graceful()).isFalse();
    assertThat(report.unprocessed())
        .containsExactlyInAnyOrder(
            new UnprocessedEvent("slow", 1, true), new UnprocessedEvent("slow", 2, false));
    assertThat(stage.snapshot().balanced()).isTrue();
  }
}
