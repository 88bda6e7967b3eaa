package org.seda4j.internal;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/*
 * Maintainer note. The producers of one stage that wait: for room in its queue (block, blockFor),
 * or for a bulk insertion to finish. Owns `lock` (guarding nothing but the condition `changed`),
 * `parked` (producers waiting) and `parkedEvents` (the events they hold, counted in `offered` but
 * not admitted yet: the Inbox's gap and the snapshot read it). The Inbox decides when to wait and
 * how the waiting and the queue's state are ordered (see its note); this part only counts the
 * waiters and wakes them. A consumer that made room wakes them only if `parked` > 0, so an event
 * on the fast path costs nothing here.
 */
final class RoomWaits {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final AtomicInteger parked = new AtomicInteger();
  private final AtomicLong parkedEvents = new AtomicLong();

  void lock() {
    lock.lock();
  }

  void lockInterruptibly() throws InterruptedException {
    lock.lockInterruptibly();
  }

  void unlock() {
    lock.unlock();
  }

  /** A producer holding {@code events} events starts waiting (out of the gap). Under the lock. */
  void park(int events) {
    parkedEvents.addAndGet(events); // the gap reads parkedEvents; consumers signal on `parked`
    parked.incrementAndGet();
  }

  /** A producer holding {@code events} events stops waiting (back in the gap). Under the lock. */
  void unpark(int events) {
    parked.decrementAndGet();
    parkedEvents.addAndGet(-events);
  }

  /** A waiting producer takes its event back into the gap ({@code -1}) or out of it ({@code 1}). */
  void holding(int events) {
    parkedEvents.addAndGet(events);
  }

  /** A waiting producer that holds no event any more stops waiting. Under the lock. */
  void leave() {
    parked.decrementAndGet();
  }

  /** Waits for a change; under the lock. */
  @SuppressWarnings("WaitNotInLoop") // the Inbox re-checks its condition in a loop
  void await() throws InterruptedException {
    changed.await();
  }

  /** Waits for a change, ignoring interrupts; under the lock. */
  @SuppressWarnings("WaitNotInLoop") // the Inbox re-checks its condition in a loop
  void awaitUninterruptibly() {
    changed.awaitUninterruptibly();
  }

  /** Waits for a change at most {@code nanos}; returns the time left. Under the lock. */
  @SuppressWarnings("WaitNotInLoop") // the Inbox re-checks its condition in a loop
  long awaitNanos(long nanos) throws InterruptedException {
    return changed.awaitNanos(nanos);
  }

  /** Wakes every waiting producer, so that it re-checks room and the graph's phase. */
  void wakeAll() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Wakes every waiting producer if there is one: after a change to the queue. */
  void wakeIfAny() {
    if (parked.get() > 0) {
      wakeAll();
    }
  }

  /** Producers now waiting. */
  int parked() {
    return parked.get();
  }

  /** The events the waiting producers hold. */
  long parkedEvents() {
    return parkedEvents.get();
  }
}
