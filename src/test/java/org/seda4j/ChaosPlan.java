package org.seda4j;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * One randomised chaos run, generated from a seed: the graph's shape, every stage's settings and
 * faults, the producers, and how the run ends. The same seed always gives the same plan; what the
 * threads then do depends on scheduling, but which handler fails, sleeps or ignores interrupts on
 * which event is a pure function of the seed and the event (see {@link ChaosRun}).
 *
 * @param seed the seed the plan was generated from
 * @param topology the shape of the graph
 * @param stages the stages; index 0 is the entry stage the producers feed
 * @param deadLetters the dead-letter stage, if any stage routes failures to one
 * @param producers producer threads
 * @param virtualProducers whether producers run on virtual threads (else platform threads)
 * @param shutdown how the run ends
 * @param cutFraction the fraction of the quota the entry admits before a mid-run shutdown
 * @param closeDeadline the deadline of {@link Shutdown#DEADLINE} and {@link Shutdown#RACE}
 * @param maxTtl how many times an event may go round a cycle
 * @param samplePeriod the graph's sampling period (controllers decide every period)
 * @param jmx whether the graph registers its stages in JMX
 * @param latencyStatistics whether the graph records latency statistics
 * @param quota events the entry stage admits before producers stop
 */
record ChaosPlan(
    long seed,
    Topology topology,
    List<StageSpec> stages,
    StageSpec deadLetters,
    int producers,
    boolean virtualProducers,
    Shutdown shutdown,
    double cutFraction,
    Duration closeDeadline,
    int maxTtl,
    Duration samplePeriod,
    boolean jmx,
    boolean latencyStatistics,
    long quota) {

  /** The shape of the stage network. */
  enum Topology {
    /** entry, then two to four stages in a row. */
    LINEAR,
    /** entry feeding two to four leaves. */
    FAN_OUT,
    /** entry feeding two branches that both feed one join stage. */
    DIAMOND,
    /** entry, then two stages, the last one offering events back to the entry (with a TTL). */
    CYCLE
  }

  /** A stage's full-queue policy. */
  enum Policy {
    BLOCK,
    BLOCK_FOR,
    REJECT,
    DROP_NEWEST,
    DROP_OLDEST
  }

  /** A stage's failure policy. */
  enum OnFailure {
    LOG,
    DEAD_LETTER,
    FAIL_GRAPH
  }

  /** How a handler hands an event to the next stage. */
  enum Link {
    /** {@link StageContext#emit}: blocks under a blocking policy. */
    EMIT,
    /** {@link StageContext#offer}: never blocks. */
    OFFER,
    /** {@link Stage#put} called directly on the handler thread. */
    PUT
  }

  /** How the run ends. */
  enum Shutdown {
    /** Producers reach the quota; awaitIdle; close(). */
    NONE,
    /** close() while producers run. */
    CLOSE,
    /** close(short deadline) while producers run. */
    DEADLINE,
    /** shutdownNow() while producers run. */
    NOW,
    /** close(short deadline) and shutdownNow() at once, on two threads, while producers run. */
    RACE,
    /** close(one day) while producers run, and the closing thread is interrupted. */
    INTERRUPTED_CLOSE
  }

  /**
   * One edge: the handler sends each event it handles on to {@code target}.
   *
   * @param target the target stage's index
   * @param link how
   * @param back whether this edge closes a cycle (the event's TTL is lowered; at 0 it stops)
   */
  record Output(int target, Link link, boolean back) {}

  /**
   * One stage.
   *
   * @param index its index in {@link ChaosPlan#stages()} (-1 for the dead-letter stage)
   * @param name its name
   * @param capacity queue capacity
   * @param permits fixed permits, or 0 for the default (adaptive) controller
   * @param batchSize fixed batch size, or 0 for the default (adaptive) controller
   * @param policy full-queue policy
   * @param onFailure failure policy
   * @param batchHandler whether the handler is a per-batch handler
   * @param failPerMille events (first events of batches) on which the handler throws
   * @param slowPerMille events on which the handler sleeps up to 0.2 ms (honouring interrupts)
   * @param stubbornPerMille events on which the handler waits 1 ms ignoring interrupts
   * @param finallyPerMille events on which the handler sleeps and then throws from a finally block
   *     (so an interrupt is replaced by another exception)
   * @param failGraphPerTenThousand for FAIL_GRAPH stages: events on which the handler throws
   * @param outputs where the handler sends events
   */
  record StageSpec(
      int index,
      String name,
      int capacity,
      int permits,
      int batchSize,
      Policy policy,
      OnFailure onFailure,
      boolean batchHandler,
      int failPerMille,
      int slowPerMille,
      int stubbornPerMille,
      int finallyPerMille,
      int failGraphPerTenThousand,
      List<Output> outputs) {

    FullQueuePolicy fullQueuePolicy() {
      return switch (policy) {
        case BLOCK -> FullQueuePolicy.block();
        case BLOCK_FOR -> FullQueuePolicy.blockFor(Duration.ofNanos(200_000));
        case REJECT -> FullQueuePolicy.reject();
        case DROP_NEWEST -> FullQueuePolicy.dropNewest();
        case DROP_OLDEST -> FullQueuePolicy.dropOldest();
      };
    }

    @Override
    public String toString() {
      return name
          + "[cap "
          + capacity
          + ", permits "
          + (permits == 0 ? "adaptive" : permits)
          + ", batch "
          + (batchSize == 0 ? "adaptive" : batchSize)
          + ", "
          + policy
          + ", "
          + onFailure
          + (batchHandler ? ", batch handler" : "")
          + ", faults fail/slow/stubborn/finally "
          + failPerMille
          + "/"
          + slowPerMille
          + "/"
          + stubbornPerMille
          + "/"
          + finallyPerMille
          + "‰"
          + (onFailure == OnFailure.FAIL_GRAPH ? " failGraph " + failGraphPerTenThousand + "‱" : "")
          + ", out "
          + outputs
          + "]";
    }
  }

  /** Generates the plan of seed {@code seed}. */
  static ChaosPlan generate(long seed, long quota) {
    Random r = new Random(seed);
    Topology topology = Topology.values()[r.nextInt(Topology.values().length)];
    int n =
        switch (topology) {
          case LINEAR -> 3 + r.nextInt(3);
          case FAN_OUT -> 3 + r.nextInt(3);
          case DIAMOND -> 4;
          case CYCLE -> 3 + r.nextInt(2);
        };
    List<List<Output>> outputs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      outputs.add(new ArrayList<>());
    }
    switch (topology) {
      case LINEAR -> {
        for (int i = 0; i + 1 < n; i++) {
          outputs.get(i).add(new Output(i + 1, link(r), false));
        }
      }
      case FAN_OUT -> {
        for (int i = 1; i < n; i++) {
          outputs.get(0).add(new Output(i, link(r), false));
        }
      }
      case DIAMOND -> {
        outputs.get(0).add(new Output(1, link(r), false));
        outputs.get(0).add(new Output(2, link(r), false));
        outputs.get(1).add(new Output(3, link(r), false));
        outputs.get(2).add(new Output(3, link(r), false));
      }
      case CYCLE -> {
        // 0 -> 1 -> 2 -offer-> 0, and with four stages 2 also feeds a leaf. The edge back is an
        // offer: a blocking emit round a cycle of full queues deadlocks (see DeadlockTest).
        outputs.get(0).add(new Output(1, link(r), false));
        outputs.get(1).add(new Output(2, link(r), false));
        outputs.get(2).add(new Output(0, Link.OFFER, true));
        if (n == 4) {
          outputs.get(2).add(new Output(3, link(r), false));
        }
      }
    }
    boolean anyFailGraph = r.nextInt(8) == 0;
    int failGraphStage = anyFailGraph ? r.nextInt(n) : -1;
    List<StageSpec> stages = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      OnFailure onFailure =
          i == failGraphStage
              ? OnFailure.FAIL_GRAPH
              : (r.nextInt(3) == 0 ? OnFailure.DEAD_LETTER : OnFailure.LOG);
      stages.add(stage(r, i, i == 0 ? "entry" : "s" + i, onFailure, outputs.get(i)));
    }
    StageSpec dlq = stage(r, -1, "dlq", OnFailure.LOG, List.of());
    Shutdown[] shutdowns = Shutdown.values();
    Shutdown shutdown = r.nextInt(4) == 0 ? Shutdown.NONE : shutdowns[r.nextInt(shutdowns.length)];
    return new ChaosPlan(
        seed,
        topology,
        List.copyOf(stages),
        dlq,
        1 + r.nextInt(4),
        r.nextBoolean(),
        shutdown,
        0.1 + 0.8 * r.nextDouble(),
        Duration.ofNanos(r.nextInt(3_000_000)),
        r.nextInt(4),
        Duration.ofMillis(1 + r.nextInt(20)),
        r.nextInt(4) == 0,
        r.nextBoolean(),
        quota);
  }

  private static StageSpec stage(
      Random r, int index, String name, OnFailure onFailure, List<Output> outputs) {
    int[] capacities = {1, 2, 4, 8, 16, 32, 64, 256};
    Policy[] policies = Policy.values();
    boolean quiet = r.nextInt(4) == 0; // a quarter of the stages have no faults at all
    return new StageSpec(
        index,
        name,
        capacities[r.nextInt(capacities.length)],
        r.nextInt(3) == 0 ? 0 : 1 + r.nextInt(4),
        r.nextInt(3) == 0 ? 0 : (r.nextBoolean() ? 1 : 1 + r.nextInt(64)),
        policies[r.nextInt(policies.length)],
        onFailure,
        r.nextInt(4) == 0,
        quiet ? 0 : r.nextInt(40),
        quiet ? 0 : r.nextInt(10),
        quiet ? 0 : r.nextInt(4),
        quiet ? 0 : r.nextInt(4),
        onFailure == OnFailure.FAIL_GRAPH ? 1 + r.nextInt(3) : 0,
        List.copyOf(outputs));
  }

  private static Link link(Random r) {
    int k = r.nextInt(10);
    return k < 6 ? Link.EMIT : k < 8 ? Link.OFFER : Link.PUT;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder().append(topology).append(", shutdown ").append(shutdown);
    if (shutdown != Shutdown.NONE) {
      b.append(" at ").append(Math.round(cutFraction * 100)).append("% of the quota");
    }
    if (shutdown == Shutdown.DEADLINE || shutdown == Shutdown.RACE) {
      b.append(" (deadline ").append(closeDeadline.toNanos() / 1000).append(" us)");
    }
    b.append(", ")
        .append(producers)
        .append(virtualProducers ? " virtual" : " platform")
        .append(" producers, quota ")
        .append(quota)
        .append(", ttl ")
        .append(maxTtl)
        .append(", sample period ")
        .append(samplePeriod.toMillis())
        .append(" ms")
        .append(jmx ? ", jmx" : "")
        .append(latencyStatistics ? ", latency statistics" : "");
    for (StageSpec s : stages) {
      b.append("\n  ").append(s);
    }
    b.append("\n  ").append(deadLetters);
    return b.toString();
  }
}
