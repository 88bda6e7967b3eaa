package org.seda4j.bench;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.jspecify.annotations.Nullable;

/**
 * Where every sink stage of every contender delivers: counts arrivals against the number expected,
 * opens a latch at exactly that number, and records end-to-end latency for {@link Stamp} events.
 * Too few arrivals fail {@link #await}; too many fail the next {@link #expect} or {@link
 * #verifyIdle}: every contender is held to exactly the expected number of events.
 */
final class Sink {
  private final AtomicLong remaining = new AtomicLong();
  private volatile CountDownLatch done = new CountDownLatch(0);
  private final Recorder recorder = new Recorder(3);
  private volatile boolean recording;
  private volatile CountDownLatch gate = new CountDownLatch(0);
  private volatile CountDownLatch entered = new CountDownLatch(0);

  /**
   * Called by the sink stages (any thread, concurrently).
   *
   * @param event the event that arrived (a Camel message body is typed nullable; a null would count
   *     like any other arrival)
   */
  void arrive(@Nullable Object event) {
    CountDownLatch g = gate;
    if (g.getCount() > 0) { // the memory workload holds its handlers here
      entered.countDown();
      awaitUninterruptibly(g);
    }
    if (recording && event instanceof Stamp s) {
      recorder.recordValue(Math.max(0, System.nanoTime() - s.intendedNanos));
    }
    if (remaining.decrementAndGet() == 0) {
      done.countDown();
    }
  }

  /**
   * Arms the sink for the next batch of arrivals; fails if the previous batch left extra arrivals.
   *
   * @param arrivals how many arrivals to wait for
   */
  void expect(long arrivals) {
    verifyIdle();
    done = new CountDownLatch(1); // before `remaining`, so the arrival that ends the batch sees it
    remaining.set(arrivals);
  }

  /**
   * Waits for exactly the expected arrivals.
   *
   * @param who the contender, for the error message
   * @param timeout how long to wait
   * @throws InterruptedException if interrupted
   */
  void await(String who, Duration timeout) throws InterruptedException {
    if (!done.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      throw new IllegalStateException(
          who + ": " + remaining.get() + " expected arrivals missing after " + timeout);
    }
  }

  /** Fails if events arrived beyond the number expected (a duplicated event). */
  void verifyIdle() {
    long left = remaining.get();
    if (left != 0) {
      throw new IllegalStateException(
          "sink: "
              + (left < 0 ? -left + " events arrived beyond" : left + " events short of")
              + " the number expected");
    }
  }

  /**
   * Starts or stops recording latencies; starting discards what was recorded before.
   *
   * @param on whether to record
   */
  void recording(boolean on) {
    if (on) {
      recorder.reset();
    }
    recording = on;
  }

  /**
   * Makes every arrival block (counting down {@code entered} first) until {@link #release}: the
   * memory workload holds handlers blocked this way.
   *
   * @param enteredLatch counted down by each arrival before it blocks
   */
  void hold(CountDownLatch enteredLatch) {
    entered = enteredLatch;
    gate = new CountDownLatch(1);
  }

  /** Lets the arrivals held by {@link #hold} go on. */
  void release() {
    gate.countDown();
  }

  private static void awaitUninterruptibly(CountDownLatch latch) {
    boolean interrupted = false;
    while (true) {
      try {
        latch.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** The latencies recorded since {@code recording(true)}, in nanoseconds. */
  Histogram latencies() {
    return recorder.getIntervalHistogram();
  }
}
