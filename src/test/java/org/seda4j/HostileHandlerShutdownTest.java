package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.seda4j.testing.Await.TIMEOUT;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.seda4j.control.ControllerDecision;
import org.seda4j.observe.ShutdownReport;
import org.seda4j.observe.StageSnapshot;
import org.seda4j.testing.Await;

/**
 * Shutdown under hostile handlers (and a hostile controller): close(deadline) and shutdownNow
 * return by the deadline plus the interrupt grace (and a little), name what they could not stop,
 * report the events those threads held as cancelled, and leave no other thread of the graph
 * running. The hostile threads are let go at the end of each test.
 */
@Timeout(60)
class HostileHandlerShutdownTest extends GraphTestSupport {

  private static final Duration GRACE = Duration.ofMillis(200);

  /** Generous: the bound asserted is "returns", not "returns fast" (the machine may be busy). */
  private static final Duration SLACK = Duration.ofSeconds(3);

  private volatile boolean released;
  private final List<Thread> hostile = new java.util.concurrent.CopyOnWriteArrayList<>();

  @AfterEach
  @Timeout(30)
  void releaseTheHostileThreads() throws InterruptedException {
    released = true;
    for (Thread t : hostile) {
      LockSupport.unpark(t);
      assertThat(t.join(TIMEOUT)).as(t + " let go").isTrue();
    }
  }

  private StageGraph openWithGrace(String name) {
    return register(StageGraph.builder(name).interruptGrace(GRACE).jmx(false).open());
  }

  /** Parks until released, swallowing every interrupt: a handler that never returns. */
  private void neverReturn() {
    hostile.add(Thread.currentThread());
    while (!released) {
      LockSupport.park(this);
      Thread.interrupted(); // ignores the shutdown's interrupt
    }
  }

  private static Duration timed(Runnable call) {
    long start = System.nanoTime();
    call.run();
    return Duration.ofNanos(System.nanoTime() - start);
  }

  @Test
  void aHandlerThatIgnoresInterruptsIsNamedAndItsEventsAreReportedByTheDeadlinePlusTheGrace()
      throws Exception {
    StageGraph graph = openWithGrace("hh_stubborn");
    CountDownLatch first = new CountDownLatch(1);
    CountDownLatch stuck = new CountDownLatch(1);
    java.util.concurrent.atomic.AtomicReference<String> stuckThread =
        new java.util.concurrent.atomic.AtomicReference<>("");
    Stage<Integer> stage =
        graph
            .stage("stubborn", Integer.class)
            .capacity(16)
            .permits(1)
            .batchSize(4)
            .handler(
                (e, ctx) -> {
                  if (e == -1) {
                    first.await(); // holds the only permit until the next batch is queued
                  } else if (e == 2) {
                    stuckThread.set(
                        Thread.currentThread().getName() + "#" + Thread.currentThread().threadId());
                    stuck.countDown();
                    neverReturn();
                  } else if (e == 1) {
                    throw new IllegalStateException("event 1 fails on purpose");
                  }
                });
    stage.put(-1);
    Await.until(() -> stage.snapshot().handlers().inFlight() == 1);
    stage.putAll(List.of(0, 1, 2, 3)); // the next batch: 0 completes, 1 fails, 2 hangs, 3 waits
    first.countDown();
    Await.released(stuck);
    stage.putAll(List.of(4, 5)); // queued behind it

    ShutdownReport[] report = new ShutdownReport[1];
    Duration took = timed(() -> report[0] = graph.close(Duration.ofMillis(100)));

    assertThat(took).isLessThan(Duration.ofMillis(100).plus(GRACE).plus(SLACK));
    assertThat(report[0].graceful()).isFalse();
    assertThat(report[0].unstoppedThreads())
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith(stuckThread.get() + ": ignoring the interrupt")
        .contains("its 2 unfinished event(s) are reported as cancelled");
    assertThat(report[0].unprocessed())
        .containsExactlyInAnyOrder(
            new UnprocessedEvent("stubborn", 2, true),
            new UnprocessedEvent("stubborn", 3, false),
            new UnprocessedEvent("stubborn", 4, false),
            new UnprocessedEvent("stubborn", 5, false));
    StageSnapshot s = stage.snapshot();
    assertThat(s.counts().completed()).as("-1 and 0").isEqualTo(2);
    assertThat(s.counts().failed()).isEqualTo(1);
    assertThat(s.counts().cancelled()).isEqualTo(4);
    assertThat(s.handlers().inFlight()).isZero();
    assertThat(s.balanced()).isTrue();
    assertThat(graph.state()).isEqualTo(StageGraph.State.TERMINATED);
    assertThat(graph.awaitIdle(Duration.ZERO)).as("nothing pending").isTrue();
    // the only thread of the graph left is the one that ignores its interrupt
    assertThat(stuckThread.get()).startsWith("seda4j-hh_stubborn-stubborn#");
    assertThat(ThreadDump.threadsOf("hh_stubborn")).containsExactly("seda4j-hh_stubborn-stubborn");

    // When it finally returns, what it did with its events no longer counts.
    released = true;
    hostile.forEach(LockSupport::unpark);
    Await.until(() -> ThreadDump.threadsOf("hh_stubborn").isEmpty());
    StageSnapshot after = stage.snapshot();
    assertThat(after.counts().completed()).isEqualTo(2);
    assertThat(after.counts().cancelled()).isEqualTo(4);
    assertThat(after.handlers().active()).isZero();
    assertThat(after.balanced()).isTrue();
  }

  @Test
  void aBatchHandlerThatNeverReturnsHasItsWholeBatchReportedAsStarted() throws Exception {
    StageGraph graph = openWithGrace("hh_batch");
    CountDownLatch first = new CountDownLatch(1);
    CountDownLatch stuck = new CountDownLatch(1);
    Stage<Integer> stage =
        graph
            .stage("batch", Integer.class)
            .permits(1)
            .batchSize(3)
            .batchHandler(
                (batch, ctx) -> {
                  if (batch.contains(-1)) {
                    first.await(); // holds the only permit until the next batch is queued
                  } else if (batch.contains(0)) {
                    stuck.countDown();
                    neverReturn();
                  }
                });
    stage.put(-1);
    Await.until(() -> stage.snapshot().handlers().inFlight() == 1);
    stage.putAll(List.of(0, 1, 2));
    first.countDown();
    Await.released(stuck);

    ShutdownReport report = graph.shutdownNow();

    assertThat(report.unstoppedThreads()).hasSize(1);
    assertThat(report.unprocessed())
        .containsExactlyInAnyOrder(
            new UnprocessedEvent("batch", 0, true),
            new UnprocessedEvent("batch", 1, true),
            new UnprocessedEvent("batch", 2, true));
    assertThat(stage.snapshot().counts().cancelled()).isEqualTo(3);
    assertThat(stage.snapshot().balanced()).isTrue();
  }

  @Test
  void aHandlerThatThrowsFromAFinallyBlockIsCancelledNotFailed() throws Exception {
    StageGraph graph = openWithGrace("hh_finally");
    CountDownLatch started = new CountDownLatch(2);
    Stage<Integer> stage =
        graph
            .stage("finally", Integer.class)
            .permits(2)
            .batchSize(1)
            .handler(FinallyThrower.handler(started));
    for (int i = 0; i < 5; i++) {
      stage.put(i);
    }
    Await.released(started);

    ShutdownReport[] report = new ShutdownReport[1];
    Duration took = timed(() -> report[0] = graph.close(Duration.ofMillis(20)));

    assertThat(took).isLessThan(Duration.ofMillis(20).plus(GRACE).plus(SLACK));
    assertThat(report[0].unstoppedThreads()).isEmpty();
    assertThat(report[0].unprocessed()).hasSize(5);
    assertThat(report[0].unprocessed()).filteredOn(UnprocessedEvent::started).hasSize(2);
    StageSnapshot s = stage.snapshot();
    assertThat(s.counts().failed())
        .as("an interrupt replaced by another exception is no failure")
        .isZero();
    assertThat(s.counts().cancelled()).isEqualTo(5);
    assertThat(ThreadDump.threadsOf("hh_finally")).isEmpty();
  }

  /** The handler of the finally test: sleeps until interrupted, then throws from finally. */
  static final class FinallyThrower {
    private FinallyThrower() {}

    static EventHandler<Integer> handler(CountDownLatch started) {
      return (e, ctx) -> run(started);
    }

    @SuppressWarnings({"finally", "Finally"}) // the misbehaviour under test
    private static void run(CountDownLatch started) throws InterruptedException {
      try {
        started.countDown();
        Thread.sleep(Duration.ofHours(1));
      } finally {
        throw new IllegalStateException("thrown from a finally block, hiding the interrupt");
      }
    }
  }

  @Test
  void stubbornHandlersOfSeveralStagesAndWellBehavedOnesTogether() throws Exception {
    StageGraph graph = openWithGrace("hh_mixed");
    CountDownLatch stuck = new CountDownLatch(2);
    CountDownLatch polite = new CountDownLatch(1);
    Stage<Integer> sink =
        graph
            .stage("polite", Integer.class)
            .permits(1)
            .handler(
                (e, ctx) -> {
                  polite.countDown();
                  new CountDownLatch(1).await(); // stops when interrupted
                });
    Stage<Integer> a =
        graph
            .stage("a", Integer.class)
            .permits(1)
            .batchSize(1)
            .handler(
                (e, ctx) -> {
                  ctx.emit(sink, e);
                  stuck.countDown();
                  neverReturn();
                });
    Stage<Integer> b =
        graph
            .stage("b", Integer.class)
            .permits(1)
            .batchSize(1)
            .handler(
                (e, ctx) -> {
                  stuck.countDown();
                  neverReturn();
                });
    a.put(1);
    b.put(2);
    Await.released(stuck);
    Await.released(polite);

    ShutdownReport report = graph.shutdownNow();

    assertThat(report.unstoppedThreads())
        .hasSize(2)
        .anySatisfy(l -> assertThat(l).startsWith("seda4j-hh_mixed-a#"))
        .anySatisfy(l -> assertThat(l).startsWith("seda4j-hh_mixed-b#"));
    assertThat(report.unprocessed())
        .containsExactlyInAnyOrder(
            new UnprocessedEvent("a", 1, true),
            new UnprocessedEvent("b", 2, true),
            new UnprocessedEvent("polite", 1, true));
    assertThat(graph.snapshot().balanced()).isTrue();
    assertThat(ThreadDump.threadsOf("hh_mixed"))
        .containsExactlyInAnyOrder("seda4j-hh_mixed-a", "seda4j-hh_mixed-b");
  }

  @Test
  void aControllerThatNeverReturnsDoesNotHoldAForcedShutdown() throws Exception {
    StageGraph graph = openWithGrace("hh_controller");
    CountDownLatch deciding = new CountDownLatch(1);
    Stage<Integer> stage =
        graph
            .stage("s", Integer.class)
            .concurrency(
                sample -> {
                  deciding.countDown();
                  neverReturn(); // must not block, but does
                  return new ControllerDecision(1, "never reached");
                })
            .handler((e, ctx) -> {});
    stage.put(1);
    Await.released(deciding);

    ShutdownReport[] report = new ShutdownReport[1];
    Duration took = timed(() -> report[0] = graph.shutdownNow());

    assertThat(took).isLessThan(GRACE.plus(SLACK));
    assertThat(report[0].unstoppedThreads())
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith("seda4j-hh_controller-sampler")
        .contains("a controller of the graph has not returned");
    assertThat(ThreadDump.threadsOf("hh_controller"))
        .containsExactly("seda4j-hh_controller-sampler");
    assertThat(stage.snapshot().balanced()).isTrue();
  }
}
