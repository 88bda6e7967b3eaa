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
import org.jspecify.annotations.Nullable;
import org.seda4j.control.AdmissionController;
import org.seda4j.control.ResponseTimeSettings;
import org.seda4j.lab.Arrivals;
import org.seda4j.lab.Latencies;
import org.seda4j.lab.Recorder;
import org.seda4j.lab.Resource;
import org.seda4j.lab.Services;
import org.seda4j.lab.Trial;
import org.seda4j.observe.StageSnapshot;

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
 * measured first (8 closed-loop callers for 2 s). The service, the contenders, the arrivals and the
 * recording are the scenario lab's ({@code org.seda4j.lab}: {@link Services}, {@link Trial}), whose
 * scenario S1 runs the same service with the library's default controllers.
 *
 * <p>Run: {@code ./mvnw -B -q -Pbench -DskipTests package && java -cp target/bench/benchmarks.jar
 * org.seda4j.bench.Conditioning [quick] [output-dir]} — writes {@code conditioning.csv} and {@code
 * conditioning.svg} to the output directory (default {@code src/jmh/results}). The full run takes
 * about 6 minutes; {@code quick} about 1.5 minutes (fewer, shorter load points: for CI).
 */
public final class Conditioning {

  static final Duration TARGET = Duration.ofMillis(50);
  static final int POOL = 8;

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

  /** Welsh and Culler's controller's settings (default: the published ones). */
  static ResponseTimeSettings settings = ResponseTimeSettings.builder(TARGET).build();

  /** Print the bottleneck stage's admission state every 200 ms (for experiments). */
  static boolean trace;

  /** The contenders: the bottleneck stage has a known capacity, 8 permits (the pool's size). */
  static Services.Factory contender(String system) {
    return switch (system) {
      case "seda4j-rt" ->
          Services.seda(
              "conditioning-rt",
              b -> b.capacity(100_000),
              b ->
                  b.permits(POOL)
                      .capacity(100_000)
                      .admission(AdmissionController.welshCuller(settings)),
              true);
      case "seda4j-block" ->
          Services.seda("conditioning-block", b -> b.capacity(1024), b -> b.permits(POOL), false);
      case "vt-unbounded" -> Services.virtualThreads();
      case "tpe-abort" -> Services.threadPool(POOL, 128);
      default -> throw new IllegalArgumentException(system);
    };
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
    Trial t =
        Trial.run(
            contender(system),
            Resource.database(),
            List.of(new Arrivals.Phase(warmupSeconds + windowSeconds, loadFactor * capacity)),
            seed,
            Duration.ZERO,
            trace ? Duration.ofMillis(200) : null);
    for (Trial.Sample sample : t.samples()) {
      StageSnapshot w = sample.snapshot();
      System.out.printf(
          Locale.ROOT,
          "  t=%.1fs queue=%d admitted=%d rejected=%d rt.p90=%.1fms | %s%n",
          (sample.nanoTime() - t.start()) / 1e9,
          w.queue().queued(),
          w.counts().admitted(),
          w.counts().rejected(),
          w.latency().responseTime().p90Nanos() / 1e6,
          w.controllers().admission());
    }
    // Answers still in flight at the end of the window do not count (they are late anyway).
    long windowStart = t.start() + (long) (warmupSeconds * 1e9);
    Recorder.Window w = t.recorder().window(windowStart, t.end());
    Latencies l = w.latencies();
    return new Point(
        system,
        loadFactor,
        capacity,
        t.arrivalsIn(windowStart, t.end()) / windowSeconds,
        w.results() / windowSeconds,
        w.results(),
        w.rejections(),
        l.p50Ms(),
        l.p90Ms(),
        l.p99Ms(),
        l.maxMs());
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
        settings = settings.toBuilder().decreaseFactor(Double.parseDouble(a.substring(9))).build();
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

    double capacity = Resource.database().measureCapacity(2);
    System.out.printf(
        Locale.ROOT, "capacity C = %.0f requests/s (%d connections x 10 ms)%n", capacity, POOL);
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
