package org.seda4j.observe;

import org.seda4j.StageGraph;

/**
 * Percentiles of one per-stage duration (queue wait or service time) over the recent window, in
 * nanoseconds; part of a {@link StageSnapshot}.
 *
 * <p>The window is the sampling window in progress merged with the last complete one that recorded
 * anything, so it covers one to two sampling periods of activity (see {@link
 * StageGraph.Builder#samplePeriod(java.time.Duration)}): older events no longer count, and an idle
 * stage keeps showing its last activity until new events arrive. Percentiles are nearest-rank
 * percentiles of a log-linear histogram: a reported percentile is never below the exact one and
 * exceeds it by less than 1/32 (3.125%); {@link #maxNanos()} is exact. While events flow the
 * figures may miss the few events recorded at the very moment a window turns over; at a quiescent
 * moment they are exact within that bound.
 *
 * <p>When latency statistics are turned off ({@link StageGraph.Builder#latencyStatistics(boolean)})
 * every component is 0. A record; all methods are non-blocking and any thread may call them.
 *
 * @param count events recorded in the window (0 when nothing was recorded or statistics are off)
 * @param p50Nanos the median, in nanoseconds
 * @param p90Nanos the 90th percentile, in nanoseconds
 * @param p99Nanos the 99th percentile, in nanoseconds
 * @param maxNanos the largest value in the window, in nanoseconds
 */
public record Latency(long count, long p50Nanos, long p90Nanos, long p99Nanos, long maxNanos) {}
