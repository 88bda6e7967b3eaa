package org.seda4j.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.seda4j.internal.RegistryFixtures.ended;
import static org.seda4j.internal.RegistryFixtures.waitingFor;
import static org.seda4j.internal.RegistryFixtures.worker;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * The registry's handling of ended workers: an ended worker stays registered (a termination joins
 * its thread) until a later exit of its stripe finds its thread ended; one still alive then is left
 * for a pruning pass, never dropped while its thread runs.
 */
class ExitedWorkersTest {

  @Test
  void anEndedWorkerStaysUntilALaterExitOfItsStripeFindsItsThreadEnded()
      throws InterruptedException {
    StageRegistry r = new StageRegistry();
    List<Worker> all = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      Worker w = worker(ended());
      r.addWorker(w);
      all.add(w);
    }
    assertThat(r.workers()).hasSize(64);
    for (Worker w : all) {
      r.removeWorker(w);
    }
    assertThat(r.workers()).isEmpty(); // none is live
    // At most the last of each stripe stays registered (for a termination to join), no more.
    assertThat(r.exiting()).isNotEmpty().hasSizeLessThanOrEqualTo(8);
    r.pruneExited();
    assertThat(r.exiting()).isEmpty();
  }

  @Test
  @SuppressWarnings("NullAway") // a worker whose thread could not be made (Workers.trySpawn)
  void aWorkerWithoutAThreadIsForgottenQuietly() {
    StageRegistry r = new StageRegistry();
    Worker w = new Worker(null);
    r.removeWorker(w); // the caller is handling the failure to make its thread: no NPE on top
    assertThat(w.exited).isTrue();
    assertThat(r.exiting()).isEmpty();
  }

  @Test
  void aWorkerWhoseThreadStillRunsIsNeverForgotten() throws InterruptedException {
    StageRegistry r = new StageRegistry();
    CountDownLatch release = new CountDownLatch(1);
    Thread running = waitingFor(release);
    Worker alive = worker(running);
    r.addWorker(alive);
    r.removeWorker(alive);
    // Every later exit, in every stripe, and the sampler's pass: it stays while its thread runs.
    for (int i = 0; i < 64; i++) {
      Worker w = worker(ended());
      r.addWorker(w);
      r.removeWorker(w);
    }
    r.pruneLeftBehind(100_000_000L);
    assertThat(r.exiting()).contains(alive);
    assertThat(r.handlerStage(running)).isNull(); // exited: not a handler any more
    release.countDown();
    running.join();
    r.pruneExited();
    assertThat(r.exiting()).doesNotContain(alive);
  }
}
