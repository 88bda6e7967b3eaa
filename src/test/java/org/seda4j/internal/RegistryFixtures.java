package org.seda4j.internal;

import java.util.concurrent.CountDownLatch;

/**
 * Workers and threads for the registry's tests (ExitedWorkersTest, HandedRingTest): workers with no
 * owner (the registry reads only a worker's thread and exit flag), an ended thread, and a thread
 * that runs until a latch opens.
 */
final class RegistryFixtures {
  private RegistryFixtures() {}

  /** A worker of the table (a looping worker) on thread {@code t}. */
  @SuppressWarnings("NullAway") // no owner: the registry reads only the thread and the exit flag
  static Worker worker(Thread t) {
    Worker w = new Worker(null);
    w.thread = t;
    return w;
  }

  /** A handed worker (kept in the ring) on thread {@code t}. */
  @SuppressWarnings("NullAway") // no owner: the registry reads only the thread and the exit flag
  static Worker handed(Thread t) {
    Worker w = new Worker.Handed(null);
    w.thread = t;
    return w;
  }

  /** A virtual thread that has run and ended. */
  static Thread ended() throws InterruptedException {
    Thread t = Thread.ofVirtual().start(() -> {});
    t.join();
    return t;
  }

  /** A started virtual thread that runs until {@code release} opens. */
  static Thread waitingFor(CountDownLatch release) {
    return Thread.ofVirtual()
        .start(
            () -> {
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
  }
}
