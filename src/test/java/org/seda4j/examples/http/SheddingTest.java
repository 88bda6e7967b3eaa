package org.seda4j.examples.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.seda4j.GraphSnapshot;
import org.seda4j.StageSnapshot;
import org.seda4j.examples.http.RawClient.RawResponse;
import org.seda4j.examples.http.ServerConfig.StageSettings;

/**
 * Overload: the file stage is stuck behind a closed gate (a disk that does not answer), every queue
 * is tiny, and more clients arrive than the pipeline can hold. The requests that do not fit are
 * answered 503 at once, while the gate is still closed; after it opens the admitted ones are
 * answered 200; and every request is counted exactly once.
 */
class SheddingTest {

  private static final int CLIENTS = 40;

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
            .withDisk(file -> gate.acquire());
    ConcurrentLinkedQueue<Integer> statuses = new ConcurrentLinkedQueue<>();
    try (StagedHttpServer server = StagedHttpServer.start(config);
        ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
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
      }
      // Every request was admitted or rejected at parse, and the rejected ones are answered while
      // the disk is still stuck.
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () -> {
                StageSnapshot parse = server.admissionStage().snapshot();
                return parse.admitted() + parse.rejected() == CLIENTS
                    && parse.rejected() > 0
                    && parse.queued() == parse.capacity() // full, and stays full while stuck
                    && statuses.size() == parse.rejected();
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
      assertThat(parse.rejected()).isEqualTo(shed + 1);
      assertThat(parse.admitted()).isEqualTo(ok);
      assertThat(stageNamed(snapshot, "file").completed()).isEqualTo(ok);
      assertThat(snapshot.stages()).allMatch(StageSnapshot::balanced);
    }
  }

  private static StageSnapshot stageNamed(GraphSnapshot snapshot, String name) {
    return snapshot.stages().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
  }
}
