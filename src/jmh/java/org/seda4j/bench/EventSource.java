package org.seda4j.bench;

import java.util.concurrent.locks.LockSupport;

/** Where a producer takes its events from; may block (a paced source waits for each send time). */
@FunctionalInterface
interface EventSource {

  /**
   * The event every throughput benchmark sends: one shared object, so nobody measures allocation.
   */
  Integer EVENT = 42;

  /** Always {@link #EVENT}. */
  EventSource CONSTANT = () -> EVENT;

  /**
   * A new {@link Stamp} of the current time per event: closed-loop, as fast as the flow accepts.
   */
  EventSource NOW = () -> new Stamp(System.nanoTime());

  /**
   * The next event.
   *
   * @return the event
   * @throws InterruptedException if interrupted while waiting for the next send time
   */
  Object next() throws InterruptedException;

  /**
   * An open-loop source: event k is due at {@code start + k / rate}; {@code next()} parks until it
   * is due (never spins) and returns a {@link Stamp} of the due time. When the flow holds the
   * producer back, the events that fell due meanwhile are sent at once with their original due
   * times, so the wait counts in their latency.
   *
   * @param eventsPerSecond the rate
   * @return a source that starts its clock at its first event
   */
  static EventSource paced(double eventsPerSecond) {
    double interval = 1e9 / eventsPerSecond;
    return new EventSource() {
      private long start;
      private long k;

      @Override
      public Object next() throws InterruptedException {
        if (k == 0) {
          start = System.nanoTime();
        }
        long due = start + (long) (k++ * interval);
        long wait;
        while ((wait = due - System.nanoTime()) > 0) {
          LockSupport.parkNanos(wait);
          if (Thread.interrupted()) {
            throw new InterruptedException();
          }
        }
        return new Stamp(due);
      }
    };
  }
}
