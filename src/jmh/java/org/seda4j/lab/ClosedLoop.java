package org.seda4j.lab;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * Closed-loop producers: threads that submit work in a loop as fast as it is taken, optionally
 * keeping a fixed number of tasks outstanding (a producer takes a permit per task and the task
 * gives it back when it ends), and a count of completed tasks.
 *
 * <p>Create it, build the work around {@link #done(int)}, then {@link #start}; {@link #stop} ends
 * the producers and {@link #awaitDrained} checks that every outstanding task ended.
 */
public final class ClosedLoop {

  /** Submits task number {@code n}; may block (that is the backpressure). */
  @FunctionalInterface
  public interface Submit {
    /**
     * Submits one task.
     *
     * @param n the task's number, per producer
     * @throws InterruptedException if interrupted while waiting
     */
    void submit(long n) throws InterruptedException;
  }

  private final @Nullable Semaphore outstanding;
  private final int limit;
  private final LongAdder submitted = new LongAdder();
  private final LongAdder completed = new LongAdder();
  private final List<Thread> producers = new ArrayList<>();
  private volatile boolean stopping;
  private volatile @Nullable RuntimeException failure;

  /**
   * A closed loop.
   *
   * @param outstanding how many tasks may be outstanding at once, or 0 for no limit (the submit
   *     blocks instead)
   */
  public ClosedLoop(int outstanding) {
    this.limit = outstanding;
    this.outstanding = outstanding > 0 ? new Semaphore(outstanding) : null;
  }

  /**
   * Starts the producers.
   *
   * @param threads builds the producer threads
   * @param count how many producers
   * @param submit what each submits in its loop
   */
  public void start(Thread.Builder threads, int count, Submit submit) {
    for (int i = 0; i < count; i++) {
      producers.add(threads.start(() -> produce(submit)));
    }
  }

  /**
   * Starts one paced producer instead: it submits tasks at {@code perSecond} on average, {@code
   * chunk} at a time (open-loop arrivals that a slow consumer holds back only by blocking the
   * submit; a producer that falls behind catches up at once, so the offered rate is what a fast
   * enough consumer sees).
   *
   * @param thread builds the producer thread
   * @param perSecond the offered rate, tasks per second
   * @param chunk tasks per submit
   * @param submit submits task number {@code n} and the {@code chunk - 1} after it
   */
  public void startPaced(Thread.Builder thread, double perSecond, int chunk, Submit submit) {
    long interval = (long) (chunk * 1e9 / perSecond);
    producers.add(
        thread.start(
            () -> {
              long next = System.nanoTime();
              long n = 0;
              try {
                while (true) {
                  long wait = next - System.nanoTime();
                  if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                    continue;
                  }
                  submit.submit(n);
                  n += chunk;
                  submitted.add(chunk);
                  next += interval;
                }
              } catch (InterruptedException stop) {
                // stopped
              } catch (RuntimeException e) {
                if (!stopping) {
                  failure = e;
                }
              }
            }));
  }

  private void produce(Submit submit) {
    long n = 0;
    try {
      while (true) {
        if (outstanding != null) {
          outstanding.acquire();
        }
        try {
          submit.submit(n++);
        } catch (InterruptedException | RuntimeException e) {
          if (outstanding != null) {
            outstanding.release();
          }
          throw e;
        }
        submitted.increment();
      }
    } catch (InterruptedException stop) {
      // stopped
    } catch (RuntimeException e) {
      if (!stopping) {
        failure = e; // reported by stop()
      }
    }
  }

  /**
   * Tasks ended: counts them and gives their permits back. Call it from the task, in a {@code
   * finally}.
   *
   * @param tasks how many
   */
  public void done(int tasks) {
    completed.add(tasks);
    if (outstanding != null) {
      outstanding.release(tasks);
    }
  }

  /**
   * Tasks completed so far.
   *
   * @return the count
   */
  public long completed() {
    return completed.sum();
  }

  /**
   * Tasks submitted so far.
   *
   * @return the count
   */
  public long submitted() {
    return submitted.sum();
  }

  /**
   * Interrupts the producers and waits for them to end.
   *
   * @throws InterruptedException if interrupted while waiting
   * @throws IllegalStateException if a producer's submit failed before (the producer ended then)
   */
  public void stop() throws InterruptedException {
    stopping = true;
    for (Thread t : producers) {
      t.interrupt();
    }
    for (Thread t : producers) {
      t.join();
    }
    RuntimeException e = failure;
    if (e != null) {
      throw new IllegalStateException("a producer failed: " + e, e);
    }
  }

  /**
   * After {@link #stop}, waits until every outstanding task ended and checks that every task
   * submitted completed.
   *
   * @param timeout the longest wait
   * @throws InterruptedException if interrupted while waiting
   * @throws IllegalStateException if tasks did not end in time, or were lost
   */
  public void awaitDrained(Duration timeout) throws InterruptedException {
    if (outstanding != null
        && !outstanding.tryAcquire(limit, timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("outstanding tasks did not complete");
    }
    if (completed.sum() != submitted.sum()) {
      throw new IllegalStateException(
          submitted.sum() + " tasks submitted, " + completed.sum() + " completed");
    }
  }
}
