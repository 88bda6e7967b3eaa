package org.seda4j.bench;

import java.util.List;

/**
 * How long each part of the suite runs: {@code quick} (seconds per benchmark, for CI, so the suite
 * never rots; its numbers mean little) or {@code full} (the published figures).
 *
 * <p>Full mode on 2 cores: JMH runs 3 forks x (3 warm-up + 5 measured iterations of 1 s) per
 * benchmark, and reports the mean with its 99.9% confidence interval over the 15 measured
 * iterations; the harness workloads (latency, blocking) run 2 JVMs per contender and pool them.
 * Error bars on a shared 2-core VM stay wide (often +/-10-70%): compare within one table, and treat
 * ratios whose interval straddles 1 as unresolved.
 *
 * @param name quick or full
 * @param jmhForks JMH forks per benchmark
 * @param jmhWarmups JMH warm-up iterations per fork
 * @param jmhIterations JMH measured iterations per fork
 * @param jmhIterationMs length of one JMH iteration
 * @param harnessForks JVMs per contender for the latency and blocking workloads
 * @param capacityWarmupMs latency workload: closed-loop warm-up before measuring capacity
 * @param capacityMs latency workload: closed-loop capacity measurement
 * @param latencyWarmupMs latency workload: open-loop warm-up at each load (not recorded)
 * @param latencyMs latency workload: open-loop recorded run at each load
 * @param blockingWarmupMs blocking workload: warm-up (the controllers settle)
 * @param blockingMs blocking workload: measured window
 * @param memoryReps memory workload: measured repetitions per JVM (after one discarded)
 */
record Plan(
    String name,
    int jmhForks,
    int jmhWarmups,
    int jmhIterations,
    long jmhIterationMs,
    int harnessForks,
    long capacityWarmupMs,
    long capacityMs,
    long latencyWarmupMs,
    long latencyMs,
    long blockingWarmupMs,
    long blockingMs,
    int memoryReps) {

  /** JVM options of every measured JVM (JMH forks and harness children alike). */
  static final List<String> JVM_ARGS = List.of("-Xms2g", "-Xmx2g");

  /**
   * The plan of a mode.
   *
   * @param name quick or full
   * @return the plan
   */
  static Plan of(String name) {
    return switch (name) {
      case "quick" -> new Plan("quick", 1, 1, 2, 400, 1, 500, 700, 300, 800, 1500, 1000, 1);
      case "full" -> new Plan("full", 3, 3, 5, 1000, 2, 2000, 2000, 1000, 4000, 3000, 5000, 5);
      default -> throw new IllegalArgumentException("mode must be quick or full, was " + name);
    };
  }

  /** One line for the results files. */
  String describe() {
    return String.format(
        java.util.Locale.ROOT,
        "JMH %d fork(s) x (%d warm-up + %d measured iterations of %d ms); latency and blocking:"
            + " %d JVM(s) per contender; memory: %d measured repetition(s); JVM options %s",
        jmhForks,
        jmhWarmups,
        jmhIterations,
        jmhIterationMs,
        harnessForks,
        memoryReps,
        String.join(" ", JVM_ARGS));
  }
}
