package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.seda4j.testing.Await.TIMEOUT;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.seda4j.observe.StageSnapshot;
import org.seda4j.testing.Await;
import org.seda4j.testing.Background;
import org.seda4j.testing.Gate;
import org.seda4j.testing.KeptMdc;
import org.slf4j.MDC;

/**
 * Context propagation (StageGraph.Builder.contextPropagation, ContextPropagator): the MDC of the
 * producer reaches the handlers of every stage an event flows through; off by default; a propagator
 * that throws, returns null or fails to close loses no event and leaves the accounting exact; bad
 * arguments fail at the builder.
 *
 * <p>slf4j-simple, the tests' log backend, keeps no MDC, so these tests install one that does
 * ({@link KeptMdc}) for their duration.
 */
class ContextPropagationTest extends GraphTestSupport {

  private @Nullable KeptMdc mdc;

  @BeforeEach
  void installAnMdcThatKeepsValues() throws ReflectiveOperationException {
    mdc = KeptMdc.install();
  }

  @AfterEach
  void restoreTheBackendsMdc() throws ReflectiveOperationException {
    Objects.requireNonNull(mdc).close();
  }

  private StageGraph openWith(String name, ContextPropagator... propagators) {
    return register(StageGraph.builder(name).contextPropagation(propagators).open());
  }

  /** Records the MDC value a handler saw for each event, by stage. */
  private static final class Seen {
    final Map<String, String> byStageAndEvent = new ConcurrentHashMap<>();

    void record(String stage, Object event) {
      byStageAndEvent.put(stage + ":" + event, String.valueOf(MDC.get("requestId")));
    }

    @Nullable String get(String stage, Object event) {
      return byStageAndEvent.get(stage + ":" + event);
    }
  }

  @Test
  void theProducersMdcReachesTheHandlersOfThreeStages() throws Exception {
    // given a pipeline a -> b -> c with the MDC propagator, several workers and batches per stage
    StageGraph graph = openWith("mdc", ContextPropagator.mdc());
    Seen seen = new Seen();
    Stage<String> c =
        graph.stage("c", String.class).permits(2).handler((e, ctx) -> seen.record("c", e));
    Stage<String> b =
        graph
            .stage("b", String.class)
            .permits(3)
            .batchSize(8)
            .handler(
                (e, ctx) -> {
                  seen.record("b", e);
                  ctx.emit(c, e);
                });
    Stage<String> a =
        graph
            .stage("a", String.class)
            .permits(2)
            .batchSize(16)
            .handler(
                (e, ctx) -> {
                  seen.record("a", e);
                  ctx.emit(b, e);
                });

    // when every event is put under a request id of its own, by two producers
    int n = 500;
    Background<Void> other =
        Background.call(
            "producer-2",
            () -> {
              for (int i = n; i < 2 * n; i++) {
                MDC.put("requestId", "r" + i);
                a.put("e" + i);
              }
              MDC.clear();
              return null;
            });
    for (int i = 0; i < n; i++) {
      MDC.put("requestId", "r" + i);
      a.put("e" + i);
    }
    MDC.clear();
    other.future().get();
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();

    // then each handler saw the request id of the event it handled, at every stage
    for (int i = 0; i < 2 * n; i++) {
      for (String stage : List.of("a", "b", "c")) {
        assertThat(seen.get(stage, "e" + i)).as("%s handling e%d", stage, i).isEqualTo("r" + i);
      }
    }
    assertThat(c.snapshot().counts().completed()).isEqualTo(2L * n);

    // and an event put without an MDC is handled without one: nothing is left on the workers
    a.put("bare");
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
    assertThat(seen.get("a", "bare")).isEqualTo("null");
    assertThat(seen.get("c", "bare")).isEqualTo("null");
  }

  @Test
  void withoutPropagationHandlersSeeNoneOfTheProducersMdc() throws InterruptedException {
    // given a graph opened with the defaults, and an MDC whose map is inherited by child threads
    StageGraph graph = open("off");
    Seen seen = new Seen();
    Stage<String> b = graph.stage("b", String.class).handler((e, ctx) -> seen.record("b", e));
    Stage<String> a =
        graph
            .stage("a", String.class)
            .handler(
                (e, ctx) -> {
                  seen.record("a", e);
                  ctx.emit(b, e);
                });

    // when events are put under an MDC (the first one starts a's worker from this thread)
    MDC.put("requestId", "r1");
    a.put("e1");
    MDC.put("requestId", "r2");
    a.put("e2");
    MDC.clear();
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();

    // then no handler sees it: propagation is off, and a worker does not inherit its starter's
    for (String e : List.of("e1", "e2")) {
      assertThat(seen.get("a", e)).isEqualTo("null");
      assertThat(seen.get("b", e)).isEqualTo("null");
    }
  }

  @Test
  void aBatchHandlerRunsInTheContextOfItsFirstEvent() throws Exception {
    // given a batch handler held on its first batch, so that the next three events queue up
    StageGraph graph = openWith("batch", ContextPropagator.mdc());
    List<List<String>> batches = new CopyOnWriteArrayList<>();
    List<String> requestIds = new CopyOnWriteArrayList<>();
    try (Gate gate = new Gate()) {
      Stage<String> s =
          graph
              .stage("s", String.class)
              .permits(1)
              .batchSize(8)
              .batchHandler(
                  (events, ctx) -> {
                    batches.add(List.copyOf(events));
                    requestIds.add(String.valueOf(MDC.get("requestId")));
                    if (events.contains("hold")) {
                      gate.pass();
                    }
                  });
      MDC.put("requestId", "r0");
      s.put("hold");
      Await.until(() -> batches.size() == 1);
      MDC.remove("requestId");
      s.put("no-context");
      for (int i = 1; i <= 2; i++) {
        MDC.put("requestId", "r" + i);
        s.put("e" + i);
      }
      MDC.clear();
      gate.open();
      assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
    }

    // then the second batch (three events) ran with the first context it carried
    assertThat(batches).containsExactly(List.of("hold"), List.of("no-context", "e1", "e2"));
    assertThat(requestIds).containsExactly("r0", "r1");
  }

  @Test
  void aDeadLetterCarriesTheContextOfTheEventThatFailed() throws InterruptedException {
    StageGraph graph = openWith("dead", ContextPropagator.mdc());
    List<String> seen = new CopyOnWriteArrayList<>();
    Stage<DeadLetter> dead =
        graph
            .stage("dead", DeadLetter.class)
            .handler((d, ctx) -> seen.add(d.event() + "@" + MDC.get("requestId")));
    Stage<String> s =
        graph
            .stage("s", String.class)
            .onFailure(FailurePolicy.deadLetter(dead))
            .handler(
                (e, ctx) -> {
                  throw new IllegalStateException("failing on purpose");
                });

    MDC.put("requestId", "r7");
    s.put("e7");
    MDC.clear();
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();

    assertThat(seen).containsExactly("e7@r7");
  }

  @Test
  void propagatorsAreRestoredInOrderAndClosedInReverseAroundEveryCall() throws Exception {
    // given two recording propagators, the second of which has nothing to carry for odd events
    List<String> calls = Collections.synchronizedList(new ArrayList<>());
    ThreadLocal<@Nullable String> tag = new ThreadLocal<>();
    ContextPropagator first = new Recording("first", tag, calls, false);
    ContextPropagator second = new Recording("second", tag, calls, true);
    StageGraph graph = openWith("order", first, second);
    Stage<String> s =
        graph.stage("s", String.class).permits(1).handler((e, ctx) -> calls.add("handle " + e));

    // when two events are put under tags "0" and "1"
    tag.set("0");
    s.put("a");
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
    tag.set("1");
    s.put("b");
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
    tag.remove();

    // then each call is wrapped by the propagators that carried something
    assertThat(calls)
        .containsExactly(
            "first capture 0",
            "second capture 0",
            "first restore 0 in s",
            "second restore 0 in s",
            "handle a",
            "second close",
            "first close",
            "first capture 1",
            "second capture 1",
            "first restore 1 in s",
            "handle b",
            "first close");
  }

  /** Records its calls; carries the test's thread-local tag. */
  private record Recording(
      String name, ThreadLocal<@Nullable String> tag, List<String> calls, boolean onlyEven)
      implements ContextPropagator {
    @Override
    public @Nullable Object capture() {
      String t = tag.get();
      calls.add(name + " capture " + t);
      return t == null || (onlyEven && Integer.parseInt(t) % 2 == 1) ? null : t;
    }

    @Override
    public Scope restore(Stage<?> stage, Object captured) {
      calls.add(name + " restore " + captured + " in " + stage.name());
      return () -> calls.add(name + " close");
    }
  }

  // ---------------------------------------------------------------- failing propagators

  /** A propagator failing in the way given, at every call. */
  private enum Failure {
    CAPTURE_THROWS,
    RESTORE_THROWS,
    RESTORE_RETURNS_NULL,
    CLOSE_THROWS,
    FAILED_THROWS
  }

  private static final class Failing implements ContextPropagator {
    private final Failure failure;

    Failing(Failure failure) {
      this.failure = failure;
    }

    @Override
    public @Nullable Object capture() {
      if (failure == Failure.CAPTURE_THROWS) {
        throw new IllegalStateException("capture failing on purpose");
      }
      return "context";
    }

    @Override
    @SuppressWarnings("NullAway") // returns null on purpose: the engine must cope
    public Scope restore(Stage<?> stage, Object captured) {
      return switch (failure) {
        case RESTORE_THROWS -> throw new IllegalStateException("restore failing on purpose");
        case RESTORE_RETURNS_NULL -> null;
        case CLOSE_THROWS ->
            () -> {
              throw new IllegalStateException("close failing on purpose");
            };
        case FAILED_THROWS ->
            new Scope() {
              @Override
              public void failed(Throwable error) {
                throw new IllegalStateException("failed() failing on purpose");
              }

              @Override
              public void close() {}
            };
        case CAPTURE_THROWS -> () -> {};
      };
    }

    @Override
    public String toString() {
      return "Failing[" + failure + "]";
    }
  }

  @Test
  void aFailingPropagatorLosesNoEventAndKeepsTheAccountingExact() throws Exception {
    for (Failure failure : Failure.values()) {
      // given a three-stage pipeline (per-event, per-event, batch) whose propagator fails
      String name =
          "failing-" + failure.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
      String out =
          captureErr(
              () -> {
                StageGraph graph = openWith(name, new Failing(failure));
                List<Integer> sunk = new CopyOnWriteArrayList<>();
                Stage<Integer> c =
                    graph
                        .stage("c", Integer.class)
                        .batchSize(16)
                        .batchHandler((events, ctx) -> sunk.addAll(events));
                Stage<Integer> b =
                    graph
                        .stage("b", Integer.class)
                        .handler(
                            (e, ctx) -> {
                              if (e % 10 == 0) {
                                throw new IllegalArgumentException("handler failing on purpose");
                              }
                              ctx.emit(c, e);
                            });
                Stage<Integer> a =
                    graph.stage("a", Integer.class).handler((e, ctx) -> ctx.emit(b, e));

                // when 100 events go through
                for (int i = 0; i < 100; i++) {
                  a.put(i);
                }
                assertThat(graph.awaitIdle(TIMEOUT)).isTrue();

                // then every event was handled at every stage and counted once
                return () -> {
                  assertThat(sunk).hasSize(90).doesNotHaveDuplicates();
                  assertBalanced(a.snapshot(), 100, 100, 0);
                  assertBalanced(b.snapshot(), 100, 90, 10);
                  assertBalanced(c.snapshot(), 90, 90, 0);
                };
              },
              text -> text.contains("context propagator Failing[" + failure + "]"));
      // and the failure is logged, naming the propagator and the stage
      String what =
          switch (failure) {
            case CAPTURE_THROWS -> "threw in capture() on an event for stage 'a'";
            case RESTORE_THROWS -> "threw in restore() in stage";
            case RESTORE_RETURNS_NULL -> "returned null from restore";
            case CLOSE_THROWS -> "threw in Scope.close() in stage";
            case FAILED_THROWS -> "threw in Scope.failed() in stage 'b'";
          };
      assertThat(out)
          .as(failure.name())
          .contains("context propagator Failing[" + failure + "] " + what);
    }
  }

  private static void assertBalanced(StageSnapshot s, long admitted, long completed, long failed) {
    assertThat(s.counts().admitted()).as(s.name() + " admitted").isEqualTo(admitted);
    assertThat(s.counts().completed()).as(s.name() + " completed").isEqualTo(completed);
    assertThat(s.counts().failed()).as(s.name() + " failed").isEqualTo(failed);
    assertThat(s.counts().dropped() + s.counts().cancelled()).as(s.name()).isZero();
  }

  // ---------------------------------------------------------------- bad input

  @Test
  @SuppressWarnings("NullAway") // nulls on purpose
  void contextPropagationRejectsNullsAndDuplicatesAtTheBuilder() {
    StageGraph.Builder builder = StageGraph.builder("bad");
    assertThatThrownBy(() -> builder.contextPropagation((ContextPropagator[]) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("propagators must not be null");
    assertThatThrownBy(() -> builder.contextPropagation(ContextPropagator.mdc(), null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("contextPropagation: propagator #1 of 2 is null");
    assertThatThrownBy(
            () -> builder.contextPropagation(ContextPropagator.mdc(), ContextPropagator.mdc()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ContextPropagator.mdc() is given twice (#0 and #1)");
    // and an empty list is propagation off, allowed
    register(builder.contextPropagation().open());
  }

  @Test
  void theMdcPropagatorRefusesWhatItDidNotCapture() {
    Stage<String> s = open("refuse").stage("s", String.class).handler((e, ctx) -> {});
    assertThatThrownBy(() -> ContextPropagator.mdc().restore(s, "not a map"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a Map; got java.lang.String");
  }
}
