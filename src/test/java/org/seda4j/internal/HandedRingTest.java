package org.seda4j.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.seda4j.internal.RegistryFixtures.ended;
import static org.seda4j.internal.RegistryFixtures.handed;
import static org.seda4j.internal.RegistryFixtures.waitingFor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.Test;

/**
 * The handed workers' ring (HandedRing) through the registry: a handed worker stays registered
 * until its thread has ended, its slot is taken again only then, the ring grows when running
 * workers hold the slots a producer looks at, and a handler thread's stage is found by the one name
 * String its stage's worker threads bear.
 */
class HandedRingTest {

  @Test
  void anEndedHandedWorkerIsForgottenOnlyOnceItsThreadHasEnded() throws InterruptedException {
    StageRegistry r = new StageRegistry();
    CountDownLatch release = new CountDownLatch(1);
    Thread running = waitingFor(release);
    Worker alive = handed(running);
    Worker gone = handed(ended());
    r.addWorker(alive);
    r.addWorker(gone);
    assertThat(r.workers()).containsExactlyInAnyOrder(alive, gone);
    assertThat(r.hasWorkers()).isTrue();

    r.removeWorker(gone);
    r.removeWorker(alive); // marked exited while its thread still runs its last lines
    assertThat(r.workers()).isEmpty();
    assertThat(r.hasWorkers()).isFalse();
    assertThat(r.exiting()).containsExactly(alive); // a termination joins that one
    r.pruneExited();
    assertThat(r.exiting()).containsExactly(alive); // never forgotten while its thread runs

    release.countDown();
    running.join();
    assertThat(r.exiting()).isEmpty();
  }

  @Test
  void slotsOfEndedWorkersAreTakenAgainAndRunningOnesMakeTheRingGrow() throws Exception {
    HandedRing ring = new HandedRing();
    for (int round = 0; round < 50; round++) {
      List<Worker> batch = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        Worker w = handed(ended());
        ring.add(w);
        batch.add(w);
      }
      batch.forEach(w -> w.exited = true);
    }
    assertThat(ring.snapshot(w -> true)).hasSizeLessThanOrEqualTo(16); // reused: never grew

    CountDownLatch release = new CountDownLatch(1);
    List<Worker> running = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      Thread t = waitingFor(release);
      Worker w = handed(t);
      ring.add(w);
      running.add(w);
    }
    assertThat(ring.snapshot(w -> !w.exited)).containsExactlyInAnyOrderElementsOf(running);
    release.countDown();
    for (Worker w : running) {
      w.thread.join();
      w.exited = true;
    }
    ring.prune();
    assertThat(ring.any(w -> true)).isFalse();
  }

  @Test
  void theSweepLetsGoOfEndedWorkersOfAQuietRingAndShrinksIt() throws Exception {
    HandedRing ring = new HandedRing();
    CountDownLatch release = new CountDownLatch(1);
    List<Worker> burst = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      Thread t = waitingFor(release);
      Worker w = handed(t);
      ring.add(w);
      burst.add(w);
    }
    Worker survivor = burst.remove(0); // still running when the others have ended
    release.countDown();
    for (Worker w : burst) {
      w.thread.join();
      w.exited = true;
    }
    survivor.exited = true; // marked, but its thread is made to look alive: never forgotten
    CountDownLatch hold = new CountDownLatch(1);
    Thread stillRunning = waitingFor(hold);
    survivor.thread = stillRunning;
    int capacityBefore = ring.capacity();
    assertThat(capacityBefore).isGreaterThanOrEqualTo(1000);

    for (int lap = 0; lap < 2 * capacityBefore / HandedRing.SWEEP + 4; lap++) {
      ring.sweep(HandedRing.SWEEP); // no producer adds meanwhile: a quiet stage
    }

    assertThat(ring.snapshot(w -> true)).containsExactly(survivor);
    assertThat(ring.capacity()).isLessThan(capacityBefore).isGreaterThanOrEqualTo(16);
    hold.countDown();
    stillRunning.join();
  }

  @Test
  void everyWorkerThreadOfAStageBearsTheOneNameInstanceItsStageIsFoundBy() throws Exception {
    // StageRegistry.handlerStage relies on it: the builder's name is the thread's name, as is.
    String name = new String("seda4j-g-s"); // a fresh instance, not the literal's
    ThreadFactory f = Thread.ofVirtual().name(name).inheritInheritableThreadLocals(false).factory();
    String[] seen = new String[1];
    Thread t = f.newThread(() -> seen[0] = Thread.currentThread().getName());
    t.start();
    t.join();
    assertThat(seen[0]).isSameAs(name);
    assertThat(Thread.ofVirtual().name("seda4j-g-s").unstarted(() -> {}).getName())
        .isNotSameAs(name);
  }
}
