package org.seda4j.lab;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Collects the outcome of every request of an open-loop run: its intended arrival time, when it was
 * answered, and whether the answer was a result or a rejection ("503"). Response time is measured
 * from the intended arrival, so a service that falls behind is charged for it (no coordinated
 * omission). Read it after the service stopped.
 */
public final class Recorder {

  /** What one request got. */
  @FunctionalInterface
  public interface Outcome {
    /**
     * One answered request.
     *
     * @param intended its intended arrival, {@link System#nanoTime()}
     * @param answered when it was answered
     * @param rejected whether the answer was a rejection
     */
    void accept(long intended, long answered, boolean rejected);
  }

  /**
   * The answers within a window.
   *
   * @param results answers with a result
   * @param rejections rejections
   * @param latencies the results' response times
   */
  public record Window(long results, long rejections, Latencies latencies) {}

  private final long[] intended;
  private final long[] answered;
  private final boolean[] rejected;
  private final AtomicInteger count = new AtomicInteger();
  private final AtomicInteger overflow = new AtomicInteger();

  /**
   * A recorder.
   *
   * @param expected how many answers it may receive at most
   */
  public Recorder(int expected) {
    intended = new long[expected];
    answered = new long[expected];
    rejected = new boolean[expected];
  }

  /**
   * A request that arrived at {@code intended} got its result now.
   *
   * @param intended its intended arrival
   */
  public void answered(long intended) {
    record(intended, false);
  }

  /**
   * A request that arrived at {@code intended} got a rejection now.
   *
   * @param intended its intended arrival
   */
  public void rejected(long intended) {
    record(intended, true);
  }

  private void record(long at, boolean rejection) {
    long now = System.nanoTime();
    int i = count.getAndIncrement();
    if (i >= intended.length) {
      overflow.incrementAndGet();
      return;
    }
    intended[i] = at;
    rejected[i] = rejection;
    answered[i] = now;
  }

  /**
   * Visits every outcome recorded.
   *
   * @param visitor receives each one
   * @throws IllegalStateException if more answers came than the recorder could hold
   */
  public void forEach(Outcome visitor) {
    if (overflow.get() > 0) {
      throw new IllegalStateException(
          overflow.get() + " answers more than the " + intended.length + " expected");
    }
    int n = Math.min(count.get(), intended.length);
    for (int i = 0; i < n; i++) {
      if (answered[i] != 0) {
        visitor.accept(intended[i], answered[i], rejected[i]);
      }
    }
  }

  /**
   * The answers given within {@code [start, end)}.
   *
   * @param start the window's start, {@link System#nanoTime()}
   * @param end its end
   * @return the results, rejections and response times
   */
  public Window window(long start, long end) {
    long[] latencies = new long[Math.min(count.get(), intended.length)];
    int[] n = new int[2];
    forEach(
        (at, done, rejection) -> {
          if (done >= start && done < end) {
            if (rejection) {
              n[1]++;
            } else {
              latencies[n[0]++] = done - at;
            }
          }
        });
    return new Window(n[0], n[1], Latencies.of(Arrays.copyOf(latencies, n[0])));
  }

  /**
   * Every rejection recorded.
   *
   * @return the count
   */
  public long rejections() {
    long[] n = new long[1];
    forEach(
        (at, done, rejection) -> {
          if (rejection) {
            n[0]++;
          }
        });
    return n[0];
  }
}
