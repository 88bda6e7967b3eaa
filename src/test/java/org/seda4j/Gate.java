package org.seda4j;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.awaitility.core.ConditionFactory;

/**
 * Holds every handler call that passes it until opened; opening it on close keeps a failing test
 * from hanging in {@code graph.close()}. Shared by the producer-side tests.
 */
final class Gate implements AutoCloseable {
  private final CountDownLatch latch = new CountDownLatch(1);

  void pass() throws InterruptedException {
    latch.await();
  }

  void open() {
    latch.countDown();
  }

  @Override
  public void close() {
    open();
  }

  /** Awaitility with the producer tests' patience and a tight poll. */
  static ConditionFactory eventually() {
    return await()
        .atMost(Duration.ofSeconds(10))
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(2));
  }
}
