package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.seda4j.testing.Await.TIMEOUT;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Misuse is refused at once with the documented exception type and a message that says what was
 * wrong and what is allowed.
 */
class BadInputTest extends GraphTestSupport {

  private static final String NAME_RULE = "use 1 to 64 characters of letters, digits";

  private static Stage<String> sink(StageGraph graph, String name) {
    return graph.stage(name, String.class).handler((e, ctx) -> {});
  }

  // ------------------------------------------------------------------ nulls

  @Test
  @SuppressWarnings("NullAway") // passing null where it is not allowed is the point
  void nullEventsAreRefused() {
    StageGraph graph = open("bi_null_event");
    Stage<String> stage = sink(graph, "s");

    for (var call :
        List.<org.assertj.core.api.ThrowableAssert.ThrowingCallable>of(
            () -> stage.put(null),
            () -> stage.offer(null),
            () -> stage.putAll(Arrays.asList("a", null)),
            () -> stage.offerAll(Arrays.asList(null, "b")))) {
      assertThatThrownBy(call)
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("event is null")
          .hasMessageContaining("stage 's' accepts non-null events");
    }
    assertThat(stage.snapshot().counts().offered()).as("nothing was offered").isZero();
    graph.close();
  }

  @Test
  @SuppressWarnings("NullAway")
  void nullHandlersAreRefused() {
    StageGraph graph = open("bi_null_handler");
    Stage<String> next = sink(graph, "next");

    assertThatThrownBy(() -> graph.stage("a", String.class).handler(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("handler")
        .hasMessageContaining("null");
    assertThatThrownBy(() -> graph.stage("b", String.class).batchHandler(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("handler")
        .hasMessageContaining("null");
    assertThatThrownBy(() -> graph.stage("c", String.class).map(null, next))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("mapper")
        .hasMessageContaining("null");
    assertThatThrownBy(() -> graph.stage(null, String.class))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("stage name is null");
    assertThat(graph.stages()).containsExactly(next); // no half-made stage
    graph.close();
  }

  // ------------------------------------------------------------------ names

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        " ",
        "   ",
        "\t",
        "has space",
        "slash/name",
        "ümlaut",
        "x12345678901234567890123456789012345678901234567890123456789012345"
      })
  void invalidStageNamesAreRefused(String name) {
    StageGraph graph = open("bi_stage_name");
    assertThatThrownBy(() -> graph.stage(name, String.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("stage name '" + name + "' is not allowed")
        .hasMessageContaining(NAME_RULE);
    assertThat(graph.stages()).isEmpty();
    graph.close();
  }

  @Test
  void namesOfExactly64AllowedCharactersAreAccepted() {
    String longest = "a".repeat(60) + "_.-9";
    StageGraph graph = register(StageGraph.open(longest));
    assertThat(sink(graph, longest).name()).isEqualTo(longest);
    graph.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "my graph", "a:b", "é"})
  void invalidGraphNamesAreRefused(String name) {
    assertThatThrownBy(() -> StageGraph.open(name))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("graph name '" + name + "' is not allowed")
        .hasMessageContaining(NAME_RULE);
    assertThatThrownBy(() -> StageGraph.builder(name))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(NAME_RULE);
  }

  @Test
  void duplicateStageNamesAreRefused() {
    StageGraph graph = open("bi_duplicate");
    Stage<String> first = sink(graph, "same");

    assertThatThrownBy(() -> graph.stage("same", Integer.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("graph 'bi_duplicate' already has a stage named 'same'")
        .hasMessageContaining("stage names are unique");

    // two builders for one name: the second to create its stage loses
    Stage.Builder<String> b1 = graph.stage("twice", String.class);
    Stage.Builder<String> b2 = graph.stage("twice", String.class);
    Stage<String> winner = b1.handler((e, ctx) -> {});
    assertThatThrownBy(() -> b2.handler((e, ctx) -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("already has a stage named 'twice'");
    assertThat(graph.stages()).containsExactly(first, winner);
    graph.close();
  }

  // ------------------------------------------------------------------ numbers

  @ParameterizedTest
  @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
  void capacityPermitsAndBatchSizeMustBePositive(int bad) {
    StageGraph graph = open("bi_numbers");
    Stage.Builder<String> builder = graph.stage("s", String.class);
    assertThatThrownBy(() -> builder.capacity(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("capacity must be at least 1, was " + bad);
    assertThatThrownBy(() -> builder.permits(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("permits must be at least 1, was " + bad);
    assertThatThrownBy(() -> builder.batchSize(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("batchSize must be at least 1, was " + bad);

    Stage<String> stage = builder.permits(3).batchSize(5).handler((e, ctx) -> {});
    assertThatThrownBy(() -> stage.setPermits(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("permits must be at least 1, was " + bad);
    assertThatThrownBy(() -> stage.setBatchSize(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("batchSize must be at least 1, was " + bad);
    assertThat(stage.permits()).as("unchanged").isEqualTo(3);
    assertThat(stage.batchSize()).as("unchanged").isEqualTo(5);
    graph.close();
  }

  @Test
  void otherOutOfRangeSettingsAreRefused() {
    assertThatThrownBy(() -> StageGraph.builder("bi_grace").interruptGrace(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("interruptGrace must be zero or positive, was PT-0.001S");
    assertThatThrownBy(() -> FullQueuePolicy.blockFor(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("blockFor timeout must be positive, was PT0S")
        .hasMessageContaining("use reject() to never wait");

    StageGraph graph = open("bi_putall");
    Stage<String> small = graph.stage("small", String.class).capacity(2).handler((e, ctx) -> {});
    assertThatThrownBy(() -> small.putAll(List.of("a", "b", "c")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("putAll/offerAll of 3 events to stage 'small' can never succeed")
        .hasMessageContaining("its capacity is 2")
        .hasMessageContaining("split the batch or raise capacity");
    assertThat(small.snapshot().counts().offered()).isZero();
    graph.close();
  }

  // ------------------------------------------------------------------ other graphs

  @Test
  void aHandlerCannotEmitToAStageOfAnotherGraph() throws Exception {
    Map<String, Throwable> caught = new ConcurrentHashMap<>();
    StageGraph other = open("bi_other");
    Stage<String> foreign = sink(other, "foreign");
    StageGraph graph = open("bi_emit");
    Stage<String> stage =
        graph
            .stage("s", String.class)
            .handler(
                (e, ctx) -> {
                  try {
                    ctx.emit(foreign, e);
                  } catch (IllegalArgumentException ex) {
                    caught.put("emit", ex);
                  }
                  try {
                    ctx.offer(foreign, e);
                  } catch (IllegalArgumentException ex) {
                    caught.put("offer", ex);
                  }
                });
    stage.put("x");
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();

    assertThat(caught).containsOnlyKeys("emit", "offer");
    assertThat(caught.values())
        .allSatisfy(
            ex ->
                assertThat(ex)
                    .hasMessageContaining("stage Stage[bi_other/foreign]")
                    .hasMessageContaining("does not belong to graph 'bi_emit'")
                    .hasMessageContaining("only to stages of its own graph"));
    assertThat(foreign.snapshot().counts().offered()).isZero();
    assertThat(stage.snapshot().counts().completed()).isEqualTo(1);
    graph.close();
    other.close();
  }

  @Test
  void stagesOfAnotherGraphCannotBeWiredIn() {
    StageGraph other = open("bi_other2");
    Stage<DeadLetter> foreignDeadLetters =
        other.stage("dl", DeadLetter.class).handler((d, ctx) -> {});
    Stage<String> foreignNext = sink(other, "next");
    StageGraph graph = open("bi_wiring");

    assertThatThrownBy(
            () ->
                graph
                    .stage("s", String.class)
                    .onFailure(FailurePolicy.deadLetter(foreignDeadLetters)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("stage Stage[bi_other2/dl] does not belong to graph 'bi_wiring'")
        .hasMessageContaining("own graph");
    assertThatThrownBy(() -> graph.stage("m", String.class).map(s -> s, foreignNext))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("stage Stage[bi_other2/next] does not belong to graph 'bi_wiring'")
        .hasMessageContaining("own graph");
    assertThat(graph.stages()).isEmpty();
    graph.close();
    other.close();
  }

  // ------------------------------------------------------------------ lifecycle misuse

  @Test
  void aClosedGraphCreatesNoStages() {
    StageGraph graph = open("bi_closed");
    Stage.Builder<String> early = graph.stage("early", String.class);
    graph.close();

    assertThatThrownBy(() -> graph.stage("late", String.class))
        .isInstanceOf(StageClosedException.class)
        .hasMessageContaining("cannot create stage 'late'")
        .hasMessageContaining("graph 'bi_closed' is TERMINATED")
        .hasMessageContaining("stages can be added only while the graph is OPEN");
    // a builder obtained while the graph was open cannot sneak a stage in either
    assertThatThrownBy(() -> early.handler((e, ctx) -> {}))
        .isInstanceOf(StageClosedException.class)
        .hasMessageContaining("cannot create stage 'early'");
    assertThat(graph.stages()).isEmpty();
  }

  @Test
  void closeAndAwaitIdleFromInsideAHandlerAreRefusedAndTheGraphStillClosesNormally()
      throws Exception {
    Map<String, Throwable> caught = new ConcurrentHashMap<>();
    Set<Integer> done = ConcurrentHashMap.newKeySet();
    StageGraph graph = open("bi_inside");
    Stage<Integer> stage =
        graph
            .stage("s", Integer.class)
            .permits(1)
            .handler(
                (e, ctx) -> {
                  if (e == 0) {
                    StageGraph g = ctx.graph();
                    capture(caught, "close", g::close);
                    capture(caught, "awaitIdle", () -> g.awaitIdle(Duration.ofSeconds(1)));
                    capture(caught, "closeWithDeadline", () -> g.close(Duration.ofSeconds(1)));
                    capture(caught, "shutdownNow", g::shutdownNow);
                  }
                  Thread.sleep(1);
                  done.add(e);
                });
    for (int i = 0; i < 20; i++) {
      stage.put(i);
    }
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
    assertThat(graph.state()).isEqualTo(StageGraph.State.OPEN);

    assertThat(caught).containsOnlyKeys("close", "awaitIdle", "closeWithDeadline", "shutdownNow");
    assertThat(caught)
        .allSatisfy(
            (method, ex) ->
                assertThat(ex)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("called from a handler of stage 's' of graph 'bi_inside'")
                    .hasMessageContaining("never return")
                    .hasMessageContaining("call it from outside the graph"));
    assertThat(caught.get("close")).hasMessageStartingWith("close()");
    assertThat(caught.get("awaitIdle")).hasMessageStartingWith("awaitIdle()");

    stage.put(20); // still open and working
    graph.close();
    assertThat(done).hasSize(21);
    assertThat(stage.snapshot().counts().completed()).isEqualTo(21);
    assertThat(stage.snapshot().counts().failed()).isZero();
  }

  private static void capture(
      Map<String, Throwable> caught,
      String method,
      org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    try {
      call.call();
    } catch (Throwable t) {
      caught.put(method, t);
    }
  }

  // ------------------------------------------------------------------ types and builders

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"}) // raw types are how a wrong type gets through
  void aWrongEventTypeThroughRawTypesIsRefused() throws Exception {
    Map<String, Throwable> caught = new ConcurrentHashMap<>();
    StageGraph graph = open("bi_types");
    Stage<Integer> ints = graph.stage("ints", Integer.class).handler((e, ctx) -> {});
    Stage raw = ints;
    Stage<String> emitter =
        graph
            .stage("emitter", String.class)
            .handler(
                (e, ctx) -> {
                  capture(caught, "emit", () -> ctx.emit((Stage) ints, e));
                  capture(caught, "offer", () -> ctx.offer((Stage) ints, e));
                });

    for (var call :
        List.<org.assertj.core.api.ThrowableAssert.ThrowingCallable>of(
            () -> raw.put("not a number"),
            () -> raw.offer("not a number"),
            () -> raw.putAll(List.of(1, "not a number")),
            () -> raw.offerAll(List.of("not a number")))) {
      assertThatThrownBy(call)
          .isInstanceOf(ClassCastException.class)
          .hasMessage("stage 'ints' accepts java.lang.Integer, not java.lang.String");
    }
    emitter.put("from a handler");
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
    assertThat(caught).containsOnlyKeys("emit", "offer");
    assertThat(caught.values())
        .allSatisfy(
            ex ->
                assertThat(ex)
                    .isInstanceOf(ClassCastException.class)
                    .hasMessage("stage 'ints' accepts java.lang.Integer, not java.lang.String"));
    assertThat(ints.snapshot().counts().offered())
        .as("nothing got in, nothing was counted")
        .isZero();
    graph.close();
  }

  @Test
  void aBuilderCreatesOneStageOnly() {
    StageGraph graph = open("bi_builder");
    Stage.Builder<String> builder = graph.stage("once", String.class);
    Stage<String> stage = builder.handler((e, ctx) -> {});

    assertThatThrownBy(() -> builder.handler((e, ctx) -> {}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("this builder already created stage 'once'")
        .hasMessageContaining("call graph.stage(...) again");
    assertThatThrownBy(() -> builder.batchHandler((batch, ctx) -> {}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already created stage 'once'");
    assertThatThrownBy(() -> builder.map(s -> s, stage))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already created stage 'once'");
    assertThat(graph.stages()).containsExactly(stage);
    graph.close();
  }
}
