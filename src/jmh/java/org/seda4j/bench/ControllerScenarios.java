package org.seda4j.bench;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.seda4j.EventHandler;
import org.seda4j.Stage;
import org.seda4j.StageGraph;
import org.seda4j.control.BatchController;
import org.seda4j.control.ConcurrencyController;
import org.seda4j.observe.StageSnapshot;

/**
 * The controller scenarios of issue 3, as a benchmark harness (not a unit test): each scenario runs
 * the default (adaptive) controllers and a grid of fixed configurations side by side in one JVM,
 * and reports the default's throughput as a ratio of the best fixed one.
 *
 * <p>Run: {@code ./mvnw -B -q -Pbench -DskipTests package && java -cp target/bench/benchmarks.jar
 * org.seda4j.bench.ControllerScenarios [quick] [csv-file]}. {@code quick} shortens every window
 * (for CI, so the harness never rots); the full run takes a few minutes.
 *
 * <ol>
 *   <li>Blocking handler, 10 ms per event, saturating producers (far above what 200 threads do):
 *       throughput of the default controller between 2 s and the end of the run, time to reach 90%
 *       of the best fixed permit count, and a {@code ThreadPoolExecutor(200)} baseline.
 *   <li>Handler limited by a downstream {@code Semaphore(20)} held 5 ms: throughput and where the
 *       permits settle.
 *   <li>CPU-bound handler (~1 µs): throughput against a (permits, batch) grid.
 *   <li>Load step (open-loop arrivals: 1,000/s, then 10,000/s, then 1,000/s) on a 10 ms blocking
 *       handler: how long the permits take to follow up and back down.
 * </ol>
 */
public final class ControllerScenarios {

  private static double scale = 1.0;
  private static final List<String> CSV = new ArrayList<>();

  private ControllerScenarios() {}

  /**
   * Runs the scenarios.
   *
   * @param args {@code quick} for short windows; a path to write the CSV results to
   * @throws Exception if a run fails
   */
  public static void main(String[] args) throws Exception {
    Path csv = null;
    String only = "1234";
    for (String a : args) {
      if (a.equals("quick")) {
        scale = 0.25;
      } else if (a.matches("[1-4]+")) {
        only = a;
      } else {
        csv = Path.of(a);
      }
    }
    CSV.add("scenario,config,throughput_per_s,ratio_to_best_fixed,permits,batch,note");
    PrintStream out = System.out;
    out.printf(
        Locale.ROOT,
        "seda4j controller scenarios (JDK %s, %d cpus, scale %.2f)%n",
        Runtime.version(),
        Runtime.getRuntime().availableProcessors(),
        scale);
    if (only.contains("1")) {
      blockingIo(out);
    }
    if (only.contains("2")) {
      downstreamLimited(out);
    }
    if (only.contains("3")) {
      cpuBound(out);
    }
    if (only.contains("4")) {
      loadStep(out);
    }
    fillRatios();
    if (csv != null) {
      Files.write(csv, CSV, StandardCharsets.UTF_8);
      out.println("wrote " + csv);
    }
  }

  // ------------------------------------------------------------------ scenarios

  private static void blockingIo(PrintStream out) throws Exception {
    out.println();
    out.println("1. blocking handler, 10 ms per event, saturating producers");
    EventHandler<Integer> handler =
        (e, ctx) -> {
          Thread.sleep(10);
        };
    double best = 0;
    int bestPermits = 0;
    List<double[]> grid = new ArrayList<>();
    for (int permits : new int[] {200, 1000, 2000, 4000, 8000, 16000}) {
      Run r =
          runStage(
              "s1-fixed-" + permits,
              handler,
              ConcurrencyController.fixed(permits),
              BatchController.fixed(1),
              ms(1500),
              ms(3000),
              8);
      grid.add(new double[] {permits, r.throughput});
      out.printf(Locale.ROOT, "   fixed permits %5d: %,10.0f events/s%n", permits, r.throughput);
      if (r.throughput > best) {
        best = r.throughput;
        bestPermits = permits;
      }
    }
    Run adaptive = runStage("s1-adaptive", handler, null, null, ms(2000), ms(3000), 8);
    double tpe = threadPoolExecutor(200, 10, ms(1500), ms(3000), 8);
    for (double[] g : grid) {
      record(
          "1-blocking-10ms", "fixed permits " + (int) g[0], g[1], g[1] / best, (int) g[0], 1, "");
    }
    out.printf(
        Locale.ROOT,
        "   default (adaptive): %,10.0f events/s = %.2f x best fixed (%d permits); settled at %d"
            + " permits, batch %d; reached 90%% of best after %s%n",
        adaptive.throughput,
        adaptive.throughput / best,
        bestPermits,
        adaptive.end.handlers().permits(),
        adaptive.end.handlers().batchSize(),
        adaptive.timeTo(0.9 * best));
    out.printf(
        Locale.ROOT,
        "   ThreadPoolExecutor(200): %,10.0f events/s = %.2f x best fixed; default = %.1f x TPE%n",
        tpe,
        tpe / best,
        adaptive.throughput / tpe);
    record(
        "1-blocking-10ms",
        "default adaptive",
        adaptive.throughput,
        adaptive.throughput / best,
        adaptive.end.handlers().permits(),
        adaptive.end.handlers().batchSize(),
        "90% of best after " + adaptive.timeTo(0.9 * best));
    record("1-blocking-10ms", "ThreadPoolExecutor(200)", tpe, tpe / best, 200, 1, "");
  }

  private static void downstreamLimited(PrintStream out) throws Exception {
    out.println();
    out.println("2. handler limited by a downstream Semaphore(20) held 5 ms");
    double best = 0;
    int bestPermits = 0;
    for (int permits : new int[] {10, 20, 40, 100, 1000}) {
      Semaphore pool = new Semaphore(20);
      Run r =
          runStage(
              "s2-fixed-" + permits,
              pooled(pool),
              ConcurrencyController.fixed(permits),
              BatchController.fixed(1),
              ms(1000),
              ms(3000),
              4);
      out.printf(Locale.ROOT, "   fixed permits %5d: %,10.0f events/s%n", permits, r.throughput);
      record("2-downstream-20", "fixed permits " + permits, r.throughput, 0, permits, 1, "");
      if (r.throughput > best) {
        best = r.throughput;
        bestPermits = permits;
      }
    }
    Semaphore pool = new Semaphore(20);
    Run adaptive = runStage("s2-adaptive", pooled(pool), null, null, ms(2000), ms(4000), 4);
    out.printf(
        Locale.ROOT,
        "   default (adaptive): %,10.0f events/s = %.2f x best fixed (%d permits); permits"
            + " settled at %d (max seen %d), batch %d%n",
        adaptive.throughput,
        adaptive.throughput / best,
        bestPermits,
        adaptive.end.handlers().permits(),
        adaptive.maxPermits,
        adaptive.end.handlers().batchSize());
    out.println("   last decision: " + adaptive.end.controllers().concurrencyDecision());
    record(
        "2-downstream-20",
        "default adaptive",
        adaptive.throughput,
        adaptive.throughput / best,
        adaptive.end.handlers().permits(),
        adaptive.end.handlers().batchSize(),
        "max permits seen " + adaptive.maxPermits);
  }

  private static EventHandler<Integer> pooled(Semaphore pool) {
    return (e, ctx) -> {
      pool.acquire();
      try {
        Thread.sleep(5);
      } finally {
        pool.release();
      }
    };
  }

  private static void cpuBound(PrintStream out) throws Exception {
    out.println();
    out.println("3. CPU-bound handler (~1 us per event)");
    long iterations = calibrateOneMicro();
    EventHandler<Integer> handler = (e, ctx) -> spin(iterations + e % 2);
    double best = 0;
    String bestConfig = "";
    for (int permits : new int[] {1, 2, 4, 8}) {
      for (int batch : new int[] {1, 4, 16, 64, 256}) {
        Run r =
            runStage(
                "s3-" + permits + "-" + batch,
                handler,
                ConcurrencyController.fixed(permits),
                BatchController.fixed(batch),
                ms(700),
                ms(1500),
                1);
        record(
            "3-cpu-1us",
            "fixed permits " + permits + " batch " + batch,
            r.throughput,
            0,
            permits,
            batch,
            "");
        if (r.throughput > best) {
          best = r.throughput;
          bestConfig = "permits " + permits + ", batch " + batch;
        }
      }
    }
    out.printf(
        Locale.ROOT, "   best fixed (grid of 4 x 5): %,10.0f events/s (%s)%n", best, bestConfig);
    Run adaptive = runStage("s3-adaptive", handler, null, null, ms(2000), ms(3000), 1);
    out.printf(
        Locale.ROOT,
        "   default (adaptive): %,10.0f events/s = %.2f x best fixed; permits %d (max seen %d),"
            + " batch %d%n",
        adaptive.throughput,
        adaptive.throughput / best,
        adaptive.end.handlers().permits(),
        adaptive.maxPermits,
        adaptive.end.handlers().batchSize());
    out.println(
        "   last decisions: "
            + adaptive.end.controllers().concurrencyDecision()
            + " | "
            + adaptive.end.controllers().batchDecision());
    record(
        "3-cpu-1us",
        "default adaptive",
        adaptive.throughput,
        adaptive.throughput / best,
        adaptive.end.handlers().permits(),
        adaptive.end.handlers().batchSize(),
        "best fixed " + bestConfig);
    Run agg =
        runStage(
            "s3-aggthrottle",
            handler,
            null,
            BatchController.aggThrottle(256),
            ms(2000),
            ms(3000),
            1);
    out.printf(
        Locale.ROOT,
        "   adaptive permits + aggThrottle(256) batching: %,10.0f events/s = %.2f x best fixed;"
            + " batch %d%n",
        agg.throughput,
        agg.throughput / best,
        agg.end.handlers().batchSize());
    record(
        "3-cpu-1us",
        "adaptive permits + aggThrottle(256)",
        agg.throughput,
        agg.throughput / best,
        agg.end.handlers().permits(),
        agg.end.handlers().batchSize(),
        "Sandstorm's batching controller for comparison");
  }

  private static void loadStep(PrintStream out) throws Exception {
    out.println();
    out.println("4. load step on a 10 ms blocking handler: 1,000/s -> 10,000/s -> 1,000/s");
    LongAdder done = new LongAdder();
    try (StageGraph graph = StageGraph.open("s4")) {
      Stage<Integer> stage =
          graph
              .stage("io", Integer.class)
              .capacity(100_000)
              .handler(
                  (e, ctx) -> {
                    Thread.sleep(10);
                    done.increment();
                  });
      long phase = ms(4000);
      long t0 = System.nanoTime();
      List<long[]> trace = new ArrayList<>(); // time ms, permits, completions
      Thread producer =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      produce(stage, 1_000, phase);
                      produce(stage, 10_000, phase);
                      produce(stage, 1_000, phase);
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  });
      while (producer.isAlive()) {
        LockSupport.parkNanos(ms(50));
        trace.add(new long[] {(System.nanoTime() - t0) / 1_000_000, stage.permits(), done.sum()});
      }
      graph.awaitIdle(Duration.ofSeconds(30));
      long phaseMs = phase / 1_000_000;
      long up = -1;
      long down = -1;
      for (int i = 1; i < trace.size(); i++) {
        long[] prev = trace.get(i - 1);
        long[] cur = trace.get(i);
        double rate = (cur[2] - prev[2]) * 1000.0 / Math.max(1, cur[0] - prev[0]);
        if (up < 0 && cur[0] > phaseMs && rate >= 9_000) {
          up = cur[0] - phaseMs;
        }
        if (down < 0 && cur[0] > 2 * phaseMs && cur[1] <= 40) {
          down = cur[0] - 2 * phaseMs;
        }
      }
      int peak = trace.stream().mapToInt(t -> (int) t[1]).max().orElse(0);
      out.printf(
          Locale.ROOT,
          "   up: completions reached >= 9,000/s %s after the step; peak permits %d (10 ms x 10,000/s"
              + " needs ~100); down: permits <= 40 %s after the load fell%n",
          up < 0 ? "never" : up + " ms",
          peak,
          down < 0 ? "not within the phase" : down + " ms");
      record(
          "4-load-step",
          "default adaptive",
          0,
          0,
          peak,
          1,
          "up " + (up < 0 ? "never" : up + " ms") + "; down " + (down < 0 ? "n/a" : down + " ms"));
    }
  }

  // ------------------------------------------------------------------ machinery

  private static final class Run {
    double throughput;
    StageSnapshot end;
    int maxPermits;
    final List<long[]> progress = new ArrayList<>(); // elapsed ns, completions

    Run(StageSnapshot end) {
      this.end = end;
    }

    /** When the completion rate (over 200 ms) first reached {@code rate}. */
    String timeTo(double rate) {
      for (int i = 0; i < progress.size(); i++) {
        long[] a = progress.get(i);
        for (int j = i + 1; j < progress.size(); j++) {
          long[] b = progress.get(j);
          if (b[0] - a[0] >= ms(200)) {
            if ((b[1] - a[1]) * 1e9 / (b[0] - a[0]) >= rate) {
              return (b[0] / 1_000_000) + " ms";
            }
            break;
          }
        }
      }
      return "never";
    }
  }

  /**
   * Runs one stage with saturating producers: warm-up, then a measured window. Null controllers
   * mean the defaults.
   */
  private static Run runStage(
      String name,
      EventHandler<Integer> handler,
      @Nullable ConcurrencyController concurrency,
      @Nullable BatchController batching,
      long warmupNanos,
      long measureNanos,
      int producers)
      throws Exception {
    LongAdder done = new LongAdder();
    try (StageGraph graph = StageGraph.open(name)) {
      Stage.Builder<Integer> b = graph.stage("s", Integer.class).capacity(10_000);
      if (concurrency != null) {
        b.concurrency(concurrency);
      }
      if (batching != null) {
        b.batching(batching);
      }
      Stage<Integer> stage =
          b.handler(
              (e, ctx) -> {
                handler.handle(e, ctx);
                done.increment();
              });
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < producers; i++) {
        threads.add(
            Thread.ofPlatform()
                .daemon()
                .start(
                    () -> {
                      int n = 0;
                      try {
                        while (!Thread.currentThread().isInterrupted()) {
                          stage.put(n++);
                        }
                      } catch (InterruptedException | RuntimeException stop) {
                        // interrupted or the graph closed: stop producing
                      }
                    }));
      }
      Run run = new Run(stage.snapshot());
      long start = System.nanoTime();
      long measureFrom = start + warmupNanos;
      long end = measureFrom + measureNanos;
      long countAtMeasure = -1;
      while (true) {
        long now = System.nanoTime();
        run.progress.add(new long[] {now - start, done.sum()});
        run.maxPermits = Math.max(run.maxPermits, stage.permits());
        if (countAtMeasure < 0 && now >= measureFrom) {
          countAtMeasure = done.sum();
          measureFrom = now;
        }
        if (now >= end) {
          run.throughput = (done.sum() - countAtMeasure) * 1e9 / (now - measureFrom);
          break;
        }
        LockSupport.parkNanos(ms(20));
      }
      run.end = stage.snapshot();
      for (Thread t : threads) {
        t.interrupt();
      }
      graph.shutdownNow();
      for (Thread t : threads) {
        t.join();
      }
      return run;
    }
  }

  private static double threadPoolExecutor(
      int threads, long sleepMs, long warmupNanos, long measureNanos, int producers)
      throws Exception {
    LongAdder done = new LongAdder();
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            threads,
            threads,
            0,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(10_000),
            new ThreadPoolExecutor.CallerRunsPolicy());
    List<Thread> list = new ArrayList<>();
    for (int i = 0; i < producers; i++) {
      list.add(
          Thread.ofPlatform()
              .daemon()
              .start(
                  () -> {
                    try {
                      while (!Thread.currentThread().isInterrupted() && !pool.isShutdown()) {
                        pool.execute(
                            () -> {
                              try {
                                Thread.sleep(sleepMs);
                              } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                              }
                              done.increment();
                            });
                      }
                    } catch (RuntimeException stop) {
                      // rejected after shutdown
                    }
                  }));
    }
    LockSupport.parkNanos(warmupNanos);
    long c0 = done.sum();
    long t0 = System.nanoTime();
    LockSupport.parkNanos(measureNanos);
    double tput = (done.sum() - c0) * 1e9 / (System.nanoTime() - t0);
    for (Thread t : list) {
      t.interrupt();
    }
    pool.shutdownNow();
    for (Thread t : list) {
      t.join();
    }
    pool.awaitTermination(10, TimeUnit.SECONDS);
    return tput;
  }

  private static void produce(Stage<Integer> stage, int perSecond, long nanos)
      throws InterruptedException {
    long start = System.nanoTime();
    long interval = 1_000_000_000L / perSecond;
    long next = start;
    int n = 0;
    while (System.nanoTime() - start < nanos) {
      long now = System.nanoTime();
      while (next <= now) {
        stage.put(n++);
        next += interval;
      }
      LockSupport.parkNanos(next - now);
    }
  }

  private static volatile long sink;

  private static void spin(long iterations) {
    long x = sink;
    for (long i = 0; i < iterations; i++) {
      x = x * 6364136223846793005L + 1442695040888963407L;
    }
    sink = x;
  }

  private static long calibrateOneMicro() {
    for (int warm = 0; warm < 20_000; warm++) {
      spin(1000); // let the JIT compile spin() before timing it
    }
    long iterations = 1000;
    while (true) {
      long t0 = System.nanoTime();
      for (int i = 0; i < 1000; i++) {
        spin(iterations);
      }
      long perCall = (System.nanoTime() - t0) / 1000;
      if (perCall > 200) {
        return Math.max(1, iterations * 1000 / perCall);
      }
      iterations *= 4;
    }
  }

  /** Rows recorded before their scenario's best was known get their ratio to the best fixed. */
  private static void fillRatios() {
    java.util.Map<String, Double> best = new java.util.HashMap<>();
    for (String row : CSV.subList(1, CSV.size())) {
      String[] f = row.split(",", -1);
      if (f[1].startsWith("fixed")) {
        best.merge(f[0], Double.parseDouble(f[2]), Math::max);
      }
    }
    for (int i = 1; i < CSV.size(); i++) {
      String[] f = CSV.get(i).split(",", -1);
      Double b = best.get(f[0]);
      if (b != null && b > 0 && Double.parseDouble(f[2]) > 0) {
        f[3] = String.format(Locale.ROOT, "%.3f", Double.parseDouble(f[2]) / b);
        CSV.set(i, String.join(",", f));
      }
    }
  }

  private static long ms(long millis) {
    return (long) (millis * 1_000_000L * scale);
  }

  private static void record(
      String scenario,
      String config,
      double tput,
      double ratio,
      int permits,
      int batch,
      String note) {
    CSV.add(
        String.format(
            Locale.ROOT,
            "%s,%s,%.0f,%.3f,%d,%d,%s",
            scenario,
            config,
            tput,
            ratio,
            permits,
            batch,
            note.replace(',', ';')));
  }
}
