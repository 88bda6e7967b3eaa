package org.seda4j.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionFactory;

/**
 * The tests' one way to wait for something asynchronous: Awaitility polling often (no fixed delay)
 * for at most {@link #TIMEOUT}, or a latch awaited as long.
 */
public final class Await {
  private Await() {}

  /** The bound for every wait in the tests; a healthy run needs a small fraction of it. */
  public static final Duration TIMEOUT = Duration.ofSeconds(10);

  /**
   * Awaitility with the tests' patience and a tight poll.
   *
   * @return a condition factory to finish with {@code until(...)} or {@code untilAsserted(...)}
   */
  public static ConditionFactory eventually() {
    return await().atMost(TIMEOUT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2));
  }

  /**
   * Polls {@code condition} until it holds, at most {@link #TIMEOUT}.
   *
   * @param condition what to wait for
   */
  public static void until(Callable<Boolean> condition) {
    eventually().until(condition);
  }

  /**
   * Waits until {@code latch} reaches zero, failing the test if it does not within {@link
   * #TIMEOUT}.
   *
   * @param latch the latch
   * @throws InterruptedException if the test thread is interrupted
   */
  public static void released(CountDownLatch latch) throws InterruptedException {
    assertThat(latch.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
        .as("latch released within %s", TIMEOUT)
        .isTrue();
  }
}
