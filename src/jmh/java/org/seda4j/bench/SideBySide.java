package org.seda4j.bench;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.management.ObjectName;
import org.seda4j.lab.BlockingWorkload;

/**
 * Two contenders of one workload alternated in one JVM, round after round, so that their ratio is
 * not the spread between JVMs (JIT decisions, heap layout, the host's steal: single JVMs of the
 * blocking workload spread by ±30% on a 2-vCPU machine). Not part of the suite; its figures are in
 * docs/benchmarks.md beside this command:
 *
 * <pre>
 *   java -Xms2g -Xmx2g -cp target/bench/benchmarks.jar org.seda4j.bench.SideBySide blocking ROUNDS
 *   java -Xms2g -Xmx2g -cp target/bench/benchmarks.jar org.seda4j.bench.SideBySide heap ROUNDS
 *   java -Xms2g -Xmx2g -cp target/bench/benchmarks.jar org.seda4j.bench.SideBySide pipe1 ROUNDS
 * </pre>
 *
 * <ul>
 *   <li>{@code blocking}: the suite's blocking workload ({@link BlockingWorkload}: 10 ms handlers,
 *       {@value BlockingWorkload#OUTSTANDING} outstanding), seda4j with default controllers then a
 *       virtual thread per task (who goes first alternates), each round 1.5 s of warm-up and 2 s
 *       measured; per round both throughputs, the CPU time of the process per event, and their
 *       ratios; the first round is discarded (class loading, JIT). Prints the median ratio of each
 *       over the other rounds.
 *   <li>{@code heap}: {@value Harness#BLOCKED} handlers blocked at once, as the suite's memory
 *       workload (seda4j with permits = handlers and batch 1; a virtual thread per task and a
 *       {@code Semaphore}), measured with the JVM's class histogram (the {@code GC.class_histogram}
 *       diagnostic command, in process: live objects after a full collection) before the handlers
 *       start and while they are all blocked: bytes per handler in total and by class, so that what
 *       differs is named (the stack chunk, whose size follows the JIT's compiled frames under the
 *       handler, or the engine's objects). Who goes first alternates; the first round is discarded.
 *   <li>{@code pipe1}: the suite's one-stage pipeline ({@link Throughput}: chunks of {@value
 *       Throughput#EVENTS} events sent and drained), seda4j batched (batch 64, 1 permit) and the
 *       raw {@code ArrayBlockingQueue} + {@code drainTo} loop, each round 1 s of warm-up and 2 s
 *       measured; who goes first alternates; the first round is discarded.
 * </ul>
 */
public final class SideBySide {
  private static final String SEDA = "seda4j-default";
  private static final String VT = "vt-per-task";

  // Issue 14's targets: seda4j's blocking throughput at least this times the virtual threads', its
  // heap per blocked handler at most this times theirs.
  private static final double BLOCKING_TARGET = 0.9;
  private static final double HEAP_TARGET = 1.1;
  // And one stage batched at least this times the raw loop.
  private static final double PIPE1_TARGET = 0.8;

  private SideBySide() {}

  /**
   * Runs one comparison.
   *
   * @param args {@code blocking} or {@code heap}, then the number of rounds (at least 2)
   * @throws Exception if a contender fails
   */
  public static void main(String[] args) throws Exception {
    int rounds = Integer.parseInt(args[1]);
    if (rounds < 2) {
      throw new IllegalArgumentException("rounds: at least 2 (the first is discarded)");
    }
    switch (args[0]) {
      case "blocking" -> blocking(rounds);
      case "heap" -> heap(rounds);
      case "pipe1" -> pipe1(rounds);
      default -> throw new IllegalArgumentException("blocking, heap or pipe1");
    }
    System.out.flush();
    System.exit(0);
  }

  // ------------------------------------------------------------------ blocking

  private static void blocking(int rounds) throws Exception {
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    List<Double> rateRatios = new ArrayList<>();
    List<Double> cpuRatios = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      double[] rate = new double[2];
      double[] cpu = new double[2];
      String[] who = {SEDA, VT};
      for (int k = 0; k < 2; k++) {
        int i = (r + k) % 2; // who goes first alternates from round to round
        BlockingWorkload w =
            BlockingWorkload.start(who[i], b -> b.capacity(BlockingWorkload.OUTSTANDING));
        Thread.sleep(1_500);
        long c0 = w.completed();
        long t0 = System.nanoTime();
        long cpu0 = os.getProcessCpuTime();
        Thread.sleep(2_000);
        long c1 = w.completed();
        long t1 = System.nanoTime();
        long cpu1 = os.getProcessCpuTime();
        w.stop(); // every event submitted must complete
        w.close();
        rate[i] = (c1 - c0) * 1e9 / (t1 - t0);
        cpu[i] = (cpu1 - cpu0) / 1e3 / (c1 - c0);
        System.gc();
      }
      System.out.printf(
          Locale.ROOT,
          "round %d: %s %.0f/s (%.3f us CPU/event), %s %.0f/s (%.3f us): throughput %.3f x,"
              + " CPU per event %.3f x%s%n",
          r,
          SEDA,
          rate[0],
          cpu[0],
          VT,
          rate[1],
          cpu[1],
          rate[0] / rate[1],
          cpu[1] / cpu[0],
          r == 0 ? " (discarded)" : "");
      if (r > 0) {
        rateRatios.add(rate[0] / rate[1]);
        cpuRatios.add(cpu[1] / cpu[0]);
      }
    }
    System.out.printf(
        Locale.ROOT,
        "%s / %s over %d rounds: throughput median %.3f x (%.3f..%.3f), CPU per event (the"
            + " virtual threads' / seda4j's) median %.3f x (%.3f..%.3f); target: throughput >="
            + " %.1f x, %s%n",
        SEDA,
        VT,
        rateRatios.size(),
        Harness.median(rateRatios),
        min(rateRatios),
        max(rateRatios),
        Harness.median(cpuRatios),
        min(cpuRatios),
        max(cpuRatios),
        BLOCKING_TARGET,
        verdict(Harness.median(rateRatios) >= BLOCKING_TARGET, min(rateRatios) >= BLOCKING_TARGET));
  }

  // ------------------------------------------------------------------ pipe1

  private static void pipe1(int rounds) throws Exception {
    List<Double> ratios = new ArrayList<>();
    List<Contender> who = List.of(Contender.SEDA_BATCHED, Contender.RAW);
    for (int r = 0; r < rounds; r++) {
      double[] rate = new double[2];
      for (int k = 0; k < 2; k++) {
        int i = (r + k) % 2; // who goes first alternates from round to round
        Contender c = who.get(i);
        Sink sink = new Sink();
        Flow flow = c.build(Topology.PIPE1, sink, Contender.CAPACITY);
        chunks(c, flow, sink, 1_000_000_000L);
        rate[i] = chunks(c, flow, sink, 2_000_000_000L);
        flow.stop();
        sink.verifyIdle();
      }
      System.out.printf(
          Locale.ROOT,
          "round %d: %s %.3g/s, %s %.3g/s: %.3f x%s%n",
          r,
          who.get(0).label(),
          rate[0],
          who.get(1).label(),
          rate[1],
          rate[0] / rate[1],
          r == 0 ? " (discarded)" : "");
      if (r > 0) {
        ratios.add(rate[0] / rate[1]);
      }
    }
    System.out.printf(
        Locale.ROOT,
        "%s / %s over %d rounds: median %.3f x (%.3f..%.3f); target: >= %.1f x, %s%n",
        who.get(0).label(),
        who.get(1).label(),
        ratios.size(),
        Harness.median(ratios),
        min(ratios),
        max(ratios),
        PIPE1_TARGET,
        verdict(Harness.median(ratios) >= PIPE1_TARGET, min(ratios) >= PIPE1_TARGET));
  }

  /** Sends chunks of events, each drained, for at least {@code nanos}; returns events/s. */
  private static double chunks(Contender c, Flow flow, Sink sink, long nanos) throws Exception {
    long t0 = System.nanoTime();
    long sent = 0;
    long t;
    do {
      sink.expect(Throughput.EVENTS);
      flow.feed(EventSource.CONSTANT, Throughput.EVENTS);
      sink.await(c.label(), Duration.ofMinutes(1));
      sent += Throughput.EVENTS;
      t = System.nanoTime();
    } while (t - t0 < nanos);
    return sent * 1e9 / (t - t0);
  }

  // ------------------------------------------------------------------ heap

  private static void heap(int rounds) throws Exception {
    List<Double> ratios = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      double[] total = new double[2];
      List<Map<String, Double>> perClass = new ArrayList<>(List.of(Map.of(), Map.of()));
      List<Contender> who = List.of(Contender.SEDA_DEFAULT, Contender.VT_SEMAPHORE);
      for (int k = 0; k < 2; k++) {
        int i = (r + k) % 2; // who goes first alternates from round to round
        Map<String, Double> d = blockedHeap(who.get(i));
        perClass.set(i, d);
        total[i] = d.values().stream().mapToDouble(Double::doubleValue).sum();
      }
      System.out.printf(
          Locale.ROOT,
          "round %d: bytes per blocked handler %s %.1f, %s %.1f: %.3f x%s%n",
          r,
          Contender.SEDA_DEFAULT.label(),
          total[0],
          Contender.VT_SEMAPHORE.label(),
          total[1],
          total[0] / total[1],
          r == 0 ? " (discarded)" : "");
      if (r > 0) {
        ratios.add(total[0] / total[1]);
      }
      printDifferences(perClass.get(0), perClass.get(1));
    }
    System.out.printf(
        Locale.ROOT,
        "%s / %s, heap per blocked handler over %d rounds: median %.3f x (%.3f..%.3f); target:"
            + " <= %.1f x, %s%n",
        Contender.SEDA_DEFAULT.label(),
        Contender.VT_SEMAPHORE.label(),
        ratios.size(),
        Harness.median(ratios),
        min(ratios),
        max(ratios),
        HEAP_TARGET,
        verdict(Harness.median(ratios) <= HEAP_TARGET, max(ratios) <= HEAP_TARGET));
  }

  /** Live bytes per blocked handler by class: the histogram while blocked minus the one before. */
  private static Map<String, Double> blockedHeap(Contender c) throws Exception {
    int events = Harness.BLOCKED;
    Sink sink = new Sink();
    CountDownLatch entered = new CountDownLatch(events);
    sink.hold(entered);
    Map<String, Long> before = histogram();
    Flow flow = Harness.blockedFlow(c, sink, events);
    sink.expect(events);
    flow.feed(EventSource.CONSTANT, events);
    if (!entered.await(Harness.TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      throw new IllegalStateException(c.label() + ": handlers did not start");
    }
    Map<String, Long> during = histogram();
    sink.release();
    sink.await(c.label(), Duration.ofMinutes(2));
    flow.stop();
    sink.verifyIdle();
    Map<String, Double> d = new HashMap<>();
    during.forEach((k, v) -> d.put(k, (v - before.getOrDefault(k, 0L)) / (double) events));
    before.forEach((k, v) -> d.putIfAbsent(k, -v / (double) events));
    return d;
  }

  /** The classes whose bytes per handler differ by 2 or more between the two, largest first. */
  private static void printDifferences(Map<String, Double> a, Map<String, Double> b) {
    Map<String, Double> diff = new HashMap<>();
    a.forEach((k, v) -> diff.put(k, v - b.getOrDefault(k, 0.0)));
    b.forEach((k, v) -> diff.putIfAbsent(k, -v));
    diff.entrySet().stream()
        .filter(e -> Math.abs(e.getValue()) >= 2)
        .sorted(Comparator.comparingDouble(e -> -Math.abs(e.getValue())))
        .forEach(
            e ->
                System.out.printf(
                    Locale.ROOT,
                    "    %+8.1f B  %s (%.1f against %.1f)%n",
                    e.getValue(),
                    e.getKey(),
                    a.getOrDefault(e.getKey(), 0.0),
                    b.getOrDefault(e.getKey(), 0.0)));
  }

  /** Bytes of live objects by class name (a full collection first, as the command does). */
  private static Map<String, Long> histogram() throws Exception {
    String out =
        (String)
            ManagementFactory.getPlatformMBeanServer()
                .invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "gcClassHistogram",
                    new Object[] {new String[0]},
                    new String[] {String[].class.getName()});
    Map<String, Long> bytes = new HashMap<>();
    for (String line : out.split("\n", -1)) {
      String[] f = line.trim().split("\\s+", -1);
      // " num:  #instances  #bytes  class name (module)"
      if (f.length >= 4 && f[0].endsWith(":")) {
        bytes.merge(f[3], Long.parseLong(f[2]), Long::sum);
      }
    }
    return bytes;
  }

  // ------------------------------------------------------------------ statistics

  private static String verdict(boolean byMedian, boolean everyRound) {
    return everyRound
        ? "met in every round"
        : byMedian ? "met by the median, missed in some rounds" : "missed by the median";
  }

  private static double min(List<Double> v) {
    return v.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
  }

  private static double max(List<Double> v) {
    return v.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
  }
}
