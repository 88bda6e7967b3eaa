package org.seda4j.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.seda4j.RejectionReason;
import org.seda4j.observe.Latency;

/**
 * Admission controllers are pure functions of the time they are given and of the samples they are
 * fed: these tests drive them with numbers (a fake clock and queue, no stage, no threads except in
 * the one test of the token bucket's thread safety).
 */
class AdmissionControllersTest {

  private static final long MS = 1_000_000L;
  private static final long SECOND = 1_000_000_000L;

  /** How many of {@code n} events offered evenly over {@code nanos} the controller admits. */
  private static <E> int admittedOver(
      AdmissionController<E> c, E event, FakeAdmissionContext sink, int n, long nanos) {
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
    return AdmissionSample.of(now, elapsed, latency(count, p90), count, 0, queue, 1000, 0);
  }

  @Nested
  class TokenBucketTest {
    @Test
    void burstThenRate() {
      AdmissionController<Object> c = AdmissionController.tokenBucket(10, 5);
      FakeAdmissionContext sink = new FakeAdmissionContext("s", 1000, 1_000 * SECOND);
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
      FakeAdmissionContext sink = new FakeAdmissionContext("s", 1000, 1_000 * SECOND);
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
      FakeAdmissionContext sink =
          new FakeAdmissionContext(
              "s", 1000, 1_000 * SECOND); // the clock stands still: exactly 1000 tokens
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
    FakeAdmissionContext sink = new FakeAdmissionContext("s", 1000, 1_000 * SECOND);
    sink.inSystem = 2;
    assertThat(c.admit("e", sink)).isTrue();
    sink.inSystem = 3;
    assertThat(c.admit("e", sink)).isFalse();
    assertThat(c.rejectionReason()).isEqualTo(RejectionReason.OVERLOADED);
    assertThatThrownBy(() -> AdmissionController.queueThreshold(0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** The divisor of a cut {@code ratio} times above the band, with {@code factor}. */
  private static double divisor(double ratio, double factor) {
    return Math.min(10, 1 + (factor - 1) * Math.max(1, ratio));
  }

  @Nested
  class ResponseTime {
    final Duration target = Duration.ofMillis(50);
    final long t = 50 * MS;
    final double band = 60 * MS; // 1.2 x target
    final FakeAdmissionContext sink = new FakeAdmissionContext("s", 1000, 1_000 * SECOND);

    ResponseTimeAdmission<Object> controller() {
      return (ResponseTimeAdmission<Object>)
          AdmissionController.welshCuller(ResponseTimeSettings.builder(target).build());
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
      assertThat(c.update(sample(sink.now, 500 * MS, 99, 2 * t, 0))).isFalse();
      assertThat(c.rate(0)).isInfinite();
      // 1 s with only 50 responses: time is up, it judges.
      assertThat(c.update(sample(sink.now, SECOND, 50, 2 * t, 0))).isTrue();
      assertThat(c.rate(0)).isCloseTo(50 / divisor(100 / 60.0, 1.2), within(1e-9));
    }

    @Test
    void aBacklogPredictedOverTheBandIsJudgedBeforeAFullSample() {
      ResponseTimeAdmission<Object> c = controller();
      // A step from idle to overload: 10 responses in 50 ms (200/s) with 300 queued predicts
      // 1.5 s, far over the 60 ms band: it cuts now instead of waiting for 100 responses or 1 s.
      assertThat(c.update(sample(sink.now, 50 * MS, 10, 20 * MS, 300))).isTrue();
      assertThat(c.rate(0)).isCloseTo(200 / divisor(1500 / 60.0, 1.2), within(1e-6));
      // A short sample whose backlog is within the band still waits.
      ResponseTimeAdmission<Object> d = controller();
      assertThat(d.update(sample(sink.now, 50 * MS, 10, 20 * MS, 1))).isFalse();
      assertThat(d.rate(0)).isInfinite();
    }

    @Test
    void nothingEndingForLongerThanTheBandWhileEventsWaitIsOverload() {
      ResponseTimeAdmission<Object> c = controller();
      // A cold start or a stall: 5 events queued, none ended in 40 ms (within the band): wait.
      assertThat(c.update(sample(sink.now, 40 * MS, 0, 0, 5))).isFalse();
      assertThat(c.rate(0)).isInfinite();
      // 70 ms without a response (over the 60 ms band) while they wait: cut to the minimum rate.
      assertThat(c.update(sample(sink.now, 70 * MS, 0, 0, 5))).isTrue();
      assertThat(c.rate(0)).isCloseTo(1.0, within(1e-9)); // the default minimum rate
      // The same quiet time with nothing queued is not overload: nothing waits.
      ResponseTimeAdmission<Object> d = controller();
      assertThat(d.update(sample(sink.now, 70 * MS, 0, 0, 0))).isFalse();
      assertThat(d.rate(0)).isInfinite();
    }

    @Test
    void aCutIsGentleAtTheBandAndDeeperFurtherAbove() {
      ResponseTimeAdmission<Object> c = controller();
      c.update(sample(sink.now, SECOND, 1200, 61 * MS, 0)); // just above the band
      assertThat(c.rate(0)).isCloseTo(1200 / divisor(61 / 60.0, 1.2), within(1e-9));
      assertThat(c.rate(0)).isCloseTo(1000, within(5.0));
      ResponseTimeAdmission<Object> d = controller();
      d.update(sample(sink.now, SECOND, 1200, 600 * MS, 0)); // ten times the band
      assertThat(d.rate(0)).isCloseTo(1200 / 3.0, within(1e-9));
      ResponseTimeAdmission<Object> e = controller();
      e.update(sample(sink.now, SECOND, 1200, 60 * SECOND, 0)); // the divisor stops at 10
      assertThat(e.rate(0)).isCloseTo(120, within(1e-9));
    }

    @Test
    void theBucketEnforcesTheRate() {
      ResponseTimeAdmission<Object> c = controller();
      c.update(sample(sink.now, SECOND, 1200, 600 * MS, 0)); // 400/s
      // 1000/s offered for 2 s, about 400/s admitted (+ a burst of a quarter target's worth)
      int passed = admittedOver(c, "e", sink, 2000, 2 * SECOND);
      assertThat(passed).isBetween(800, 800 + 6);
      assertThat(c.rejectionReason()).isEqualTo(RejectionReason.OVERLOADED);
      assertThat(c.toString()).contains("rate 400.0/s").contains("p90 600.0 ms");
    }

    @Test
    void aCutNeedsTheLatestSampleAboveTheBandToo() {
      ResponseTimeAdmission<Object> c = controller();
      c.update(sample(sink.now, SECOND, 1200, 600 * MS, 5)); // cut to 400
      // smoothed 0.7 * 600 + 0.3 * 10 = 423 ms is still above, but this sample is fast: hold
      c.update(sample(sink.now, SECOND, 400, 10 * MS, 5));
      assertThat(c.rate(0)).isCloseTo(400, within(1e-9));
    }

    @Test
    void fastResponsesWithAnEmptyQueueRestartTheAverage() {
      ResponseTimeAdmission<Object> c = controller();
      c.update(sample(sink.now, SECOND, 1200, 600 * MS, 0)); // cut to 400
      // the queue is empty and this sample is fast: 600 ms of history no longer counts, so it
      // raises at once instead of waiting for the average to decay...
      c.update(sample(sink.now, SECOND, 400, 10 * MS, 0));
      // and, the backlog gone, it resumes at 90% of the capacity measured before it
      assertThat(c.rate(0)).isCloseTo(0.9 * 1200 * 0.98, within(1e-9));
      assertThat(c.toString()).contains("p90 10.0 ms");
    }

    @Test
    void belowTheBandAddsFivePercentOfThePeakResponseRate() {
      ResponseTimeAdmission<Object> c = controller();
      c.update(sample(sink.now, SECOND, 1000, 600 * MS, 5)); // cut to 1000 / 3; peak 1000
      c.update(sample(sink.now, SECOND, 300, 40 * MS, 5)); // 0.7 * 600 + 12 = 432 ms: hold
      assertThat(c.rate(0)).isCloseTo(1000 / 3.0, within(1e-9));
      c.update(sample(sink.now, SECOND, 300, 40 * MS, 5)); // 314 ms: hold
      c.update(sample(sink.now, SECOND, 300, 40 * MS, 5)); // 232 ms
      c.update(sample(sink.now, SECOND, 300, 40 * MS, 5)); // 174 ms
      c.update(sample(sink.now, SECOND, 300, 40 * MS, 5)); // 134 ms
      c.update(sample(sink.now, SECOND, 300, 40 * MS, 5)); // 106 ms
      c.update(sample(sink.now, SECOND, 300, 40 * MS, 5)); // 86 ms
      c.update(sample(sink.now, SECOND, 300, 40 * MS, 5)); // 72 ms
      c.update(sample(sink.now, SECOND, 300, 40 * MS, 5)); // 62.4 ms
      c.update(sample(sink.now, SECOND, 300, 40 * MS, 5)); // 55.7 ms: in the band, hold
      assertThat(c.rate(0)).isCloseTo(1000 / 3.0, within(1e-9));
      c.update(sample(sink.now, SECOND, 300, 40 * MS, 5)); // 51 ms
      c.update(sample(sink.now, SECOND, 300, 40 * MS, 5)); // 47.7 ms
      c.update(sample(sink.now, SECOND, 300, 40 * MS, 5)); // 45.4 ms
      c.update(sample(sink.now, SECOND, 300, 40 * MS, 5)); // 43.8 ms: below 45 -> raise
      // peak 1000, decayed 2% per sample over 14 samples
      double peak = 1000 * Math.pow(0.98, 14);
      assertThat(c.rate(0)).isCloseTo(1000 / 3.0 + 0.05 * peak, within(1e-6));
    }

    @Test
    void aFixedIncrementAndLiftingTheLimit() {
      ResponseTimeAdmission<Object> c =
          new ResponseTimeAdmission<>(
              ResponseTimeSettings.builder(target)
                  .increment(100)
                  .decreaseFactor(2)
                  .sampleEvents(1)
                  .samplePeriod(Duration.ofSeconds(1))
                  .smoothing(0)
                  .rateBounds(1, 1000)
                  .build(),
              1,
              e -> 0);
      c.update(sample(sink.now, SECOND, 1000, 60 * MS + 1, 0)); // cut to ~500
      double r = c.rate(0);
      assertThat(r).isCloseTo(500, within(0.01));
      c.update(sample(sink.now, SECOND, 500, t / 2, 0)); // 25 ms: +100
      assertThat(c.rate(0)).isCloseTo(r + 100, within(1e-9));
      c.update(sample(sink.now, SECOND, 600, t / 2, 0));
      c.update(sample(sink.now, SECOND, 700, t / 2, 0));
      c.update(sample(sink.now, SECOND, 800, t / 2, 0));
      c.update(sample(sink.now, SECOND, 900, t / 2, 0)); // ~1000: not above maxRate yet
      assertThat(c.rate(0)).isCloseTo(r + 500, within(1e-9));
      c.update(sample(sink.now, SECOND, 1000, t / 2, 0)); // ~1100 > maxRate: lifted
      assertThat(c.rate(0)).isInfinite();
      assertThat(c.toString()).contains("unlimited");
    }

    @Test
    void aLimitFarAboveWhatIsUsedIsLifted() {
      ResponseTimeAdmission<Object> c =
          new ResponseTimeAdmission<>(
              ResponseTimeSettings.builder(target)
                  .increment(100)
                  .decreaseFactor(2)
                  .sampleEvents(1)
                  .samplePeriod(Duration.ofSeconds(1))
                  .smoothing(0)
                  .build(),
              1,
              e -> 0);
      c.update(sample(sink.now, SECOND, 1000, 2 * t, 0)); // cut
      c.update(sample(sink.now, SECOND, 100, t / 2, 0)); // limit + 100 > 2 * 100 + 100: lifted
      assertThat(c.rate(0)).isInfinite();
    }

    @Test
    void noResponsesCutWhileWorkWaitsAndRaiseWithAnEmptyQueue() {
      ResponseTimeAdmission<Object> c =
          new ResponseTimeAdmission<>(
              ResponseTimeSettings.builder(target).increment(10).decreaseFactor(2).build(),
              1,
              e -> 0);
      c.update(sample(sink.now, SECOND, 1000, 2 * t, 5)); // cut
      double r = c.rate(0);
      // Nothing ended in a whole second (far over the 60 ms band) while work waits: a stall, so
      // the deepest cut (the queue did not shrink, so this is not a backlog draining).
      c.update(sample(sink.now, SECOND, 0, 0, 5));
      assertThat(c.rate(0)).isCloseTo(r / 10, within(1e-9));
      c.update(sample(sink.now, SECOND, 0, 0, 0)); // nothing measured, nothing waiting: probe up
      assertThat(c.rate(0)).isCloseTo(r / 10 + 10, within(1e-9));
    }

    @Test
    void aLongQueuePredictsOverloadBeforeSlowResponsesAreMeasured() {
      ResponseTimeAdmission<Object> c = controller();
      // responses are fast (10 ms), but 200 queued at 1000/s is 200 ms of work (+ 10 ms service)
      c.update(
          AdmissionSample.of(
              sink.now, SECOND, latency(1000, 10 * MS), 1000, 0, 200, 1000, 10 * MS));
      assertThat(c.rate(0)).isCloseTo(1000 / divisor(210 / 60.0, 1.2), within(1e-9));
    }

    @Test
    void noCutWhileTheQueueDrains() {
      ResponseTimeAdmission<Object> c = controller();
      c.update(sample(sink.now, SECOND, 1000, 4 * t, 900)); // cut
      double r = c.rate(0);
      // the backlog is draining at the new rate: the lagging percentile does not cut again
      c.update(sample(sink.now, SECOND, 500, 4 * t, 600));
      c.update(sample(sink.now, SECOND, 500, 4 * t, 300));
      assertThat(c.rate(0)).isEqualTo(r);
      assertThat(c.toString()).contains("draining");
      // the queue stopped shrinking and it is still slow: cut
      c.update(sample(sink.now, SECOND, 500, 4 * t, 300));
      assertThat(c.rate(0)).isLessThan(r);
    }

    @Test
    void noRaiseWhileTheQueueGrows() {
      ResponseTimeAdmission<Object> c =
          new ResponseTimeAdmission<>(
              ResponseTimeSettings.builder(target)
                  .sampleEvents(100)
                  .samplePeriod(Duration.ofSeconds(1))
                  .smoothing(0)
                  .build(),
              1,
              e -> 0);
      c.update(sample(sink.now, SECOND, 1000, 2 * t, 0)); // cut
      double r = c.rate(0);
      c.update(sample(sink.now, SECOND, 500, t / 5, 10)); // fast, but the queue grows: hold
      assertThat(c.rate(0)).isEqualTo(r);
      assertThat(c.toString()).contains("growing");
      c.update(sample(sink.now, SECOND, 500, t / 5, 10)); // steady: raise
      assertThat(c.rate(0)).isGreaterThan(r);
    }

    @Test
    void otherPercentiles() {
      ResponseTimeAdmission<Object> c =
          new ResponseTimeAdmission<>(
              ResponseTimeSettings.builder(target).percentile(99).build(), 1, e -> 0);
      // p90 = 40 ms is fine, but p99 = 80 ms is not.
      c.update(sample(sink.now, SECOND, 1000, 40 * MS, 0));
      assertThat(c.rate(0)).isCloseTo(1000 / divisor(80 / 60.0, 1.2), within(1e-9));
      assertThat(c.toString()).contains("p99");
    }
  }

  @Nested
  class Multiclass {
    final long t = 50 * MS;
    final long slow = 60 * MS + 1; // just above the band: a cut divides by the factor (2)
    final FakeAdmissionContext sink = new FakeAdmissionContext("s", 1000, 1_000 * SECOND);

    /** Events are their own priority. */
    ResponseTimeAdmission<Integer> controller(int priorities) {
      return (ResponseTimeAdmission<Integer>)
          AdmissionController.<Integer>multiclass(
              ResponseTimeSettings.builder(Duration.ofMillis(50))
                  .sampleEvents(1)
                  .samplePeriod(Duration.ofSeconds(1))
                  .smoothing(0)
                  .increment(0)
                  .decreaseFactor(2)
                  .build(),
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
          sink.now, SECOND, latency(total, worst), list, total, 0, 0, 1000, 0, 0, false, false);
    }

    @Test
    void lowerPrioritiesAreCutFirst() {
      ResponseTimeAdmission<Integer> c = controller(3);
      // Everyone is slow (one shared queue): the lowest priority goes first.
      c.update(sample(slow, 600, slow, 300, slow, 100));
      assertThat(c.rate(0)).isCloseTo(300.0, within(0.01));
      assertThat(c.rate(1)).isInfinite();
      assertThat(c.rate(2)).isInfinite();
      // Still slow: priority 0 again (it is still admitting above the minimum).
      c.update(sample(slow, 300, slow, 300, slow, 100));
      assertThat(c.rate(0)).isCloseTo(150.0, within(0.01));
      assertThat(c.rate(1)).isInfinite();
    }

    @Test
    void aPriorityIsCutOnlyWhenEveryLowerOneIsAtTheMinimum() {
      ResponseTimeAdmission<Integer> c =
          (ResponseTimeAdmission<Integer>)
              AdmissionController.<Integer>multiclass(
                  ResponseTimeSettings.builder(Duration.ofMillis(50))
                      .sampleEvents(1)
                      .samplePeriod(Duration.ofSeconds(1))
                      .smoothing(0)
                      .increment(0)
                      .decreaseFactor(2)
                      .rateBounds(100, 1_000_000)
                      .build(),
                  2,
                  p -> p);
      c.update(sample(slow, 300, slow, 300)); // p0: 300 -> 150
      c.update(sample(slow, 150, slow, 300)); // p0: 150 -> 100 (the minimum)
      assertThat(c.rate(0)).isCloseTo(100.0, within(0.01));
      assertThat(c.rate(1)).isInfinite();
      c.update(sample(slow, 100, slow, 300)); // p0 at the minimum: p1 is cut now
      assertThat(c.rate(0)).isCloseTo(100.0, within(0.01));
      assertThat(c.rate(1)).isCloseTo(150.0, within(0.01));
    }

    @Test
    void onlyPrioritiesBelowTheSlowOneAreCutForIt() {
      ResponseTimeAdmission<Integer> c = controller(3);
      // Only priority 1 is slow; priority 2 (higher) is fine: cut priority 0, never priority 2.
      c.update(sample(slow, 200, slow, 200, t / 2, 200));
      assertThat(c.rate(0)).isCloseTo(100.0, within(0.01));
      assertThat(c.rate(2)).isInfinite();
    }

    @Test
    void aPriorityWithoutTrafficIsSkipped() {
      ResponseTimeAdmission<Integer> c = controller(3);
      // priority 0 sends nothing: cutting it would shed nothing, so priority 1 is cut.
      c.update(sample(0, 0, slow, 400, slow, 100));
      assertThat(c.rate(0)).isInfinite();
      assertThat(c.rate(1)).isCloseTo(200.0, within(0.01));
    }

    @Test
    void whenNoOneIsSlowTheLimitedPrioritiesRecover() {
      ResponseTimeAdmission<Integer> c = controller(2);
      c.update(sample(slow, 400, slow, 400)); // p0 -> 200
      c.update(sample(t / 2, 200, t / 2, 400)); // nobody slow: raise p0 by 5% of the peak
      assertThat(c.rate(0)).isCloseTo(200.0 + 0.05 * 784, within(0.01)); // peak 800/s, decayed 2%
      assertThat(c.rate(1)).isInfinite();
    }

    @Test
    void eachPriorityHasItsOwnBucket() {
      ResponseTimeAdmission<Integer> c = controller(2);
      c.update(sample(slow, 100, slow, 100)); // p0 -> 50/s
      assertThat(admittedOver(c, 0, sink, 1000, SECOND)).isBetween(50, 53);
      assertThat(admittedOver(c, 1, sink, 1000, SECOND)).isEqualTo(1000);
      // out of range priorities are clamped
      assertThat(c.priorityOf(-5)).isZero();
      assertThat(c.priorityOf(7)).isEqualTo(1);
      assertThat(c.feedback().priorities()).isEqualTo(2);
    }

    @Test
    void badArguments() {
      ResponseTimeSettings s = ResponseTimeSettings.builder(Duration.ofMillis(50)).build();
      assertThatThrownBy(() -> AdmissionController.<Integer>multiclass(s, 1, p -> p))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("2 to 64 priorities");
      assertThatThrownBy(() -> AdmissionController.<Integer>multiclass(s, 65, p -> p))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  @SuppressWarnings("NullAway") // passing null where it is not allowed is part of the point
  void settingsAreValidatedByEachSetterWithTheAllowedRangeInTheMessage() {
    ResponseTimeSettings.Builder b = ResponseTimeSettings.builder(Duration.ofMillis(50));
    assertThatThrownBy(() -> ResponseTimeSettings.builder(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("target response time must be positive");
    assertThatThrownBy(() -> b.percentile(95))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("50, 90 or 99")
        .hasMessageContaining("was 95");
    assertThatThrownBy(() -> b.thresholds(1.3, 1.2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("increaseBelow <= decreaseAbove");
    assertThatThrownBy(() -> b.increment(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("increment must be 0 (automatic) or a positive finite rate");
    assertThatThrownBy(() -> b.decreaseFactor(1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("decreaseFactor must be above 1");
    assertThatThrownBy(() -> b.sampleEvents(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sampleEvents must be at least 1");
    assertThatThrownBy(() -> b.samplePeriod(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("samplePeriod must be positive");
    assertThatThrownBy(() -> b.smoothing(1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("smoothing must be in [0, 1)");
    assertThatThrownBy(() -> b.rateBounds(10, 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0 < minRate <= maxRate");
    assertThatThrownBy(() -> b.path(null)).isInstanceOf(NullPointerException.class);

    // A refused value leaves the builder as it was: the defaults of Welsh and Culler.
    ResponseTimeSettings s = b.build();
    assertThat(s.target()).isEqualTo(Duration.ofMillis(50));
    assertThat(s.percentile()).isEqualTo(90);
    assertThat(s.exit()).isNull();
    assertThat(s.increaseBelow()).isEqualTo(0.9);
    assertThat(s.decreaseAbove()).isEqualTo(1.2);
    assertThat(s.increment()).isEqualTo(0);
    assertThat(s.decreaseFactor()).isEqualTo(1.2);
    assertThat(s.smoothing()).isEqualTo(0.7);
    assertThat(s.sampleEvents()).isEqualTo(100);
    assertThat(s.samplePeriod()).isEqualTo(Duration.ofSeconds(1));
    assertThat(s.minRate()).isEqualTo(1);
    assertThat(s.maxRate()).isEqualTo(1_000_000);
  }

  @Test
  void settingsAreValuesAndToBuilderDerivesAVariant() {
    ResponseTimeSettings s =
        ResponseTimeSettings.builder(Duration.ofMillis(50)).percentile(99).sampleEvents(20).build();
    ResponseTimeSettings same =
        ResponseTimeSettings.builder(Duration.ofMillis(50)).sampleEvents(20).percentile(99).build();
    assertThat(s).isEqualTo(same).hasSameHashCodeAs(same);
    assertThat(s.toString()).contains("percentile=99").contains("sampleEvents=20");

    ResponseTimeSettings variant = s.toBuilder().decreaseFactor(2).build();
    assertThat(variant).isNotEqualTo(s);
    assertThat(variant.decreaseFactor()).isEqualTo(2);
    assertThat(variant.percentile()).isEqualTo(99);
    assertThat(variant.sampleEvents()).isEqualTo(20);
    assertThat(s.decreaseFactor()).isEqualTo(1.2); // the original is unchanged
  }
}
