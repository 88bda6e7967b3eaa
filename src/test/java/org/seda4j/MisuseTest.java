package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * More misuse a senior engineer would try, beyond {@link BadInputTest}: values at the edges of
 * their types, calls from the wrong thread or at the wrong time, hostile callbacks. Each test backs
 * a row of the README table "Misuse and the error it gets"; no admitted event may be lost by any of
 * them.
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
    awaitUntil(() -> stage.snapshot().inFlight() == 1);
    stage.put(2); // fills the queue

    Forked<Void> producer =
        fork(
            "producer",
            () -> {
              stage.put(3); // waits for room, without a bound
              return null;
            });
    awaitUntil(() -> stage.snapshot().blockedProducers() == 1);
    gate.countDown();

    assertThat(producer.future()).succeedsWithin(TIMEOUT);
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
    StageSnapshot s = stage.snapshot();
    assertThat(s.completed()).isEqualTo(3);
    assertThat(s.rejected()).isZero();
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
    assertThat(stage.snapshot().completed()).isEqualTo(1);
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
    assertThat(started.await(TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS))
        .isTrue();

    ShutdownReport report = graph.shutdownNow();

    assertThat(report.graceful()).isFalse();
    assertThat(report.unstoppedThreads()).isEmpty();
    assertThat(report.unprocessed()).hasSize(2);
    assertThat(stage.snapshot().cancelled()).isEqualTo(2);
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
    Forked<Throwable> emitter =
        fork(
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
    assertThat(emitting.await(TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS))
        .isTrue();

    ShutdownReport report = graph.close(TIMEOUT);

    assertThat(emitter.future()).succeedsWithin(TIMEOUT);
    assertThat(emitter.future().get())
        .hasMessageContaining("stage 'target' does not admit events")
        .hasMessageContaining("graph 'mu_leaked_ctx' is");
    assertThat(report.graceful()).isTrue();
    assertThat(report.unprocessed()).isEmpty();
    StageSnapshot t = target.snapshot();
    assertThat(t.cancelled()).isZero();
    assertThat(t.admitted()).isEqualTo(admitted.get()).isEqualTo(t.completed());
  }
}
