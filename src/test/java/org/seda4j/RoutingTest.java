package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.seda4j.testing.Await.TIMEOUT;
import static org.seda4j.testing.Await.eventually;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.seda4j.observe.GraphSnapshot;
import org.seda4j.observe.StageSnapshot;

/**
 * Handlers emitting to other stages: routing over a sealed event type with an exhaustive {@code
 * switch}, fan-out, and cycles (a stage emitting to itself, two stages emitting to each other),
 * where {@link StageGraph#awaitIdle} must report quiescence only once the cycle has ended.
 */
@Timeout(30)
class RoutingTest {

  /** The events of a small bank: the router switches over them exhaustively. */
  sealed interface Command permits Deposit, Withdraw, Audit {}

  record Deposit(String account, long cents) implements Command {}

  record Withdraw(String account, long cents) implements Command {}

  record Audit(String account) implements Command {}

  /** A token travelling round a cycle; it stops when {@code remaining} reaches 0. */
  record Ball(int token, int remaining) {}

  private static void assertIdle(StageGraph graph) throws InterruptedException {
    assertThat(graph.awaitIdle(TIMEOUT)).as("graph quiescent").isTrue();
  }

  /** A stage created later than the handler that refers to it. */
  private static final class Later<T> {
    private final AtomicReference<@Nullable Stage<T>> stage = new AtomicReference<>();

    void set(Stage<T> s) {
      stage.set(s);
    }

    Stage<T> get() {
      return Objects.requireNonNull(stage.get(), "stage not created yet");
    }
  }

  @Test
  void routerSwitchesExhaustivelyOverASealedTypeAndEmitsEachKindToItsStage() throws Exception {
    List<Deposit> deposits = new CopyOnWriteArrayList<>();
    List<Withdraw> withdrawals = new CopyOnWriteArrayList<>();
    List<Audit> audits = new CopyOnWriteArrayList<>();
    try (StageGraph graph = StageGraph.open("bank")) {
      // given one stage per kind of command and a router in front of them
      Stage<Deposit> depositStage =
          graph.stage("deposits", Deposit.class).permits(1).handler((d, ctx) -> deposits.add(d));
      Stage<Withdraw> withdrawStage =
          graph
              .stage("withdrawals", Withdraw.class)
              .permits(1)
              .handler((w, ctx) -> withdrawals.add(w));
      Stage<Audit> auditStage =
          graph.stage("audits", Audit.class).permits(1).handler((a, ctx) -> audits.add(a));
      Stage<Command> router =
          graph
              .stage("router", Command.class)
              .permits(1)
              .handler(
                  (command, ctx) -> {
                    switch (command) {
                      case Deposit d -> ctx.emit(depositStage, d);
                      case Withdraw w -> ctx.emit(withdrawStage, w);
                      case Audit a -> ctx.emit(auditStage, a);
                    }
                  });

      // when a mix of commands is put into the router
      List<Command> commands = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        String account = "acc-" + i;
        commands.add(new Deposit(account, i * 100L));
        commands.add(new Withdraw(account, i));
        if (i % 3 == 0) {
          commands.add(new Audit(account));
        }
      }
      for (Command c : commands) {
        router.put(c);
      }

      // then every command reaches the stage of its kind, once, in the order it was routed
      assertIdle(graph);
      assertThat(deposits)
          .isEqualTo(commands.stream().filter(c -> c instanceof Deposit).toList())
          .hasSize(30);
      assertThat(withdrawals)
          .isEqualTo(commands.stream().filter(c -> c instanceof Withdraw).toList())
          .hasSize(30);
      assertThat(audits)
          .isEqualTo(commands.stream().filter(c -> c instanceof Audit).toList())
          .hasSize(10);
      assertThat(router.snapshot().counts().completed()).isEqualTo(70);
      assertThat(depositStage.snapshot().counts().completed()).isEqualTo(30);
      assertThat(withdrawStage.snapshot().counts().completed()).isEqualTo(30);
      assertThat(auditStage.snapshot().counts().completed()).isEqualTo(10);
      GraphSnapshot g = graph.snapshot();
      assertThat(g.admitted()).isEqualTo(140);
      assertThat(g.finished()).isEqualTo(140);
      assertThat(g.rejected()).isZero();
      assertThat(g.balanced()).isTrue();
    }
  }

  @Test
  void fanOutEmitsEveryEventToEachOfThreeStagesExactlyOnce() throws Exception {
    List<List<Integer>> received =
        List.of(
            new CopyOnWriteArrayList<>(),
            new CopyOnWriteArrayList<>(),
            new CopyOnWriteArrayList<>());
    try (StageGraph graph = StageGraph.open("fan-out")) {
      // given three sinks and a stage that emits each event to all of them
      List<Stage<Integer>> sinks = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        List<Integer> into = received.get(i);
        sinks.add(
            graph.stage("sink" + i, Integer.class).permits(1).handler((n, ctx) -> into.add(n)));
      }
      Stage<Integer> fanOut =
          graph
              .stage("fan-out", Integer.class)
              .permits(2)
              .handler(
                  (n, ctx) -> {
                    for (Stage<Integer> sink : sinks) {
                      ctx.emit(sink, n);
                    }
                  });

      // when 100 events are put
      for (int i = 0; i < 100; i++) {
        fanOut.put(i);
      }

      // then each sink receives each event exactly once
      assertIdle(graph);
      List<Integer> expected = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        expected.add(i);
      }
      for (int i = 0; i < 3; i++) {
        assertThat(received.get(i)).as("sink%d", i).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(sinks.get(i).snapshot().counts().admitted()).isEqualTo(100);
        assertThat(sinks.get(i).snapshot().counts().completed()).isEqualTo(100);
      }
      assertThat(fanOut.snapshot().counts().completed()).isEqualTo(100);
      assertThat(graph.snapshot().admitted()).isEqualTo(400);
      assertThat(graph.snapshot().balanced()).isTrue();
    }
  }

  @Test
  void stageEmittingToItselfIsIdleOnlyWhenTheCountdownReachesZero() throws Exception {
    List<Integer> seen = new CopyOnWriteArrayList<>();
    AtomicLong seenWhenFirstIdle = new AtomicLong(-1);
    Later<Integer> self = new Later<>();
    try (StageGraph graph = StageGraph.open("self-cycle")) {
      // given a stage that emits n - 1 to itself until 0, through a small queue
      Stage<Integer> countdown =
          graph
              .stage("countdown", Integer.class)
              .capacity(4)
              .permits(1)
              .handler(
                  (n, ctx) -> {
                    seen.add(n);
                    if (n > 0) {
                      ctx.emit(self.get(), n - 1);
                    }
                  });
      self.set(countdown);

      // when the countdown starts at 2000, and the graph is polled for quiescence meanwhile
      countdown.put(2000);
      eventually()
          .until(
              () -> {
                boolean idle = graph.awaitIdle(Duration.ZERO);
                if (idle) {
                  seenWhenFirstIdle.set(seen.size());
                }
                return idle;
              });

      // then the first moment it was idle was after the last hop
      assertThat(seenWhenFirstIdle.get()).isEqualTo(2001);
      assertThat(seen).hasSize(2001).startsWith(2000, 1999).endsWith(1, 0);
      StageSnapshot s = countdown.snapshot();
      assertThat(s.counts().admitted()).isEqualTo(2001);
      assertThat(s.counts().completed()).isEqualTo(2001);
      assertThat(s.balanced()).isTrue();
    }
  }

  @Test
  void twoStagePingPongCycleIsIdleOnlyWhenEveryBallHasStopped() throws Exception {
    AtomicInteger pingHits = new AtomicInteger();
    AtomicInteger pongHits = new AtomicInteger();
    List<Integer> finished = new CopyOnWriteArrayList<>();
    AtomicLong hitsWhenFirstIdle = new AtomicLong(-1);
    Later<Ball> pongLater = new Later<>();
    try (StageGraph graph = StageGraph.open("ping-pong")) {
      // given two stages that send each ball back and forth, one hop shorter each time; ping
      // emits before its (simulated) work and pong after it, so both orders of "emit" and "end"
      // are exercised
      Stage<Ball> ping =
          graph
              .stage("ping", Ball.class)
              .permits(3)
              .handler(
                  (ball, ctx) -> {
                    pingHits.incrementAndGet();
                    if (ball.remaining() > 0) {
                      ctx.emit(pongLater.get(), new Ball(ball.token(), ball.remaining() - 1));
                    } else {
                      finished.add(ball.token());
                    }
                    if (ball.remaining() % 25 == 0) {
                      Thread.sleep(1); // simulated work
                    }
                  });
      Stage<Ball> pong =
          graph
              .stage("pong", Ball.class)
              .permits(3)
              .handler(
                  (ball, ctx) -> {
                    if (ball.remaining() % 25 == 0) {
                      Thread.sleep(1); // simulated work
                    }
                    pongHits.incrementAndGet();
                    if (ball.remaining() > 0) {
                      ctx.emit(ping, new Ball(ball.token(), ball.remaining() - 1));
                    } else {
                      finished.add(ball.token());
                    }
                  });
      pongLater.set(pong);

      // when five balls are served with 200 hops each, and the graph is polled meanwhile
      for (int token = 0; token < 5; token++) {
        ping.put(new Ball(token, 200));
      }
      eventually()
          .until(
              () -> {
                boolean idle = graph.awaitIdle(Duration.ZERO);
                if (idle) {
                  hitsWhenFirstIdle.set(pingHits.get() + pongHits.get());
                }
                return idle;
              });

      // then the graph was first idle after the last hop of the last ball
      assertThat(hitsWhenFirstIdle.get()).isEqualTo(5 * 201);
      assertThat(finished).containsExactlyInAnyOrder(0, 1, 2, 3, 4);
      // (201 visits per ball, alternating, starting and ending at ping)
      assertThat(pingHits.get()).isEqualTo(5 * 101);
      assertThat(pongHits.get()).isEqualTo(5 * 100);
      assertThat(ping.snapshot().counts().completed()).isEqualTo(5 * 101);
      assertThat(pong.snapshot().counts().completed()).isEqualTo(5 * 100);
      assertThat(graph.snapshot().balanced()).isTrue();
      // and a blocking awaitIdle agrees
      assertIdle(graph);
    }
  }

  @Test
  void awaitIdleWithATimeoutWaitsForACycleToFinish() throws Exception {
    AtomicInteger hops = new AtomicInteger();
    Later<Integer> self = new Later<>();
    try (StageGraph graph = StageGraph.open("cycle-await")) {
      // given a self-cycle doing a little simulated work per hop
      Stage<Integer> loop =
          graph
              .stage("loop", Integer.class)
              .permits(1)
              .handler(
                  (n, ctx) -> {
                    if (n % 10 == 0) {
                      Thread.sleep(1); // simulated work
                    }
                    hops.incrementAndGet();
                    if (n > 0) {
                      ctx.emit(self.get(), n - 1);
                    }
                  });
      self.set(loop);

      // when it runs 300 hops
      loop.put(300);

      // then awaitIdle returns true only after the last one
      assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
      assertThat(hops.get()).isEqualTo(301);
      assertThat(loop.snapshot().counts().completed()).isEqualTo(301);
    }
  }
}
