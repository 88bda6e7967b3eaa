package org.seda4j.internal;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/** Durations, deadlines and bounded joins, for every wait of the engine. */
final class Waits {
  private Waits() {}

  /**
   * {@code d} in nanoseconds, saturated: a duration too long for a {@code long} of nanoseconds
   * means "no bound", {@code Long.MAX_VALUE}, which every wait here treats as forever.
   */
  static long nanos(Duration d) {
    if (d.isNegative()) {
      return d.compareTo(Duration.ofNanos(Long.MIN_VALUE)) <= 0 ? Long.MIN_VALUE : d.toNanos();
    }
    return d.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : d.toNanos();
  }

  /** The {@link System#nanoTime()} deadline {@code nanos} from now; Long.MAX_VALUE = none. */
  static long deadlineAfter(long nanos) {
    if (nanos == Long.MAX_VALUE) {
      return Long.MAX_VALUE;
    }
    long now = System.nanoTime();
    long deadline = now + nanos;
    return nanos > 0 && deadline < now ? Long.MAX_VALUE : deadline; // overflow: no bound
  }

  /**
   * Parks the caller for about {@code nanos}, for a poll loop: even if its interrupt flag is set (a
   * pending interrupt makes LockSupport.parkNanos return at once, so a loop that polled by parking
   * would spin on the CPU; a virtual thread spinning so keeps its carrier, and two of them on a
   * two-core machine starved every other virtual thread, the holder of what they polled for
   * included). Returns whether an interrupt was pending or came meanwhile; the flag is then clear,
   * and the caller sets it again when its loop ends.
   */
  static boolean pause(long nanos) {
    boolean interrupted = Thread.interrupted();
    LockSupport.parkNanos(nanos);
    return Thread.interrupted() || interrupted;
  }

  /**
   * Joins {@code t} until the {@link System#nanoTime()} {@code deadline} (Long.MAX_VALUE: no
   * bound); returns whether it ended. Keeps (does not throw) an interrupt that arrives meanwhile.
   */
  static boolean joinUntil(Thread t, long deadline) {
    boolean interrupted = false;
    try {
      while (t.isAlive()) {
        try {
          if (deadline == Long.MAX_VALUE) {
            t.join();
          } else {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
              return false;
            }
            t.join(Duration.ofNanos(left));
          }
        } catch (InterruptedException ie) {
          interrupted = true;
        }
      }
      return true;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
