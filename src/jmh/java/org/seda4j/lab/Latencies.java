package org.seda4j.lab;

import java.util.Arrays;

/**
 * Exact percentiles of a set of response times.
 *
 * @param count how many
 * @param p50Ms the median, ms
 * @param p90Ms the 90th percentile, ms
 * @param p99Ms the 99th percentile, ms
 * @param maxMs the maximum, ms
 */
public record Latencies(int count, double p50Ms, double p90Ms, double p99Ms, double maxMs) {

  /**
   * The percentiles of some response times.
   *
   * @param nanos the response times in nanoseconds (sorted in place)
   * @return their percentiles, all 0 if there are none
   */
  public static Latencies of(long[] nanos) {
    Arrays.sort(nanos);
    return new Latencies(
        nanos.length,
        percentile(nanos, 50),
        percentile(nanos, 90),
        percentile(nanos, 99),
        nanos.length == 0 ? 0 : nanos[nanos.length - 1] / 1e6);
  }

  /**
   * A percentile of sorted values (nearest rank).
   *
   * @param sorted the values, sorted
   * @param p the percentile, 0 to 100
   * @return the value in ms, 0 if there are none
   */
  static double percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(p / 100 * sorted.length);
    return sorted[Math.max(0, rank - 1)] / 1e6;
  }
}
