/*
 * Events per second through 1- and 3-stage pipelines of trivial handlers, written with other
 * libraries and plain JDK tools: the peers to compare with PipelineThroughput.seda4j (same workload,
 * same JVM, same EVENTS per invocation, same queue capacity). A sanity figure, not a tuning guide.
 *
 * How to run (from the repository root; any JDK 21+ as JAVA_HOME):
 *
 *   ./mvnw -B -q -Pbench -DskipTests package        # builds target/bench/benchmarks.jar
 *   "$JAVA_HOME/bin/java" -jar target/bench/benchmarks.jar \
 *       'PeerPipelines|PipelineThroughput.seda4j' -p stages=1,3 -p permits=1 -p stats=true \
 *       -f 1 -wi 3 -i 5 -w 1s -r 2s
 *
 * The score is events/s (ops/s with @OperationsPerInvocation = EVENTS): each invocation pushes
 * EVENTS events into the first stage from the benchmark thread and returns only when the last stage
 * has counted every one of them; each contender checks that exactly EVENTS events arrived, and
 * fails otherwise. Intermediate stages pass the event on unchanged; the last stage counts it.
 *
 * Contenders (the peer libraries are benchmark-only dependencies of the `bench` profile):
 *   threadPool   one ThreadPoolExecutor per stage: 1 platform thread (prestarted), an
 *                ArrayBlockingQueue(CAPACITY), and a blocking submit (a RejectedExecutionHandler
 *                that put()s into the full queue). Not CallerRunsPolicy: that would run stage i+1's
 *                work on stage i's thread (or the producer's), breaking the one-thread-per-stage
 *                shape and the per-stage FIFO order the end marker relies on. One Runnable is
 *                allocated per event per stage, as with any executor hand-off.
 *   vtSemaphore  plain JDK, no stages: one virtual thread per event runs all the stage functions
 *                in turn; at most vtPermits of them at once (Semaphore, acquired by the producer
 *                before starting each thread). End of an invocation: the producer acquires all the
 *                permits, i.e. waits for every thread to finish.
 *   disruptor    LMAX Disruptor 4, ring of CAPACITY slots, single producer, BlockingWaitStrategy,
 *                one handler (one daemon platform thread) per stage chained with
 *                handleEventsWith(h0).then(h1).then(h2).
 *   jox          jox channels: one buffered Channel(CAPACITY) in front of each stage, one virtual
 *                thread per stage looping receive() and send() to the next channel.
 *   reactor      Reactor: per invocation, Flux.fromArray(EVENTS events) with publishOn(a dedicated
 *                single-thread scheduler per stage, prefetch CAPACITY) before each stage's map; the
 *                benchmark thread blocks on the end. The source is hide()-den so that publishOn
 *                cannot fuse with it (fused, stage 0 would poll the array directly: no hand-off).
 *                Reactor pulls: the source emits on whichever thread requests (the subscriber
 *                first, then stage 0's worker replenishing), so with that alone nearly all
 *                events would be emitted by stage 0's own thread. So the source is also
 *                subscribeOn(a producer single-thread scheduler, requestOnSeparateThread = true):
 *                a dedicated producer thread emits every event, standing in for the benchmark
 *                thread (which only blocks until the end). `fusion` = true leaves Reactor's default
 *                between stages (consecutive publishOn/map fuse: one queue, all maps on the last
 *                stage's thread); false puts a hide() after each map (a queue and a thread per
 *                stage, like the other contenders). Both are shown; with 1 stage they are the same.
 * End of an invocation for threadPool, disruptor and jox: a marker event behind the others (each
 * stage is one thread and FIFO, so it arrives last), as in PipelineThroughput.raw.
 */
package org.seda4j.bench;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.EventTranslatorOneArg;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.EventHandlerGroup;
import com.lmax.disruptor.dsl.ProducerType;
import com.lmax.disruptor.util.DaemonThreadFactory;
import com.softwaremill.jox.Channel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
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
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** Pipeline throughput of peer libraries and plain JDK tools; see the file comment. */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(PipelineThroughput.EVENTS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PeerPipelines {

  static final int EVENTS = PipelineThroughput.EVENTS;
  static final int CAPACITY = PipelineThroughput.CAPACITY;
  static final Integer EVENT = PipelineThroughput.EVENT;

  /** Travels behind the events of an invocation: the last stage opens the latch on it. */
  static final Object MARK = new Object();

  /** Travels down the pipeline at tear-down: each stage passes it on and stops. */
  static final Object STOP = new Object();

  /** The last stage of a single-threaded-per-stage pipeline: counts events, opens on MARK. */
  static final class Sink {
    private long counted; // written by the last stage's one thread; read after `done` opens
    private volatile CountDownLatch done = new CountDownLatch(1);

    void accept(Object e) {
      if (e == MARK) {
        done.countDown();
      } else {
        counted++;
      }
    }

    /** Call before pushing; returns the count so far. */
    long arm() {
      done = new CountDownLatch(1);
      return counted;
    }

    /** Waits for MARK, then checks that exactly EVENTS events arrived since {@code before}. */
    long await(long before, String who) throws InterruptedException {
      if (!done.await(1, TimeUnit.MINUTES)) {
        throw new IllegalStateException(who + " pipeline: no end marker after a minute");
      }
      long after = counted;
      if (after - before != EVENTS) {
        throw new IllegalStateException(who + " pipeline counted " + (after - before));
      }
      return after;
    }
  }

  /** One single-thread ThreadPoolExecutor per stage, bounded queue, blocking submit. */
  @State(Scope.Benchmark)
  public static class ThreadPool {
    @Param({"1", "3"})
    public int stages;

    private final List<ThreadPoolExecutor> executors = new ArrayList<>();
    private final Sink sink = new Sink();

    /** Blocks the submitter until the stage's queue has room (instead of rejecting). */
    private static final RejectedExecutionHandler BLOCK =
        (r, executor) -> {
          if (executor.isShutdown()) {
            throw new RejectedExecutionException("stage executor shut down");
          }
          try {
            executor.getQueue().put(r);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RejectedExecutionException(e);
          }
        };

    /** Starts one executor (one prestarted platform thread) per stage. */
    @Setup(Level.Trial)
    public void start() {
      for (int i = 0; i < stages; i++) {
        int index = i;
        ThreadPoolExecutor executor =
            new ThreadPoolExecutor(
                1,
                1,
                0,
                TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(CAPACITY),
                r -> {
                  Thread t = new Thread(r, "tpe-stage-" + index);
                  t.setDaemon(true);
                  return t;
                },
                BLOCK);
        executor.prestartAllCoreThreads(); // so a task put() straight into the queue always runs
        executors.add(executor);
      }
    }

    private void submit(int index, Object e) {
      executors.get(index).execute(() -> handle(index, e));
    }

    private void handle(int index, Object e) {
      if (index + 1 < stages) {
        submit(index + 1, e);
      } else {
        sink.accept(e);
      }
    }

    long pushAndWait() throws InterruptedException {
      long before = sink.arm();
      for (int i = 0; i < EVENTS; i++) {
        submit(0, EVENT);
      }
      submit(0, MARK);
      return sink.await(before, "threadPool");
    }

    /** Shuts the executors down in pipeline order, each after the previous has drained. */
    @TearDown(Level.Trial)
    public void stop() throws InterruptedException {
      for (ThreadPoolExecutor executor : executors) {
        executor.shutdown();
        if (!executor.awaitTermination(1, TimeUnit.MINUTES)) {
          throw new IllegalStateException("stage executor did not terminate");
        }
      }
    }
  }

  /** A virtual thread per event running every stage function, bounded by a Semaphore. */
  @State(Scope.Benchmark)
  public static class VtSemaphore {
    @Param({"1", "3"})
    public int stages;

    /** Virtual threads in flight at most (Semaphore permits). */
    @Param({"64", "1024"})
    public int vtPermits;

    private Semaphore permits;
    private final LongAdder counted = new LongAdder();

    /** Creates the semaphore. */
    @Setup(Level.Trial)
    public void start() {
      permits = new Semaphore(vtPermits);
    }

    private static Object pass(Object e) {
      return e;
    }

    private void run(Object event) {
      try {
        Object e = event;
        for (int i = 0; i + 1 < stages; i++) {
          e = pass(e);
        }
        if (e == EVENT) {
          counted.increment();
        }
      } finally {
        permits.release();
      }
    }

    long pushAndWait() throws InterruptedException {
      long before = counted.sum();
      Thread.Builder.OfVirtual builder = Thread.ofVirtual();
      for (int i = 0; i < EVENTS; i++) {
        permits.acquire();
        Object e = EVENT;
        builder.start(() -> run(e));
      }
      permits.acquire(vtPermits); // every thread has finished
      permits.release(vtPermits);
      long after = counted.sum();
      if (after - before != EVENTS) {
        throw new IllegalStateException("vtSemaphore counted " + (after - before));
      }
      return after;
    }
  }

  /** LMAX Disruptor 4: one handler per stage, chained, BlockingWaitStrategy. */
  @State(Scope.Benchmark)
  public static class DisruptorPipeline {
    @Param({"1", "3"})
    public int stages;

    /** A ring-buffer slot. */
    static final class Slot {
      Object value = EVENT;
      int stage;
    }

    private static final EventTranslatorOneArg<Slot, Object> SET = (slot, seq, v) -> slot.value = v;

    /** An intermediate stage: trivial work on the slot, which the next handler then sees. */
    static final class Pass implements EventHandler<Slot> {
      private final int index;

      Pass(int index) {
        this.index = index;
      }

      @Override
      public void onEvent(Slot slot, long sequence, boolean endOfBatch) {
        slot.stage = index;
      }
    }

    private Disruptor<Slot> disruptor;
    private RingBuffer<Slot> ring;
    private final Sink sink = new Sink();

    /** Builds the handler chain and starts its threads. */
    @Setup(Level.Trial)
    public void start() {
      disruptor =
          new Disruptor<>(
              Slot::new,
              CAPACITY,
              DaemonThreadFactory.INSTANCE,
              ProducerType.SINGLE,
              new BlockingWaitStrategy());
      EventHandler<Slot> last = (slot, sequence, endOfBatch) -> sink.accept(slot.value);
      if (stages == 1) {
        disruptor.handleEventsWith(last);
      } else {
        EventHandlerGroup<Slot> group = disruptor.handleEventsWith(new Pass(0));
        for (int i = 1; i + 1 < stages; i++) {
          group = group.then(new Pass(i));
        }
        group.then(last);
      }
      ring = disruptor.start();
    }

    long pushAndWait() throws InterruptedException {
      long before = sink.arm();
      for (int i = 0; i < EVENTS; i++) {
        ring.publishEvent(SET, EVENT);
      }
      ring.publishEvent(SET, MARK);
      return sink.await(before, "disruptor");
    }

    /** Waits for the handlers to drain, then halts them. */
    @TearDown(Level.Trial)
    public void stop() {
      disruptor.shutdown();
    }
  }

  /** jox channels: one buffered channel and one virtual thread per stage. */
  @State(Scope.Benchmark)
  public static class Jox {
    @Param({"1", "3"})
    public int stages;

    private final List<Channel<Object>> channels = new ArrayList<>();
    private final List<Thread> workers = new ArrayList<>();
    private final Sink sink = new Sink();

    /** Starts one virtual thread per stage. */
    @Setup(Level.Trial)
    public void start() {
      for (int i = 0; i < stages; i++) {
        channels.add(Channel.newBufferedChannel(CAPACITY));
      }
      for (int i = 0; i < stages; i++) {
        int index = i;
        workers.add(Thread.ofVirtual().name("jox-stage-" + i).start(() -> run(index)));
      }
    }

    private void run(int index) {
      Channel<Object> in = channels.get(index);
      Channel<Object> next = index + 1 < stages ? channels.get(index + 1) : null;
      try {
        while (true) {
          Object e = in.receive();
          if (next != null) {
            next.send(e);
          } else if (e != STOP) {
            sink.accept(e);
          }
          if (e == STOP) {
            return;
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    long pushAndWait() throws InterruptedException {
      long before = sink.arm();
      Channel<Object> first = channels.get(0);
      for (int i = 0; i < EVENTS; i++) {
        first.send(EVENT);
      }
      first.send(MARK);
      return sink.await(before, "jox");
    }

    /** Sends STOP down the pipeline and joins the threads. */
    @TearDown(Level.Trial)
    public void stop() throws InterruptedException {
      channels.get(0).send(STOP);
      for (Thread t : workers) {
        t.join();
      }
    }
  }

  /** Reactor: publishOn a dedicated single-thread scheduler before each stage. */
  @State(Scope.Benchmark)
  public static class Reactor {
    @Param({"1", "3"})
    public int stages;

    /**
     * Whether consecutive stages may fuse (Reactor's default). Fused, publishOn(s[i+1]) polls
     * publishOn(s[i])'s queue through the map: one queue in all, and every stage's map runs on the
     * last stage's thread. Not fused (a hide() after each map): one queue and one thread per stage.
     */
    @Param({"true", "false"})
    public boolean fusion;

    private final List<Scheduler> schedulers = new ArrayList<>();
    private Scheduler producer;
    private final Object[] events = new Object[EVENTS];
    private long counted; // written by the last stage's worker; read after block() returns

    /** Creates one single-thread scheduler per stage. */
    @Setup(Level.Trial)
    public void start() {
      Arrays.fill(events, EVENT);
      producer = Schedulers.newSingle("reactor-producer", true);
      for (int i = 0; i < stages; i++) {
        schedulers.add(Schedulers.newSingle("reactor-stage-" + i, true));
      }
    }

    private static Object pass(Object e) {
      return e;
    }

    long pushAndWait() {
      long before = counted;
      // hide(): without it publishOn fuses with fromArray and polls the array itself on stage 0's
      // thread (no hand-off at all; ~250M events/s for 1 stage in a smoke run).
      // subscribeOn(producer, true): requests run on the producer's thread, so the source emits
      // there, as the benchmark thread does for the other contenders (else stage 0's own thread
      // would emit into its own queue when it replenishes).
      Flux<Object> flux = Flux.fromArray(events).hide().subscribeOn(producer, true);
      for (int i = 0; i < stages; i++) {
        flux = flux.publishOn(schedulers.get(i), CAPACITY);
        if (i + 1 < stages) {
          flux = flux.map(Reactor::pass);
          if (!fusion) {
            flux = flux.hide(); // the next publishOn gets its own queue and runs its own drain
          }
        }
      }
      flux.doOnNext(e -> counted++).then().block();
      long after = counted;
      if (after - before != EVENTS) {
        throw new IllegalStateException("reactor pipeline counted " + (after - before));
      }
      return after;
    }

    /** Disposes of the schedulers. */
    @TearDown(Level.Trial)
    public void stop() {
      for (Scheduler s : schedulers) {
        s.dispose();
      }
      producer.dispose();
    }
  }

  /**
   * ThreadPoolExecutor chain.
   *
   * @param state the pipeline
   * @return the running count, so the work is not dead code
   * @throws InterruptedException never in practice
   */
  @Benchmark
  public long threadPool(ThreadPool state) throws InterruptedException {
    return state.pushAndWait();
  }

  /**
   * Virtual thread per event, Semaphore-bounded.
   *
   * @param state the pipeline
   * @return the running count, so the work is not dead code
   * @throws InterruptedException never in practice
   */
  @Benchmark
  public long vtSemaphore(VtSemaphore state) throws InterruptedException {
    return state.pushAndWait();
  }

  /**
   * LMAX Disruptor chain.
   *
   * @param state the pipeline
   * @return the running count, so the work is not dead code
   * @throws InterruptedException never in practice
   */
  @Benchmark
  public long disruptor(DisruptorPipeline state) throws InterruptedException {
    return state.pushAndWait();
  }

  /**
   * jox channels.
   *
   * @param state the pipeline
   * @return the running count, so the work is not dead code
   * @throws InterruptedException never in practice
   */
  @Benchmark
  public long jox(Jox state) throws InterruptedException {
    return state.pushAndWait();
  }

  /**
   * Reactor publishOn chain.
   *
   * @param state the pipeline
   * @return the running count, so the work is not dead code
   */
  @Benchmark
  public long reactor(Reactor state) {
    return state.pushAndWait();
  }
}
