package org.seda4j.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.seda4j.Stage;
import org.seda4j.StageGraph;
import org.seda4j.lab.BlockingWorkload;
import org.seda4j.observe.StageSnapshot;

/**
 * Workloads 3, 4 and 5 of the suite, one contender per JVM: {@link Suite} starts this class as a
 * child process with the same JVM options as the JMH forks and reads its results from standard
 * output ({@code ROW,...} lines of the results CSV, {@code HIST,...} lines carrying an encoded
 * latency histogram). Run by hand: {@code java -cp target/bench/benchmarks.jar
 * org.seda4j.bench.Harness latency SEDA_DEFAULT quick}.
 *
 * <ul>
 *   <li>{@code latency CONTENDER MODE}: 3-stage pipeline. First its capacity, closed-loop (batches
 *       of {@value #CHUNK} events, each drained), then an open-loop producer at 50% and 90% of that
 *       capacity: event k is due at start + k/rate and carries its due time; the sink records
 *       arrival minus due time, so time spent waiting for a full queue counts (no coordinated
 *       omission). The producer parks until an event is due (no spinning), so the figures include
 *       its wake-up delay (tens of microseconds), the same for every contender.
 *   <li>{@code blocking WHO MODE}: a 10 ms blocking handler ({@code Thread.sleep}) with {@value
 *       BlockingWorkload#OUTSTANDING} events outstanding (a producer thread holds a Semaphore
 *       permit per event, released when its handler ends): seda4j with default controllers (one
 *       stage, capacity 10,000), a {@code ThreadPoolExecutor} of 200 platform threads (queue
 *       10,000), a virtual thread per event ({@link BlockingWorkload}, shared with the scenario
 *       lab). Completions per second after a warm-up; then every event submitted must complete.
 *   <li>{@code memory queued|blocked CONTENDER MODE}: heap retained per event (GC, then {@link
 *       MemoryMXBean} heap used, before building the flow and after filling it, divided by the
 *       events), and bytes allocated per event (all threads, {@code
 *       com.sun.management.ThreadMXBean}). {@code queued}: {@value #QUEUED} events waiting in a
 *       one-stage flow of that capacity whose handler is held on its first event. {@code blocked}:
 *       {@value #BLOCKED} handlers blocked at once (seda4j: permits = {@value #BLOCKED}, batch 1;
 *       virtual thread per task; ThreadPoolExecutor: {@value #BLOCKED_PLATFORM} platform threads,
 *       whose stacks are native memory outside the heap and not counted). The event is one shared
 *       object: the figures are the container's cost, not the payload's.
 * </ul>
 */
public final class Harness {
  static final int CHUNK = 20_000;
  static final int QUEUED = 1 << 17;
  static final int BLOCKED = 100_000;
  static final int BLOCKED_PLATFORM = 1_000;
  static final Duration TIMEOUT = Duration.ofMinutes(2);

  private Harness() {}

  /**
   * Runs one workload for one contender.
   *
   * @param args workload, its arguments, mode
   * @throws Exception if the workload fails (the process then exits non-zero)
   */
  public static void main(String[] args) throws Exception {
    Plan plan = Plan.of(args[args.length - 1]);
    switch (args[0]) {
      case "latency" -> latency(Contender.valueOf(args[1]), plan);
      case "blocking" -> blocking(args[1], plan);
      case "memory" -> memory(args[1], Contender.valueOf(args[2]), plan);
      case "stages" -> stages(plan);
      default ->
          throw new IllegalArgumentException("workload: latency, blocking, memory or stages");
    }
    System.out.flush();
    System.exit(0); // peers' non-daemon threads (none expected) must not keep the JVM alive
  }

  static void row(
      String workload, String scenario, String contender, String metric, double v, String unit) {
    System.out.printf(
        Locale.ROOT, "ROW,%s,%s,%s,%s,%.6g,0,%s%n", workload, scenario, contender, metric, v, unit);
  }

  // ------------------------------------------------------------------ 3. latency

  static void latency(Contender c, Plan plan) throws Exception {
    Sink sink = new Sink();
    int arrivals = c.arrivalsPerEvent(Topology.PIPE3);
    Flow flow = c.build(Topology.PIPE3, sink, Contender.CAPACITY);
    try {
      closedLoop(c, flow, sink, arrivals, plan.capacityWarmupMs());
      double capacity = closedLoop(c, flow, sink, arrivals, plan.capacityMs());
      row("latency", "pipe3", c.label(), "capacity", capacity, "events/s");
      for (int percent : new int[] {50, 90}) {
        double rate = capacity * percent / 100.0;
        openLoop(c, flow, sink, rate, plan.latencyWarmupMs(), false);
        long t0 = System.nanoTime();
        long n = openLoop(c, flow, sink, rate, plan.latencyMs(), true);
        double achieved = n * 1e9 / (System.nanoTime() - t0);
        String scenario = "pipe3@" + percent;
        row("latency", scenario, c.label(), "offered", rate, "events/s");
        row("latency", scenario, c.label(), "achieved", achieved, "events/s");
        Histogram h = sink.latencies();
        if (h.getTotalCount() != n) {
          throw new IllegalStateException(
              c.label() + ": recorded " + h.getTotalCount() + " latencies of " + n + " events");
        }
        ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int len = h.encodeIntoCompressedByteBuffer(buf);
        byte[] bytes = new byte[len];
        buf.flip();
        buf.get(bytes);
        System.out.println(
            "HIST," + scenario + "," + c.label() + "," + Base64.getEncoder().encodeToString(bytes));
      }
      sink.verifyIdle();
    } finally {
      flow.stop();
    }
    sink.verifyIdle();
  }

  /** Sends chunks of CHUNK events as fast as accepted, each drained; returns events/s. */
  private static double closedLoop(Contender c, Flow flow, Sink sink, int arrivals, long ms)
      throws Exception {
    long start = System.nanoTime();
    long end = start + ms * 1_000_000;
    long sent = 0;
    do {
      sink.expect((long) CHUNK * arrivals);
      flow.feed(EventSource.NOW, CHUNK);
      sink.await(c.label(), TIMEOUT);
      sent += CHUNK;
    } while (System.nanoTime() < end);
    return sent * 1e9 / (System.nanoTime() - start);
  }

  /** Sends rate x ms events open-loop, waits for all of them; returns the number sent. */
  private static long openLoop(
      Contender c, Flow flow, Sink sink, double rate, long ms, boolean record) throws Exception {
    long n = Math.max(1_000, (long) (rate * ms / 1000.0));
    sink.expect(n * c.arrivalsPerEvent(Topology.PIPE3));
    sink.recording(record);
    flow.feed(EventSource.paced(rate), n);
    sink.await(c.label(), TIMEOUT);
    sink.recording(false);
    return n;
  }

  // ------------------------------------------------------------------ 4. blocking handler

  static void blocking(String who, Plan plan) throws Exception {
    BlockingWorkload w = BlockingWorkload.start(who, b -> b.capacity(BlockingWorkload.OUTSTANDING));
    Stage<Integer> stage = w.stage();
    Thread tracer = null;
    if (stage != null && System.getenv("SEDA4J_BENCH_TRACE") != null) {
      tracer = Thread.ofPlatform().daemon().start(() -> trace(stage));
    }
    Thread.sleep(plan.blockingWarmupMs());
    long c0 = w.completed();
    long t0 = System.nanoTime();
    Thread.sleep(plan.blockingMs());
    long c1 = w.completed();
    long t1 = System.nanoTime();
    if (tracer != null) {
      tracer.interrupt();
      tracer.join();
    }
    w.stop(); // every event submitted must complete
    row("blocking", "sleep10ms", who, "throughput", (c1 - c0) * 1e9 / (t1 - t0), "events/s");
    if (stage != null) {
      row("blocking", "sleep10ms", who, "permits_at_end", stage.permits(), "permits");
      StageSnapshot s = stage.snapshot();
      System.out.printf(
          Locale.ROOT,
          "controllers at the end: batchSize %d, active %d, queued %d; %s; %s%n",
          s.handlers().batchSize(),
          s.handlers().active(),
          s.queue().queued(),
          s.controllers().concurrencyDecision(),
          s.controllers().batchDecision());
    }
    w.close();
  }

  /**
   * Prints the stage's controllers every 100 ms until interrupted (blocking workload, when the
   * environment variable SEDA4J_BENCH_TRACE is set): what they decided and why, to diagnose a run.
   */
  private static void trace(Stage<Integer> stage) {
    long t0 = System.nanoTime();
    try {
      while (true) {
        Thread.sleep(100);
        StageSnapshot s = stage.snapshot();
        System.out.printf(
            Locale.ROOT,
            "trace %5d ms: permits %d, batch %d, active %d, queued %d, %.0f/s; %s; %s%n",
            (System.nanoTime() - t0) / 1_000_000,
            s.handlers().permits(),
            s.handlers().batchSize(),
            s.handlers().active(),
            s.queue().queued(),
            s.handlers().throughput(),
            s.controllers().concurrencyDecision(),
            s.controllers().batchDecision());
      }
    } catch (InterruptedException end) {
      // the run is over
    }
  }

  // ------------------------------------------------------------------ 5. memory

  static void memory(String kind, Contender c, Plan plan) throws Exception {
    boolean blocked =
        switch (kind) {
          case "queued" -> false;
          case "blocked" -> true;
          default -> throw new IllegalArgumentException("memory: queued or blocked");
        };
    List<Double> heap = new ArrayList<>();
    List<Double> alloc = new ArrayList<>();
    for (int rep = 0; rep <= plan.memoryReps(); rep++) { // rep 0: class loading, JIT; discarded
      Sink sink = new Sink();
      int events = blocked ? (c == Contender.THREAD_POOL ? BLOCKED_PLATFORM : BLOCKED) : QUEUED;
      CountDownLatch entered = new CountDownLatch(blocked ? events : 1);
      sink.hold(entered);
      long heap0 = usedAfterGc();
      long alloc0 = allocated();
      Flow flow = blocked ? blockedFlow(c, sink, events) : c.build(Topology.PIPE1, sink, events);
      sink.expect(events);
      flow.feed(EventSource.CONSTANT, events);
      if (!entered.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        throw new IllegalStateException(c.label() + ": handlers did not start");
      }
      long alloc1 = allocated();
      long heap1 = usedAfterGc();
      if (rep > 0) {
        heap.add((heap1 - heap0) / (double) events);
        alloc.add((alloc1 - alloc0) / (double) events);
      }
      sink.release();
      sink.await(c.label(), TIMEOUT);
      flow.stop();
      sink.verifyIdle();
    }
    String label = blocked && c == Contender.THREAD_POOL ? "tpe-1000-threads" : c.label();
    rowStats("memory", kind, label, "heap_per_event", heap, "bytes");
    rowStats("memory", kind, label, "alloc_per_event", alloc, "bytes");
  }

  /** Stages built per repetition by {@link #stages}. */
  static final int STAGES = 100_000;

  private static final int STAGE_CAPACITY = 16;

  /**
   * Heap retained per idle stage, beyond its queue's array, with latency statistics off; and the
   * seconds to build {@link #STAGES} stages in one graph. The queue's array is {@code 16 + 4 *
   * capacity} bytes with compressed references (a heap under 32 GB, as here).
   */
  static void stages(Plan plan) throws Exception {
    List<Double> heap = new ArrayList<>();
    List<Double> seconds = new ArrayList<>();
    double queueArray = 16 + 4.0 * STAGE_CAPACITY;
    for (int rep = 0; rep <= plan.memoryReps(); rep++) { // rep 0: class loading, JIT; discarded
      long heap0 = usedAfterGc();
      long t0 = System.nanoTime();
      StageGraph graph =
          StageGraph.builder("footprint-" + rep).latencyStatistics(false).jmx(false).open();
      List<Stage<Integer>> stages = new ArrayList<>(STAGES);
      try {
        for (int i = 0; i < STAGES; i++) {
          stages.add(
              graph.stage("s" + i, Integer.class).capacity(STAGE_CAPACITY).handler((e, ctx) -> {}));
        }
        long t1 = System.nanoTime();
        long heap1 = usedAfterGc();
        if (rep > 0) {
          heap.add((heap1 - heap0) / (double) STAGES - queueArray);
          seconds.add((t1 - t0) / 1e9);
        }
      } finally {
        java.lang.ref.Reference.reachabilityFence(stages);
      }
      graph.close();
    }
    rowStats("memory", "stage", "seda-stats-off", "heap_per_stage", heap, "bytes");
    rowStats("memory", "stage", "seda-stats-off", "build_seconds", seconds, "s");
  }

  /** The flow of the blocked-handler memory workload for {@code c} (also SideBySide's). */
  static Flow blockedFlow(Contender c, Sink sink, int events) {
    return switch (c) {
      case SEDA_DEFAULT, SEDA_EVENT ->
          new SedaFlow(Topology.PIPE1, sink, "memory", events, b -> b.batchSize(1).permits(events));
      case VT_SEMAPHORE -> new VtSemaphoreFlow(Topology.PIPE1, sink, events);
      case THREAD_POOL -> new ThreadPoolFlow(Topology.PIPE1, sink, events, events);
      default ->
          throw new IllegalArgumentException(
              c + ": one thread per stage, a blocked handler blocks the whole stage");
    };
  }

  /** Median as the value, half the range as the error. */
  private static void rowStats(
      String workload, String scenario, String who, String metric, List<Double> v, String unit) {
    List<Double> s = new ArrayList<>(v);
    s.sort(null);
    double median = median(v);
    double err = (s.get(s.size() - 1) - s.get(0)) / 2;
    System.out.printf(
        Locale.ROOT,
        "ROW,%s,%s,%s,%s,%.6g,%.3g,%s%n",
        workload,
        scenario,
        who,
        metric,
        median,
        err,
        unit);
  }

  /** The median of {@code v} (not empty). */
  static double median(List<Double> v) {
    List<Double> s = new ArrayList<>(v);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

  private static long usedAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(20);
    }
    return MEMORY.getHeapMemoryUsage().getUsed();
  }

  private static long allocated() {
    if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t) {
      return t.getTotalThreadAllocatedBytes();
    }
    return -1;
  }
}
