package org.seda4j.internal;

import java.util.List;
import java.util.function.BooleanSupplier;

/*
 * Maintainer note. putAll/offerAll and a forced shutdown's wait for producers, over an Inbox's
 * state: its bulkLock, `exclusive` and `bulkWaitsForRoom` (written here only, read by the Inbox's
 * singles), its queue, `taken`, RoomWaits and the StageBooks producer counters (read for the gap).
 * No state of its own: static procedures, so that a stage costs no object more.
 *
 * putAll/offerAll: all or nothing, contiguous. A bulk holds bulkLock (one bulk at a time), counts
 * its events, sets `exclusive` and then waits until no single producer is in the *gap*: counted in
 * `offered` but neither in the queue, nor removed from it, nor accounted otherwise (unadmitted,
 * dropped at once) nor parked. Singles read `exclusive` after counting themselves in `offered`
 * (a Dekker pair with the bulk's write of `exclusive` and read of the counters), so a single that
 * read `false` is visible in the gap, and one that reads `true` stays out of the queue (it parks
 * until the bulk is done, or, if the bulk waits for room, is told the queue is full unless it may
 * wait). Once the gap is empty only consumers touch the queue, and they only make room: if there
 * is room for all the bulk's events it inserts them in one go, else (block policies) it waits for
 * room still holding the queue, so the next free slots are its own. The gap is
 *   offered - unadmitted - droppedNew - taken - queue.size() - parkedEvents - (the bulk's own
 * events),
 * read in that reverse order (taken first, offered last), so that an event moving meanwhile is
 * counted at most in `offered`: the figure is never below the number of singles that may still
 * insert without having seen `exclusive`. The singles in the gap run engine code only (no user
 * callback, no unbounded wait), so the bulk's wait for them is short; it yields, then parks with a
 * growing timeout. Its polls park even if the caller's interrupt flag is set (Waits.pause; the
 * interrupt is kept for after), and so do an offerAll's polls for another bulk's lock: a pending
 * interrupt makes parkNanos return at once, and two interrupted virtual producers polling so held
 * both carriers of a two-core machine for good, the bulk they waited for starved behind them.
 */
final class BulkInsertion {

  private BulkInsertion() {}

  /**
   * putAll/offerAll: counts the items in `offered`, then inserts all or none, contiguously (see the
   * class comment). {@code mayWait}: the policy blocks and the caller may wait for room (at most
   * {@code nanos}). The caller counts the outcome's rejections (unadmitted included) if not
   * INSERTED.
   *
   * @throws InterruptedException if interrupted while waiting for another bulk, before the items
   *     were counted (an interrupt after that is the outcome INTERRUPTED)
   */
  static Inbox.Outcome insertAll(
      Inbox in, List<Object> items, boolean mayWait, long nanos, BooleanSupplier open)
      throws InterruptedException {
    int n = items.size();
    if (mayWait) {
      in.bulkLock.lockInterruptibly();
    } else if (!in.bulkLock.tryLock()) {
      if (in.bulkWaitsForRoom) {
        in.books.offered.add(n);
        return Inbox.Outcome.FULL; // a putAll waiting for room holds the queue's next free slots
      }
      // Another bulk holds the queue: a moment while it inserts, but if it comes to wait for room,
      // this one is told the queue is full like the singles (polled: a lock's wait cannot be told).
      boolean interrupted = false; // kept, not acted on: an offer never waits interruptibly
      try {
        while (!in.bulkLock.tryLock()) {
          if (in.bulkWaitsForRoom) {
            in.books.offered.add(n);
            return Inbox.Outcome.FULL;
          }
          interrupted |= Waits.pause(50_000);
        }
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }
    try {
      in.books.offered.add(n); // then the phase, in open: the quiescence Dekker pair
      if (!open.getAsBoolean()) {
        return Inbox.Outcome.CLOSED;
      }
      in.exclusive = true;
      try {
        awaitEmptyGap(in, n, open);
        return insertExclusive(in, items, mayWait, nanos, open);
      } catch (InterruptedException e) {
        return Inbox.Outcome.INTERRUPTED;
      } finally {
        in.exclusive = false;
        in.bulkWaitsForRoom = false;
        in.waits.wakeIfAny();
      }
    } finally {
      in.bulkLock.unlock();
    }
  }

  private static Inbox.Outcome insertExclusive(
      Inbox in, List<Object> items, boolean mayWait, long nanos, BooleanSupplier open)
      throws InterruptedException {
    int n = items.size();
    long remaining = nanos;
    while (true) {
      if (!open.getAsBoolean()) {
        return Inbox.Outcome.CLOSED;
      }
      if (in.queue.remainingCapacity() >= n) {
        for (Object item : items) {
          if (!in.enqueue(item)) {
            throw new IllegalStateException("bulk insertion found no room it had checked");
          }
        }
        return Inbox.Outcome.INSERTED;
      }
      if (!mayWait) {
        return Inbox.Outcome.FULL;
      }
      in.waits.lockInterruptibly();
      in.waits.park(n);
      try {
        if (!in.bulkWaitsForRoom) {
          // Said under the waits' lock, and the waiters woken: a single that may not wait, parked
          // until this bulk is done (it read false), now re-checks and is told the queue is full.
          // Else it would wait for room it cannot have: in a cycle, for the very consumers this
          // bulk waits for (a handler's offer back into a stage whose putAll waited for room).
          in.bulkWaitsForRoom = true;
          in.waits.wakeAll();
        }
        if (in.queue.remainingCapacity() < n && open.getAsBoolean()) {
          if (remaining == Long.MAX_VALUE) {
            in.waits.await();
          } else if (remaining <= 0) {
            return Inbox.Outcome.TIMED_OUT;
          } else {
            remaining = in.waits.awaitNanos(remaining);
          }
        }
      } finally {
        in.waits.unpark(n);
        in.waits.unlock();
      }
    }
  }

  /**
   * Waits until no single producer is in the gap (see the class comment), or the stage closed.
   * Thread.yield first, not onSpinWait: on a virtual thread it frees the carrier, so a producer in
   * the gap can run even when every carrier is busy here.
   */
  @SuppressWarnings("ThreadPriorityCheck")
  static void awaitEmptyGap(Inbox in, int own, BooleanSupplier open) {
    boolean interrupted = false; // kept for the wait for room, if any, that follows
    try {
      for (int round = 0; gap(in, own) > 0 && open.getAsBoolean(); round++) {
        if (round < 16) {
          Thread.yield();
        } else {
          interrupted |= Waits.pause(Math.min(1_000_000L, 1_000L << Math.min(10, round - 16)));
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static long gap(Inbox in, int own) {
    long t = in.taken.sum();
    long q = in.queue.size();
    long p = in.waits.parkedEvents();
    long un = in.books.unadmitted.sum();
    long dn = in.books.droppedNew.sum();
    long off = in.books.offered.sum();
    return off - un - dn - t - q - p - own;
  }
}
