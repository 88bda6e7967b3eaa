package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.seda4j.testing.Await.TIMEOUT;
import static org.seda4j.testing.Await.eventually;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.seda4j.control.AdmissionController;
import org.seda4j.control.ResponseTarget;
import org.seda4j.control.ResponseTimeSettings;
import org.seda4j.observe.GraphSnapshot;
import org.seda4j.observe.StageSnapshot;
import org.seda4j.testing.Gate;

/**
 * Admission control at a stage's sink, end to end: refusals reach the producer as typed results and
 * are counted per reason, the rejection listener can degrade, deadlines are enforced at admission
 * and while queued, paths are measured, and the adaptive controllers shed under sustained overload.
 * The controllers' decisions themselves are tested with numbers in
 * internal.AdmissionControllersTest; these tests assert directions only (no timing asserts).
 */
class AdmissionTest extends GraphTestSupport {

  record Req(int id, int priority) {}

  record Timed(int id, Deadline deadline) implements Expiring {}

  @Test
  void aRefusedEventGoesBackToItsProducerCountedByReason() throws InterruptedException {
    StageGraph graph = open("refuse");
    List<Req> rejectedSeen = Collections.synchronizedList(new ArrayList<>());
    LongAdder handled = new LongAdder();
    Stage<Req> s =
        graph
            .stage("s", Req.class)
            .admission((r, sink) -> r.id() % 2 == 0)
            .onReject((r, why) -> rejectedSeen.add(r))
            .handler((r, ctx) -> handled.increment());

    assertThat(s.offer(new Req(0, 0))).isInstanceOf(OfferResult.Accepted.class);
    OfferResult r = s.offer(new Req(1, 0));
    assertThat(r).isInstanceOf(OfferResult.Rejected.class);
    assertThat(((OfferResult.Rejected) r).reason()).isEqualTo(RejectionReason.REFUSED);
    assertThat(((OfferResult.Rejected) r).message()).contains("stage 's'").contains("refused");
    assertThatThrownBy(() -> s.put(new Req(3, 0)))
        .isInstanceOfSatisfying(
            StageRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(RejectionReason.REFUSED));
    // all or nothing: one refused event rejects the bulk
    OfferResult bulk = s.offerAll(List.of(new Req(4, 0), new Req(5, 0)));
    assertThat(bulk.admitted()).isFalse();

    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
    StageSnapshot snap = s.snapshot();
    assertThat(snap.counts().rejections()).containsEntry(RejectionReason.REFUSED, 4L).hasSize(1);
    assertThat(snap.counts().rejected()).isEqualTo(4);
    assertThat(snap.counts().rejected(RejectionReason.REFUSED)).isEqualTo(4);
    assertThat(snap.counts().admitted()).isEqualTo(1);
    assertThat(handled.sum()).isEqualTo(1);
    assertThat(snap.balanced()).isTrue();
    assertThat(rejectedSeen).extracting(Req::id).containsExactly(1, 3, 4, 5);
    assertThat(graph.snapshot().toString()).contains("s rejected: REFUSED=4");
  }

  @Test
  void aThrowingControllerRefusesTheEventWithAReasonNamingTheCallback()
      throws InterruptedException {
    StageGraph graph = open("throwing");
    Stage<Req> s =
        graph
            .stage("s", Req.class)
            .admission(
                (r, sink) -> {
                  throw new IllegalStateException("controller bug");
                })
            .handler((r, ctx) -> {});
    OfferResult r = s.offer(new Req(1, 0));
    assertThat(r).isInstanceOf(OfferResult.Rejected.class);
    assertThat(((OfferResult.Rejected) r).reason()).isEqualTo(RejectionReason.REFUSED);
    assertThat(((OfferResult.Rejected) r).message())
        .contains("stage 's'", "admission controller", "controller bug");
    assertThatThrownBy(() -> s.putAll(List.of(new Req(1, 0), new Req(2, 0))))
        .isInstanceOf(StageRejectedException.class)
        .hasMessageContaining("admission controller threw")
        .hasMessageContaining("controller bug");
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue(); // nothing left pending
    assertThat(s.snapshot().counts().rejected(RejectionReason.REFUSED)).isEqualTo(3);
    assertThat(s.snapshot().balanced()).isTrue();
  }

  @Test
  void theRejectionListenerDegradesTheRequest() throws InterruptedException {
    StageGraph graph = open("degrade");
    List<String> answers = Collections.synchronizedList(new ArrayList<>());
    Stage<String> respond =
        graph.stage("respond", String.class).handler((a, ctx) -> answers.add(a));
    Stage<Req> work =
        graph
            .stage("work", Req.class)
            .admission((r, sink) -> r.id() < 5)
            .onReject((r, why) -> respond.offer("503 busy #" + r.id() + " (" + why.reason() + ")"))
            .handler((r, ctx) -> ctx.emit(respond, "200 ok #" + r.id()));
    for (int i = 0; i < 8; i++) {
      work.offer(new Req(i, 0)); // the producer may ignore the result: the listener answered
    }
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
    assertThat(answers)
        .hasSize(8)
        .contains("200 ok #4", "503 busy #5 (REFUSED)", "503 busy #7 (REFUSED)");
  }

  @Test
  void queueThresholdShedsBeforeTheQueueIsFull() throws InterruptedException {
    StageGraph graph = open("threshold");
    try (Gate gate = new Gate()) {
      Stage<Req> s =
          gate.stage(
              graph
                  .stage("s", Req.class)
                  .capacity(100)
                  .permits(1)
                  .batchSize(1)
                  .admission(AdmissionController.queueThreshold(3)));
      s.put(new Req(0, 0));
      eventually().until(() -> s.snapshot().handlers().active() == 1);
      for (int i = 1; i <= 3; i++) {
        assertThat(s.offer(new Req(i, 0)).admitted()).isTrue();
      }
      OfferResult r = s.offer(new Req(4, 0));
      assertThat(r)
          .isInstanceOfSatisfying(
              OfferResult.Rejected.class,
              rej -> assertThat(rej.reason()).isEqualTo(RejectionReason.OVERLOADED));
      gate.open();
      assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
      assertThat(s.snapshot().counts().completed()).isEqualTo(4);
      assertThat(s.snapshot().controllers().admission()).isEqualTo("queueThreshold(3)");
    }
  }

  @Test
  void aTokenBucketFollowsTheGraphClock() throws InterruptedException {
    AtomicLong clock = new AtomicLong(1_000_000_000_000L);
    StageGraph graph = register(StageGraph.builder("bucket").nanoClock(clock::get).open());
    Stage<Req> s =
        graph
            .stage("s", Req.class)
            .admission(AdmissionController.tokenBucket(1, 3))
            .handler((r, ctx) -> {});
    int accepted = 0;
    for (int i = 0; i < 5; i++) {
      accepted += s.offer(new Req(i, 0)).admitted() ? 1 : 0;
    }
    assertThat(accepted).isEqualTo(3);
    clock.addAndGet(1_000_000_000L);
    assertThat(s.offer(new Req(5, 0)).admitted()).isTrue();
    assertThat(s.offer(new Req(6, 0)).admitted()).isFalse();
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
    assertThat(s.snapshot().counts().rejections()).containsEntry(RejectionReason.RATE_LIMITED, 3L);
  }

  @Test
  void lateEventsAreNotAdmittedAndEventsThatExpireWhileQueuedAreDropped()
      throws InterruptedException {
    AtomicLong clock = new AtomicLong(5_000_000_000L);
    StageGraph graph = register(StageGraph.builder("deadlines").nanoClock(clock::get).open());
    ConcurrentLinkedQueue<Timed> droppedSeen = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Integer> handled = new ConcurrentLinkedQueue<>();
    try (Gate gate = new Gate()) {
      Stage<Timed> s =
          graph
              .stage("s", Timed.class)
              .permits(1)
              .batchSize(1)
              .onDrop(droppedSeen::add)
              .handler(
                  (t, ctx) -> {
                    gate.pass();
                    handled.add(t.id());
                  });
      Deadline soon = new Deadline(clock.get() + 1_000);
      Deadline later = new Deadline(clock.get() + 1_000_000_000L);
      Deadline past = new Deadline(clock.get() - 1);
      assertThat(s.offer(new Timed(-1, past)))
          .isInstanceOfSatisfying(
              OfferResult.Rejected.class,
              r -> assertThat(r.reason()).isEqualTo(RejectionReason.EXPIRED));
      s.put(new Timed(0, soon)); // taken at once; blocks the only permit
      gate.awaitEntered(1); // its handler runs (a worker checks the deadline before it starts)
      s.put(new Timed(1, soon));
      s.put(new Timed(2, later));
      s.put(new Timed(3, soon));
      clock.addAndGet(2_000); // 'soon' has passed; event 0 is already being handled
      gate.open();
      assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
      StageSnapshot snap = s.snapshot();
      assertThat(handled).containsExactly(0, 2);
      assertThat(droppedSeen).extracting(Timed::id).containsExactlyInAnyOrder(1, 3);
      assertThat(snap.counts().expired()).isEqualTo(2);
      assertThat(snap.counts().dropped()).isEqualTo(2);
      assertThat(snap.counts().completed()).isEqualTo(2);
      assertThat(snap.counts().rejected(RejectionReason.EXPIRED)).isEqualTo(1);
      assertThat(snap.balanced()).isTrue();
      assertThat(graph.snapshot().toString()).contains("expired while queued: 2");
    }
  }

  @Test
  void aBatchHandlerNeverSeesExpiredEvents() throws InterruptedException {
    AtomicLong clock = new AtomicLong(0);
    StageGraph graph = register(StageGraph.builder("batchdl").nanoClock(clock::get).open());
    List<List<Integer>> batches = Collections.synchronizedList(new ArrayList<>());
    try (Gate gate = new Gate()) {
      Stage<Timed> blocker =
          graph
              .stage("s", Timed.class)
              .permits(1)
              .batchSize(10)
              .batchHandler(
                  (list, ctx) -> {
                    batches.add(list.stream().map(Timed::id).toList());
                    if (list.get(0).id() == 0) {
                      gate.pass();
                    }
                  });
      blocker.put(new Timed(0, new Deadline(Long.MAX_VALUE / 2)));
      eventually().until(() -> blocker.snapshot().handlers().active() == 1);
      for (int i = 1; i <= 6; i++) {
        blocker.put(new Timed(i, new Deadline(i % 2 == 0 ? 100 : Long.MAX_VALUE / 2)));
      }
      clock.set(200); // the even ones expired in the queue
      gate.open();
      assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
      assertThat(batches).containsExactly(List.of(0), List.of(1, 3, 5));
      assertThat(blocker.snapshot().counts().expired()).isEqualTo(3);
      assertThat(blocker.snapshot().balanced()).isTrue();
    }
  }

  @Test
  void aPathIsMeasuredFromEntryToExit() throws InterruptedException {
    StageGraph graph = open("paths");
    Stage<Integer> exit = graph.stage("exit", Integer.class).handler((i, ctx) -> {});
    Stage<Integer> mid =
        graph
            .stage("mid", Integer.class)
            .batchSize(8)
            .batchHandler(
                (list, ctx) -> {
                  Thread.sleep(1);
                  for (int i : list) {
                    ctx.emit(exit, i);
                  }
                });
    Stage<Integer> entry = graph.stage("entry", Integer.class).map(i -> i, mid);
    graph.measurePath(entry, exit);
    graph.measurePath(entry, exit); // idempotent
    for (int i = 0; i < 200; i++) {
      entry.put(i);
    }
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
    mid.put(-1); // not through the entry (and alone in its batch): not on the path
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
    assertThat(exit.snapshot().counts().completed()).isEqualTo(201);
    GraphSnapshot snap = graph.snapshot();
    assertThat(snap.paths()).hasSize(1);
    GraphSnapshot.Path p = snap.paths().get(0);
    assertThat(p.entry()).isEqualTo("entry");
    assertThat(p.exit()).isEqualTo("exit");
    assertThat(p.responseTime().count()).isEqualTo(200);
    assertThat(p.responseTime().p50Nanos()).isGreaterThanOrEqualTo(1_000_000); // mid sleeps 1 ms
    assertThat(snap.toString()).contains("path entry -> exit: 200 responses");
    assertThat(snap.balanced()).isTrue();
  }

  @Test
  void misuseIsRefusedAtTheBuilder() {
    StageGraph graph = open("misuse");
    StageGraph other = open("other");
    Stage<Integer> foreign = other.stage("x", Integer.class).handler((i, ctx) -> {});
    ResponseTarget<Object> target =
        ResponseTarget.builder(Duration.ofMillis(10)).path(foreign).build();
    assertThatThrownBy(
            () ->
                graph.stage("a", Integer.class).admission(AdmissionController.responseTime(target)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not belong to graph 'misuse'");
    assertThatThrownBy(
            () ->
                graph
                    .stage("b", Integer.class)
                    .admission(AdmissionController.responseTime(Duration.ofMillis(5)))
                    .admission(AdmissionController.responseTime(Duration.ofMillis(5)))
                    .handler((i, ctx) -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most one");
    AdmissionController<Object> shared = AdmissionController.tokenBucket(10, 1);
    graph.stage("c", Integer.class).admission(shared).handler((i, ctx) -> {});
    assertThatThrownBy(
            () -> graph.stage("d", Integer.class).admission(shared).handler((i, ctx) -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("already serves another stage");
    assertThatThrownBy(() -> graph.stage("e", Integer.class).admission(shared).admission(shared))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("twice");
    assertThatThrownBy(() -> graph.measurePath(foreign, foreign))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * A load generator built from a stage: each "tick" handler simulates 1 ms of work and offers one
   * request to the target, so {@code permits} ticks run about {@code permits * 1000} requests/s.
   */
  private static Stage<Integer> generator(
      StageGraph graph, int permits, Stage<Req> target, IntUnaryPriority priorityOf) {
    return graph
        .stage("load", Integer.class)
        .capacity(200_000)
        .permits(permits)
        .batchSize(1)
        .handler(
            (i, ctx) -> {
              Thread.sleep(1); // simulated pacing work of the load generator
              ctx.offer(target, new Req(i, priorityOf.of(i)));
            });
  }

  @FunctionalInterface
  interface IntUnaryPriority {
    int of(int id);
  }

  @Test
  void underSustainedOverloadTheResponseTimeControllerShedsAndHoldsTheTarget()
      throws InterruptedException {
    StageGraph graph =
        register(StageGraph.builder("overload").samplePeriod(Duration.ofMillis(20)).open());
    Duration target = Duration.ofMillis(20);
    // Capacity ~ 500/s (2 ms per event, one at a time); offered ~ 4 x that.
    Stage<Req> service =
        graph
            .stage("service", Req.class)
            .capacity(100_000)
            .permits(1)
            .batchSize(1)
            .admission(
                AdmissionController.welshCuller(
                    ResponseTimeSettings.builder(target)
                        .sampleEvents(20)
                        .samplePeriod(Duration.ofMillis(200))
                        .smoothing(0.7)
                        .build()))
            .handler((r, ctx) -> Thread.sleep(2));
    Stage<Integer> load = generator(graph, 2, service, i -> 0);
    load.putAll(IntStream.range(0, 30_000).boxed().toList());
    eventually()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> {
              StageSnapshot s = service.snapshot();
              return s.counts().rejected(RejectionReason.OVERLOADED) > 500
                  && s.latency().responseTime().count() > 0
                  && s.latency().responseTime().p90Nanos() < 3 * target.toNanos();
            });
    assertThat(service.snapshot().controllers().admission())
        .contains("responseTime(p90 target 20.0 ms)")
        .contains("rate");
    graph.shutdownNow();
    assertThat(graph.snapshot().balanced()).isTrue();
  }

  @Test
  @Slow
  void underOverloadLowerPrioritiesAreCutFirst() throws InterruptedException {
    StageGraph graph =
        register(StageGraph.builder("classes").samplePeriod(Duration.ofMillis(20)).open());
    AtomicInteger[] rejectedByPriority = {new AtomicInteger(), new AtomicInteger()};
    AtomicInteger[] offeredByPriority = {new AtomicInteger(), new AtomicInteger()};
    Stage<Req> service =
        graph
            .stage("service", Req.class)
            .capacity(100_000)
            .permits(1)
            .batchSize(1)
            .admission(
                AdmissionController.<Req>multiclass(
                    ResponseTimeSettings.builder(Duration.ofMillis(20))
                        .sampleEvents(20)
                        .samplePeriod(Duration.ofMillis(200))
                        .smoothing(0.7)
                        .build(),
                    2,
                    Req::priority))
            .onReject((r, why) -> rejectedByPriority[r.priority()].incrementAndGet())
            .handler((r, ctx) -> Thread.sleep(2));
    Stage<Integer> load =
        generator(
            graph,
            2,
            service,
            i -> {
              int priority = i % 5 == 0 ? 1 : 0; // a fifth of the load is important
              offeredByPriority[priority].incrementAndGet();
              return priority;
            });
    load.putAll(IntStream.range(0, 60_000).boxed().toList());
    // Past the start (the backlog built before the first cut), measure a stretch of overload.
    eventually().atMost(Duration.ofSeconds(20)).until(() -> rejectedByPriority[0].get() > 1_000);
    int[] offered0 = {offeredByPriority[0].get(), offeredByPriority[1].get()};
    int[] rejected0 = {rejectedByPriority[0].get(), rejectedByPriority[1].get()};
    eventually()
        .atMost(Duration.ofSeconds(20))
        .until(() -> offeredByPriority[0].get() - offered0[0] > 3_000);
    graph.shutdownNow();
    double lowShed =
        (rejectedByPriority[0].get() - rejected0[0])
            / (double) (offeredByPriority[0].get() - offered0[0]);
    double highShed =
        (rejectedByPriority[1].get() - rejected0[1])
            / (double) (offeredByPriority[1].get() - offered0[1]);
    assertThat(highShed).isLessThan(0.5);
    assertThat(lowShed).isGreaterThan(2 * highShed);
    assertThat(service.snapshot().controllers().admission())
        .contains("multiclass")
        .contains("priority 0");
  }
}
