package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.seda4j.observe.GraphSnapshot;
import org.seda4j.observe.StageSnapshot;

/**
 * Soak: a three-stage pipeline with the default (adaptive) controllers, first saturated to measure
 * its capacity, then fed at 80% of it for {@code seda4j.soak.minutes} (default 1; the {@code soak}
 * profile runs 10), sampling heap after GC and thread counts every {@code
 * seda4j.soak.sampleSeconds} (default 10). Run it alone on a quiet machine: {@code ./mvnw -B verify
 * -Psoak}. Not part of the default build (tag {@code soak}).
 *
 * <p>The pipeline: {@code parse} (per event, ~2 us of CPU) emits to {@code io} (per event, blocks 1
 * ms like a database call), which emits to {@code sink} (a batch handler). All defaults: capacity
 * 1024, backpressure, adaptive permits and batch size. Producers put (and so are pushed back if the
 * graph falls behind) at a fixed rate.
 *
 * <p>Checked: every event offered was admitted and completed (nothing rejected, dropped, failed or
 * lost); heap after GC and the thread counts stay flat (second half of the run against the first).
 * The samples and a summary go to stdout and {@code target/soak-report.txt}.
 */
@Tag("soak")
class SoakTest {

  private static final double MINUTES =
      Double.parseDouble(System.getProperty("seda4j.soak.minutes", "1"));
  private static final int SAMPLE_SECONDS = Integer.getInteger("seda4j.soak.sampleSeconds", 10);
  private static final int CAPACITY_SECONDS = Integer.getInteger("seda4j.soak.capacitySeconds", 30);
  private static final int PRODUCERS = 2;

  /** An event: an id and a payload the parse stage hashes (shared, never modified). */
  static final class Event {
    private final long id;
    private final byte[] payload;

    Event(long id, byte[] payload) {
      this.id = id;
      this.payload = payload;
    }

    long id() {
      return id;
    }

    byte[] payload() {
      return payload;
    }
  }

  record Sample(
      double minute,
      long heapAfterGcBytes,
      int platformThreads,
      int graphThreads,
      long completed,
      double ratePerSecond,
      String settings) {}

  /** CPU work for the parse stage: a few passes of a cheap hash over the payload. */
  static long work(byte[] payload) {
    long h = 1125899906842597L;
    for (int pass = 0; pass < 8; pass++) {
      for (byte b : payload) {
        h = 31 * h + b;
      }
    }
    return h;
  }

  private static final class Pipeline implements AutoCloseable {
    final StageGraph graph;
    final Stage<Event> entry;
    final LongAdder sunk = new LongAdder();
    final AtomicLong checksum = new AtomicLong();

    Pipeline(String name) {
      graph = StageGraph.open(name);
      Stage<Event> sink =
          graph
              .stage("sink", Event.class)
              .batchHandler(
                  (batch, ctx) -> {
                    long sum = 0;
                    for (Event e : batch) {
                      sum += e.id();
                    }
                    checksum.addAndGet(sum);
                    sunk.add(batch.size());
                  });
      Stage<Event> io =
          graph
              .stage("io", Event.class)
              .handler(
                  (e, ctx) -> {
                    Thread.sleep(1); // a blocking call: what the concurrency controller sizes for
                    ctx.emit(sink, e);
                  });
      entry =
          graph
              .stage("parse", Event.class)
              .handler(
                  (e, ctx) -> {
                    if (work(e.payload()) == 42) {
                      checksum.incrementAndGet(); // keeps the work from being optimised away
                    }
                    ctx.emit(io, e);
                  });
    }

    /**
     * The graph's threads by its own count: the workers running handlers, one lingering worker per
     * stage at most, the sampler. (Not a thread dump while the graph runs: a JSON thread dump taken
     * while virtual threads mount and unmount at this rate crashed JDK 25.0.3 in
     * GetThreadSnapshotClosure, a known failure mode of HotSpotDiagnosticMXBean.dumpThreads,
     * JDK-8364343. The dump after close checks that none is left.)
     */
    int graphThreads() {
      int n = 1;
      for (StageSnapshot s : graph.snapshot().stages()) {
        n += 1 + s.handlers().active();
      }
      return n;
    }

    String settings() {
      StringBuilder b = new StringBuilder();
      for (StageSnapshot s : graph.snapshot().stages()) {
        b.append(s.name())
            .append(" q")
            .append(s.queue().queued())
            .append(" p")
            .append(s.handlers().permits())
            .append(" b")
            .append(s.handlers().batchSize())
            .append("  ");
      }
      return b.toString().trim();
    }

    @Override
    public void close() {
      graph.close();
    }
  }

  /** Producers putting {@code rate} events/s in all (or as fast as they can if rate <= 0). */
  private static final class Producers {
    final List<Thread> threads = new ArrayList<>();
    final AtomicLong offered = new AtomicLong();
    volatile boolean stop;

    Producers(Stage<Event> entry, double rate) {
      byte[] payload = new byte[64];
      for (int p = 0; p < PRODUCERS; p++) {
        threads.add(
            Thread.ofPlatform()
                .name("soak-producer-" + p)
                .start(
                    () -> {
                      double perThread = rate / PRODUCERS;
                      long start = System.nanoTime();
                      long sent = 0;
                      try {
                        while (!stop) {
                          if (rate > 0) {
                            long due = (long) (perThread * (System.nanoTime() - start) / 1e9);
                            if (sent >= due) {
                              LockSupport.parkNanos(200_000); // pacing, not synchronisation
                              continue;
                            }
                          }
                          entry.put(new Event(offered.incrementAndGet(), payload));
                          sent++;
                        }
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                    }));
      }
    }

    void stop() throws InterruptedException {
      stop = true;
      for (Thread t : threads) {
        t.join();
      }
    }
  }

  private static long heapAfterGc() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static int platformThreads() {
    return ManagementFactory.getThreadMXBean().getThreadCount();
  }

  @Test
  void heapAndThreadsStayFlatAtEightyPercentOfCapacity() throws Exception {
    StringBuilder report = new StringBuilder();
    // 1. Capacity: saturating producers (put, so backpressure), default controllers.
    double capacity;
    try (Pipeline p = new Pipeline("soak-capacity")) {
      Producers saturate = new Producers(p.entry, 0);
      Thread.sleep(Duration.ofSeconds(10)); // warm-up: controllers settle (pacing the harness)
      long before = p.sunk.sum();
      long t0 = System.nanoTime();
      Thread.sleep(Duration.ofSeconds(CAPACITY_SECONDS));
      capacity = (p.sunk.sum() - before) / ((System.nanoTime() - t0) / 1e9);
      saturate.stop();
      line(
          report,
          "capacity (saturated, default controllers): %.0f events/s; settings %s",
          capacity,
          p.settings());
    }

    // 2. Soak at 80% of it.
    double rate = 0.8 * capacity;
    long soakNanos = (long) (MINUTES * 60e9);
    List<Sample> samples = new ArrayList<>();
    try (Pipeline p = new Pipeline("soak")) {
      Producers producers = new Producers(p.entry, rate);
      long start = System.nanoTime();
      long lastSunk = 0;
      long lastT = start;
      line(
          report,
          "soak: %.0f events/s offered (80%%) for %.1f min, a sample every %d s",
          rate,
          MINUTES,
          SAMPLE_SECONDS);
      line(
          report,
          "%7s %14s %9s %9s %12s %10s  %s",
          "minute",
          "heapAfterGC",
          "platform",
          "graphVT",
          "completed",
          "rate/s",
          "settings");
      while (System.nanoTime() - start < soakNanos) {
        Thread.sleep(Duration.ofSeconds(SAMPLE_SECONDS)); // pacing the sampling, not synchronising
        long now = System.nanoTime();
        long sunk = p.sunk.sum();
        Sample s =
            new Sample(
                (now - start) / 60e9,
                heapAfterGc(),
                platformThreads(),
                p.graphThreads(),
                sunk,
                (sunk - lastSunk) / ((now - lastT) / 1e9),
                p.settings());
        lastSunk = sunk;
        lastT = now;
        samples.add(s);
        line(
            report,
            "%7.2f %14d %9d %9d %12d %10.0f  %s",
            s.minute(),
            s.heapAfterGcBytes(),
            s.platformThreads(),
            s.graphThreads(),
            s.completed(),
            s.ratePerSecond(),
            s.settings());
      }
      producers.stop();
      assertThat(p.graph.awaitIdle(Duration.ofMinutes(1))).isTrue();
      GraphSnapshot end = p.graph.snapshot();
      line(report, "%s", end);
      long offered = producers.offered.get();
      assertThat(end.balanced()).isTrue();
      assertThat(end.rejected()).isZero();
      for (StageSnapshot s : end.stages()) {
        assertThat(s.counts().admitted()).as(s.name()).isEqualTo(offered);
        assertThat(s.counts().completed()).as(s.name()).isEqualTo(offered);
      }
      assertThat(p.sunk.sum()).isEqualTo(offered);
      line(
          report,
          "offered %d, completed %d at every stage, nothing rejected/dropped/failed",
          offered,
          p.sunk.sum());
    }
    assertThat(ThreadDump.threadsOf("soak")).isEmpty();

    // 3. Flat: the second half against the first.
    List<Sample> first = samples.subList(0, samples.size() / 2);
    List<Sample> second = samples.subList(samples.size() / 2, samples.size());
    long heapStart = samples.get(0).heapAfterGcBytes();
    long heapEnd = samples.get(samples.size() - 1).heapAfterGcBytes();
    long heapMaxFirst = first.stream().mapToLong(Sample::heapAfterGcBytes).max().orElse(0);
    long heapMaxSecond = second.stream().mapToLong(Sample::heapAfterGcBytes).max().orElse(0);
    long heapMax = Math.max(heapMaxFirst, heapMaxSecond);
    int platMin = samples.stream().mapToInt(Sample::platformThreads).min().orElse(0);
    int platMax = samples.stream().mapToInt(Sample::platformThreads).max().orElse(0);
    int vtMin = samples.stream().mapToInt(Sample::graphThreads).min().orElse(0);
    int vtMax = samples.stream().mapToInt(Sample::graphThreads).max().orElse(0);
    line(
        report,
        "heap after GC: start %.1f MB, end %.1f MB, max %.1f MB (first half max %.1f, second half max %.1f)",
        heapStart / 1e6,
        heapEnd / 1e6,
        heapMax / 1e6,
        heapMaxFirst / 1e6,
        heapMaxSecond / 1e6);
    line(
        report,
        "threads: platform start %d end %d (min %d max %d); the graph's own (workers, sampler) start %d end %d (min %d max %d)",
        samples.get(0).platformThreads(),
        samples.get(samples.size() - 1).platformThreads(),
        platMin,
        platMax,
        samples.get(0).graphThreads(),
        samples.get(samples.size() - 1).graphThreads(),
        vtMin,
        vtMax);
    Files.writeString(Path.of("target", "soak-report.txt"), report, StandardCharsets.UTF_8);
    assertThat(heapMaxSecond)
        .as("heap after GC in the second half (no growth over the first, within 20% + 8 MB)")
        .isLessThanOrEqualTo((long) (heapMaxFirst * 1.2) + 8_000_000);
    assertThat(second.stream().mapToInt(Sample::platformThreads).max().orElse(0))
        .as("platform threads in the second half")
        .isLessThanOrEqualTo(first.stream().mapToInt(Sample::platformThreads).max().orElse(0) + 2);
  }

  // Error Prone's @FormatMethod is not on the test classpath; every caller passes a literal format.
  @SuppressWarnings("AnnotateFormatMethod")
  private static void line(StringBuilder report, String format, Object... args) {
    String s = String.format(Locale.ROOT, format, args);
    System.out.println(s);
    report.append(s).append('\n');
  }
}
