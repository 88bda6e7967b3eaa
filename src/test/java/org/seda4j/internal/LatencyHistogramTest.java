package org.seda4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.seda4j.observe.Latency;

class LatencyHistogramTest {

  private static final double[] PERCENTILES = {50, 90, 99, 99.9};

  @ParameterizedTest
  @ValueSource(strings = {"uniform", "exponential", "lognormal", "bimodal", "small"})
  void everyPercentileIsWithinOneThirtySecondOfTheExactOne(String distribution) {
    for (long seed = 1; seed <= 5; seed++) {
      SplittableRandom random = new SplittableRandom(seed);
      LongSupplier values =
          switch (distribution) {
            case "uniform" -> () -> random.nextLong(0, 10_000_000_000L);
            case "exponential" -> () -> (long) (-Math.log(1 - random.nextDouble()) * 200_000);
            case "lognormal" -> () -> (long) Math.exp(12 + 3 * gaussian(random));
            case "bimodal" ->
                () ->
                    random.nextInt(10) == 0
                        ? 50_000_000 + random.nextLong(5_000_000)
                        : 20_000 + random.nextLong(2_000);
            case "small" -> () -> random.nextLong(0, 200);
            default -> throw new IllegalArgumentException(distribution);
          };
      int n = 1 + random.nextInt(100_000);
      long[] exact = new long[n];
      LatencyHistogram h = new LatencyHistogram();
      for (int i = 0; i < n; i++) {
        long v = Math.min(values.getAsLong(), LatencyHistogram.MAX_VALUE);
        exact[i] = v;
        h.record(v);
      }
      Arrays.sort(exact);
      for (double p : PERCENTILES) {
        long want = exact[(int) Math.max(0, Math.ceil(p / 100 * n) - 1)];
        long got = h.percentile(p);
        assertThat(got)
            .as("%s seed %d n %d p%s", distribution, seed, n, p)
            .isGreaterThanOrEqualTo(want)
            .isLessThanOrEqualTo(want + want / 32);
      }
      assertThat(h.max()).isEqualTo(exact[n - 1]);
    }
  }

  private static double gaussian(SplittableRandom random) {
    // Box-Muller; SplittableRandom has no nextGaussian on JDK 21's interface default path
    double u = 1 - random.nextDouble();
    double v = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  @Test
  void bucketsAreContiguousAndNarrowerThanOneThirtySecondOfTheirValues() {
    for (int i = 0; i < LatencyHistogram.BUCKETS; i++) {
      long lo = LatencyHistogram.lowest(i);
      long hi = LatencyHistogram.highest(i);
      assertThat(LatencyHistogram.index(lo)).isEqualTo(i);
      assertThat(LatencyHistogram.index(hi)).isEqualTo(i);
      assertThat(hi - lo).isLessThanOrEqualTo(lo / 32);
      if (i > 0) {
        assertThat(lo).isEqualTo(LatencyHistogram.highest(i - 1) + 1);
      }
    }
    assertThat(LatencyHistogram.highest(LatencyHistogram.BUCKETS - 1))
        .isEqualTo(LatencyHistogram.MAX_VALUE);
  }

  @Test
  void clampsOutOfRangeValuesAndResetEmpties() {
    LatencyHistogram h = new LatencyHistogram();
    h.record(-5);
    h.record(Long.MAX_VALUE);
    assertThat(h.percentile(50)).isZero();
    assertThat(h.max()).isEqualTo(LatencyHistogram.MAX_VALUE);
    h.reset();
    assertThat(h.percentile(99)).isZero();
    assertThat(h.max()).isZero();
  }

  @Test
  void summaryMergesWindowsAndCountsBatchRecords() {
    LatencyHistogram current = new LatencyHistogram();
    LatencyHistogram previous = new LatencyHistogram();
    previous.record(1_000_000, 99);
    current.record(7_000_000);
    Latency l = LatencyHistogram.summarize(current, previous);
    assertThat(l.count()).isEqualTo(100);
    assertThat(l.p50Nanos()).isBetween(1_000_000L, 1_000_000L + 1_000_000 / 32);
    assertThat(l.p99Nanos()).isBetween(1_000_000L, 1_000_000L + 1_000_000 / 32);
    assertThat(l.maxNanos()).isEqualTo(7_000_000);
    assertThat(LatencyHistogram.summarize(new LatencyHistogram()))
        .isEqualTo(new Latency(0, 0, 0, 0, 0));
  }

  @Test
  void concurrentRecordersLoseNothingWithoutReset() throws InterruptedException {
    LatencyHistogram h = new LatencyHistogram();
    Thread[] threads = new Thread[4];
    for (int t = 0; t < threads.length; t++) {
      threads[t] =
          Thread.ofPlatform()
              .start(
                  () -> {
                    for (int i = 0; i < 100_000; i++) {
                      h.record(i);
                    }
                  });
    }
    for (Thread t : threads) {
      t.join();
    }
    assertThat(LatencyHistogram.summarize(h).count()).isEqualTo(400_000);
    assertThat(h.max()).isEqualTo(99_999);
  }

  @Test
  void windowRotationForgetsOnlyWhenNewValuesArrive() {
    LatencyHistogram.Window w = new LatencyHistogram.Window();
    w.current().record(1_000);
    w = w.rotate(); // the value moves to previous: still visible
    assertThat(w.summary().count()).isEqualTo(1);
    w = w.rotate(); // nothing new: skipped, still visible
    w = w.rotate();
    assertThat(w.summary().count()).isEqualTo(1);
    w.current().record(5_000);
    assertThat(w.summary().count()).isEqualTo(2); // the new value and the last window's
    w = w.rotate(); // a new window with values: the old one is forgotten
    assertThat(w.summary().count()).isEqualTo(1);
    assertThat(w.summary().p50Nanos()).isGreaterThanOrEqualTo(5_000);
  }
}
