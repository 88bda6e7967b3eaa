package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.seda4j.testing.Await.TIMEOUT;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.seda4j.observe.ShutdownReport;
import org.seda4j.observe.StageSnapshot;
import org.seda4j.testing.Await;
import org.seda4j.testing.Background;
import org.seda4j.testing.Gate;

/**
 * The structured lifecycle of a graph: graceful close drains everything, forced shutdown cancels
 * and reports everything it did not finish, and the event accounting balances exactly.
 */
class LifecycleTest extends GraphTestSupport {

  private static List<Integer> range(int n) {
    return IntStream.range(0, n).boxed().toList();
  }

  private static void assertQuiescentAndBalanced(StageGraph graph) {
    for (StageSnapshot s : graph.snapshot().stages()) {
      assertThat(s.queue().queued()).as("%s queued", s.name()).isZero();
      assertThat(s.handlers().inFlight()).as("%s in flight", s.name()).isZero();
      assertThat(s.handlers().active()).as("%s active handlers", s.name()).isZero();
      assertThat(s.balanced()).as("%s balanced: %s", s.name(), s).isTrue();
    }
  }

  @Test
  void gracefulCloseDrainsEveryQueueOfAMultiStagePipeline() throws Exception {
    int n = 60;
    Set<Integer> done = ConcurrentHashMap.newKeySet();
    Gate gate = new Gate();
    StageGraph graph = open("lc_drain");
    Stage<Integer> sink =
        graph
            .stage("sink", Integer.class)
            .capacity(4)
            .permits(2)
            .handler(
                (e, ctx) -> {
                  Thread.sleep(2); // simulated work
                  done.add(e);
                });
    Stage<Integer> middle =
        graph
            .stage("middle", Integer.class)
            .capacity(4)
            .permits(2)
            .batchSize(3)
            .map(
                e -> {
                  Thread.sleep(1);
                  return e;
                },
                sink);
    Stage<Integer> source =
        graph
            .stage("source", Integer.class)
            .capacity(n)
            .permits(2)
            .batchSize(4)
            .handler(
                (e, ctx) -> {
                  gate.pass(); // no event leaves the source before close() began
                  Thread.sleep(1);
                  ctx.emit(middle, e);
                });
    for (int i = 0; i < n; i++) {
      source.put(i);
    }

    Background<Void> closer = Background.run("closer", () -> graph.close());
    Await.until(() -> graph.state() == StageGraph.State.CLOSING);
    assertThat(done).isEmpty();
    gate.open();

    assertThat(closer.future()).succeedsWithin(TIMEOUT);
    assertThat(graph.state()).isEqualTo(StageGraph.State.TERMINATED);
    assertThat(done).containsExactlyInAnyOrderElementsOf(range(n));
    for (StageSnapshot s : graph.snapshot().stages()) {
      assertThat(s.counts().admitted()).as("%s admitted", s.name()).isEqualTo(n);
      assertThat(s.counts().completed()).as("%s completed", s.name()).isEqualTo(n);
      assertThat(
              s.counts().failed()
                  + s.counts().cancelled()
                  + s.counts().dropped()
                  + s.counts().rejected())
          .as("%s failed+cancelled+dropped+rejected", s.name())
          .isZero();
    }
    assertQuiescentAndBalanced(graph);
  }

  @Test
  void whileClosingExternalPutsAreRefusedButHandlerEmitsAreAdmitted() throws Exception {
    Set<String> received = ConcurrentHashMap.newKeySet();
    CountDownLatch started = new CountDownLatch(1);
    Gate gate = new Gate();
    StageGraph graph = open("lc_closing");
    Stage<String> second = graph.stage("second", String.class).handler((e, ctx) -> received.add(e));
    Stage<String> first =
        graph
            .stage("first", String.class)
            .permits(1)
            .batchSize(1)
            .handler(
                (e, ctx) -> {
                  started.countDown();
                  gate.pass();
                  // three ways a handler hands work on; all run after close() began
                  ctx.emit(second, e + "-emit");
                  assertThat(ctx.offer(second, e + "-offer")).isEqualTo(OfferResult.accepted());
                  second.put(e + "-put"); // a plain put from a handler thread counts as an emit
                });
    first.put("a");
    first.put("b");
    first.put("c");
    Await.released(started);

    Background<Void> closer = Background.run("closer", () -> graph.close());
    Await.until(() -> graph.state() == StageGraph.State.CLOSING);

    assertThatThrownBy(() -> first.put("x"))
        .isInstanceOf(StageClosedException.class)
        .hasMessageContaining("stage 'first'")
        .hasMessageContaining("CLOSING")
        .hasMessageContaining("only handlers of the graph may still emit");
    assertThatThrownBy(() -> second.put("y")).isInstanceOf(StageClosedException.class);
    assertThatThrownBy(() -> second.putAll(List.of("p", "q")))
        .isInstanceOf(StageClosedException.class);
    assertThat(first.offer("z")).isInstanceOf(OfferResult.Closed.class);
    assertThat(second.offerAll(List.of("r"))).isInstanceOf(OfferResult.Closed.class);
    assertThat(graph.state()).isEqualTo(StageGraph.State.CLOSING);
    assertThat(received).isEmpty();

    gate.open();
    assertThat(closer.future()).succeedsWithin(TIMEOUT);

    Set<String> expected = new HashSet<>();
    for (String e : List.of("a", "b", "c")) {
      expected.addAll(List.of(e + "-emit", e + "-offer", e + "-put"));
    }
    assertThat(received).isEqualTo(expected);
    StageSnapshot f = first.snapshot();
    assertThat(f.counts().admitted()).isEqualTo(3);
    assertThat(f.counts().completed()).isEqualTo(3);
    assertThat(f.counts().rejected()).isEqualTo(2); // x, z
    StageSnapshot s = second.snapshot();
    assertThat(s.counts().admitted()).isEqualTo(9);
    assertThat(s.counts().completed()).isEqualTo(9);
    assertThat(s.counts().rejected()).isEqualTo(4); // y, p, q, r
    assertQuiescentAndBalanced(graph);
  }

  @Test
  void closeWithADeadlineShorterThanTheWorkReportsEveryUnprocessedEvent() {
    int n = 40;
    int quick = 10;
    Set<Integer> done = ConcurrentHashMap.newKeySet();
    StageGraph graph = open("lc_deadline");
    Stage<Integer> work =
        graph
            .stage("work", Integer.class)
            .capacity(n)
            .permits(2)
            .batchSize(4)
            .handler(
                (e, ctx) -> {
                  // simulated work: 10 quick events (25 ms on 2 permits), then events so long
                  // that both handlers are certainly inside one when the deadline passes
                  Thread.sleep(e < quick ? 5 : 60_000);
                  done.add(e);
                });
    for (int i = 0; i < n; i++) {
      assertThat(work.offer(i)).isEqualTo(OfferResult.accepted());
    }

    ShutdownReport report = graph.close(Duration.ofMillis(150));

    assertThat(report.graceful()).isFalse();
    assertThat(report.unstoppedThreads()).isEmpty();
    assertThat(graph.state()).isEqualTo(StageGraph.State.TERMINATED);
    List<UnprocessedEvent> unprocessed = report.unprocessed();
    assertThat(unprocessed).allSatisfy(u -> assertThat(u.stage()).isEqualTo("work"));
    // the two handlers running at the deadline were interrupted; the rest never started
    assertThat(unprocessed.stream().filter(UnprocessedEvent::started).count()).isEqualTo(2);
    assertThat(unprocessed).anyMatch(u -> !u.started());
    List<Object> unprocessedEvents = unprocessed.stream().map(UnprocessedEvent::event).toList();
    assertThat(unprocessedEvents).doesNotHaveDuplicates().noneMatch(done::contains);
    Set<Object> union = new HashSet<>(done);
    union.addAll(unprocessedEvents);
    assertThat(union).isEqualTo(new HashSet<Object>(range(n)));
    assertThat(done).allSatisfy(e -> assertThat(e).isLessThan(quick));

    StageSnapshot s = work.snapshot();
    assertThat(s.counts().admitted()).isEqualTo(n);
    assertThat(s.counts().completed()).isEqualTo(done.size());
    assertThat(s.counts().cancelled()).isEqualTo(unprocessed.size());
    assertThat(s.counts().failed()).isZero();
    assertThat(s.counts().completed() + s.counts().cancelled() + s.counts().failed())
        .isEqualTo(s.counts().admitted());
    assertQuiescentAndBalanced(graph);
  }

  @Test
  void closeWithADeadlineAcrossTwoStagesEndsEveryEventExactlyOnce() throws Exception {
    int n = 40;
    Set<Integer> done = ConcurrentHashMap.newKeySet();
    StageGraph graph = open("lc_deadline2");
    Stage<Integer> second =
        graph
            .stage("second", Integer.class)
            .capacity(4) // fills up: some first-stage handlers are blocked on emit at the deadline
            .permits(2)
            .batchSize(2)
            .handler(
                (e, ctx) -> {
                  Thread.sleep(10);
                  done.add(e);
                });
    Stage<Integer> first =
        graph
            .stage("first", Integer.class)
            .capacity(n)
            .permits(3)
            .batchSize(3)
            .handler(
                (e, ctx) -> {
                  Thread.sleep(5);
                  ctx.emit(second, e); // the last thing it does: emitted means handled here
                });
    for (int i = 0; i < n; i++) {
      first.put(i);
    }

    ShutdownReport report = graph.close(Duration.ofMillis(60));

    assertThat(report.graceful()).isFalse();
    assertThat(report.unstoppedThreads()).isEmpty();
    Map<String, List<Object>> byStage =
        report.unprocessed().stream()
            .collect(
                Collectors.groupingBy(
                    UnprocessedEvent::stage,
                    Collectors.mapping(UnprocessedEvent::event, Collectors.toList())));
    List<Object> all = report.unprocessed().stream().map(UnprocessedEvent::event).toList();
    // every id ended exactly once: completed at the end of the pipeline, or reported once
    // (noneMatch, not doesNotContainAnyElementsOf: that one refuses an empty set, and on a slow
    // machine no event may have reached the end by the deadline)
    assertThat(all).doesNotHaveDuplicates().noneMatch(done::contains);
    Set<Object> union = new HashSet<>(done);
    union.addAll(all);
    assertThat(union).isEqualTo(new HashSet<Object>(range(n)));

    StageSnapshot f = first.snapshot();
    StageSnapshot s = second.snapshot();
    assertThat(f.counts().admitted()).isEqualTo(n);
    assertThat(f.counts().failed()).isZero();
    assertThat(f.counts().completed() + f.counts().cancelled()).isEqualTo(f.counts().admitted());
    assertThat(f.counts().cancelled()).isEqualTo(byStage.getOrDefault("first", List.of()).size());
    assertThat(s.counts().admitted())
        .isEqualTo(f.counts().completed()); // each completed first handler emitted once
    assertThat(s.counts().failed()).isZero();
    assertThat(s.counts().completed()).isEqualTo(done.size());
    assertThat(s.counts().completed() + s.counts().cancelled()).isEqualTo(s.counts().admitted());
    assertThat(s.counts().cancelled()).isEqualTo(byStage.getOrDefault("second", List.of()).size());
    assertQuiescentAndBalanced(graph);
  }

  @Test
  void shutdownNowInterruptsRunningHandlersAndCancelsQueuedEvents() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    ConcurrentLinkedQueue<DeadLetter> deadLetters = new ConcurrentLinkedQueue<>();
    StageGraph graph = open("lc_now");
    Stage<DeadLetter> dl =
        graph.stage("dl", DeadLetter.class).handler((d, c) -> deadLetters.add(d));
    Stage<Integer> work =
        graph
            .stage("work", Integer.class)
            .capacity(10)
            .permits(1)
            .batchSize(1)
            .onFailure(FailurePolicy.deadLetter(dl))
            .handler(
                (e, ctx) -> {
                  started.countDown();
                  Thread.sleep(60_000); // simulated long work; only an interrupt ends it
                });
    work.put(0);
    Await.released(started);
    for (int i = 1; i <= 4; i++) {
      work.put(i);
    }
    assertThat(work.snapshot().queue().queued()).isEqualTo(4);

    ShutdownReport report = graph.shutdownNow();

    assertThat(report.graceful()).isFalse();
    assertThat(report.unstoppedThreads()).isEmpty();
    assertThat(report.unprocessed())
        .containsExactlyInAnyOrder(
            new UnprocessedEvent("work", 0, true),
            new UnprocessedEvent("work", 1, false),
            new UnprocessedEvent("work", 2, false),
            new UnprocessedEvent("work", 3, false),
            new UnprocessedEvent("work", 4, false));
    StageSnapshot s = work.snapshot();
    assertThat(s.counts().admitted()).isEqualTo(5);
    assertThat(s.counts().cancelled()).isEqualTo(5);
    assertThat(s.counts().failed()).isZero();
    assertThat(s.counts().completed()).isZero();
    assertThat(deadLetters).isEmpty();
    assertThat(dl.snapshot().counts().admitted()).isZero();
    assertThat(graph.state()).isEqualTo(StageGraph.State.TERMINATED);
    assertThatThrownBy(() -> work.put(5)).isInstanceOf(StageClosedException.class);
    assertQuiescentAndBalanced(graph);
  }

  @Test
  void aHandlerInterruptedByAForcedShutdownIsCancelledNotFailed() throws Exception {
    CountDownLatch started = new CountDownLatch(2);
    StageGraph graph = open("lc_cancelled");
    // even failGraph must not treat the interrupt as a failure of the graph
    Stage<Integer> strict =
        graph
            .stage("strict", Integer.class)
            .permits(1)
            .onFailure(FailurePolicy.failGraph())
            .handler(
                (e, ctx) -> {
                  started.countDown();
                  try {
                    Thread.sleep(60_000);
                  } catch (InterruptedException ie) {
                    // a handler that wraps the interrupt in another exception
                    throw new IllegalStateException("gave up", ie);
                  }
                });
    Stage<Integer> lenient =
        graph
            .stage("lenient", Integer.class)
            .permits(1)
            .handler(
                (e, ctx) -> {
                  started.countDown();
                  Thread.sleep(60_000);
                });
    strict.put(1);
    lenient.put(2);
    Await.released(started);

    ShutdownReport report = graph.close(Duration.ofMillis(20));

    assertThat(report.graceful()).isFalse();
    assertThat(report.unprocessed())
        .containsExactlyInAnyOrder(
            new UnprocessedEvent("strict", 1, true), new UnprocessedEvent("lenient", 2, true));
    assertThat(graph.failure()).isEmpty();
    for (StageSnapshot s : graph.snapshot().stages()) {
      assertThat(s.counts().cancelled()).as(s.name()).isEqualTo(1);
      assertThat(s.counts().failed()).as(s.name()).isZero();
    }
    assertQuiescentAndBalanced(graph);
  }

  @Test
  void closeIsIdempotentAndLaterCallsReturnAtOnce() throws Exception {
    Gate gate = new Gate();
    Set<Integer> done = ConcurrentHashMap.newKeySet();
    StageGraph graph = open("lc_idem");
    Stage<Integer> work = gate.stage(graph.stage("work", Integer.class), done);
    work.put(1);
    work.put(2);

    // two closers at once: both wait until the graph drained and terminated
    Background<Void> c1 = Background.run("closer-1", () -> graph.close());
    Background<Void> c2 = Background.run("closer-2", () -> graph.close());
    Await.until(() -> graph.state() == StageGraph.State.CLOSING);
    c1.awaitBlocked();
    c2.awaitBlocked();
    assertThat(c1.future()).isNotDone();
    assertThat(c2.future()).isNotDone();
    gate.open();
    assertThat(c1.future()).succeedsWithin(TIMEOUT);
    assertThat(c2.future()).succeedsWithin(TIMEOUT);
    assertThat(done).containsExactlyInAnyOrder(1, 2);
    assertThat(graph.state()).isEqualTo(StageGraph.State.TERMINATED);

    // after termination every variant returns at once, reporting nothing new
    graph.close();
    ShutdownReport again = graph.close(Duration.ofSeconds(1));
    assertThat(again.graceful()).isTrue();
    assertThat(again.unprocessed()).isEmpty();
    assertThat(again.unstoppedThreads()).isEmpty();
    assertThat(graph.shutdownNow().unprocessed()).isEmpty();
    assertThat(graph.awaitIdle(Duration.ZERO)).isTrue();
    assertThat(graph.state()).isEqualTo(StageGraph.State.TERMINATED);
    assertThat(work.snapshot().counts().completed()).isEqualTo(2);
    assertQuiescentAndBalanced(graph);
  }

  @Test
  void closeAfterAForcedShutdownReturnsAtOnceWithTheSameReport() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    StageGraph graph = open("lc_idem_forced");
    Stage<Integer> work =
        graph
            .stage("work", Integer.class)
            .permits(1)
            .handler(
                (e, ctx) -> {
                  started.countDown();
                  Thread.sleep(60_000);
                });
    work.put(1);
    Await.released(started);
    ShutdownReport first = graph.shutdownNow();
    assertThat(first.unprocessed()).hasSize(1);

    graph.close();
    ShutdownReport again = graph.close(Duration.ofSeconds(1));
    assertThat(again).isSameAs(first);
    assertThat(graph.shutdownReport()).containsSame(first);
    assertThat(graph.state()).isEqualTo(StageGraph.State.TERMINATED);
    assertQuiescentAndBalanced(graph);
  }

  @Test
  void awaitIdleIsFalseOnTimeoutAndTrueOnceQuiescent() throws Exception {
    Gate gate = new Gate();
    StageGraph graph = open("lc_idle");
    assertThat(graph.awaitIdle(Duration.ZERO)).as("a new graph is idle").isTrue();
    Stage<Integer> last = gate.stage(graph.stage("last", Integer.class));
    Stage<Integer> first =
        graph
            .stage("first", Integer.class)
            .handler(
                (e, ctx) -> {
                  Thread.sleep(1);
                  ctx.emit(last, e);
                });
    for (int i = 0; i < 10; i++) {
      first.put(i);
    }

    long t0 = System.nanoTime();
    assertThat(graph.awaitIdle(Duration.ofMillis(50))).isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - t0))
        .isGreaterThanOrEqualTo(Duration.ofMillis(50));
    assertThat(graph.awaitIdle(Duration.ZERO)).isFalse();

    gate.open();
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
    // quiescent means: every counter settled, every queue empty, nothing in flight
    assertThat(first.snapshot().counts().completed()).isEqualTo(10);
    assertThat(last.snapshot().counts().completed()).isEqualTo(10);
    assertQuiescentAndBalanced(graph);
    assertThat(graph.state()).isEqualTo(StageGraph.State.OPEN);

    graph.close();
    assertThat(graph.awaitIdle(Duration.ZERO)).as("idle after close").isTrue();
  }
}
