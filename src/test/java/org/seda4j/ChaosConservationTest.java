package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The chaos conservation suite: randomised graphs (linear, fan-out, diamond, with a cycle) whose
 * handlers fail, sleep, ignore interrupts, throw from finally blocks and block on emits, with every
 * full-queue policy, manual permit and batch-size changes while events flow, producers that
 * interrupt each other, and every way a graph can end (awaitIdle + close, close, close with a short
 * deadline, shutdownNow, both at once, an interrupted close, a failGraph failure). Each run is
 * checked exactly by {@link ChaosRun}: per stage, from the callers' side, and event by event
 * against the shutdown report.
 *
 * <p>Every run is generated from its own seed ({@link ChaosPlan#generate}), printed with the plan
 * before it starts; the run seeds derive from one master seed, printed first. Properties:
 *
 * <ul>
 *   <li>{@code -Dseda4j.chaos.seed=<seed>} reruns one run (its plan, and which handler misbehaves
 *       on which event, are the same; thread scheduling is not);
 *   <li>{@code -Dseda4j.chaos.master=<seed>} reruns a whole suite;
 *   <li>{@code -Dseda4j.chaos.runs=<n>} and {@code -Dseda4j.chaos.quota=<events>}: how many runs,
 *       and how many events the entry stage of each admits (defaults: a short suite for every
 *       build);
 *   <li>{@code -Dseda4j.chaos.minEvents=<n>}: fail unless the runs admitted at least that many
 *       events in all (the long suite, {@code ./mvnw -B verify -Pchaos-long}, asks for 10^7).
 * </ul>
 */
@Slow
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ChaosConservationTest {

  private static final Long ONE_SEED = Long.getLong("seda4j.chaos.seed");
  private static final long MASTER =
      Long.getLong("seda4j.chaos.master", new Random().nextLong()); // printed below
  private static final int RUNS = Integer.getInteger("seda4j.chaos.runs", 40);
  private static final long QUOTA = Long.getLong("seda4j.chaos.quota", 5_000);
  private static final long MIN_EVENTS = Long.getLong("seda4j.chaos.minEvents", 0);

  private static final long START = System.nanoTime();
  private static final AtomicInteger DONE = new AtomicInteger();
  private static final AtomicInteger FAILED_GRAPHS = new AtomicInteger();
  private static final LongAdder OFFERED = new LongAdder();
  private static final LongAdder ADMITTED = new LongAdder();
  private static final LongAdder COMPLETED = new LongAdder();
  private static final LongAdder FAILED = new LongAdder();
  private static final LongAdder CANCELLED = new LongAdder();
  private static final LongAdder DROPPED = new LongAdder();
  private static final LongAdder REJECTED = new LongAdder();
  private static final Map<ChaosPlan.Shutdown, AtomicInteger> BY_SHUTDOWN =
      new EnumMap<>(ChaosPlan.Shutdown.class);

  static {
    for (ChaosPlan.Shutdown s : ChaosPlan.Shutdown.values()) {
      BY_SHUTDOWN.put(s, new AtomicInteger());
    }
  }

  static Stream<Long> seeds() {
    if (ONE_SEED != null) {
      return Stream.of(ONE_SEED);
    }
    return LongStream.range(0, RUNS).mapToObj(i -> ChaosRun.mix(MASTER + 0x9E3779B97F4A7C15L * i));
  }

  @BeforeAll
  static void printSeed() {
    System.out.println(
        ONE_SEED != null
            ? "ChaosConservationTest: one run, seed " + ONE_SEED
            : "ChaosConservationTest: master seed "
                + MASTER
                + ", "
                + RUNS
                + " runs of "
                + QUOTA
                + " events (rerun all: -Dseda4j.chaos.master="
                + MASTER
                + ")");
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void everyEventIsAdmittedOrHandedBackAndEveryAdmittedEventEndsCounted(long seed)
      throws Exception {
    ChaosPlan plan = ChaosPlan.generate(seed, QUOTA);
    System.out.println("chaos run seed " + seed + ": " + plan);
    long start = System.nanoTime();
    ChaosRun.Outcome o = new ChaosRun(plan).execute();
    System.out.printf(
        "chaos run seed %d: %s%s in %d ms: %d offered to the entry, %d admitted by all stages,"
            + " %d completed, %d failed, %d cancelled, %d dropped, %d rejected%n",
        seed,
        o.shutdown(),
        o.graphFailed() ? " (failGraph)" : "",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
        o.entryOffered(),
        o.admitted(),
        o.completed(),
        o.failed(),
        o.cancelled(),
        o.dropped(),
        o.rejected());
    DONE.incrementAndGet();
    if (o.graphFailed()) {
      FAILED_GRAPHS.incrementAndGet();
    }
    java.util.Objects.requireNonNull(BY_SHUTDOWN.get(o.shutdown())).incrementAndGet();
    OFFERED.add(o.entryOffered());
    ADMITTED.add(o.admitted());
    COMPLETED.add(o.completed());
    FAILED.add(o.failed());
    CANCELLED.add(o.cancelled());
    DROPPED.add(o.dropped());
    REJECTED.add(o.rejected());
  }

  @AfterAll
  static void summary() {
    System.out.printf(
        "ChaosConservationTest master seed %d: %d runs passed in %d s (%s; %d ended by a failGraph"
            + " failure): %d events offered to entry stages, %d admitted by all stages, %d"
            + " completed, %d failed, %d cancelled, %d dropped, %d rejected%n",
        MASTER,
        DONE.get(),
        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - START),
        BY_SHUTDOWN,
        FAILED_GRAPHS.get(),
        OFFERED.sum(),
        ADMITTED.sum(),
        COMPLETED.sum(),
        FAILED.sum(),
        CANCELLED.sum(),
        DROPPED.sum(),
        REJECTED.sum());
    if (MIN_EVENTS > 0) {
      assertThat(ADMITTED.sum())
          .as("events admitted by all stages")
          .isGreaterThanOrEqualTo(MIN_EVENTS);
    }
  }
}
