package org.seda4j.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The limiter on a fake clock: no sleeps, every step exact. */
class LogLimiterTest {

  private static final long WINDOW = 10_000;

  private final AtomicLong clock = new AtomicLong(1_000_000);
  private final LogLimiter<String> limiter = new LogLimiter<>(3, WINDOW, clock::get);
  private final List<String> summaries = new ArrayList<>();

  @Test
  void allowsTheLimitPerWindowThenSuppresses() {
    assertThat(limiter.acquire("a")).isZero();
    assertThat(limiter.acquire("a")).isZero();
    assertThat(limiter.acquire("a")).isZero();
    for (int i = 0; i < 100; i++) {
      assertThat(limiter.acquire("a")).isEqualTo(LogLimiter.SUPPRESSED);
    }
    assertThat(limiter.logged()).isEqualTo(3);
    assertThat(limiter.suppressed()).isEqualTo(100);
  }

  @Test
  void keysHaveTheirOwnWindows() {
    for (int i = 0; i < 3; i++) {
      limiter.acquire("a");
    }
    assertThat(limiter.acquire("a")).isEqualTo(LogLimiter.SUPPRESSED);
    assertThat(limiter.acquire("b")).isZero();
  }

  @Test
  void theFirstMessageOfTheNextWindowCarriesTheSuppressedCountOnce() {
    for (int i = 0; i < 8; i++) {
      limiter.acquire("a"); // 3 logged, 5 suppressed
    }
    clock.addAndGet(WINDOW - 1);
    assertThat(limiter.acquire("a")).isEqualTo(LogLimiter.SUPPRESSED); // still the same window
    clock.addAndGet(1);
    assertThat(limiter.acquire("a")).isEqualTo(6);
    assertThat(limiter.acquire("a")).isZero();
    assertThat(limiter.acquire("a")).isZero();
    assertThat(limiter.acquire("a")).isEqualTo(LogLimiter.SUPPRESSED);
  }

  @Test
  void theWindowStartsWithTheFirstMessageAfterAQuietPeriod() {
    limiter.acquire("a");
    clock.addAndGet(5 * WINDOW); // quiet
    long start = clock.get();
    for (int i = 0; i < 3; i++) {
      assertThat(limiter.acquire("a")).isZero();
    }
    clock.set(start + WINDOW - 1);
    assertThat(limiter.acquire("a")).isEqualTo(LogLimiter.SUPPRESSED);
  }

  @Test
  void flushReportsEndedWindowsWithSuppressedMessagesOnlyAndOnlyOnce() {
    for (int i = 0; i < 5; i++) {
      limiter.acquire("a"); // 2 suppressed
      limiter.acquire("b"); // 2 suppressed
    }
    limiter.acquire("c"); // none suppressed
    clock.addAndGet(WINDOW / 2);
    limiter.acquire("d"); // a later window, still running at the flush below
    for (int i = 0; i < 3; i++) {
      limiter.acquire("d");
    }

    limiter.flushExpired((k, n) -> summaries.add(k + "=" + n));
    assertThat(summaries).isEmpty(); // nothing ended yet

    clock.addAndGet(WINDOW / 2);
    limiter.flushExpired((k, n) -> summaries.add(k + "=" + n));
    assertThat(summaries).containsExactlyInAnyOrder("a=2", "b=2");

    limiter.flushExpired((k, n) -> summaries.add(k + "=" + n));
    assertThat(summaries).hasSize(2); // never twice
    assertThat(limiter.acquire("a")).isZero(); // the flush reported it: not again here

    clock.addAndGet(WINDOW / 2);
    limiter.flushExpired((k, n) -> summaries.add(k + "=" + n));
    assertThat(summaries).containsExactlyInAnyOrder("a=2", "b=2", "d=1");
  }

  @Test
  void concurrentCallersNeverExceedTheLimit() throws InterruptedException {
    LogLimiter<String> shared = new LogLimiter<>(10, WINDOW, clock::get);
    int threads = 8;
    int each = 10_000;
    CountDownLatch go = new CountDownLatch(1);
    AtomicLong allowed = new AtomicLong();
    List<Thread> started = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      started.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      go.await();
                    } catch (InterruptedException e) {
                      return;
                    }
                    for (int i = 0; i < each; i++) {
                      if (shared.acquire("k") != LogLimiter.SUPPRESSED) {
                        allowed.incrementAndGet();
                      }
                    }
                  }));
    }
    go.countDown();
    for (Thread t : started) {
      t.join();
    }
    assertThat(allowed.get()).isEqualTo(10);
    assertThat(shared.logged()).isEqualTo(10);
    assertThat(shared.suppressed()).isEqualTo((long) threads * each - 10);
    clock.addAndGet(WINDOW);
    assertThat(shared.acquire("k")).isEqualTo((long) threads * each - 10);
  }

  @Test
  void rejectsANonsenseConfiguration() {
    assertThatThrownBy(() -> new LogLimiter<String>(0, WINDOW, clock::get))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new LogLimiter<String>(1, 0, clock::get))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
