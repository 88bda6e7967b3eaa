package org.seda4j.lab;

import java.util.List;

/**
 * How long and how wide each scenario runs: {@code quick} (short windows, small grids, fewer
 * baselines: a few minutes, for CI, so the lab never rots; its numbers mean little) or {@code full}
 * (the published figures).
 *
 * @param mode quick or full
 * @param capacitySeconds how long the resource's capacity C is measured (closed loop)
 * @param loads S1's offered loads, as multiples of C
 * @param openWarmupSeconds S1/S5: arrivals before the measured window of each load point
 * @param openWindowSeconds S1/S5: the measured window
 * @param queues S1/S3/S5: the grid of queue capacities for the fixed configuration (8 permits,
 *     batch 1, full queue rejects)
 * @param allBaselines S1/S3/S5: every baseline (seda4j BLOCK only, a virtual thread per request, a
 *     thread pool), or only the thread pool
 * @param gridPermits S4/S5: the permits of the grid
 * @param gridBatches S4/S5: the batch sizes of the grid, batch handlers
 * @param eventBatches S4/S5: the batch sizes of the grid, the per-event handler
 * @param gridWarmupSeconds S4/S5: warm-up of a grid configuration
 * @param gridWindowSeconds S4/S5: measured window of a grid configuration
 * @param defaultWarmupSeconds S4/S5: warm-up of the default controllers (they search first)
 * @param defaultWindowSeconds S4/S5: measured window of the default controllers
 * @param blockingSeconds S6: length of each run from its start
 */
public record LabPlan(
    String mode,
    double capacitySeconds,
    List<Double> loads,
    double openWarmupSeconds,
    double openWindowSeconds,
    List<Integer> queues,
    boolean allBaselines,
    List<Integer> gridPermits,
    List<Integer> gridBatches,
    List<Integer> eventBatches,
    double gridWarmupSeconds,
    double gridWindowSeconds,
    double defaultWarmupSeconds,
    double defaultWindowSeconds,
    double blockingSeconds) {

  /** JVM options of every scenario's JVM. */
  static final List<String> JVM_ARGS = List.of("-Xms2g", "-Xmx2g");

  /**
   * The plan of a mode.
   *
   * @param mode quick or full
   * @return the plan
   */
  static LabPlan of(String mode) {
    return switch (mode) {
      case "quick" ->
          new LabPlan(
              "quick",
              1,
              List.of(0.5, 0.8, 1.0, 4.0),
              1,
              1.5,
              List.of(32),
              false,
              List.of(1, 4, 16),
              List.of(1, 64, 1024),
              List.of(1),
              0.3,
              0.6,
              1.5,
              1.5,
              4);
      case "full" ->
          new LabPlan(
              "full",
              2,
              List.of(0.25, 0.5, 0.8, 1.0, 1.25, 2.0, 4.0),
              3,
              4,
              List.of(8, 16, 32, 48, 64),
              true,
              List.of(1, 2, 4, 8, 16, 64),
              List.of(1, 16, 64, 256, 1024),
              List.of(1, 64),
              0.5,
              1.5,
              4,
              4,
              10);
      default -> throw new IllegalArgumentException("mode must be quick or full, was " + mode);
    };
  }
}
