package org.seda4j.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.seda4j.AdmissionContext;
import org.seda4j.AdmissionController;
import org.seda4j.AdmissionController.ResponseTimeSettings;
import org.seda4j.AdmissionSample;
import org.seda4j.Latency;
import org.seda4j.RejectionReason;

/**
 * Admission controllers are pure functions of the time they are given and of the samples they are
 * fed: these tests drive them with numbers (a fake clock and queue, no stage, no threads except in
 * the one test of the token bucket's thread safety).
 */
class AdmissionControllersTest {

  private static final long MS = 1_000_000L;
  private static final long SECOND = 1_000_000_000L;

  /** A sink whose time and queue length the test sets. */
  private static final class FakeSink implements AdmissionContext {
    long now = 1_000 * SECOND;
    int queued;

    @Override
    public String stageName() {
      return "s";
    }

    @Override
    public int queued() {
      return queued;
    }

    @Override
    public int capacity() {
      return 1000;
    }

    @Override
    public long nanoTime() {
      return now;
    }
  }

  /** How many of {@code n} events offered evenly over {@code nanos} the controller admits. */
  private static <E> int admittedOver(
      AdmissionController<E> c, E event, FakeSink sink, int n, long nanos) {
    int ok = 0;
    for (int i = 0; i < n; i++) {
      sink.now += nanos / n;
      if (c.admit(event, sink)) {
        ok++;
      }
    }
    return ok;
  }

  private static Latency latency(long count, long p90Nanos) {
    return new Latency(count, p90Nanos / 2, p90Nanos, p90Nanos * 2, p90Nanos * 3);
  }

  private static AdmissionSample sample(long now, long elapsed, long count, long p90, int queue) {
    return AdmissionSample.of(now, elapsed, latency(count, p90), count, 0, queue, 1000);
  }

  @Nested
  class TokenBucketTest {
    @Test
    void burstThenRate() {
      AdmissionController<Object> c = AdmissionController.tokenBucket(10, 5);
      FakeSink sink = new FakeSink();
      int burst = 0;
      for (int i = 0; i < 20; i++) {
        if (c.admit("e", sink)) {
          burst++;
        }
      }
      assertThat(burst).isEqualTo(5);
      sink.now += 100 * MS; // one interval at 10/s
      assertThat(c.admit("e", sink)).isTrue();
      assertThat(c.admit("e", sink)).isFalse();
      // Steady state: offered 1000/s for 10 s, 10/s pass (+/- the burst at the start).
      int passed = admittedOver(c, "e", sink, 10_000, 10 * SECOND);
      assertThat(passed).isBetween(100, 105);
      assertThat(c.rejectionReason()).isEqualTo(RejectionReason.RATE_LIMITED);
    }

    @Test
    void quietPeriodRefillsAtMostTheBurst() {
      AdmissionController<Object> c = AdmissionController.tokenBucket(100, 3);
      FakeSink sink = new FakeSink();
      sink.now += 60 * SECOND;
      int n = 0;
      while (c.admit("e", sink)) {
        n++;
      }
      assertThat(n).isEqualTo(3);
    }

    @Test
    void concurrentProducersNeverTakeMoreThanTheBucketHolds() throws InterruptedException {
      AdmissionController<Object> c = AdmissionController.tokenBucket(1, 1000);
      FakeSink sink = new FakeSink(); // the clock stands still: exactly 1000 tokens
      AtomicInteger passed = new AtomicInteger();
      CountDownLatch start = new CountDownLatch(1);
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        threads.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      try {
                        start.await();
                      } catch (InterruptedException e) {
                        return;
                      }
                      for (int i = 0; i < 1000; i++) {
                        if (c.admit("e", sink)) {
                          passed.incrementAndGet();
                        }
                      }
                    }));
      }
      start.countDown();
      for (Thread t : threads) {
        t.join();
      }
      assertThat(passed.get()).isEqualTo(1000);
    }

    @Test
    void rateCutAppliesFromNowOn() {
      TokenBucket b = new TokenBucket();
      long now = 0;
      b.setRate(1000, 0, now);
      for (int i = 0; i < 1000; i++) {
        b.tryAcquire(now); // one passes, the schedule stays at most `tolerance` ahead
      }
      b.setRate(10, 0, now);
      now += 100 * MS;
      assertThat(b.tryAcquire(now)).isTrue();
      assertThat(b.tryAcquire(now)).isFalse();
      assertThat(b.rate()).isEqualTo(10.0);
      b.unlimited();
      assertThat(b.tryAcquire(now)).isTrue();
      assertThat(b.rate()).isInfinite();
    }

    @Test
    void badArguments() {
      assertThatThrownBy(() -> AdmissionController.tokenBucket(0, 1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("positive");
      assertThatThrownBy(() -> AdmissionController.tokenBucket(Double.NaN, 1))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> AdmissionController.tokenBucket(10, 0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("burst must be at least 1");
    }
  }

  @Test
  void queueThresholdRefusesFromTheThreshold() {
    AdmissionController<Object> c = AdmissionController.queueThreshold(3);
    FakeSink sink = new FakeSink();
    sink.queued = 2;
    assertThat(c.admit("e", sink)).isTrue();
    sink.queued = 3;
    assertThat(c.admit("e", sink)).isFalse();
    assertThat(c.rejectionReason()).isEqualTo(RejectionReason.OVERLOADED);
    assertThatThrownBy(() -> AdmissionController.queueThreshold(0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Nested
  class ResponseTime {
    final Duration target = Duration.ofMillis(50);
    final long t = 50 * MS;
    final FakeSink sink = new FakeSink();

    ResponseTimeAdmission<Object> controller() {
      return (ResponseTimeAdmission<Object>) AdmissionController.responseTime(target);
    }

    @Test
    void startsUnlimited() {
      ResponseTimeAdmission<Object> c = controller();
      assertThat(admittedOver(c, "e", sink, 100_000, SECOND)).isEqualTo(100_000);
      assertThat(c.rate(0)).isInfinite();
      assertThat(c.feedback()).isNotNull();
      assertThat(c.feedback().priorities()).isEqualTo(1);
      assertThat(c.feedback().exit()).isNull();
    }

    @Test
    void waitsForEnoughResponsesOrTime() {
      ResponseTimeAdmission<Object> c = controller();
      // 99 responses in 500 ms: neither 100 events nor 1 s yet.
      assertThat(c.update(sample(sink.now, 500 * MS, 99, 10 * t, 50))).isFalse();
      assertThat(c.rate(0)).isInfinite();
      // 1 s with only 50 responses: time is up, it judges.
      assertThat(c.update(sample(sink.now, SECOND, 50, 10 * t, 50))).isTrue();
      assertThat(c.rate(0)).isEqualTo(25.0); // measured 50/s, halved
    }

    @Test
    void overloadCutsFromTheMeasuredRateThenMultiplicatively() {
      ResponseTimeAdmission<Object> c = controller();
      assertThat(c.update(sample(sink.now, SECOND, 1000, 2 * t, 500))).isTrue();
      assertThat(c.rate(0)).isEqualTo(500.0);
      // still above 1.2 x target after smoothing: 0.7 * 100 + 0.3 * 100 ms
      c.update(sample(sink.now, SECOND, 500, 2 * t, 500));
      assertThat(c.rate(0)).isEqualTo(250.0);
      // The bucket enforces it: 1000/s offered for 2 s, about 250/s admitted.
      int passed = admittedOver(c, "e", sink, 2000, 2 * SECOND);
      assertThat(passed).isBetween(500, 500 + 13); // + the burst of a quarter target's worth
      assertThat(c.rejectionReason()).isEqualTo(RejectionReason.OVERLOADED);
      assertThat(c.toString()).contains("rate 250.0/s").contains("p90");
    }

    @Test
    void smoothingWeighsOneFastSampleAgainstTheHistory() {
      ResponseTimeAdmission<Object> c = controller();
      c.update(sample(sink.now, SECOND, 1000, 2 * t, 50)); // cut to 500
      // 0.7 * 100 ms + 0.3 * 10 ms = 73 ms: still above 60 ms -> cut
      c.update(sample(sink.now, SECOND, 500, t / 5, 50));
      assertThat(c.rate(0)).isEqualTo(250.0);
      // 0.7 * 73 + 0.3 * 10 = 54.1 ms: inside the band [45, 60] -> hold
      c.update(sample(sink.now, SECOND, 250, t / 5, 50));
      assertThat(c.rate(0)).isEqualTo(250.0);
    }

    @Test
    void belowTheBandAddsFivePercentOfThePeakResponseRate() {
      ResponseTimeAdmission<Object> c = controller();
      c.update(sample(sink.now, SECOND, 1000, 2 * t, 0)); // cut to 500; peak rate 1000
      ResponseTimeAdmission<Object> d = c;
      d.update(sample(sink.now, SECOND, 400, 0, 0)); // p90 smoothed 0.7 * 100 = 70 ms: cut
      assertThat(d.rate(0)).isEqualTo(250.0);
      d.update(sample(sink.now, SECOND, 250, 0, 0)); // 49 ms: hold
      assertThat(d.rate(0)).isEqualTo(250.0);
      d.update(sample(sink.now, SECOND, 250, 0, 0)); // 34.3 ms: raise
      // peak response rate 1000, decaying 2% per sample: 1000 * 0.98^3 = 941.19; 5% = 47.06
      assertThat(d.rate(0)).isCloseTo(250 + 47.0596, org.assertj.core.data.Offset.offset(0.001));
    }

    @Test
    void aFixedIncrementAndLiftingTheLimit() {
      ResponseTimeAdmission<Object> c =
          new ResponseTimeAdmission<>(
              ResponseTimeSettings.target(target)
                  .withSteps(100, 2)
                  .withSampling(1, Duration.ofSeconds(1), 0)
                  .withRateBounds(1, 1000),
              1,
              e -> 0);
      c.update(sample(sink.now, SECOND, 1000, 2 * t, 500)); // cut to 500
      c.update(sample(sink.now, SECOND, 500, t / 2, 0)); // 25 ms, no smoothing: +100
      assertThat(c.rate(0)).isEqualTo(600.0);
      c.update(sample(sink.now, SECOND, 600, t / 2, 0));
      c.update(sample(sink.now, SECOND, 700, t / 2, 0));
      c.update(sample(sink.now, SECOND, 800, t / 2, 0));
      assertThat(c.rate(0)).isEqualTo(900.0);
      c.update(sample(sink.now, SECOND, 900, t / 2, 0)); // 1000 is not above maxRate
      c.update(sample(sink.now, SECOND, 1000, t / 2, 0)); // 1100 > maxRate: lifted
      assertThat(c.rate(0)).isInfinite();
      assertThat(c.toString()).contains("unlimited");
    }

    @Test
    void aLimitFarAboveWhatIsUsedIsLifted() {
      ResponseTimeAdmission<Object> c =
          new ResponseTimeAdmission<>(
              ResponseTimeSettings.target(target)
                  .withSteps(100, 2)
                  .withSampling(1, Duration.ofSeconds(1), 0),
              1,
              e -> 0);
      c.update(sample(sink.now, SECOND, 1000, 2 * t, 500)); // cut to 500
      c.update(sample(sink.now, SECOND, 100, t / 2, 0)); // 600 > 2 * 100 + 100: lifted
      assertThat(c.rate(0)).isInfinite();
    }

    @Test
    void noResponsesRaisesOnlyWithAnEmptyQueue() {
      ResponseTimeAdmission<Object> c =
          new ResponseTimeAdmission<>(
              ResponseTimeSettings.target(target).withSteps(10, 2), 1, e -> 0);
      c.update(sample(sink.now, SECOND, 1000, 2 * t, 500)); // cut to 500
      c.update(sample(sink.now, SECOND, 0, 0, 5)); // nothing measured, work waiting: hold
      assertThat(c.rate(0)).isEqualTo(500.0);
      c.update(sample(sink.now, SECOND, 0, 0, 0)); // idle: probe up
      assertThat(c.rate(0)).isEqualTo(510.0);
    }

    @Test
    void noCutWhileTheQueueDrains() {
      ResponseTimeAdmission<Object> c = controller();
      c.update(sample(sink.now, SECOND, 1000, 4 * t, 900)); // cut to 500
      // the backlog is draining at the new rate: the lagging percentile does not cut again
      c.update(sample(sink.now, SECOND, 500, 4 * t, 600));
      c.update(sample(sink.now, SECOND, 500, 4 * t, 300));
      assertThat(c.rate(0)).isEqualTo(500.0);
      assertThat(c.toString()).contains("draining");
      // the queue stopped shrinking and it is still slow: cut
      c.update(sample(sink.now, SECOND, 500, 4 * t, 300));
      assertThat(c.rate(0)).isEqualTo(250.0);
    }

    @Test
    void otherPercentiles() {
      ResponseTimeAdmission<Object> c =
          new ResponseTimeAdmission<>(
              ResponseTimeSettings.target(target).withPercentile(99), 1, e -> 0);
      // p90 = 40 ms is fine, but p99 = 80 ms is not.
      c.update(sample(sink.now, SECOND, 1000, 40 * MS, 0));
      assertThat(c.rate(0)).isEqualTo(500.0);
      assertThat(c.toString()).contains("p99");
    }
  }

  @Nested
  class Multiclass {
    final long t = 50 * MS;
    final FakeSink sink = new FakeSink();

    /** Events are their own priority. */
    ResponseTimeAdmission<Integer> controller(int priorities) {
      return (ResponseTimeAdmission<Integer>)
          AdmissionController.<Integer>multiclass(
              ResponseTimeSettings.target(Duration.ofMillis(50))
                  .withSampling(1, Duration.ofSeconds(1), 0),
              priorities,
              p -> p);
    }

    AdmissionSample sample(long... p90AndCountPairs) {
      List<Latency> list = new ArrayList<>();
      long total = 0;
      long worst = 0;
      for (int i = 0; i < p90AndCountPairs.length; i += 2) {
        list.add(latency(p90AndCountPairs[i + 1], p90AndCountPairs[i]));
        total += p90AndCountPairs[i + 1];
        worst = Math.max(worst, p90AndCountPairs[i]);
      }
      return new AdmissionSample(
          sink.now, SECOND, latency(total, worst), list, total, 0, 100, 1000);
    }

    @Test
    void lowerPrioritiesAreCutFirst() {
      ResponseTimeAdmission<Integer> c = controller(3);
      // Everyone is slow (one shared queue): the lowest priority goes first.
      c.update(sample(2 * t, 600, 2 * t, 300, 2 * t, 100));
      assertThat(c.rate(0)).isEqualTo(300.0);
      assertThat(c.rate(1)).isInfinite();
      assertThat(c.rate(2)).isInfinite();
      // Still slow: priority 0 again (it is still admitting above the minimum).
      c.update(sample(2 * t, 300, 2 * t, 300, 2 * t, 100));
      assertThat(c.rate(0)).isEqualTo(150.0);
      assertThat(c.rate(1)).isInfinite();
    }

    @Test
    void aPriorityIsCutOnlyWhenEveryLowerOneIsAtTheMinimum() {
      ResponseTimeAdmission<Integer> c =
          (ResponseTimeAdmission<Integer>)
              AdmissionController.<Integer>multiclass(
                  ResponseTimeSettings.target(Duration.ofMillis(50))
                      .withSampling(1, Duration.ofSeconds(1), 0)
                      .withRateBounds(100, 1_000_000),
                  2,
                  p -> p);
      c.update(sample(2 * t, 300, 2 * t, 300)); // p0: 300 -> 150
      c.update(sample(2 * t, 150, 2 * t, 300)); // p0: 150 -> 100 (the minimum)
      assertThat(c.rate(0)).isEqualTo(100.0);
      assertThat(c.rate(1)).isInfinite();
      c.update(sample(2 * t, 100, 2 * t, 300)); // p0 at the minimum: p1 is cut now
      assertThat(c.rate(0)).isEqualTo(100.0);
      assertThat(c.rate(1)).isEqualTo(150.0);
    }

    @Test
    void onlyPrioritiesBelowTheSlowOneAreCutForIt() {
      ResponseTimeAdmission<Integer> c = controller(3);
      // Only priority 1 is slow; priority 2 (higher) is fine: cut priority 0, never priority 2.
      c.update(sample(2 * t, 200, 2 * t, 200, t / 2, 200));
      assertThat(c.rate(0)).isEqualTo(100.0);
      assertThat(c.rate(2)).isInfinite();
    }

    @Test
    void aPriorityWithoutTrafficIsSkipped() {
      ResponseTimeAdmission<Integer> c = controller(3);
      // priority 0 sends nothing: cutting it would shed nothing, so priority 1 is cut.
      c.update(sample(0, 0, 2 * t, 400, 2 * t, 100));
      assertThat(c.rate(0)).isInfinite();
      assertThat(c.rate(1)).isEqualTo(200.0);
    }

    @Test
    void whenNoOneIsSlowTheLimitedPrioritiesRecover() {
      ResponseTimeAdmission<Integer> c = controller(2);
      c.update(sample(2 * t, 400, 2 * t, 400)); // p0 -> 200
      c.update(sample(t / 2, 200, t / 2, 400)); // nobody slow: raise p0 by 5% of the peak
      assertThat(c.rate(0)).isEqualTo(200.0 + 0.05 * 784); // peak 800/s, decayed 2%
      assertThat(c.rate(1)).isInfinite();
    }

    @Test
    void eachPriorityHasItsOwnBucket() {
      ResponseTimeAdmission<Integer> c = controller(2);
      c.update(sample(2 * t, 100, 2 * t, 100)); // p0 -> 50/s
      assertThat(admittedOver(c, 0, sink, 1000, SECOND)).isBetween(50, 53);
      assertThat(admittedOver(c, 1, sink, 1000, SECOND)).isEqualTo(1000);
      // out of range priorities are clamped
      assertThat(c.priorityOf(-5)).isZero();
      assertThat(c.priorityOf(7)).isEqualTo(1);
      assertThat(c.feedback().priorities()).isEqualTo(2);
    }

    @Test
    void badArguments() {
      ResponseTimeSettings s = ResponseTimeSettings.target(Duration.ofMillis(50));
      assertThatThrownBy(() -> AdmissionController.<Integer>multiclass(s, 1, p -> p))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("2 to 64 priorities");
      assertThatThrownBy(() -> AdmissionController.<Integer>multiclass(s, 65, p -> p))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void settingsAreValidated() {
    ResponseTimeSettings s = ResponseTimeSettings.target(Duration.ofMillis(50));
    assertThatThrownBy(() -> ResponseTimeSettings.target(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("target response time must be positive");
    assertThatThrownBy(() -> s.withPercentile(95))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("50, 90 or 99");
    assertThatThrownBy(() -> s.withThresholds(1.3, 1.2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("increaseBelow <= decreaseAbove");
    assertThatThrownBy(() -> s.withSteps(-1, 2)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> s.withSteps(0, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("decreaseFactor must be above 1");
    assertThatThrownBy(() -> s.withSampling(0, Duration.ofSeconds(1), 0.7))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> s.withSampling(100, Duration.ofSeconds(1), 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("smoothing");
    assertThatThrownBy(() -> s.withRateBounds(10, 5)).isInstanceOf(IllegalArgumentException.class);
    assertThat(s.percentile()).isEqualTo(90);
    assertThat(s.increaseBelow()).isEqualTo(0.9);
    assertThat(s.decreaseAbove()).isEqualTo(1.2);
    assertThat(s.smoothing()).isEqualTo(0.7);
    assertThat(s.sampleEvents()).isEqualTo(100);
  }
}
