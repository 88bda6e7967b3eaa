package org.seda4j.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/*
 * Maintainer note. A stage's queue (an ArrayBlockingQueue, fixed by the design) and the rules for
 * putting events into it and taking them out. Owns: the queue, `taken`, `sealed` and bulk
 * exclusivity (bulkLock, `exclusive`, `bulkWaitsForRoom`); the producers that wait are counted
 * and woken by its RoomWaits (its lock, `parked`, `parkedEvents`). BulkInsertion, a set of static
 * procedures, runs putAll/offerAll over these fields (package-private for it alone) and reads the
 * StageBooks producer counters for the gap; of those counters it writes only `offered`, for bulks.
 *
 * One hand-off per hop. A single event on the fast path costs the queue's own offer and one
 * volatile read (the caller counted it in `offered` first); a consumer's batch costs one drainTo,
 * one LongAdder add and one volatile read. Nothing else is shared between producers and consumers.
 *
 * Waiting for room. A producer that may wait (block/blockFor) and finds the queue full parks on
 * the RoomWaits condition under its lock, counted in `parked`; a consumer that removed events
 * signals it if `parked` > 0. The producer holds that lock from its failed offer to its await and
 * counts itself parked before that offer; the consumer removes before it reads `parked`: either
 * the producer's offer sees the room or the consumer sees the producer (the queue's lock orders
 * the two). State changes (close, shutdown) wake every waiter through wakeAll().
 *
 * putAll/offerAll: all or nothing, contiguous, by BulkInsertion (its note has the protocol): a
 * bulk holds bulkLock and sets `exclusive` while it inserts, and `bulkWaitsForRoom` while it waits
 * for room holding the queue. Singles read `exclusive` after counting themselves in `offered`.
 *
 * dropOldest removes the head (counted in `taken`) and offers again until its event is in; each
 * removed event is handed back to be counted as dropped. Under exclusive it waits for the bulk:
 * bulks never wait for room under drop policies, so that wait is the bulk's insertion only.
 */
final class Inbox {

  /** How an insertion ended. */
  enum Outcome {
    INSERTED,
    FULL,
    TIMED_OUT,
    CLOSED,
    /** Interrupted while waiting, after the events were counted (bulks only). */
    INTERRUPTED
  }

  final ArrayBlockingQueue<Object> queue; // the fields BulkInsertion uses are package-private
  final StageBooks books;
  // Every removal (consumers, drops, sweeps) and every hand-off past the queue (Workers.handOff).
  final LongAdder taken = new LongAdder();
  final RoomWaits waits = new RoomWaits(); // producers waiting, and the events they hold
  final ReentrantLock bulkLock = new ReentrantLock();
  volatile boolean exclusive;
  volatile boolean bulkWaitsForRoom;
  // False only while the queue is empty, but for inserts whose producer has not set it yet (after
  // its offer, if it reads false). Cleared, for stages whose handlers mostly wait, by a drain that
  // emptied the queue and then looks again under the lock (design.md, "No queue lock on a
  // hand-off"). A plain field: it changes only as a backlog forms or drains.
  private volatile boolean mayHold;
  // Set by the terminating thread before a shutdown's last sweep: whatever a producer queues after
  // that sweep is found by no one, so the producer takes it back (see Intake.queuedAll).
  private volatile boolean sealed;

  Inbox(int capacity, StageBooks books) {
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.books = books;
  }

  // ---------------------------------------------------------------- producers

  /** The fast path of one event (already counted in offered): no bulk, and room. */
  boolean offer(Object item) {
    return !exclusive && enqueue(item);
  }

  /** Offers {@code item} to the queue; sets mayHold after a successful offer (see the field). */
  boolean enqueue(Object item) {
    if (!queue.offer(item)) {
      return false;
    }
    if (!mayHold) {
      mayHold = true;
    }
    return true;
  }

  /**
   * One event that missed the fast path. {@code mayWait}: the policy blocks and the caller may wait
   * (at most {@code nanos}; Long.MAX_VALUE = no bound). Returns INSERTED, FULL (no room, or a
   * putAll waiting for room holds the queue, and the caller may not wait), TIMED_OUT or CLOSED
   * ({@code open} said no). A caller that may not wait still waits for a bulk that is inserting (a
   * few offers), ignoring interrupts.
   *
   * @throws InterruptedException only if {@code mayWait}
   */
  Outcome insert(Object item, boolean mayWait, long nanos, BooleanSupplier open)
      throws InterruptedException {
    long remaining = nanos;
    if (mayWait) {
      waits.lockInterruptibly();
    } else {
      waits.lock();
    }
    boolean isParked = true;
    waits.park(1);
    try {
      while (true) {
        if (!open.getAsBoolean()) {
          return Outcome.CLOSED;
        }
        boolean bulk = exclusive;
        if (!bulk) {
          // Back in the gap to offer (see BulkInsertion), but still counted in `parked` from
          // before the offer to after the wait, so a consumer that makes room after this offer
          // failed sees it and signals.
          waits.holding(-1);
          isParked = false;
          if (!exclusive && enqueue(item)) {
            return Outcome.INSERTED;
          }
          waits.holding(1);
          isParked = true;
          if (!mayWait && !exclusive) {
            return Outcome.FULL;
          }
        } else if (!mayWait && bulkWaitsForRoom) {
          return Outcome.FULL;
        }
        if (!mayWait) {
          waits.awaitUninterruptibly(); // a bulk is inserting: a moment
        } else if (remaining == Long.MAX_VALUE) {
          waits.await();
        } else if (remaining <= 0) {
          return Outcome.TIMED_OUT;
        } else {
          remaining = waits.awaitNanos(remaining);
        }
      }
    } finally {
      if (isParked) {
        waits.holding(-1);
      }
      waits.leave();
      waits.unlock();
    }
  }

  /**
   * dropOldest: inserts {@code item}, removing the oldest queued events while there is no room.
   * Returns the removed events (usually none or one), for the caller to count as dropped.
   */
  List<Object> insertDroppingOldest(Object item) {
    List<Object> removed = List.of();
    while (true) {
      if (exclusive) {
        awaitBulk();
        continue;
      }
      if (enqueue(item)) {
        return removed;
      }
      Object old = queue.poll();
      if (old != null) {
        taken.increment();
        if (removed.isEmpty()) {
          removed = new ArrayList<>(1);
        }
        removed.add(old);
        books.droppedOld.increment(); // counted before the event it makes room for is queued
      }
    }
  }

  /** Parks, counted in `parked`, until no bulk holds the queue. Ignores interrupts. */
  private void awaitBulk() {
    waits.lock();
    waits.park(1);
    try {
      while (exclusive) {
        waits.awaitUninterruptibly();
      }
    } finally {
      waits.unpark(1);
      waits.unlock();
    }
  }

  /**
   * putAll/offerAll: counts the items in `offered`, then inserts all or none, contiguously (see
   * BulkInsertion). {@code mayWait}: the policy blocks and the caller may wait for room (at most
   * {@code nanos}). The caller counts the outcome's rejections (unadmitted included) if not
   * INSERTED.
   *
   * @throws InterruptedException if interrupted while waiting for another bulk, before the items
   *     were counted (an interrupt after that is the outcome INTERRUPTED)
   */
  Outcome insertAll(List<Object> items, boolean mayWait, long nanos, BooleanSupplier open)
      throws InterruptedException {
    return BulkInsertion.insertAll(this, items, mayWait, nanos, open);
  }

  /**
   * A forced shutdown: waits until no producer is in the gap (they see the shutdown at their next
   * step, or have queued their event, which the sweep then finds), at most until {@code deadline}.
   */
  void awaitProducers(long deadline) {
    BulkInsertion.awaitEmptyGap(this, 0, () -> deadline - System.nanoTime() > 0);
  }

  /**
   * A forced shutdown began after {@code item} went in: takes one occurrence of it out again if no
   * consumer and no sweep took it first (identity, not equals). Returns whether it did.
   *
   * <p>One occurrence only: the same object may be queued more than once (a user offering one event
   * twice, or boxed values the JDK caches), and each occurrence is an event of its own. Which one
   * is taken does not matter to the books: occurrences are alike. The removal is not counted in
   * `taken`: the caller counts the event in `unadmitted`, and counting it in both would make the
   * gap negative, hiding a producer in it.
   */
  boolean retract(Object item) {
    boolean[] found = {false};
    boolean removed =
        queue.removeIf(
            x -> {
              if (!found[0] && x == item) {
                found[0] = true;
                return true;
              }
              return false;
            });
    if (removed) {
      waits.wakeIfAny();
    }
    return removed;
  }

  /** Wakes every waiting producer, so that it re-checks room and the graph's phase. */
  void wakeAll() {
    waits.wakeAll();
  }

  /** Producers now waiting for room or for a bulk. */
  int parked() {
    return waits.parked();
  }

  /** The events the waiting producers hold (counted in offered, not admitted yet). */
  long parkedEvents() {
    return waits.parkedEvents();
  }

  // ---------------------------------------------------------------- consumers

  /**
   * Moves up to {@code max} events into {@code into}; returns how many. Never waits. If {@code
   * into} throws (a worker's batch was abandoned), what it took before is counted and the exception
   * propagates. {@code clear}: if the drain empties the queue, clear mayHold (see the field).
   */
  int drain(Collection<Object> into, int max, boolean clear) {
    int before = into.size();
    try {
      int n = queue.drainTo(into, max);
      if (clear && n < max) {
        // Emptied: clear, then look again for an insert this drain raced. Never write false after
        // the look: a producer may have set the flag between the look and that write.
        mayHold = false;
        if (!queue.isEmpty()) {
          mayHold = true;
        }
      }
      return n;
    } finally {
      int moved = into.size() - before;
      if (moved > 0) {
        removed(moved);
      }
    }
  }

  /** Removes every queued event into {@code out} (a shutdown's sweep); returns how many. */
  int sweep(Collection<Object> out) {
    return drain(out, Integer.MAX_VALUE, false);
  }

  /**
   * The shutdown's last sweep: as {@link #sweep}, after marking the inbox sealed. A producer that
   * reads {@link #sealed} false after its insert inserted before this sweep, which finds its
   * events.
   */
  int sweepLast(Collection<Object> out) {
    sealed = true;
    return sweep(out);
  }

  /** Whether the shutdown's last sweep began (see {@link #sweepLast}). */
  boolean sealed() {
    return sealed;
  }

  /**
   * Whether a producer's event may go to a new worker past the queue (Workers.handOff): the queue
   * is empty and no bulk holds it. A moment's view: a racing producer's event may be queued
   * meanwhile (the order of events from different producers is not defined anyway).
   */
  boolean emptyForHandOff() {
    return !exclusive && !mayHold;
  }

  /**
   * An event went to a new worker past the queue: counted in `taken`, as if it had passed through,
   * so that it leaves the gap (see BulkInsertion) only once the worker holding it is registered
   * where a forced shutdown looks for it.
   */
  void handedOff() {
    taken.increment();
  }

  /** A hand-off was undone before any shutdown took its event over (its thread did not start). */
  void handOffUndone() {
    taken.decrement();
  }

  private void removed(int n) {
    taken.add(n);
    waits.wakeIfAny();
  }

  int size() {
    return queue.size();
  }

  boolean isEmpty() {
    return queue.isEmpty();
  }

  /** False: the queue is empty but for racing inserts (no lock; {@link #isEmpty} is exact). */
  boolean mayHoldEvents() {
    return mayHold;
  }
}
