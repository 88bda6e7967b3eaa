package org.seda4j.examples.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.seda4j.RejectionReason;
import org.seda4j.examples.http.RawClient.RawResponse;
import org.seda4j.examples.http.ServerConfig.StageSettings;
import org.seda4j.examples.http.ServerConfig.Wakeups;
import org.seda4j.observe.GraphSnapshot;
import org.seda4j.observe.StageSnapshot;

/**
 * Overload, two ways. First the full-queue backstop: the file stage is stuck behind a closed gate
 * (a disk that does not answer), every queue is tiny, and more clients arrive than the pipeline can
 * hold; the requests that do not fit are answered 503 at once, while the gate is still closed;
 * after it opens the admitted ones are answered 200; and every request is counted exactly once.
 * Then the response-time admission controller: a slow disk, large queues, and more load than it
 * serves; the controller sheds (503, reason OVERLOADED) long before the queues fill, and again
 * every request is answered and counted.
 */
@org.seda4j.Slow
class SheddingTest {

  private static final int CLIENTS = 40;

  /** What a 503 may take beyond its hold: the pacer's ticks, and a busy test machine. */
  private static final Duration SLACK = Duration.ofMillis(200);

  private final Path temp;

  SheddingTest(@TempDir Path temp) {
    this.temp = temp;
  }

  @Test
  void overloadIsAnswered503AtOnceAndEveryRequestIsAccounted() throws Exception {
    Path root = SampleSite.create(temp, 0);
    Semaphore gate = new Semaphore(0);
    ServerConfig config =
        ServerConfig.defaults(root)
            .withPort(0)
            .withCacheBytes(0) // every request misses and needs the disk
            .withStages(
                StageSettings.fixed(1, 1), StageSettings.fixed(1, 1), StageSettings.fixed(1, 1))
            .withDisk(file -> gate.acquire())
            .withResponseTarget(Duration.ZERO); // the full-queue backstop alone
    ConcurrentLinkedQueue<Integer> statuses = new ConcurrentLinkedQueue<>();
    try (StagedHttpServer server = StagedHttpServer.start(config);
        ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
      try {
        checkShedding(server, clients, gate, statuses);
      } finally {
        gate.release(CLIENTS); // even if an assertion failed, so that clients and server can end
      }
    }
  }

  private void checkShedding(
      StagedHttpServer server,
      ExecutorService clients,
      Semaphore gate,
      ConcurrentLinkedQueue<Integer> statuses)
      throws Exception {
    List<Future<RawResponse>> responses = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      responses.add(
          clients.submit(
              () -> {
                try (RawClient c = new RawClient(server.port())) {
                  RawResponse r = c.exchange(RawClient.get("/files/1k.txt"));
                  statuses.add(r.status());
                  return r;
                }
              }));
      // One arrival at a time, so that the pipeline fills to its room before anything is shed
      // (a burst would be shed by how fast it arrives, not by how much the pipeline holds).
      long arrived = i + 1L;
      await()
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(1))
          .until(
              () -> {
                StageSnapshot parse = server.admissionStage().snapshot();
                return parse.counts().admitted() + parse.counts().rejected() == arrived;
              });
    }
    // Every request was admitted or rejected at parse, and the rejected ones are answered while
    // the disk is still stuck.
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> {
              StageSnapshot parse = server.admissionStage().snapshot();
              return parse.counts().rejected() > 0
                  && parse.queue().queued()
                      == parse.queue().capacity() // full, and stays full while stuck
                  && statuses.size() == parse.counts().rejected();
            });
    assertThat(statuses).containsOnly(503);
    long shedWhileStuck = server.counters().shed();
    // The status page is exempt from shedding: it answers while the admission queue is full.
    try (RawClient c = new RawClient(server.port())) {
      RawResponse status = c.exchange(RawClient.get("/_seda.txt"));
      assertThat(status.status()).isEqualTo(200);
      assertThat(status.text()).contains("parse", "shed 503 " + shedWhileStuck);
    }

    gate.release(CLIENTS); // the disk answers again
    int ok = 0;
    int shed = 0;
    for (Future<RawResponse> f : responses) {
      RawResponse r = f.get();
      assertThat(r.status()).isIn(200, 503);
      if (r.status() == 200) {
        ok++;
        assertThat(r.body()).hasSize(1024);
      } else {
        shed++;
        assertThat(r.header("retry-after")).isEqualTo("1");
      }
    }
    assertThat(ok + shed).isEqualTo(CLIENTS);
    assertThat(shed).isEqualTo(shedWhileStuck); // nothing admitted was shed later
    assertThat(ok).isPositive();

    await().until(() -> server.graph().awaitIdle(Duration.ofSeconds(1)));
    ServerStats.Counters c = server.counters();
    assertThat(c.received()).isEqualTo(CLIENTS + 1); // and the status page
    assertThat(c.answered()).isEqualTo(CLIENTS + 1);
    assertThat(c.abandoned()).isZero();
    assertThat(c.status(200)).isEqualTo(ok + 1);
    assertThat(c.status(503)).isEqualTo(shed);
    assertThat(c.shed()).isEqualTo(shed);
    GraphSnapshot snapshot = server.graph().snapshot();
    StageSnapshot parse = stageNamed(snapshot, "parse");
    // The admission point: each 503 is one rejection at parse's queue, each 200 one admission;
    // the status page request was rejected too, and answered all the same.
    assertThat(parse.counts().rejected()).isEqualTo(shed + 1);
    assertThat(parse.counts().admitted()).isEqualTo(ok);
    assertThat(stageNamed(snapshot, "file").counts().completed()).isEqualTo(ok);
    assertThat(snapshot.stages()).allMatch(StageSnapshot::balanced);
  }

  private static StageSnapshot stageNamed(GraphSnapshot snapshot, String name) {
    return snapshot.stages().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void theResponseTimeControllerShedsBeforeTheQueuesFill() throws Exception {
    Path root = SampleSite.create(temp, 0);
    ServerConfig config =
        ServerConfig.defaults(root)
            .withPort(0)
            .withCacheBytes(0) // every request misses and needs the disk
            .withStages(
                StageSettings.fixed(1000, 2),
                StageSettings.fixed(1000, 2),
                StageSettings.fixed(1000, 2))
            .withDisk(Disk.simulated(2, Duration.ofMillis(5))) // about 400 reads/s
            .withResponseTarget(Duration.ofMillis(20));
    AtomicBoolean stop = new AtomicBoolean();
    ConcurrentLinkedQueue<Integer> statuses = new ConcurrentLinkedQueue<>();
    try (StagedHttpServer server = StagedHttpServer.start(config)) {
      List<Future<Void>> loops = new ArrayList<>();
      try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
        for (int i = 0; i < CLIENTS; i++) {
          loops.add(
              clients.submit(
                  () -> {
                    while (!stop.get()) {
                      try (RawClient c = new RawClient(server.port())) {
                        statuses.add(c.exchange(RawClient.get("/files/1k.txt")).status());
                      }
                    }
                    return null;
                  }));
        }
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    server.admissionStage().snapshot().counts().rejected(RejectionReason.OVERLOADED)
                        > 100);
        stop.set(true);
      } // waits for the clients
      for (Future<Void> loop : loops) {
        loop.get(); // a client that failed fails the test
      }
      StageSnapshot parse = server.admissionStage().snapshot();
      assertThat(parse.queue().queued())
          .isLessThan(parse.queue().capacity()); // shed long before the queue filled
      assertThat(parse.counts().rejected(RejectionReason.QUEUE_FULL)).isZero();
      assertThat(parse.controllers().admission()).contains("responseTime(p90 target 20.0 ms");
      assertThat(statuses).containsOnly(200, 503).contains(200, 503);

      await().until(() -> server.graph().awaitIdle(Duration.ofSeconds(1)));
      ServerStats.Counters c = server.counters();
      assertThat(c.answered()).isEqualTo(c.received()).isEqualTo(statuses.size());
      assertThat(c.abandoned()).isZero();
      assertThat(c.status(503)).isEqualTo(c.shed());
      assertThat(c.status(200) + c.status(503)).isEqualTo(statuses.size());
      GraphSnapshot snapshot = server.graph().snapshot();
      assertThat(stageNamed(snapshot, "parse").counts().rejected()).isEqualTo(c.shed());
      assertThat(snapshot.paths())
          .singleElement()
          .satisfies(p -> assertThat(p.exit()).isEqualTo("write"));
      assertThat(snapshot.stages()).allMatch(StageSnapshot::balanced);
    }
  }

  @ParameterizedTest
  @EnumSource(Wakeups.class)
  void aConnectionThatAsksAgainAtOnceGetsItsNext503OnlyWhenThePaceHasPassed(Wakeups wakeups)
      throws Exception {
    Duration pace = Duration.ofSeconds(1);
    Semaphore gate = new Semaphore(0);
    try (StagedHttpServer server = StagedHttpServer.start(stuckServer(gate, pace, wakeups));
        ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
      try {
        fillUntilShedding(server, clients);
        try (RawClient c = new RawClient(server.port())) {
          // Given a connection that was just shed (its first 503 comes within half the pace:
          // spread, so that clients shed together do not come back together) ...
          long asked = System.nanoTime();
          RawResponse first = c.exchange(RawClient.get("/files/1k.txt"));
          assertThat(Duration.ofNanos(System.nanoTime() - asked))
              .isLessThan(pace.dividedBy(2).plus(SLACK));
          assertThat(first.status()).isEqualTo(503);
          assertThat(first.header("retry-after")).isEqualTo("1");
          assertThat(first.header("connection")).isEmpty(); // kept: no reconnect needed
          assertThat(first.text()).contains("overloaded");

          // ... when it asks again at once and is shed again, the 503 waits for the pace (half of
          // it at least: the pace is jittered, so that clients shed together do not come back
          // together).
          asked = System.nanoTime();
          assertThat(c.exchange(RawClient.get("/files/1k.txt")).status()).isEqualTo(503);
          assertThat(Duration.ofNanos(System.nanoTime() - asked))
              .isGreaterThanOrEqualTo(pace.dividedBy(2).minusMillis(50));

          // A client that waits its Retry-After (the behaviour under test, not a wait for an
          // outcome) is not held for the pace: its 503 is only spread, within half of it.
          Thread.sleep(pace);
          asked = System.nanoTime();
          c.send("HEAD /files/1k.txt HTTP/1.1\r\nHost: x\r\n\r\n")
              .send("GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
          RawResponse polite = c.read(true);
          assertThat(polite.status()).isEqualTo(503);
          assertThat(polite.body()).isEmpty();
          assertThat(Duration.ofNanos(System.nanoTime() - asked))
              .isLessThan(pace.dividedBy(2).plus(SLACK));

          // A shed request that says "Connection: close" gets it, and the connection ends (sent
          // right behind the previous one, so that it is there at once however slow this client).
          RawResponse closing = c.read();
          assertThat(closing.status()).isEqualTo(503);
          assertThat(closing.header("connection")).isEqualTo("close");
          assertThat(c.closedByServer()).isTrue();
        }
      } finally {
        gate.release(CLIENTS);
      }
      ServerStats.Counters c = awaitBooksBalanced(server);
      // Held: the request sent at once after the first 503, and the one sent at once after the
      // polite one's; not the polite one itself.
      assertThat(c.paced()).isEqualTo(2);
    }
  }

  @ParameterizedTest
  @EnumSource(Wakeups.class)
  void aHeld503DoesNotDelayShutdown(Wakeups wakeups) throws Exception {
    Duration pace = Duration.ofMinutes(2);
    Semaphore gate = new Semaphore(0);
    StagedHttpServer server = StagedHttpServer.start(stuckServer(gate, pace, wakeups));
    try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
        RawClient c = new RawClient(server.port())) {
      fillUntilShedding(server, clients);
      assertThat(c.exchange(RawClient.get("/files/1k.txt")).status()).isEqualTo(503);
      long received = server.counters().received();
      c.send(RawClient.get("/files/1k.txt")); // shed again: held for the pace
      await().until(() -> server.counters().received() == received + 1);
      gate.release(CLIENTS); // so that the admitted requests can be answered

      long closing = System.nanoTime();
      server.close();
      assertThat(Duration.ofNanos(System.nanoTime() - closing)).isLessThan(pace.dividedBy(4));
      ServerStats.Counters counters = server.counters();
      assertThat(counters.inProgress()).isZero();
      assertThat(counters.received()).isEqualTo(counters.answered() + counters.abandoned());
    } finally {
      server.close();
    }
  }

  @ParameterizedTest
  @EnumSource(Wakeups.class)
  void aConnectionIdleLongerThanTheIdleTimeoutIsClosedAndABusyOneIsNot(Wakeups wakeups)
      throws Exception {
    ServerConfig config =
        ServerConfig.defaults(SampleSite.create(temp, 0))
            .withPort(0)
            .withIdleTimeout(Duration.ofMillis(300))
            .withWakeups(wakeups);
    try (StagedHttpServer server = StagedHttpServer.start(config);
        RawClient idle = new RawClient(server.port());
        RawClient busy = new RawClient(server.port())) {
      assertThat(idle.exchange(RawClient.get("/files/1k.txt")).status()).isEqualTo(200);
      // Given one connection that asks nothing more and one that keeps asking, within the timeout,
      // when the idle one has waited longer than the timeout, the server has closed it ...
      await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(100))
          .untilAsserted(
              () -> {
                assertThat(busy.exchange(RawClient.get("/files/1k.txt")).status()).isEqualTo(200);
                assertThat(server.counters().connectionsOpen()).isEqualTo(1);
              });
      assertThat(idle.closedByServer()).isTrue();
      // ... and the busy one is still served.
      assertThat(busy.exchange(RawClient.get("/files/1k.txt")).status()).isEqualTo(200);
    }
  }

  @ParameterizedTest
  @EnumSource(names = {"PROBED_READS", "HANDED_OFF"})
  void afterA503TheNextRequestOfAClientThatAsksAtOnceIsReadAtTheNextTickNotAfterTheRetryAfter(
      Wakeups wakeups) throws Exception {
    Duration pace = Duration.ofSeconds(1);
    Semaphore gate = new Semaphore(0);
    try (StagedHttpServer server = StagedHttpServer.start(stuckServer(gate, pace, wakeups));
        ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
      try {
        fillUntilShedding(server, clients);
        try (RawClient c = new RawClient(server.port())) {
          // Given a connection whose reader does not read after its 503 ...
          assertThat(c.exchange(RawClient.get("/files/1k.txt")).status()).isEqualTo(503);
          long received = server.counters().received();
          // ... when its client asks again at once, the request is read (and offered) within a
          // few of the pacer's ticks, long before the Retry-After is over.
          c.send(RawClient.get("/files/1k.txt"));
          await()
              .atMost(pace.dividedBy(3))
              .pollInterval(Duration.ofMillis(2))
              .until(() -> server.counters().received() == received + 1);
          assertThat(c.read().status()).isEqualTo(503); // still no room: held for the pace
        }
      } finally {
        gate.release(CLIENTS);
      }
      awaitBooksBalanced(server);
    }
  }

  @ParameterizedTest
  @EnumSource(names = {"PROBED_READS", "HANDED_OFF"})
  void afterAHeld503ASlowRequestIsReadWhenItComesNotAfterTheRetryAfter(Wakeups wakeups)
      throws Exception {
    Duration pace = Duration.ofSeconds(1);
    Semaphore gate = new Semaphore(0);
    try (StagedHttpServer server = StagedHttpServer.start(stuckServer(gate, pace, wakeups));
        ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
      try {
        fillUntilShedding(server, clients);
        try (RawClient c = new RawClient(server.port())) {
          // Given a connection that asked again at once after its 503, so that its second 503 was
          // held for the pace ...
          assertThat(c.exchange(RawClient.get("/files/1k.txt")).status()).isEqualTo(503);
          assertThat(c.exchange(RawClient.get("/files/1k.txt")).status()).isEqualTo(503);
          assertThat(server.counters().paced()).isEqualTo(1);
          // ... when its client is slower than the pacer's tick before it asks again (the
          // behaviour under test, not a wait for an outcome: no request is there at the first
          // tick) ...
          Thread.sleep(StagedHttpServer.PACER_TICK.multipliedBy(10));
          long received = server.counters().received();
          long asked = System.nanoTime();
          c.send(RawClient.get("/files/1k.txt"));
          // ... its request is read as soon as it comes, not a Retry-After after the 503.
          await()
              .atMost(pace.dividedBy(3))
              .pollInterval(Duration.ofMillis(2))
              .until(() -> server.counters().received() == received + 1);
          assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(pace.dividedBy(3));
          assertThat(c.read().status()).isEqualTo(503);
        }
      } finally {
        gate.release(CLIENTS);
      }
      awaitBooksBalanced(server);
    }
  }

  @Test
  void aClientThatWaitedItsRetryAfterIsNextLookedForWhenItsRetryAfterIsOver() throws Exception {
    Duration pace = Duration.ofSeconds(1);
    Semaphore gate = new Semaphore(0);
    try (StagedHttpServer server =
            StagedHttpServer.start(stuckServer(gate, pace, Wakeups.HANDED_OFF));
        ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
      try {
        fillUntilShedding(server, clients);
        try (RawClient c = new RawClient(server.port())) {
          // Given a client that waited its Retry-After after a 503 before it asked again ...
          assertThat(c.exchange(RawClient.get("/files/1k.txt")).status()).isEqualTo(503);
          // (the behaviour under test: a client that waits about as long as it is told)
          Thread.sleep(pace.minusMillis(200));
          assertThat(c.exchange(RawClient.get("/files/1k.txt")).status()).isEqualTo(503);
          // ... when it asks again at once after its next 503 ...
          long received = server.counters().received();
          long asked = System.nanoTime();
          c.send(RawClient.get("/files/1k.txt"));
          // ... its request is left in the socket until that 503's Retry-After is over ...
          await()
              .during(pace.dividedBy(2))
              .atMost(pace)
              .pollInterval(Duration.ofMillis(20))
              .until(() -> server.counters().received() == received);
          // ... and read then, and answered.
          await()
              .atMost(pace.multipliedBy(3))
              .pollInterval(Duration.ofMillis(5))
              .until(() -> server.counters().received() == received + 1);
          assertThat(Duration.ofNanos(System.nanoTime() - asked))
              .isLessThan(pace.plus(StagedHttpServer.PACER_TICK.multipliedBy(20)));
          assertThat(c.read().status()).isEqualTo(503);
        }
      } finally {
        gate.release(CLIENTS);
      }
      awaitBooksBalanced(server);
    }
  }

  @Test
  void aHandedOffConnectionIsServedAsSoonAsOneOfItsRequestsIsAdmitted() throws Exception {
    Semaphore gate = new Semaphore(0);
    try (StagedHttpServer server =
            StagedHttpServer.start(stuckServer(gate, Duration.ofSeconds(1), Wakeups.HANDED_OFF));
        ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
      try {
        fillUntilShedding(server, clients);
        try (RawClient c = new RawClient(server.port())) {
          // Given a connection that was shed, and is handed off to the pacer ...
          assertThat(c.exchange(RawClient.get("/files/1k.txt")).status()).isEqualTo(503);
          // ... the status page is answered on it all the same (the pacer leaves it to the
          // connection's reader) ...
          RawResponse status = c.exchange(RawClient.get("/_seda.txt"));
          assertThat(status.status()).isEqualTo(200);
          assertThat(status.text()).contains("shed 503");
          // ... and when there is room again, its next request is admitted and answered.
          gate.release(CLIENTS);
          await().until(() -> server.graph().awaitIdle(Duration.ofSeconds(1)));
          RawResponse ok = c.exchange(RawClient.get("/files/1k.txt"));
          assertThat(ok.status()).isEqualTo(200);
          assertThat(ok.body()).hasSize(1024);
          assertThat(c.exchange(RawClient.get("/files/1k.txt")).status()).isEqualTo(200);
        }
      } finally {
        gate.release(CLIENTS);
      }
      ServerStats.Counters c = awaitBooksBalanced(server);
      assertThat(c.abandoned()).isZero();
    }
  }

  /** No cache, queues of one, and a disk that answers only when the gate opens. */
  private ServerConfig stuckServer(Semaphore gate, Duration pace, Wakeups wakeups)
      throws Exception {
    return ServerConfig.defaults(SampleSite.create(temp, 0))
        .withPort(0)
        .withCacheBytes(0)
        .withStages(StageSettings.fixed(1, 1), StageSettings.fixed(1, 1), StageSettings.fixed(1, 1))
        .withDisk(file -> gate.acquire())
        .withResponseTarget(Duration.ZERO)
        .withShedPace(pace)
        .withWakeups(wakeups);
  }

  /** Clients, one at a time, each on its own connection, until one of them is shed. */
  private static void fillUntilShedding(StagedHttpServer server, ExecutorService clients) {
    for (int i = 0;
        i < CLIENTS && server.admissionStage().snapshot().counts().rejected() == 0;
        i++) {
      clients.execute(
          () -> {
            try (RawClient c = new RawClient(server.port())) {
              c.exchange(RawClient.get("/files/1k.txt"));
            } catch (IOException e) {
              // the server closed at the end of the test: nothing to check here
            }
          });
      long arrived = i + 1L;
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () -> {
                StageSnapshot parse = server.admissionStage().snapshot();
                return parse.counts().admitted() + parse.counts().rejected() == arrived;
              });
    }
    assertThat(server.admissionStage().snapshot().counts().rejected()).isPositive();
  }

  /**
   * Waits until the server is idle with no request in progress, then checks its books: every
   * request received was answered, and every 503 was a shed request. Returns the counters.
   */
  private static ServerStats.Counters awaitBooksBalanced(StagedHttpServer server) {
    await().until(() -> server.graph().awaitIdle(Duration.ofSeconds(1)));
    await().until(() -> server.counters().inProgress() == 0);
    ServerStats.Counters c = server.counters();
    assertThat(c.answered()).isEqualTo(c.received());
    assertThat(c.status(503)).isEqualTo(c.shed());
    return c;
  }
}
