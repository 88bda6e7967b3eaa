package org.seda4j.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.seda4j.AdmissionController;
import org.seda4j.Stage;
import org.seda4j.StageGraph;

/**
 * The "well-conditioned service" experiment of the SEDA papers (Welsh, Culler and Brewer, SOSP
 * 2001, figure of throughput and response time against offered load; Welsh and Culler, USITS 2003),
 * as a harness (not a unit test): a service whose bottleneck has a known capacity C receives
 * open-loop arrivals from 0.25 C to 4 C, and we measure goodput and the response-time percentiles
 * of the requests it admitted.
 *
 * <p>The service: a request is parsed (cheap), does one "database call" — a 10 ms blocking call
 * through a pool of 8 connections (a {@code Semaphore(8)} held while sleeping 10 ms), so C is about
 * 800 requests/s and the same for every contender — and is answered. Contenders:
 *
 * <ol>
 *   <li>{@code seda4j-rt}: stages parse -> work -> reply; {@code work} (the stage that calls the
 *       database) has {@link AdmissionController#responseTime} with a 50 ms target on its response
 *       time, and a rejection listener that answers "503" through the reply stage at once;
 *   <li>{@code seda4j-block}: the same stages with no admission control: full queues (1024) block,
 *       so the arrivals wait to enter (each arrival waits on its own virtual thread, like an accept
 *       loop handing connections over);
 *   <li>{@code vt-unbounded}: a virtual thread per request, no limit but the connection pool;
 *   <li>{@code tpe-abort}: a {@code ThreadPoolExecutor} with 8 threads (the pool's size), a bounded
 *       queue of 128 and {@code AbortPolicy} (rejections are answered at once).
 * </ol>
 *
 * <p>Arrivals are open-loop (Poisson, fixed seed): each has an intended time, and its response time
 * is measured from that time to the end of its answer, so a contender that falls behind is charged
 * for it (no coordinated omission). Goodput = requests answered with a result (not a rejection) per
 * second during the measurement window; percentiles are over those requests, exact (sorted). C is
 * measured first (8 closed-loop callers for 2 s).
 *
 * <p>Run: {@code ./mvnw -B -q -Pbench -DskipTests package && java -cp target/bench/benchmarks.jar
 * org.seda4j.bench.Conditioning [quick] [output-dir]} — writes {@code conditioning.csv} and {@code
 * conditioning.svg} to the output directory (default {@code src/jmh/results}). The full run takes
 * about 6 minutes; {@code quick} about 1.5 minutes (fewer, shorter load points: for CI).
 */
public final class Conditioning {

  static final int POOL = 8;
  static final long CALL_MILLIS = 10;
  static final Duration TARGET = Duration.ofMillis(50);

  private Conditioning() {}

  /** One row of the results. */
  record Point(
      String system,
      double loadFactor,
      double capacity,
      double offered,
      double goodput,
      long answered,
      long rejected,
      double p50Ms,
      double p90Ms,
      double p99Ms,
      double maxMs) {

    String csv() {
      return String.format(
          Locale.ROOT,
          "%s,%.2f,%.1f,%.1f,%.1f,%.3f,%d,%d,%.2f,%.2f,%.2f,%.2f",
          system,
          loadFactor,
          capacity,
          offered,
          goodput,
          goodput / capacity,
          answered,
          rejected,
          p50Ms,
          p90Ms,
          p99Ms,
          maxMs);
    }
  }

  static final String CSV_HEADER =
      "system,load_factor,capacity_per_s,offered_per_s,goodput_per_s,goodput_over_capacity,"
          + "answered,rejected,p50_ms,p90_ms,p99_ms,max_ms";

  /** Collects the answers of one load point: response times and rejections within the window. */
  static final class Recorder {
    private final long windowStart;
    private final long windowEnd;
    private final long[] latencies;
    private final AtomicInteger count = new AtomicInteger();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder overflow = new LongAdder();

    Recorder(long windowStart, long windowEnd, int expected) {
      this.windowStart = windowStart;
      this.windowEnd = windowEnd;
      this.latencies = new long[expected];
    }

    /** A request that arrived at {@code intended} got its result now. */
    void answered(long intended) {
      long now = System.nanoTime();
      if (now < windowStart || now >= windowEnd) {
        return;
      }
      int i = count.getAndIncrement();
      if (i < latencies.length) {
        latencies[i] = now - intended;
      } else {
        overflow.increment();
      }
    }

    /** A request got a rejection ("503") now. */
    void rejected() {
      long now = System.nanoTime();
      if (now >= windowStart && now < windowEnd) {
        rejected.increment();
      }
    }

    Point point(String system, double loadFactor, double capacity, double offered) {
      if (overflow.sum() > 0) {
        throw new IllegalStateException("more answers than arrivals: " + overflow.sum());
      }
      int n = Math.min(count.get(), latencies.length);
      long[] sorted = Arrays.copyOf(latencies, n);
      Arrays.sort(sorted);
      double seconds = (windowEnd - windowStart) / 1e9;
      return new Point(
          system,
          loadFactor,
          capacity,
          offered,
          n / seconds,
          n,
          rejected.sum(),
          pct(sorted, 50),
          pct(sorted, 90),
          pct(sorted, 99),
          n == 0 ? 0 : sorted[n - 1] / 1e6);
    }

    private static double pct(long[] sorted, double p) {
      if (sorted.length == 0) {
        return 0;
      }
      int rank = (int) Math.ceil(p / 100 * sorted.length);
      return sorted[Math.max(0, rank - 1)] / 1e6;
    }
  }

  /** The database: 8 connections, 10 ms per call. */
  static void databaseCall(Semaphore pool) throws InterruptedException {
    pool.acquire();
    try {
      Thread.sleep(CALL_MILLIS);
    } finally {
      pool.release();
    }
  }

  /** A contender: takes arrivals without blocking the arrival thread. */
  interface Service extends AutoCloseable {
    void submit(long intended);

    @Override
    void close();
  }

  /** A request through the stages. {@code busy} marks a "503" answer. */
  record Request(long intended, boolean busy) {}

  /** The response-time controller's settings (default: the library's defaults). */
  static AdmissionController.ResponseTimeSettings settings =
      AdmissionController.ResponseTimeSettings.target(TARGET);

  /** Print the bottleneck stage's admission state every 200 ms (for experiments). */
  static boolean trace;

  static Service seda(Recorder rec, Semaphore pool, boolean admission) {
    StageGraph graph =
        StageGraph.builder(admission ? "conditioning-rt" : "conditioning-block").jmx(false).open();
    Stage<Request> reply =
        graph
            .stage("reply", Request.class)
            .capacity(100_000)
            .handler(
                (r, ctx) -> {
                  if (r.busy()) {
                    rec.rejected();
                  } else {
                    rec.answered(r.intended());
                  }
                });
    // The bottleneck stage has a known capacity: 8 permits (the pool's size), 10 ms per call.
    Stage.Builder<Request> work = graph.stage("work", Request.class).permits(POOL);
    if (admission) {
      work.capacity(100_000)
          .admission(AdmissionController.responseTime(settings))
          .onReject((r, why) -> reply.offer(new Request(r.intended(), true)));
    }
    Stage<Request> db =
        work.handler(
            (r, ctx) -> {
              databaseCall(pool);
              ctx.emit(reply, r);
            });
    Stage<Request> parse =
        graph
            .stage("parse", Request.class)
            .capacity(admission ? 100_000 : 1024)
            .handler(
                (r, ctx) -> {
                  if (admission) {
                    ctx.offer(db, r); // a rejection was answered by work's listener
                  } else {
                    ctx.emit(db, r);
                  }
                });
    ExecutorService waiting = Executors.newVirtualThreadPerTaskExecutor();
    if (trace) {
      waiting.execute(
          () -> {
            long t0 = System.nanoTime();
            try {
              while (true) {
                Thread.sleep(200);
                var w = db.snapshot();
                System.out.printf(
                    Locale.ROOT,
                    "  t=%.1fs queue=%d admitted=%d rejected=%d rt.p90=%.1fms | %s%n",
                    (System.nanoTime() - t0) / 1e9,
                    w.queued(),
                    w.admitted(),
                    w.rejected(),
                    w.responseTime().p90Nanos() / 1e6,
                    w.admission());
              }
            } catch (InterruptedException e) {
              // the point ended
            }
          });
    }
    return new Service() {
      @Override
      public void submit(long intended) {
        Request r = new Request(intended, false);
        if (admission) {
          parse.offer(r);
        } else {
          // BLOCK: the arrival waits for room on its own virtual thread
          waiting.execute(
              () -> {
                try {
                  parse.put(r);
                } catch (InterruptedException | RuntimeException e) {
                  // the point ended: the graph was shut down
                }
              });
        }
      }

      @Override
      public void close() {
        waiting.shutdownNow();
        graph.shutdownNow();
        awaitQuietly(waiting);
      }
    };
  }

  static Service virtualThreads(Recorder rec, Semaphore pool) {
    ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor();
    return new Service() {
      @Override
      public void submit(long intended) {
        exec.execute(
            () -> {
              try {
                databaseCall(pool);
                rec.answered(intended);
              } catch (InterruptedException e) {
                // the point ended
              }
            });
      }

      @Override
      public void close() {
        exec.shutdownNow();
        awaitQuietly(exec);
      }
    };
  }

  static Service threadPool(Recorder rec, Semaphore pool) {
    ThreadPoolExecutor exec =
        new ThreadPoolExecutor(
            POOL,
            POOL,
            1,
            TimeUnit.MINUTES,
            new ArrayBlockingQueue<>(128),
            new ThreadPoolExecutor.AbortPolicy());
    exec.prestartAllCoreThreads();
    return new Service() {
      @Override
      public void submit(long intended) {
        try {
          exec.execute(
              () -> {
                try {
                  databaseCall(pool);
                  rec.answered(intended);
                } catch (InterruptedException e) {
                  // the point ended
                }
              });
        } catch (RejectedExecutionException e) {
          rec.rejected(); // answered "503" at once
        }
      }

      @Override
      public void close() {
        exec.shutdownNow();
        awaitQuietly(exec);
      }
    };
  }

  private static void awaitQuietly(ExecutorService exec) {
    try {
      if (!exec.awaitTermination(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("executor did not stop");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Capacity: 8 closed-loop callers for {@code seconds}. */
  static double measureCapacity(double seconds) throws InterruptedException {
    Semaphore pool = new Semaphore(POOL);
    LongAdder calls = new LongAdder();
    long end = System.nanoTime() + (long) (seconds * 1e9);
    List<Thread> callers = new ArrayList<>();
    for (int i = 0; i < POOL; i++) {
      callers.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      while (System.nanoTime() < end) {
                        databaseCall(pool);
                        calls.increment();
                      }
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  }));
    }
    for (Thread t : callers) {
      t.join();
    }
    return calls.sum() / seconds;
  }

  /** Runs one load point: open-loop Poisson arrivals at {@code rate} for warm-up + window. */
  static Point run(
      String system,
      double loadFactor,
      double capacity,
      double warmupSeconds,
      double windowSeconds,
      long seed)
      throws InterruptedException {
    double rate = loadFactor * capacity;
    long start = System.nanoTime() + 20_000_000L;
    long windowStart = start + (long) (warmupSeconds * 1e9);
    long windowEnd = windowStart + (long) (windowSeconds * 1e9);
    Recorder rec =
        new Recorder(windowStart, windowEnd, (int) (rate * (warmupSeconds + windowSeconds) * 2));
    Semaphore pool = new Semaphore(POOL);
    Service service =
        switch (system) {
          case "seda4j-rt" -> seda(rec, pool, true);
          case "seda4j-block" -> seda(rec, pool, false);
          case "vt-unbounded" -> virtualThreads(rec, pool);
          case "tpe-abort" -> threadPool(rec, pool);
          default -> throw new IllegalArgumentException(system);
        };
    Random random = new Random(seed);
    long offered = 0;
    try {
      long next = start;
      while (next < windowEnd) {
        long wait = next - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
          continue;
        }
        service.submit(next);
        if (next >= windowStart) {
          offered++;
        }
        next += (long) (-Math.log(1 - random.nextDouble()) / rate * 1e9);
      }
      // Answers still in flight at the end of the window do not count (they are late anyway).
    } finally {
      service.close();
    }
    return rec.point(system, loadFactor, capacity, offered / windowSeconds);
  }

  /**
   * Runs the experiment.
   *
   * @param args {@code quick} for a short run; an output directory (default src/jmh/results); for
   *     experiments, {@code systems=a,b}, {@code factors=1,2,4} and {@code decrease=F} (the
   *     response-time controller's decrease factor)
   * @throws Exception if a run fails
   */
  public static void main(String[] args) throws Exception {
    boolean quick = false;
    Path out = Path.of("src/jmh/results");
    double[] factors = null;
    List<String> systems = List.of("seda4j-rt", "seda4j-block", "vt-unbounded", "tpe-abort");
    for (String a : args) {
      if (a.equals("quick")) {
        quick = true;
      } else if (a.startsWith("systems=")) {
        systems = List.of(a.substring(8).split(",", -1));
      } else if (a.startsWith("factors=")) {
        factors =
            Arrays.stream(a.substring(8).split(",", -1)).mapToDouble(Double::parseDouble).toArray();
      } else if (a.equals("trace")) {
        trace = true;
      } else if (a.startsWith("decrease=")) {
        settings = settings.withSteps(settings.increment(), Double.parseDouble(a.substring(9)));
      } else {
        out = Path.of(a);
      }
    }
    if (factors == null) {
      factors =
          quick
              ? new double[] {0.5, 1, 2, 4}
              : new double[] {0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 3, 4};
    }
    // Each point starts a fresh service: the warm-up covers the first overload transient (the
    // backlog that builds before the first measurement) so the window shows the steady state.
    double warmup = quick ? 3.0 : 5.0;
    double window = quick ? 2.0 : 5.0;
    System.out.println("response-time controller: " + settings);

    double capacity = measureCapacity(2);
    System.out.printf(
        Locale.ROOT,
        "capacity C = %.0f requests/s (%d connections x %d ms)%n",
        capacity,
        POOL,
        CALL_MILLIS);
    List<Point> points = new ArrayList<>();
    System.out.println(CSV_HEADER);
    for (double f : factors) {
      for (String s : systems) {
        Point p = run(s, f, capacity, warmup, window, 42 + Math.round(f * 100));
        points.add(p);
        System.out.println(p.csv());
      }
    }
    Files.createDirectories(out);
    StringBuilder csv = new StringBuilder(CSV_HEADER).append('\n');
    for (Point p : points) {
      csv.append(p.csv()).append('\n');
    }
    Files.writeString(out.resolve("conditioning.csv"), csv, StandardCharsets.UTF_8);
    Files.writeString(
        out.resolve("conditioning.svg"), LineChart.conditioning(points), StandardCharsets.UTF_8);
    Point rt = find(points, "seda4j-rt", factors[factors.length - 1]);
    if (rt != null) {
      double g = rt.goodput() / capacity;
      double p90 = rt.p90Ms() / (TARGET.toNanos() / 1e6);
      System.out.printf(
          Locale.ROOT,
          "seda4j-rt at %.0f C: goodput %.2f C (target >= 0.9), p90 %.2f x target (target <= 1.2)"
              + " -> %s%n",
          factors[factors.length - 1],
          g,
          p90,
          g >= 0.9 && p90 <= 1.2 ? "MET" : "MISSED");
    }
    System.out.println("wrote " + out.resolve("conditioning.csv") + " and conditioning.svg");
  }

  private static @Nullable Point find(List<Point> points, String system, double factor) {
    for (Point p : points) {
      if (p.system().equals(system) && p.loadFactor() == factor) {
        return p;
      }
    }
    return null;
  }

  /** Reads a results file back (for regenerating the chart). */
  static List<Point> read(Path csv) throws IOException {
    List<Point> points = new ArrayList<>();
    for (String line : Files.readAllLines(csv)) {
      if (line.startsWith("system,") || line.isBlank()) {
        continue;
      }
      String[] f = line.split(",", -1);
      points.add(
          new Point(
              f[0],
              Double.parseDouble(f[1]),
              Double.parseDouble(f[2]),
              Double.parseDouble(f[3]),
              Double.parseDouble(f[4]),
              Long.parseLong(f[6]),
              Long.parseLong(f[7]),
              Double.parseDouble(f[8]),
              Double.parseDouble(f[9]),
              Double.parseDouble(f[10]),
              Double.parseDouble(f[11])));
    }
    return points;
  }
}
