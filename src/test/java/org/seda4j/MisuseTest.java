package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.seda4j.testing.Await.TIMEOUT;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.seda4j.control.AdmissionContext;
import org.seda4j.control.AdmissionController;
import org.seda4j.control.AdmissionSample;
import org.seda4j.control.ConcurrencyController;
import org.seda4j.control.ControllerDecision;
import org.seda4j.control.ControllerSample;
import org.seda4j.observe.ShutdownReport;
import org.seda4j.observe.StageSnapshot;
import org.seda4j.testing.Await;
import org.seda4j.testing.Background;
import org.seda4j.testing.Gate;

/**
 * More misuse a senior engineer would try, beyond {@link BadInputTest}: values at the edges of
 * their types, calls from the wrong thread or at the wrong time, hostile callbacks. Each test backs
 * a row of the table "Misuse and the error it gets" in docs/guide.md; no admitted event may be lost
 * by any of them.
 */
@Timeout(60)
class MisuseTest extends GraphTestSupport {

  private static final Duration FOREVER = ChronoUnit.FOREVER.getDuration();

  // ------------------------------------------------------------------ durations too long for nanos

  @Test
  void aBlockForTimeoutTooLongForNanosecondsWaitsLikeBlockAndLosesNothing() throws Exception {
    // Regression: Duration.toNanos() overflowed inside put(), after the event had been counted as
    // pending: put threw ArithmeticException and the graph never became idle again.
    StageGraph graph = open("mu_block_forever");
    CountDownLatch gate = new CountDownLatch(1);
    Stage<Integer> stage =
        graph
            .stage("s", Integer.class)
            .capacity(1)
            .permits(1)
            .batchSize(1)
            .onFull(FullQueuePolicy.blockFor(FOREVER))
            .handler((e, ctx) -> gate.await());
    stage.put(1); // taken by the handler, which waits at the gate
    Await.until(() -> stage.snapshot().handlers().inFlight() == 1);
    stage.put(2); // fills the queue

    Background<Void> producer =
        Background.call(
            "producer",
            () -> {
              stage.put(3); // waits for room, without a bound
              return null;
            });
    Await.until(() -> stage.snapshot().queue().blockedProducers() == 1);
    gate.countDown();

    assertThat(producer.future()).succeedsWithin(TIMEOUT);
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
    StageSnapshot s = stage.snapshot();
    assertThat(s.counts().completed()).isEqualTo(3);
    assertThat(s.counts().rejected()).isZero();
    assertThat(s.balanced()).isTrue();
  }

  @Test
  void durationsTooLongForNanosecondsMeanNoBound() throws Exception {
    // Regression: awaitIdle, close(Duration) and a forced shutdown with such an interrupt grace
    // threw ArithmeticException ("long overflow").
    StageGraph graph =
        register(StageGraph.builder("mu_forever").interruptGrace(FOREVER).jmx(false).open());
    Stage<Integer> stage = graph.stage("s", Integer.class).handler((e, ctx) -> {});
    stage.put(1);
    assertThat(graph.awaitIdle(FOREVER)).isTrue();
    assertThat(graph.awaitIdle(Duration.ofSeconds(Long.MIN_VALUE))).isTrue(); // idle: true at once

    ShutdownReport report = graph.close(FOREVER);

    assertThat(report.graceful()).isTrue();
    assertThat(graph.state()).isEqualTo(StageGraph.State.TERMINATED);
    assertThat(stage.snapshot().counts().completed()).isEqualTo(1);
  }

  @Test
  void aForcedShutdownWithAnUnboundedInterruptGraceWaitsForTheInterruptedHandlers()
      throws Exception {
    StageGraph graph =
        register(StageGraph.builder("mu_grace_forever").interruptGrace(FOREVER).jmx(false).open());
    CountDownLatch started = new CountDownLatch(1);
    Stage<Integer> stage =
        graph
            .stage("s", Integer.class)
            .permits(1)
            .batchSize(1)
            .handler(
                (e, ctx) -> {
                  started.countDown();
                  new CountDownLatch(1).await(); // until interrupted
                });
    stage.put(1);
    stage.put(2);
    Await.released(started);

    ShutdownReport report = graph.shutdownNow();

    assertThat(report.graceful()).isFalse();
    assertThat(report.unstoppedThreads()).isEmpty();
    assertThat(report.unprocessed()).hasSize(2);
    assertThat(stage.snapshot().counts().cancelled()).isEqualTo(2);
  }

  // ------------------------------------------------------------------ StageContext off its thread

  @Test
  void aStageContextKeptAndUsedOnAnotherThreadIsAnOutsiderOnceCloseBegins() throws Exception {
    // Regression: a context used outside its handler call was admitted while the graph was
    // closing, also after quiescence, so a "graceful" close cancelled its events; and an emit that
    // waited for room then was never woken and outlived the graph.
    StageGraph graph = open("mu_leaked_ctx");
    java.util.concurrent.atomic.AtomicReference<StageContext> leaked =
        new java.util.concurrent.atomic.AtomicReference<>();
    Stage<Integer> target =
        graph.stage("target", Integer.class).capacity(4).permits(1).handler((e, ctx) -> {});
    Stage<Integer> source =
        graph.stage("source", Integer.class).handler((e, ctx) -> leaked.set(ctx));
    source.put(0);
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
    StageContext ctx = java.util.Objects.requireNonNull(leaked.get());

    java.util.concurrent.atomic.AtomicLong admitted = new java.util.concurrent.atomic.AtomicLong();
    CountDownLatch emitting = new CountDownLatch(1);
    Background<Throwable> emitter =
        Background.call(
            "leaked-context-emitter",
            () -> {
              for (int i = 0; ; i++) {
                try {
                  ctx.emit(target, i); // blocks while target is full
                  admitted.incrementAndGet();
                  emitting.countDown();
                } catch (StageClosedException e) {
                  return e;
                }
              }
            });
    Await.released(emitting);

    ShutdownReport report = graph.close(TIMEOUT);

    assertThat(emitter.future()).succeedsWithin(TIMEOUT);
    assertThat(emitter.future().get())
        .hasMessageContaining("stage 'target' does not admit events")
        .hasMessageContaining("graph 'mu_leaked_ctx' is");
    assertThat(report.graceful()).isTrue();
    assertThat(report.unprocessed()).isEmpty();
    StageSnapshot t = target.snapshot();
    assertThat(t.counts().cancelled()).isZero();
    assertThat(t.counts().admitted()).isEqualTo(admitted.get()).isEqualTo(t.counts().completed());
  }

  // ------------------------------------------------------------------ negative durations

  @Test
  void aNegativeCloseTimeoutMeansNowAndANegativeAwaitIdleTimeoutDoesNotWait() throws Exception {
    StageGraph graph = open("mu_negative");
    CountDownLatch started = new CountDownLatch(1);
    Stage<Integer> stage =
        graph
            .stage("s", Integer.class)
            .permits(1)
            .batchSize(1)
            .handler(
                (e, ctx) -> {
                  started.countDown();
                  new CountDownLatch(1).await();
                });
    stage.put(1);
    stage.put(2);
    Await.released(started);

    assertThat(graph.awaitIdle(Duration.ofSeconds(-5))).isFalse();
    ShutdownReport report = graph.close(Duration.ofSeconds(-5));

    assertThat(report.graceful()).isFalse();
    assertThat(report.unprocessed()).hasSize(2);
  }

  // ------------------------------------------------------------------ re-entrant close

  @Test
  void aDropListenerOnAProducerThreadMayCloseTheGraph() throws Exception {
    StageGraph graph = open("mu_drop_close");
    Gate gate = new Gate();
    AtomicReference<ShutdownReport> closedBy = new AtomicReference<>();
    AtomicReference<StageGraph> self = new AtomicReference<>();
    Stage<Integer> stage =
        gate.stage(
            graph
                .stage("s", Integer.class)
                .capacity(1)
                .permits(1)
                .batchSize(1)
                .onFull(FullQueuePolicy.dropNewest())
                .onDrop(
                    e -> {
                      gate.open();
                      closedBy.set(Objects.requireNonNull(self.get()).close(TIMEOUT));
                    }));
    self.set(graph);
    stage.put(1); // taken by the handler
    Await.until(() -> stage.snapshot().handlers().inFlight() == 1);
    stage.put(2); // fills the queue

    OfferResult r = stage.offer(3); // dropped; the listener closes the graph on this thread

    assertThat(r).isInstanceOf(OfferResult.Dropped.class);
    assertThat(closedBy.get()).isNotNull();
    assertThat(closedBy.get().graceful()).isTrue();
    assertThat(graph.state()).isEqualTo(StageGraph.State.TERMINATED);
    StageSnapshot s = stage.snapshot();
    assertThat(s.counts().completed()).isEqualTo(2);
    assertThat(s.counts().dropped()).isEqualTo(1);
    assertThat(s.balanced()).isTrue();
  }

  @Test
  void aDropListenerOnAHandlerThreadCannotCloseTheGraphAndTheDropStillCounts() throws Exception {
    StageGraph graph = open("mu_drop_close_handler");
    CountDownLatch gate = new CountDownLatch(1);
    CountDownLatch taken = new CountDownLatch(1);
    AtomicReference<Throwable> refused = new AtomicReference<>();
    AtomicReference<StageGraph> self = new AtomicReference<>();
    Stage<Integer> target =
        graph
            .stage("target", Integer.class)
            .capacity(1)
            .permits(1)
            .batchSize(1)
            .onFull(FullQueuePolicy.dropNewest())
            .onDrop(
                e -> {
                  try {
                    Objects.requireNonNull(self.get()).close();
                  } catch (IllegalStateException ex) {
                    refused.set(ex);
                    throw ex; // logged and ignored by the stage
                  }
                })
            .handler(
                (e, ctx) -> {
                  taken.countDown();
                  gate.await();
                });
    self.set(graph);
    Stage<Integer> source =
        graph
            .stage("source", Integer.class)
            .permits(1)
            .handler(
                (e, ctx) -> {
                  ctx.emit(target, 0); // taken by target's handler, which waits at the gate
                  taken.await();
                  ctx.emit(target, 1); // fills target's queue
                  ctx.emit(target, 2); // dropped: the listener runs on this handler thread
                });
    source.put(0);
    Await.until(() -> refused.get() != null);
    gate.countDown();

    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
    assertThat(refused.get())
        .hasMessageContaining("close() called from a handler of stage 'source'")
        .hasMessageContaining("call it from outside the graph");
    assertThat(source.snapshot().counts().completed())
        .as("the emit returned normally")
        .isEqualTo(1);
    assertThat(target.snapshot().counts().dropped()).isEqualTo(1);
    assertThat(target.snapshot().counts().completed()).isEqualTo(2);
    graph.close();
  }

  // ------------------------------------------------------------------ self deadlock

  @Test
  void aHandlerThatPutsIntoItsOwnFullStageIsReportedAsDeadlocked() throws Exception {
    StageGraph graph =
        register(
            StageGraph.builder("mu_self_put").samplePeriod(Duration.ofMillis(5)).jmx(false).open());
    AtomicReference<Stage<Integer>> self = new AtomicReference<>();
    Stage<Integer> stage =
        graph
            .stage("again", Integer.class)
            .capacity(1)
            .permits(1)
            .batchSize(1)
            .handler(
                (e, ctx) -> {
                  Stage<Integer> me = Objects.requireNonNull(self.get());
                  me.put(e + 1); // a direct put, not ctx.emit: blocks all the same
                  me.put(e + 2);
                });
    self.set(stage);
    stage.put(0);

    Await.until(() -> graph.snapshot().deadlocked().equals(java.util.List.of("again")));
    assertThat(stage.snapshot().handlers().blockedOnEmit()).isEqualTo(1);
    ShutdownReport report = graph.shutdownNow();
    assertThat(report.unprocessed()).hasSize(2); // the blocked handler's event and the queued one
    assertThat(stage.snapshot().balanced()).isTrue();
  }

  // ------------------------------------------------------------------ values at the edges

  @Test
  void hugeBatchSizesAndPermitsAreAllowedAndCostNothingUpFront() throws Exception {
    StageGraph graph = open("mu_huge");
    java.util.concurrent.atomic.AtomicInteger largest =
        new java.util.concurrent.atomic.AtomicInteger();
    Stage<Integer> stage =
        graph
            .stage("s", Integer.class)
            .permits(Integer.MAX_VALUE)
            .batchSize(Integer.MAX_VALUE)
            .batchHandler((batch, ctx) -> largest.accumulateAndGet(batch.size(), Math::max));
    for (int i = 0; i < 1000; i++) {
      stage.put(i);
    }
    stage.setBatchSize(Integer.MAX_VALUE);
    stage.setPermits(1);
    stage.setPermits(Integer.MAX_VALUE);
    for (int i = 0; i < 1000; i++) {
      stage.put(i);
    }
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();

    assertThat(stage.snapshot().counts().completed()).isEqualTo(2000);
    assertThat(largest.get()).as("a batch holds at most what was queued").isLessThanOrEqualTo(1024);
    assertThat(stage.permits()).isEqualTo(Integer.MAX_VALUE);
    graph.close();
  }

  @Test
  void aCapacityTooLargeForTheHeapIsRefusedWhenTheStageIsCreated() {
    StageGraph graph = open("mu_capacity");
    Stage.Builder<Integer> builder = graph.stage("big", Integer.class).capacity(Integer.MAX_VALUE);

    assertThatThrownBy(() -> builder.handler((e, ctx) -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("capacity 2147483647 of stage 'big' is allocated up front")
        .hasMessageContaining("choose a capacity for the backlog you mean to hold");

    assertThat(graph.stages()).isEmpty();
    Stage<Integer> fine = graph.stage("big", Integer.class).handler((e, ctx) -> {});
    assertThat(graph.stages()).containsExactly(fine); // the graph is unharmed
    graph.close();
  }

  @Test
  void aControllerStartingOutOfRangeIsRefused() {
    StageGraph graph = open("mu_controller_initial");
    ConcurrencyController zero =
        new ConcurrencyController() {
          @Override
          public ControllerDecision decide(ControllerSample sample) {
            return new ControllerDecision(1, "never asked");
          }

          @Override
          public int initial() {
            return 0;
          }
        };

    assertThatThrownBy(
            () -> graph.stage("s", Integer.class).concurrency(zero).handler((e, c) -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("controllers of stage 's' start at permits 0")
        .hasMessageContaining("both must be at least 1");
    assertThat(graph.stages()).isEmpty();
    graph.close();
  }

  @Test
  void aControllerDecidingOutOfRangeOrNullIsLoggedAndTheSettingKept() throws Exception {
    String log =
        captureErr(
            () -> {
              StageGraph graph =
                  register(
                      StageGraph.builder("mu_controller_decide")
                          .samplePeriod(Duration.ofMillis(5))
                          .jmx(false)
                          .open());
              Stage<Integer> zero =
                  graph
                      .stage("zero", Integer.class)
                      .concurrency(fixedStart(2, () -> new ControllerDecision(0, "zero")))
                      .handler((e, ctx) -> {});
              Stage<Integer> none =
                  graph
                      .stage("none", Integer.class)
                      .concurrency(fixedStart(3, () -> null))
                      .handler((e, ctx) -> {});
              zero.put(1);
              none.put(1);
              return () -> {
                assertThat(zero.permits()).isEqualTo(2);
                assertThat(none.permits()).isEqualTo(3);
                assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
                graph.close();
              };
            },
            out ->
                out.contains("concurrency controller of stage 'zero' threw")
                    && out.contains("a controller decided 0; must be at least 1")
                    && out.contains("concurrency controller of stage 'none' returned null"));
    assertThat(log).contains("setting unchanged");
  }

  /** A controller starting at {@code initial} whose decisions come from {@code decision}. */
  private static ConcurrencyController fixedStart(
      int initial, java.util.function.Supplier<@Nullable ControllerDecision> decision) {
    return new ConcurrencyController() {
      @Override
      @SuppressWarnings("NullAway") // returning null is the misuse under test
      public ControllerDecision decide(ControllerSample sample) {
        return decision.get();
      }

      @Override
      public int initial() {
        return initial;
      }
    };
  }

  @Test
  void putAllOfAHugeCollectionIsRefusedWithoutCopyingIt() {
    StageGraph graph = open("mu_putall_huge");
    Stage<Integer> stage = graph.stage("s", Integer.class).capacity(8).handler((e, ctx) -> {});
    java.util.Collection<Integer> tenMillion =
        new java.util.AbstractCollection<>() {
          @Override
          public java.util.Iterator<Integer> iterator() {
            throw new AssertionError("the collection was iterated");
          }

          @Override
          public int size() {
            return 10_000_000;
          }
        };
    // a collection whose size() says 1 but that holds 9 (changed concurrently, or just wrong)
    java.util.Collection<Integer> lying =
        new java.util.AbstractCollection<>() {
          @Override
          public java.util.Iterator<Integer> iterator() {
            return java.util.stream.IntStream.range(0, 9).boxed().iterator();
          }

          @Override
          public int size() {
            return 1;
          }
        };

    for (var events : java.util.List.of(tenMillion, lying)) {
      assertThatThrownBy(() -> stage.putAll(events))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("can never succeed: its capacity is 8");
      assertThatThrownBy(() -> stage.offerAll(events))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("can never succeed");
    }
    assertThat(stage.snapshot().counts().offered()).isZero();
    graph.close();
  }

  // ------------------------------------------------------------------ handlers misbehaving

  @Test
  void aHandlerPuttingToAStageOfAClosedGraphFailsWithStageClosedException() throws Exception {
    StageGraph other = open("mu_other_closed");
    Stage<Integer> foreign = other.stage("foreign", Integer.class).handler((e, ctx) -> {});
    other.close();
    AtomicReference<Throwable> seen = new AtomicReference<>();
    StageGraph graph = open("mu_emits_to_closed");
    Stage<Integer> stage =
        graph
            .stage("s", Integer.class)
            .handler(
                (e, ctx) -> {
                  try {
                    foreign.put(e);
                  } catch (StageClosedException ex) {
                    seen.set(ex);
                    throw ex;
                  }
                });
    stage.put(1);
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();

    assertThat(seen.get())
        .hasMessageContaining("stage 'foreign' does not admit events")
        .hasMessageContaining("graph 'mu_other_closed' is TERMINATED");
    assertThat(stage.snapshot().counts().failed()).isEqualTo(1);
    assertThat(foreign.snapshot().counts().rejected()).isEqualTo(1);
    graph.close();
  }

  @Test
  void aBatchHandlerModifyingItsBatchOrAHandlerThrowingAnErrorFailsThatBatchOnly()
      throws Exception {
    StageGraph graph = open("mu_handler_errors");
    AtomicReference<Throwable> modify = new AtomicReference<>();
    Stage<Integer> batches =
        graph
            .stage("batches", Integer.class)
            .batchSize(1)
            .batchHandler(
                (batch, ctx) -> {
                  if (batch.get(0) == 0) {
                    try {
                      batch.clear();
                    } catch (UnsupportedOperationException e) {
                      modify.set(e);
                      throw e;
                    }
                  }
                });
    Stage<Integer> errors =
        graph
            .stage("errors", Integer.class)
            .batchSize(1)
            .handler(
                (e, ctx) -> {
                  if (e == 0) {
                    throw new StackOverflowError("an Error, not an Exception");
                  }
                });
    for (int i = 0; i < 3; i++) {
      batches.put(i);
      errors.put(i);
    }
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();

    assertThat(modify.get()).isInstanceOf(UnsupportedOperationException.class);
    assertThat(batches.snapshot().counts().failed()).isEqualTo(1);
    assertThat(batches.snapshot().counts().completed()).isEqualTo(2);
    assertThat(errors.snapshot().counts().failed()).isEqualTo(1);
    assertThat(errors.snapshot().counts().completed()).isEqualTo(2);
    graph.close();
  }

  @Test
  void aDropListenerThatThrowsIsLoggedAndTheDropStillCounts() throws Exception {
    String log =
        captureErr(
            () -> {
              StageGraph graph = open("mu_listener_throws");
              Gate gate = new Gate();
              Stage<Integer> stage =
                  gate.stage(
                      graph
                          .stage("s", Integer.class)
                          .capacity(1)
                          .permits(1)
                          .batchSize(1)
                          .onFull(FullQueuePolicy.dropNewest())
                          .onDrop(
                              e -> {
                                throw new IllegalStateException("listener fails on " + e);
                              }));
              stage.put(1);
              Await.until(() -> stage.snapshot().handlers().inFlight() == 1);
              stage.put(2);
              OfferResult r = stage.offer(3);
              return () -> {
                assertThat(r).isInstanceOf(OfferResult.Dropped.class);
                gate.open();
                assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
                assertThat(stage.snapshot().counts().dropped()).isEqualTo(1);
                assertThat(stage.snapshot().counts().completed()).isEqualTo(2);
                graph.close();
              };
            },
            out -> out.contains("drop listener of stage 's' threw; ignored"));
    assertThat(log).contains("listener fails on 3");
  }

  @Test
  void aRejectionListenerThatThrowsIsLoggedAndTheRejectionStillCounts() throws Exception {
    AtomicReference<@Nullable OfferResult> result = new AtomicReference<>();
    String log =
        captureErr(
            () -> {
              StageGraph graph = open("mu_reject_listener_throws");
              Stage<Integer> stage =
                  graph
                      .stage("s", Integer.class)
                      .admission((e, sink) -> e % 2 == 0) // odd events are refused
                      .onReject(
                          (e, why) -> {
                            throw new IllegalStateException("reject listener fails on " + e);
                          })
                      .handler((e, ctx) -> {});
              result.set(stage.offer(1));
              return () -> {
                assertThat(result.get()).isInstanceOf(OfferResult.Rejected.class);
                assertThat(stage.offer(2)).isInstanceOf(OfferResult.Accepted.class);
                assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
                StageSnapshot snap = stage.snapshot();
                assertThat(snap.counts().rejected(RejectionReason.REFUSED)).isEqualTo(1);
                assertThat(snap.counts().completed()).isEqualTo(1);
                assertThat(snap.balanced()).isTrue();
                graph.close();
              };
            },
            out -> out.contains("rejection listener of stage 's' threw; ignored"));
    assertThat(log).contains("reject listener fails on 1");
  }

  @Test
  void anAdmissionControllerThatThrowsOnFeedbackIsLoggedAndKeepsAdmitting() throws Exception {
    String log =
        captureErr(
            () -> {
              StageGraph graph =
                  StageGraph.builder("mu_feedback_throws")
                      .samplePeriod(Duration.ofMillis(10))
                      .open();
              AdmissionController<Integer> broken =
                  new AdmissionController<>() {
                    @Override
                    public boolean admit(Integer event, AdmissionContext sink) {
                      return true;
                    }

                    @Override
                    public Feedback feedback() {
                      return new Feedback(1, null);
                    }

                    @Override
                    public boolean update(AdmissionSample sample) {
                      throw new IllegalStateException("update fails");
                    }
                  };
              Stage<Integer> stage =
                  graph.stage("s", Integer.class).admission(broken).handler((e, ctx) -> {});
              for (int i = 0; i < 100; i++) {
                stage.put(i);
              }
              return () -> {
                for (int i = 0; i < 100; i++) {
                  stage.put(i); // still admitted after the controller failed
                }
                assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
                assertThat(stage.snapshot().counts().completed()).isEqualTo(200);
                assertThat(stage.snapshot().counts().rejected()).isZero();
                graph.close();
              };
            },
            out -> out.contains("admission controller of stage 's' threw on"));
    assertThat(log).contains("update fails");
  }
}
