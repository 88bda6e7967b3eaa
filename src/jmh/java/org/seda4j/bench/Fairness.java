package org.seda4j.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.seda4j.Stage;
import org.seda4j.StageGraph;

/**
 * Carrier fairness, as a harness (not a unit test): how long an event of one stage waits for a
 * carrier thread while a CPU-bound stage with a backlog has a worker on every carrier, and what the
 * turn-taking that makes room for it costs the CPU-bound stage.
 *
 * <p>Part 1 (wait), per round: a stage "hog" (1 ms of CPU per event, batch 1, one permit per
 * carrier) gets {@code backlog} ms of work per carrier; once every carrier runs a hog worker, one
 * event is put into a stage "other" (one permit), and we record the time from that put to its
 * handler call, and whether the hog still had a backlog then (if not, the other stage was starved
 * until the hog ran dry). Part 2 (cost): the hog alone drains a second of work made of 1 ms and of
 * 50 µs events, with as many permits as carriers and with 8; efficiency = ideal time (work /
 * carriers) ÷ measured time.
 *
 * <p>Run: {@code ./mvnw -B -q -Pbench -DskipTests package && java -cp target/bench/benchmarks.jar
 * org.seda4j.bench.Fairness [quick]}. The full run (200 rounds of 500 ms per carrier, 5 drains per
 * case) takes about two minutes; {@code quick} (20 rounds of 100 ms, 1 drain) a few seconds.
 */
public final class Fairness {

  private Fairness() {}

  /**
   * Runs both parts and prints their results.
   *
   * @param args {@code quick} for a short run
   */
  public static void main(String[] args) throws Exception {
    boolean quick = Arrays.asList(args).contains("quick");
    int carriers = Runtime.getRuntime().availableProcessors();
    int rounds = quick ? 20 : 200;
    int backlogMs = quick ? 100 : 500;
    System.out.printf(
        Locale.ROOT,
        "carriers %d, java %s; %d rounds of %d ms of 1 ms CPU-bound events per carrier%n",
        carriers,
        Runtime.version(),
        rounds,
        backlogMs);
    waits(carriers, rounds, backlogMs);
    for (int permits : new int[] {carriers, 8}) {
      for (long workMicros : new long[] {1000, 50}) {
        drain(carriers, permits, workMicros, quick ? 1 : 5);
      }
    }
  }

  private static void waits(int carriers, int rounds, int backlogMs) throws Exception {
    long[] waitMicros = new long[rounds];
    int starved = 0;
    for (int r = 0; r < rounds; r++) {
      try (StageGraph graph = StageGraph.open("fair-" + r)) {
        Stage<Integer> hog =
            graph
                .stage("hog", Integer.class)
                .capacity(backlogMs * carriers + 1)
                .permits(carriers)
                .batchSize(1)
                .handler((e, ctx) -> burn(1_000_000));
        AtomicLong handledAt = new AtomicLong();
        AtomicLong hogBacklog = new AtomicLong(-1);
        Stage<String> other =
            graph
                .stage("other", String.class)
                .permits(1)
                .batchSize(1)
                .handler(
                    (e, ctx) -> {
                      hogBacklog.set(hog.snapshot().queue().queued());
                      handledAt.set(System.nanoTime());
                    });
        for (int i = 0; i < backlogMs * carriers; i++) {
          hog.put(i);
        }
        while (hog.snapshot().handlers().active() < carriers) {
          Thread.sleep(1);
        }
        long putAt = System.nanoTime();
        other.put("probe");
        while (handledAt.get() == 0) {
          Thread.sleep(0, 100_000);
        }
        waitMicros[r] = (handledAt.get() - putAt) / 1000;
        if (hogBacklog.get() == 0) {
          starved++;
        }
        graph.shutdownNow();
      }
    }
    Arrays.sort(waitMicros);
    System.out.printf(
        Locale.ROOT,
        "wait of the other stage's event: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms;"
            + " rounds in which it waited until the hog's backlog was gone: %d of %d%n",
        waitMicros[rounds / 2] / 1e3,
        waitMicros[rounds * 9 / 10] / 1e3,
        waitMicros[Math.min(rounds - 1, rounds * 99 / 100)] / 1e3,
        waitMicros[rounds - 1] / 1e3,
        starved,
        rounds);
  }

  private static void drain(int carriers, int permits, long workMicros, int runs) throws Exception {
    double[] efficiency = new double[runs];
    long work = workMicros * 1000;
    int n = (int) (1_000_000_000L / work); // a second of work in all
    for (int r = 0; r < runs; r++) {
      try (StageGraph graph = StageGraph.open("drain-" + r)) {
        Stage<Integer> hog =
            graph
                .stage("hog", Integer.class)
                .capacity(n)
                .permits(permits)
                .batchSize(1)
                .handler((e, ctx) -> burn(work));
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
          hog.put(i);
        }
        if (!graph.awaitIdle(Duration.ofMinutes(1))) {
          throw new IllegalStateException("the hog did not drain in a minute");
        }
        efficiency[r] = n * (double) work / carriers / (System.nanoTime() - start);
      }
    }
    StringBuilder each = new StringBuilder();
    for (double e : efficiency) {
      each.append(String.format(Locale.ROOT, " %.3f", e));
    }
    System.out.printf(
        Locale.ROOT,
        "drain of 1 s of %d µs events, %d permits: efficiency (ideal ÷ measured) per run:%s%n",
        workMicros,
        permits,
        each);
  }

  /** Spins for {@code nanos} of wall time; returns a value so that the loop is not removed. */
  static long burn(long nanos) {
    long end = System.nanoTime() + nanos;
    long x = 0;
    while (System.nanoTime() < end) {
      x += Long.numberOfTrailingZeros(x + 1);
    }
    return x;
  }
}
