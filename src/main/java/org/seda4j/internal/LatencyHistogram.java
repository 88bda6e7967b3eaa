package org.seda4j.internal;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.seda4j.observe.Latency;

/*
 * A fixed-size concurrent histogram of durations in nanoseconds, for the per-stage latency
 * statistics (queue wait, service time).
 *
 * Buckets (log-linear, like HdrHistogram with 5 bits of sub-bucket precision)
 * - Values 0..31 have one exact bucket each.
 * - A value v >= 32 with highest one-bit m (2^m <= v < 2^(m+1)) falls into one of 32 equal-width
 *   buckets covering [2^m, 2^(m+1)); the width is 2^(m-5). Index = ((m - 5 + 1) << 5) + the five
 *   bits below the highest one-bit, so indices are contiguous with the exact ones.
 * - Values are clamped to [0, MAX_VALUE] (2^42 - 1 ns, about 73 minutes): 1216 buckets, 9.7 KB.
 *
 * Error bound: a percentile is reported as the highest value of the bucket holding the exact
 * (nearest-rank) percentile, capped by the exact recorded max. The exact value e lies in the same
 * bucket, whose width is at most lowest/32 <= e/32, so e <= reported <= e + e/32: the reported
 * percentile never under-states and over-states by less than 1/32 = 3.125% (0 below 32 ns).
 * LatencyHistogramTest checks this bound against sorted samples. max() is exact.
 *
 * Concurrency: record() is lock-free and wait-free except for the max CAS (taken only when a value
 * beats the current max): one getAndAdd on the bucket. Any thread may record. reset() zeroes the
 * buckets one by one; a record racing a reset may be lost (if it lands in a bucket before reset
 * zeroes it) or counted in the new window (if after); so at most the records in flight during the
 * reset, typically one per recording thread, are lost. A reader copying the buckets while writers
 * record sees each bucket's count at some moment, not one consistent cut; at quiescence (no
 * recorder, no reset running) every count is exact.
 */
final class LatencyHistogram {

  static final int SUB_BITS = 5;
  private static final int SUB = 1 << SUB_BITS;
  static final long MAX_VALUE = (1L << 42) - 1;
  static final int BUCKETS = index(MAX_VALUE) + 1;

  private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
  private final AtomicLong max = new AtomicLong();

  static int index(long value) {
    if (value < SUB) {
      return (int) value;
    }
    int shift = 63 - Long.numberOfLeadingZeros(value) - SUB_BITS;
    return ((shift + 1) << SUB_BITS) + (int) ((value >>> shift) & (SUB - 1));
  }

  /** The bucket a value is recorded in, after clamping (see record). */
  static int bucketOf(long nanos) {
    return index(nanos < 0 ? 0 : Math.min(nanos, MAX_VALUE));
  }

  static long lowest(int index) {
    if (index < SUB) {
      return index;
    }
    int shift = (index >>> SUB_BITS) - 1;
    return ((long) (SUB + (index & (SUB - 1)))) << shift;
  }

  static long highest(int index) {
    if (index < SUB) {
      return index;
    }
    int shift = (index >>> SUB_BITS) - 1;
    return lowest(index) + (1L << shift) - 1;
  }

  /** Records one value; negative values count as 0, values above MAX_VALUE as MAX_VALUE. */
  void record(long nanos) {
    record(nanos, 1);
  }

  /**
   * Records {@code count} occurrences of one value; also how a caller records a run of values of
   * one bucket with a single atomic add (pass the run's largest value, so the max stays exact).
   */
  void record(long nanos, long count) {
    long v = nanos < 0 ? 0 : Math.min(nanos, MAX_VALUE);
    counts.getAndAdd(index(v), count);
    if (v > max.get()) {
      max.accumulateAndGet(v, Math::max);
    }
  }

  /** Zeroes the histogram; see the class comment for records racing it. */
  void reset() {
    for (int i = 0; i < BUCKETS; i++) {
      counts.set(i, 0);
    }
    max.set(0);
  }

  /** Adds this histogram's counts to {@code into} (length BUCKETS); returns its max. */
  long addTo(long[] into) {
    for (int i = 0; i < BUCKETS; i++) {
      into[i] += counts.get(i);
    }
    return max.get();
  }

  /** The nearest-rank percentile {@code p} (0 &lt; p &lt;= 100), within the bound; 0 if empty. */
  long percentile(double p) {
    long[] c = new long[BUCKETS];
    long m = addTo(c);
    return percentile(c, total(c), m, p);
  }

  /** The exact largest value recorded since the last reset. */
  long max() {
    return max.get();
  }

  static long total(long[] counts) {
    long n = 0;
    for (long c : counts) {
      n += c;
    }
    return n;
  }

  static long percentile(long[] counts, long total, long max, double p) {
    if (total == 0) {
      return 0;
    }
    long rank = Math.max(1, (long) Math.ceil(p / 100.0 * total));
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= rank) {
        long v = highest(i);
        // The max is read apart from the counts; use it only if it belongs to this bucket or above.
        return max >= lowest(i) ? Math.min(v, max) : v;
      }
    }
    return highest(counts.length - 1); // counts moved under us: total was larger than their sum
  }

  /** Summary of several histograms merged (e.g. the current and the previous window). */
  static Latency summarize(LatencyHistogram... histograms) {
    long[] c = new long[BUCKETS];
    long m = 0;
    for (LatencyHistogram h : histograms) {
      m = Math.max(m, h.addTo(c));
    }
    long n = total(c);
    if (n == 0) {
      return new Latency(0, 0, 0, 0, 0);
    }
    long p50 = percentile(c, n, m, 50);
    long p90 = percentile(c, n, m, 90);
    long p99 = percentile(c, n, m, 99);
    return new Latency(n, p50, p90, p99, Math.max(m, p99));
  }

  /** Whether nothing was recorded since the last reset. Scans the buckets: sampler thread only. */
  boolean isEmpty() {
    for (int i = 0; i < BUCKETS; i++) {
      if (counts.get(i) != 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * The current and the previous histogram of one metric, replaced as a whole by rotation. A
   * rotation whose current histogram is empty is skipped, so an idle stage keeps showing the last
   * one to two sampling periods in which it recorded anything (instead of going blank two periods
   * after its last event).
   */
  record Window(LatencyHistogram current, LatencyHistogram previous) {
    Window() {
      this(new LatencyHistogram(), new LatencyHistogram());
    }

    Window rotate() {
      if (current.isEmpty()) {
        return this;
      }
      previous.reset();
      return new Window(previous, current);
    }

    Latency summary() {
      return summarize(current, previous);
    }
  }
}
