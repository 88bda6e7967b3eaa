package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Controllers are pure functions of samples: these tests feed them numbers (an injected clock, no
 * threads, no sleeps) and assert their decisions.
 */
class ControllersTest {

  private static final long WINDOW = 100_000_000L; // 100 ms

  /** A sample builder: throughput in events/s over a 100 ms window. */
  private static final class S {
    long now = 0;
    int queue = 100;
    int blocked = 0;
    double tput = 1000;
    long busyNanos = 0;
    int active = 0;
    boolean perEvent = true;
    double cpu = 0.3;

    S queue(int q) {
      queue = q;
      return this;
    }

    S tput(double t) {
      tput = t;
      return this;
    }

    S busy(long nanos) {
      busyNanos = nanos;
      return this;
    }

    S active(int a) {
      active = a;
      return this;
    }

    S cpu(double c) {
      cpu = c;
      return this;
    }

    S batchHandler() {
      perEvent = false;
      return this;
    }

    ControllerSample at(int permits, int batch) {
      now += WINDOW;
      long completions = Math.round(tput * WINDOW / 1e9);
      return new ControllerSample(
          now,
          WINDOW,
          queue,
          10_000,
          blocked,
          completions,
          completions,
          Math.max(1, completions / batch),
          busyNanos,
          active,
          permits,
          batch,
          perEvent,
          cpu);
    }
  }

  @Nested
  class Fixed {
    @Test
    void alwaysAnswersTheSameValueAndStartsThere() {
      ConcurrencyController c = ConcurrencyController.fixed(7);
      BatchController b = BatchController.fixed(3);
      S s = new S();

      assertThat(c.initial()).isEqualTo(7);
      assertThat(b.initial()).isEqualTo(3);
      assertThat(c.decide(s.queue(5000).at(7, 3)).value()).isEqualTo(7);
      assertThat(c.decide(s.queue(0).at(7, 3)).value()).isEqualTo(7);
      assertThat(b.decide(s.at(7, 3)).value()).isEqualTo(3);
    }
  }

  @Nested
  class AdaptiveConcurrency {

    /** A blocking handler: throughput = permits / 10 ms, up to a ceiling. */
    private static double blocking(int permits, double ceiling) {
      return Math.min(ceiling, permits / 0.010);
    }

    @Test
    void slowStartGrowsFastWhileThroughputFollowsThenStopsAtThePlateau() {
      ConcurrencyController c = ConcurrencyController.adaptive(1, 16_384);
      S s = new S();
      int p = 2;
      int max = p;
      for (int window = 0; window < 40; window++) {
        p = c.decide(s.tput(blocking(p, 100_000)).at(p, 1)).value();
        max = Math.max(max, p);
      }
      // 100,000/s at 10 ms needs 1,000 permits: reached, and not driven to the maximum.
      assertThat(p).isBetween(1_000, 2_100);
      assertThat(max).isLessThanOrEqualTo(4_096);
    }

    @Test
    void reachesTheNeededPermitsWithinTenWindowsOfAColdStart() {
      ConcurrencyController c = ConcurrencyController.adaptive();
      S s = new S();
      int p = 2;
      for (int window = 0; window < 10; window++) {
        p = c.decide(s.tput(blocking(p, 100_000)).at(p, 1)).value();
      }
      assertThat(blocking(p, 100_000)).isGreaterThanOrEqualTo(90_000);
    }

    @Test
    void aDownstreamLimitStopsGrowthNearTheUsefulLevel() {
      // Semaphore(20) held 5 ms: 4,000/s at most, reached with 20 permits.
      ConcurrencyController c = ConcurrencyController.adaptive();
      S s = new S();
      int p = 2;
      int max = 0;
      for (int window = 0; window < 200; window++) {
        double tput = Math.min(4_000, p / 0.005);
        p = c.decide(s.tput(tput).at(p, 1)).value();
        max = Math.max(max, p);
      }
      assertThat(p).isBetween(20, 64);
      assertThat(max).isLessThanOrEqualTo(128);
    }

    @Test
    void doesNotGrowWhenTheCpuIsSaturated() {
      ConcurrencyController c = ConcurrencyController.adaptive();
      S s = new S().cpu(0.97);
      int p = 2;
      for (int window = 0; window < 50; window++) {
        ControllerDecision d = c.decide(s.tput(1_000_000).at(p, 16));
        p = d.value();
        assertThat(p).as("window %d: %s", window, d.reason()).isLessThanOrEqualTo(2);
      }
    }

    @Test
    void aColdStartWhileTheCpuIsBusyCompilingStillGrowsFast() {
      // A JVM that just started: the first windows see the CPU saturated by the JIT, then not.
      ConcurrencyController c = ConcurrencyController.adaptive();
      S s = new S();
      int p = 2;
      for (int window = 0; window < 14; window++) {
        s.cpu(window < 3 ? 0.95 : 0.05);
        p = c.decide(s.tput(blocking(p, 100_000)).at(p, 1)).value();
      }
      assertThat(blocking(p, 100_000)).isGreaterThanOrEqualTo(90_000);
    }

    @Test
    void aProbeUpThatPaysInProportionStartsSlowStartAgain() {
      // The CPU was saturated long enough to end slow start at 2 permits; then it is free, and
      // throughput still follows the permits: probes must not creep up by a quarter at a time.
      ConcurrencyController c = ConcurrencyController.adaptive();
      S s = new S().cpu(0.95);
      int p = 2;
      for (int window = 0; window < 8; window++) {
        p = c.decide(s.tput(blocking(p, 100_000)).at(p, 1)).value();
      }
      assertThat(p).isEqualTo(2);
      s.cpu(0.05);
      StringBuilder trace = new StringBuilder();
      for (int window = 0; window < 25; window++) {
        ControllerDecision d = c.decide(s.tput(blocking(p, 100_000)).at(p, 1));
        p = d.value();
        trace.append('\n').append(d.reason());
      }
      assertThat(blocking(p, 100_000)).as(trace.toString()).isGreaterThanOrEqualTo(90_000);
    }

    @Test
    void stepsBackWhenMorePermitsBuyNothing() {
      ConcurrencyController c = ConcurrencyController.adaptive();
      S s = new S();
      ControllerDecision first = c.decide(s.tput(50_000).at(8, 1));
      assertThat(first.value()).isEqualTo(16);

      ControllerDecision second = c.decide(s.tput(50_500).at(16, 1)); // +1%: no gain

      assertThat(second.value()).isEqualTo(8);
      assertThat(second.reason()).contains("back to 8");
    }

    @Test
    void shrinksIdlePermitsAfterThreeQuietWindows() {
      ConcurrencyController c = ConcurrencyController.adaptive();
      S s = new S().queue(0).active(3).busy(3 * WINDOW);
      assertThat(c.decide(s.at(1_000, 1)).value()).isEqualTo(1_000);
      assertThat(c.decide(s.at(1_000, 1)).value()).isEqualTo(1_000);

      ControllerDecision third = c.decide(s.at(1_000, 1));

      assertThat(third.value()).isEqualTo(500);
      assertThat(third.reason()).contains("idle");
    }

    @Test
    void oneOutlierIsIgnoredTwoStartANewSearch() {
      ConcurrencyController c = ConcurrencyController.adaptive(1, 100);
      S s = new S();
      int p = 8;
      // settle: slow start stops (no gain), then steady at 8
      p = c.decide(s.tput(10_000).at(p, 1)).value(); // -> 16 trial
      p = c.decide(s.tput(10_000).at(p, 1)).value(); // no gain -> back to 8
      assertThat(p).isEqualTo(8);

      ControllerDecision outlier = c.decide(s.tput(1_000).at(p, 1));
      assertThat(outlier.value()).isEqualTo(8);
      assertThat(outlier.reason()).contains("outlier");

      ControllerDecision again = c.decide(s.tput(1_000).at(p, 1));
      assertThat(again.value()).isEqualTo(16);
      assertThat(again.reason()).contains("new search");
    }

    @Test
    void staysWithinItsBounds() {
      ConcurrencyController c = ConcurrencyController.adaptive(3, 10);
      S s = new S();
      int p = c.initial();
      assertThat(p).isBetween(3, 10);
      for (int window = 0; window < 30; window++) {
        p = c.decide(s.tput(p * 1_000.0).at(p, 1)).value();
        assertThat(p).isBetween(3, 10);
      }
      S idle = new S().queue(0);
      for (int window = 0; window < 30; window++) {
        p = c.decide(idle.at(p, 1)).value();
        assertThat(p).isBetween(3, 10);
      }
      assertThat(p).isEqualTo(3);
    }

    @Test
    void everyDecisionSaysWhy() {
      ConcurrencyController c = ConcurrencyController.adaptive();
      ControllerDecision d = c.decide(new S().tput(1230).at(2, 1));
      assertThat(d.reason()).contains("1230/s").contains("permits 2 -> 4");
    }
  }

  @Nested
  class QueueThreshold {
    @Test
    void addsAQuarterWhileTheQueueIsOverTheThresholdUpToMax() {
      ConcurrencyController c = ConcurrencyController.queueThreshold(100, 1, 20);
      S s = new S().queue(150);
      assertThat(c.initial()).isEqualTo(1);
      int p = 1;
      p = c.decide(s.at(p, 1)).value();
      assertThat(p).isEqualTo(2);
      for (int i = 0; i < 30; i++) {
        p = c.decide(s.at(p, 1)).value();
      }
      assertThat(p).isEqualTo(20);
    }

    @Test
    void holdsBelowTheThresholdAndRemovesIdlePermitsAfterThreeWindows() {
      ConcurrencyController c = ConcurrencyController.queueThreshold(100, 2, 20);
      assertThat(c.decide(new S().queue(50).active(8).at(8, 1)).value()).isEqualTo(8);
      S idle = new S().queue(0).active(1).busy(WINDOW);
      assertThat(c.decide(idle.at(8, 1)).value()).isEqualTo(8);
      assertThat(c.decide(idle.at(8, 1)).value()).isEqualTo(8);
      assertThat(c.decide(idle.at(8, 1)).value()).isEqualTo(6);
    }
  }

  @Nested
  class AdaptiveBatchingTest {
    @Test
    void startsAtOne() {
      assertThat(BatchController.adaptive(64).initial()).isEqualTo(1);
    }

    @Test
    void perEventHandlerBatchIsSizedFromTheMeasuredEventCost() {
      BatchController b = BatchController.adaptive(256);
      // 1 us per event (10,000 events in 10 ms of handler time), no backlog: dispatch is assumed
      // to cost its floor of 1 us, so 20 events keep it at 5%
      ControllerDecision d = b.decide(new S().queue(0).tput(100_000).busy(10_000_000).at(2, 1));
      assertThat(d.value()).isEqualTo(20);
      assertThat(d.reason()).contains("1.00 us");
    }

    @Test
    void measuredDispatchCostRaisesTheBatch() {
      BatchController b = BatchController.adaptive(256);
      // backlogged, 1 us per event, 2 permits x 100 ms of which 50 ms were not spent in handlers,
      // over 5,000 batches: 10 us of dispatch per batch
      ControllerDecision first = b.decide(new S().tput(1_500_000).busy(150_000_000).at(2, 30));
      ControllerDecision later = first;
      for (int i = 0; i < 10; i++) {
        later = b.decide(new S().tput(1_500_000).busy(150_000_000).at(2, 30));
      }
      assertThat(first.value()).isGreaterThan(20);
      assertThat(later.value()).isBetween(150, 256);
      assertThat(later.reason()).contains("dispatch");
    }

    @Test
    void slowPerEventHandlersStayAtOne() {
      BatchController b = BatchController.adaptive(64);
      // 10 ms per event
      ControllerDecision d = b.decide(new S().tput(100).busy(100_000_000).at(2, 16));
      assertThat(d.value()).isEqualTo(1);
    }

    @Test
    void veryCheapEventsHitTheMaximum() {
      BatchController b = BatchController.adaptive(64);
      // 50 ns per event
      ControllerDecision d = b.decide(new S().queue(0).tput(1_000_000).busy(5_000_000).at(2, 1));
      assertThat(d.value()).isEqualTo(64);
    }

    @Test
    void batchHandlerGrowsWhileThroughputImprovesAndStopsWhenItDoesNot() {
      BatchController b = BatchController.adaptive(64);
      S s = new S().batchHandler();
      int batch = 1;
      for (int window = 0; window < 30; window++) {
        // one 1 ms round trip per batch, plus 10 us per event; gains flatten out past ~32
        double tput = 2 * batch / (0.001 + batch * 0.000_010);
        batch = b.decide(s.tput(tput).at(2, batch)).value();
      }
      assertThat(batch).isBetween(16, 64);
    }

    @Test
    void holdsWhenNothingWaits() {
      BatchController b = BatchController.adaptive(64);
      ControllerDecision d = b.decide(new S().batchHandler().queue(0).at(2, 5));
      assertThat(d.value()).isEqualTo(5);
      assertThat(d.reason()).contains("no backlog");
    }
  }

  @Nested
  class AggThrottle {
    @Test
    void startsAtMaxAndShrinksByOnePointTwoWhileThroughputHolds() {
      BatchController b = BatchController.aggThrottle(100);
      S s = new S();
      assertThat(b.initial()).isEqualTo(100);
      assertThat(b.decide(s.tput(10_000).at(2, 100)).value()).isEqualTo(83);
      assertThat(b.decide(s.tput(10_000).at(2, 83)).value()).isEqualTo(69);
    }

    @Test
    void growsWhenThroughputFallsToNinetyPercentOfBest() {
      BatchController b = BatchController.aggThrottle(100);
      S s = new S();
      int batch = b.decide(s.tput(10_000).at(2, 100)).value();
      // smoothed throughput drops well below 90% of the best
      batch = b.decide(s.tput(7_000).at(2, batch)).value();
      batch = b.decide(s.tput(7_000).at(2, batch)).value();
      int before = batch;
      batch = b.decide(s.tput(7_000).at(2, batch)).value();
      assertThat(batch).isGreaterThan(before);
    }

    @Test
    void resetsToMaxOnASuddenChange() {
      BatchController b = BatchController.aggThrottle(100);
      S s = new S();
      int batch = b.decide(s.tput(10_000).at(2, 100)).value();
      batch = b.decide(s.tput(10_000).at(2, batch)).value();
      ControllerDecision jump = b.decide(s.tput(50_000).at(2, batch));
      assertThat(jump.value()).isEqualTo(100);
      assertThat(jump.reason()).contains("reset");
    }
  }

  @Nested
  class BadConfiguration {
    @Test
    void boundsAreCheckedWhenTheControllerIsBuilt() {
      assertThatThrownBy(() -> ConcurrencyController.adaptive(10, 5))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("max permits (5) must be at least min permits (10)");
      assertThatThrownBy(() -> ConcurrencyController.adaptive(0, 5))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("min permits must be at least 1");
      assertThatThrownBy(() -> ConcurrencyController.queueThreshold(0, 1, 5))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("queue threshold must be at least 1");
      assertThatThrownBy(() -> ConcurrencyController.fixed(0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("permits must be at least 1");
      assertThatThrownBy(() -> BatchController.adaptive(0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("batchSize");
      assertThatThrownBy(() -> BatchController.aggThrottle(-1))
          .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void samplePeriodMustBeBetweenOneMillisecondAndOneMinute() {
      assertThatThrownBy(() -> StageGraph.builder("g").samplePeriod(Duration.ZERO))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("between 1 ms and 1 minute");
      assertThatThrownBy(() -> StageGraph.builder("g").samplePeriod(Duration.ofHours(1)))
          .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aDecisionBelowOneIsRefused() {
      assertThatThrownBy(() -> new ControllerDecision(0, "x"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("at least 1");
    }

    @Test
    void aSampleWithoutAWindowIsRefused() {
      assertThatThrownBy(() -> new ControllerSample(0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 1, true, -1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("elapsedNanos must be positive");
    }

    @Test
    void aControllerInstanceServesOneStage() {
      ConcurrencyController shared = ConcurrencyController.adaptive();
      try (StageGraph graph = StageGraph.open("shared-controller")) {
        graph.stage("a", String.class).concurrency(shared).handler((e, ctx) -> {});
        assertThatThrownBy(
                () -> graph.stage("b", String.class).concurrency(shared).handler((e, ctx) -> {}))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("already serves another stage");
      }
    }
  }
}
