package org.seda4j;

import java.time.Duration;
import java.util.Objects;
import org.seda4j.observe.StageSnapshot;

/**
 * A point in time after which an event is no longer worth handling, on the {@link
 * System#nanoTime()} scale (or on the graph's clock if one was injected with {@link
 * StageGraph.Builder#nanoClock(java.util.function.LongSupplier)}). Events carry one by implementing
 * {@link Expiring}.
 *
 * <p>Stages check deadlines twice: an event whose deadline has passed when it is offered is not
 * admitted ({@link RejectionReason#EXPIRED}); an event whose deadline passes while it waits in the
 * queue is dropped before its handler would run (counted in {@link StageSnapshot.Counts#dropped()}
 * and {@link StageSnapshot.Counts#expired()}, and handed to the stage's drop listener), instead of
 * doing work nobody waits for.
 *
 * <p>A value; every method is non-blocking and any thread may call it.
 *
 * @param nanoTime the deadline, on the {@link System#nanoTime()} scale
 */
public record Deadline(long nanoTime) {

  /**
   * The deadline {@code timeout} from now, on {@link System#nanoTime()}.
   *
   * @param timeout how long from now, zero or positive
   * @return the deadline
   * @throws IllegalArgumentException if {@code timeout} is negative
   */
  public static Deadline after(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout must not be null");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException(
          "a deadline's timeout must not be negative, was " + timeout);
    }
    return new Deadline(System.nanoTime() + saturatedNanos(timeout));
  }

  /**
   * Whether the deadline has passed at {@code nowNanos}.
   *
   * @param nowNanos the current time on the deadline's scale
   * @return {@code true} if {@code nowNanos} is at or after the deadline
   */
  public boolean expiredAt(long nowNanos) {
    return nowNanos - nanoTime >= 0;
  }

  /**
   * Whether the deadline has passed, by {@link System#nanoTime()}.
   *
   * @return {@code true} if it has passed
   */
  public boolean expired() {
    return expiredAt(System.nanoTime());
  }

  /**
   * The time left, by {@link System#nanoTime()}; zero or negative once the deadline has passed.
   *
   * @return the time left
   */
  public Duration remaining() {
    return Duration.ofNanos(nanoTime - System.nanoTime());
  }

  private static long saturatedNanos(Duration d) {
    // Durations beyond ~292 years do not fit in a long of nanoseconds.
    return d.compareTo(Duration.ofNanos(Long.MAX_VALUE / 2)) > 0 ? Long.MAX_VALUE / 2 : d.toNanos();
  }
}
