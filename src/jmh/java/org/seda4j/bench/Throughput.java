/*
 * Workloads 1 and 2 of the suite: events per second through 1- and 3-stage pipelines, a fan-out
 * 1 -> 3 and a diamond 1 -> 2 -> 1 of trivial handlers, for every contender (see Contender and the
 * Flow classes for how each is built). Usually run through Suite (src/jmh/run), which sets forks,
 * iterations and JVM options for quick and full mode; directly:
 *
 *   java -jar target/bench/benchmarks.jar Throughput -p topology=PIPE3 -p contender=RAW,SEDA_BATCHED
 *
 * The score is events/s entering stage 0 (ops/s with @OperationsPerInvocation = EVENTS): each
 * invocation sends EVENTS events into stage 0 from the benchmark thread (Reactor: from its producer
 * thread) and returns only when the sink stages have received every copy of every one of them
 * (arrivalsPerEvent each: 1 for a pipeline, 3 for the fan-out, 2 for the diamond, whose join
 * receives the event from both branches; 1 for the Disruptor's diamond, whose join is a barrier), so
 * the figure includes draining the network. Exactly that number must arrive: the Sink fails the
 * benchmark on too few (after a minute) or too many (at the next invocation or at tear-down).
 */
package org.seda4j.bench;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
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

/** Throughput of every contender on every topology; see the file comment. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(Throughput.EVENTS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 3,
    jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class Throughput {

  /** Events sent per invocation. */
  static final int EVENTS = 100_000;

  /** The stage network. */
  @Param public Topology topology;

  /** Who moves the events. */
  @Param public Contender contender;

  private final Sink sink = new Sink();
  private Flow flow;
  private long arrivals;

  /**
   * Builds and starts the contender.
   *
   * @throws Exception if it cannot start
   */
  @Setup(Level.Trial)
  public void open() throws Exception {
    flow = contender.build(topology, sink, Contender.CAPACITY);
    arrivals = (long) EVENTS * contender.arrivalsPerEvent(topology);
  }

  /**
   * Sends EVENTS events and waits until all their copies have arrived.
   *
   * @return the arrivals, so the work is not dead code
   * @throws Exception if the contender fails or loses or duplicates an event
   */
  @Benchmark
  public long events() throws Exception {
    sink.expect(arrivals);
    flow.feed(EventSource.CONSTANT, EVENTS);
    sink.await(contender.label(), Duration.ofMinutes(1));
    return arrivals;
  }

  /**
   * Stops the contender; fails if any event arrived beyond those expected.
   *
   * @throws Exception if it cannot stop
   */
  @TearDown(Level.Trial)
  public void close() throws Exception {
    sink.verifyIdle();
    flow.stop();
    sink.verifyIdle();
  }
}
