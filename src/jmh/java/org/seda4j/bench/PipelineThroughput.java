/*
 * Events per second through a pipeline of trivial stages: seda4j versus the same pipeline written by
 * hand (one ArrayBlockingQueue and one thread per stage, each thread draining up to a batch and
 * passing events on). A sanity figure for the cost of the library, not a tuning guide.
 *
 * How to run (from the repository root; any JDK 21+ as JAVA_HOME):
 *
 *   ./mvnw -B -q -Pbench -DskipTests package        # builds target/bench/benchmarks.jar
 *   "$JAVA_HOME/bin/java" -jar target/bench/benchmarks.jar PipelineThroughput \
 *       -f 1 -wi 3 -i 5 -w 1s -r 2s
 *
 * Add e.g. `-p stages=3` to run a subset, `-rf json -rff result.json` to keep the results, `-h` for
 * JMH's options. The score is events/s (ops/s with @OperationsPerInvocation = EVENTS): each
 * invocation pushes EVENTS events into the first stage from the benchmark thread and returns only
 * when the last stage has counted every one of them, so the figure includes draining the pipeline.
 *
 * What is measured:
 *   raw     stages x batchSize x threads: queue capacity 1024; each stage is one thread (platform
 *           or virtual) looping take() + drainTo(batchSize - 1) and put() to the next queue; the
 *           last one counts. End of an invocation: a marker event that travels behind the others.
 *   seda4j  stages x batchSize x permits: per-event handlers (emit to the next stage; the last one
 *           counts), queue capacity 1024, fixed permits and batch size, full-queue policy block.
 *           End of an invocation: graph.awaitIdle. `stats` turns the per-stage latency statistics
 *           (queue-wait and service-time histograms) on or off, to measure their hot-path cost.
 * Both check that exactly EVENTS events reached the end of the pipeline, and fail otherwise.
 */
package org.seda4j.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.seda4j.Stage;
import org.seda4j.StageGraph;

/** Pipeline throughput, seda4j versus hand-written queues and threads; see the file comment. */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(PipelineThroughput.EVENTS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PipelineThroughput {

  /** Events pushed per benchmark invocation. */
  static final int EVENTS = 100_000;

  /** Queue capacity of every stage (seda4j's default). */
  static final int CAPACITY = 1024;

  /** The event: one shared object, so neither side measures allocation. */
  static final Integer EVENT = 42;

  /** Hand-written pipeline: one queue and one thread per stage. */
  @State(Scope.Benchmark)
  public static class Raw {
    private static final Object MARK = new Object();
    private static final Object STOP = new Object();

    @Param({"1", "3"})
    public int stages;

    @Param({"1", "64"})
    public int batchSize;

    @Param({"platform", "virtual"})
    public String threads;

    private final List<ArrayBlockingQueue<Object>> queues = new ArrayList<>();
    private final List<Thread> workers = new ArrayList<>();
    private volatile CountDownLatch done = new CountDownLatch(1);
    private long counted; // written by the last stage's thread; read after `done` opens

    /** Starts one thread per stage. */
    @Setup(Level.Trial)
    public void start() {
      for (int i = 0; i < stages; i++) {
        queues.add(new ArrayBlockingQueue<>(CAPACITY));
      }
      Thread.Builder builder =
          switch (threads) {
            case "platform" -> Thread.ofPlatform().daemon();
            case "virtual" -> Thread.ofVirtual();
            default -> throw new IllegalArgumentException("threads: platform or virtual");
          };
      for (int i = 0; i < stages; i++) {
        int index = i;
        workers.add(builder.name("raw-stage-" + i).start(() -> run(index)));
      }
    }

    private void run(int index) {
      ArrayBlockingQueue<Object> in = queues.get(index);
      ArrayBlockingQueue<Object> next = index + 1 < stages ? queues.get(index + 1) : null;
      List<Object> batch = new ArrayList<>(batchSize);
      try {
        while (true) {
          batch.add(in.take());
          if (batchSize > 1) {
            in.drainTo(batch, batchSize - 1);
          }
          for (int i = 0, n = batch.size(); i < n; i++) {
            Object e = batch.get(i);
            if (next != null) {
              next.put(e);
              if (e == STOP) {
                return;
              }
            } else if (e == STOP) {
              return;
            } else if (e == MARK) {
              done.countDown();
            } else {
              counted++;
            }
          }
          batch.clear();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    long pushAndWait() throws InterruptedException {
      long before = counted;
      CountDownLatch latch = new CountDownLatch(1);
      done = latch;
      ArrayBlockingQueue<Object> first = queues.get(0);
      for (int i = 0; i < EVENTS; i++) {
        first.put(EVENT);
      }
      first.put(MARK); // FIFO through single-threaded stages: it arrives after every event
      latch.await();
      long after = counted;
      if (after - before != EVENTS) {
        throw new IllegalStateException("raw pipeline counted " + (after - before));
      }
      return after;
    }

    /** Stops the threads (a STOP event travels down the pipeline) and joins them. */
    @TearDown(Level.Trial)
    public void stop() throws InterruptedException {
      queues.get(0).put(STOP);
      for (Thread t : workers) {
        t.join();
      }
    }
  }

  /** The same pipeline with seda4j. */
  @State(Scope.Benchmark)
  public static class Seda {
    @Param({"1", "3"})
    public int stages;

    @Param({"1", "64"})
    public int batchSize;

    @Param({"1", "2"})
    public int permits;

    /** Per-stage latency statistics on or off ({@code StageGraph.Builder.latencyStatistics}). */
    @Param({"true", "false"})
    public boolean stats;

    private StageGraph graph;
    private Stage<Integer> first;
    private final LongAdder counted = new LongAdder();

    /** Opens the graph; stage i emits to stage i + 1, the last stage counts. */
    @Setup(Level.Trial)
    public void open() {
      graph = StageGraph.builder("bench").latencyStatistics(stats).open();
      Stage<Integer> next = stage(stages - 1).handler((e, ctx) -> counted.increment());
      for (int i = stages - 2; i >= 0; i--) {
        Stage<Integer> target = next;
        next = stage(i).handler((e, ctx) -> ctx.emit(target, e));
      }
      first = next;
    }

    private Stage.Builder<Integer> stage(int index) {
      return graph
          .stage("s" + index, Integer.class)
          .capacity(CAPACITY)
          .permits(permits)
          .batchSize(batchSize);
    }

    long pushAndWait() throws InterruptedException {
      long before = counted.sum();
      for (int i = 0; i < EVENTS; i++) {
        first.put(EVENT);
      }
      if (!graph.awaitIdle(Duration.ofMinutes(1))) {
        throw new IllegalStateException("seda4j pipeline not idle after a minute");
      }
      long after = counted.sum();
      if (after - before != EVENTS) {
        throw new IllegalStateException("seda4j pipeline counted " + (after - before));
      }
      return after;
    }

    /** Closes the graph (joins its threads). */
    @TearDown(Level.Trial)
    public void close() {
      graph.close();
    }
  }

  /**
   * Hand-written pipeline.
   *
   * @param state the pipeline
   * @return the running count, so the work is not dead code
   * @throws InterruptedException never in practice
   */
  @Benchmark
  public long raw(Raw state) throws InterruptedException {
    return state.pushAndWait();
  }

  /**
   * seda4j pipeline.
   *
   * @param state the pipeline
   * @return the running count, so the work is not dead code
   * @throws InterruptedException never in practice
   */
  @Benchmark
  public long seda4j(Seda state) throws InterruptedException {
    return state.pushAndWait();
  }
}
