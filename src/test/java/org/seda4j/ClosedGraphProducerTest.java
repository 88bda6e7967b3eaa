package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.seda4j.testing.Await.TIMEOUT;
import static org.seda4j.testing.Await.eventually;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.seda4j.observe.ShutdownReport;
import org.seda4j.observe.StageSnapshot;
import org.seda4j.testing.Background;
import org.seda4j.testing.Gate;

/**
 * What producers see once a graph is closing or closed: refusals that say so ({@link
 * StageClosedException}, {@link OfferResult.Closed}), counted as rejected, never lost silently.
 */
@Timeout(30)
class ClosedGraphProducerTest {

  @Test
  void afterCloseEveryProducerCallIsRefusedAndCountedAsRejected() throws Exception {
    List<String> handled = new CopyOnWriteArrayList<>();
    try (StageGraph graph = StageGraph.open("closed")) {
      // given a stage that handled two events, and a closed graph
      Stage<String> stage = graph.stage("sink", String.class).handler((e, ctx) -> handled.add(e));
      stage.put("a");
      stage.put("b");
      ShutdownReport report = graph.close(TIMEOUT);
      assertThat(report.graceful()).isTrue();
      assertThat(report.unprocessed()).isEmpty();
      assertThat(graph.state()).isEqualTo(StageGraph.State.TERMINATED);

      // when producers call put, offer, putAll and offerAll, then each is refused, saying why
      assertThatThrownBy(() -> stage.put("c"))
          .isInstanceOf(StageClosedException.class)
          .hasMessageContaining("'sink'")
          .hasMessageContaining("'closed'")
          .hasMessageContaining("TERMINATED");
      assertThat(stage.offer("d"))
          .isInstanceOfSatisfying(
              OfferResult.Closed.class,
              c -> {
                assertThat(c.admitted()).isFalse();
                assertThat(c.stage()).isEqualTo("sink");
                assertThat(c.message()).contains("'sink'", "'closed'", "TERMINATED");
              });
      assertThatThrownBy(() -> stage.putAll(List.of("e", "f")))
          .isInstanceOf(StageClosedException.class);
      assertThat(stage.offerAll(List.of("g", "h"))).isInstanceOf(OfferResult.Closed.class);
      // and no stage can be added any more
      assertThatThrownBy(() -> graph.stage("late", String.class))
          .isInstanceOf(StageClosedException.class)
          .hasMessageContaining("'late'");

      // then the closed graph is still quiescent and every refused event counts as rejected
      assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
      assertThat(handled).containsExactlyInAnyOrder("a", "b"); // two permits may run both at once
      StageSnapshot s = stage.snapshot();
      assertThat(s.counts().offered()).isEqualTo(8);
      assertThat(s.counts().admitted()).isEqualTo(2);
      assertThat(s.counts().completed()).isEqualTo(2);
      assertThat(s.counts().rejected()).isEqualTo(6);
      assertThat(s.balanced()).isTrue();
      assertThat(graph.snapshot().state()).isEqualTo(StageGraph.State.TERMINATED);
    }
  }

  @Test
  void afterShutdownNowProducersAreRefusedTheSameWay() throws Exception {
    try (StageGraph graph = StageGraph.open("shut-down")) {
      // given a graph shut down forcibly
      Stage<String> stage = graph.stage("sink", String.class).handler((e, ctx) -> {});
      ShutdownReport report = graph.shutdownNow();
      assertThat(report.unprocessed()).isEmpty();
      assertThat(graph.state()).isEqualTo(StageGraph.State.TERMINATED);

      // when producers call put and offer, then both are refused and counted
      assertThatThrownBy(() -> stage.put("a")).isInstanceOf(StageClosedException.class);
      assertThat(stage.offer("b")).isInstanceOf(OfferResult.Closed.class);
      StageSnapshot s = stage.snapshot();
      assertThat(s.counts().admitted()).isZero();
      assertThat(s.counts().rejected()).isEqualTo(2);
      assertThat(s.balanced()).isTrue();
    }
  }

  static Stream<FullQueuePolicy> waitingPolicies() {
    return Stream.of(FullQueuePolicy.block(), FullQueuePolicy.blockFor(Duration.ofMinutes(1)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("waitingPolicies")
  void producerWaitingForRoomIsTurnedAwayAsSoonAsCloseBegins(FullQueuePolicy policy)
      throws Exception {
    List<String> handled = new CopyOnWriteArrayList<>();
    try (StageGraph graph = StageGraph.open("closing");
        Gate gate = new Gate()) {
      // given a full queue (one event held in the handler, two queued) and a producer waiting
      Stage<String> stage =
          gate.stage(
              graph.stage("sink", String.class).capacity(2).permits(1).batchSize(1).onFull(policy),
              handled);
      stage.put("e1");
      eventually().until(() -> stage.snapshot().handlers().active() == 1);
      stage.put("e2");
      stage.put("e3");
      Background<Void> producer = Background.run("producer", () -> stage.put("e4"));
      eventually().until(() -> stage.snapshot().queue().blockedProducers() == 1);

      // when another thread begins to close the graph (it will wait for the held handler)
      Background<Void> closer = Background.run("closer", graph::close);
      eventually().until(() -> graph.state() == StageGraph.State.CLOSING);

      // then the waiting producer is refused at once, while the graph is still draining
      producer.awaitEnd();
      assertThat(producer.failure())
          .isInstanceOf(StageClosedException.class)
          .hasMessageContaining("'sink'")
          .hasMessageContaining("CLOSING");
      assertThat(stage.snapshot().queue().blockedProducers()).isZero();
      assertThat(closer.thread().isAlive()).isTrue();
      // and so is an outsider's offer
      assertThat(stage.offer("e5")).isInstanceOf(OfferResult.Closed.class);

      // when the handler is released, then close drains what was admitted, and only that
      gate.open();
      closer.awaitEnd();
      assertThat(closer.failure()).isNull();
      assertThat(graph.state()).isEqualTo(StageGraph.State.TERMINATED);
      assertThat(handled).containsExactly("e1", "e2", "e3");
      StageSnapshot s = stage.snapshot();
      assertThat(s.counts().offered()).isEqualTo(5);
      assertThat(s.counts().admitted()).isEqualTo(3);
      assertThat(s.counts().completed()).isEqualTo(3);
      assertThat(s.counts().rejected()).isEqualTo(2);
      assertThat(s.balanced()).isTrue();
    }
  }

  @Test
  void handlersMayStillEmitWhileTheGraphDrainsButOutsidersMayNot() throws Exception {
    List<String> audited = new CopyOnWriteArrayList<>();
    try (StageGraph graph = StageGraph.open("drain");
        Gate gate = new Gate()) {
      // given a held handler that will emit downstream once released
      Stage<String> audit = graph.stage("audit", String.class).handler((e, ctx) -> audited.add(e));
      Stage<String> work =
          graph
              .stage("work", String.class)
              .permits(1)
              .batchSize(1)
              .handler(
                  (e, ctx) -> {
                    gate.pass();
                    ctx.emit(audit, "audited " + e);
                  });
      work.put("a");
      work.put("b");
      eventually().until(() -> work.snapshot().handlers().active() == 1);

      // when the graph begins to close
      Background<Void> closer = Background.run("closer", graph::close);
      eventually().until(() -> graph.state() == StageGraph.State.CLOSING);

      // then outsiders are refused, even on the stage the handler emits to
      assertThatThrownBy(() -> audit.put("outsider")).isInstanceOf(StageClosedException.class);

      // and when the handler is released, its emits during CLOSING are admitted and drained
      gate.open();
      closer.awaitEnd();
      assertThat(closer.failure()).isNull();
      assertThat(audited).containsExactlyInAnyOrder("audited a", "audited b");
      assertThat(audit.snapshot().counts().admitted()).isEqualTo(2);
      assertThat(audit.snapshot().counts().rejected()).isEqualTo(1);
      assertThat(graph.snapshot().balanced()).isTrue();
    }
  }
}
