package org.seda4j.internal;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/*
 * Maintainer note. A stage's workers: virtual threads that take batches from the queue and run
 * them, at most `permits` at once (the loop itself is Worker.run). No dispatcher: a worker drains
 * its own batches, one drainTo per batch, and the queue's lock is the only hand-off between
 * producers and consumers, but for the hand-off of a producer's event to a new worker (below).
 *
 * Owns: the permits (AdjustableSemaphore; the Tuning part sets the limit), `flow`, the lingering
 * slot, the batch size and the turn-taking flag. A worker holds one permit from its start to its
 * end, so the permits held are the workers running (no counter of its own: one atomic fewer on each
 * side of a worker's life).
 *
 * flow = (takers << 40) | inFlight. A taker is a worker between batches, about to look at the
 * queue (or lingering on it); inFlight counts the events taken and not yet ended. A worker that
 * takes a batch of n adds n - TAKER; when the batch ends, TAKER - n. One atomic add per batch edge.
 *
 * Who starts workers (liveness: an event in the queue always has a worker coming for it, within
 * the permits):
 *  - A producer of a per-event stage hands its event to a new worker past the queue (handOff) if
 *    the queue is empty, no bulk holds it, a permit is free and either the stage's handlers
 *    mostly wait (`handlersWait`) or, while the sampler has not seen them at work yet (`learned`),
 *    no worker is a taker (none would look at the queue soon, so a queued event would take a new
 *    worker anyway): what a virtual thread per task does (a lingering worker, if any, stays
 *    parked: it would have to be woken, which costs about what a start does). Queued, each such
 *    event took a fresh worker anyway, plus the queue's lock on both sides and the takers'
 *    bookkeeping; and a handed worker (Worker.Handed) holds no batch buffers and has two small
 *    frames under its handler, so a handler blocked in its event costs little more than a
 *    virtual thread per task, from a cold start on. The event is in flight at once; it leaves
 *    Inbox's gap (counted as taken) only once its worker is registered, so a forced shutdown
 *    finds it in one or the other; the worker runs it, whatever the stage's state (the runner
 *    cancels it if a forced shutdown began), then ends (as below; an ending worker starts another
 *    if events are queued).
 *  - A producer that queued an event and reads takers == 0 starts one (if a permit is free): every
 *    running worker is busy in a handler, so none would look at the queue soon. (Not whenever a
 *    permit is free: for handlers that compute, workers that loop cost far less per event.)
 *  - A worker that drained a full batch (the queue may hold more) and reads takers == 0 starts one,
 *    so a backlog spreads over the permits without producers' help (and at once when the
 *    permits are raised: see permitsRaised). If the stage's handlers mostly wait (blocking
 *    calls: `handlersWait`), it starts one whenever events are left queued, whatever the takers:
 *    else a backlog would wait for busy workers while permits were free (a worker that wakes
 *    from its blocking call is a taker for a moment, and the backlog grows no new ones).
 *  - A worker that finds the queue empty lingers on it (take()) if no other worker does, else ends.
 *    Ending, it leaves the takers and the running, then looks at the queue again: a producer that
 *    queued meanwhile either saw it gone (and started a worker) or is seen (the queue's lock orders
 *    the producer's offer and this check), and then the ending worker starts one.
 * A worker also ends when the permits were lowered below those held (availablePermits() < 0), so
 * lowering takes effect as running batches end, and when the stage stops.
 *
 * Turn-taking: a worker whose handlers compute keeps its carrier; after each 1 ms slice it parks
 * for a moment (a timed park), so that every virtual thread waiting for a carrier runs first.
 * Ending the worker or Thread.yield do not do that on the JDK's ForkJoinPool, which keeps a carrier
 * on the queue its last task came from. Workers of handlers that mostly wait (`handlersWait`, set
 * by the sampler) skip it: they leave the carrier in every blocking call already.
 *
 * Short batches: a worker whose handlers compute also parks for a turn after a short batch (two or
 * more events, at most a quarter of the batch size: events keep coming, but the worker came back
 * for them after a few). Each drain takes the queue's lock against the producers and moves the
 * queue's cache lines between their cores; a worker faster than its producers otherwise came back
 * every few events, and its producers then waited for that lock (a platform thread parks on it).
 * The turn lets a batch gather: the worker parks until producers have queued a batch's worth
 * (`gatherWanted`, counted down by each producer's eventQueued; the one that reaches zero wakes
 * it) or the turn's timer ends it (tens to hundreds of microseconds on a busy machine), whichever
 * comes first. A turn on the timer alone let a fast producer fill the queue meanwhile and wait;
 * ended by the producers, a turn never holds more than a batch back. A batch of one event (a
 * worker that keeps up with a slow trickle) takes no turn. Producers read `gatherWanted` once per
 * event (a line the worker writes twice per turn) and count it down only during a turn. Figures:
 * docs/benchmarks.md, "Short batches".
 */
final class Workers<E> {
  static final long TAKER = 1L << 40;
  private static final long IN_FLIGHT = TAKER - 1;
  static final long SLICE_NANOS = 1_000_000;

  private final StageImpl<E> stage;
  final GraphServices graph;
  final Inbox inbox;
  final BatchRunner<E> runner;
  private final ThreadFactory threads;
  final String threadName; // every worker thread's name: this one instance (StageRegistry)
  final AdjustableSemaphore permits;
  // Read by producers per event, in one padded block (Isolated.block) with the permits' count (a
  // hand-off and a handed worker's end change both) and the two wake-up words below.
  final Isolated.Counter flow;
  private final AtomicReference<@Nullable Worker> lingering = new AtomicReference<>();
  // The worker gathering a batch after a short one (see "Short batches" above), and how many more
  // events producers may queue before the one that queues the last of them wakes it (0: nobody
  // gathers; negative: a producer counted after the turn ended).
  private final AtomicReference<@Nullable Worker> gathering = new AtomicReference<>();
  private final Isolated.Counter gatherWanted;
  volatile int batchSize;
  volatile boolean handlersWait;
  // The sampler has seen the handlers at work, so `handlersWait` says what they do (class comment).
  volatile boolean learned;
  volatile boolean stopping;
  // The lingering worker parks or is about to, and no producer has woken it since: the first
  // producer that sees it set clears it and unparks the worker; the others leave it be (an unpark
  // per event made the producer and the worker fight over the thread's park permit).
  private final Isolated.Flag lingerParked;
  final int capacity;
  private final boolean perEvent; // a per-event handler (hand-offs: see the class comment)

  Workers(
      StageImpl<E> stage,
      GraphServices graph,
      Inbox inbox,
      BatchRunner<E> runner,
      int permits,
      int batchSize,
      boolean perEvent) {
    this.stage = stage;
    this.graph = graph;
    this.inbox = inbox;
    this.runner = runner;
    AtomicLongArray cells = Isolated.block(4); // see `flow`: one or two lines for the four
    this.flow = new Isolated.Counter(cells, 0);
    this.permits = new AdjustableSemaphore(permits, new Isolated.Counter(cells, 1));
    this.gatherWanted = new Isolated.Counter(cells, 2);
    this.lingerParked = new Isolated.Flag(cells, 3);
    this.batchSize = batchSize;
    this.capacity = stage.capacity();
    this.perEvent = perEvent;
    // A worker does not inherit the inheritable thread locals (an InheritableThreadLocal MDC, for
    // one) of whichever producer happened to start it: a handler sees only the context restored
    // for its event (ContextCarrier), never a stale copy of a stranger's.
    // Every worker thread of the stage bears one name, seda4j-<graph>-<stage>, one String for all
    // (reports add the thread's id: Worker.threadName): starting a worker, often a producer's
    // job, builds no name, and a blocked handler's thread holds none of its own (a numbered name
    // was about 64 bytes per worker).
    this.threadName = "seda4j-" + graph.name() + "-" + stage.name();
    this.threads =
        Thread.ofVirtual().name(threadName).inheritInheritableThreadLocals(false).factory();
  }

  // ---------------------------------------------------------------- producers and tuning

  /**
   * A producer queued an event: wakes the lingering worker if it is parked, or starts a worker if
   * none would look at the queue soon.
   */
  void eventQueued() {
    if (lingerParked.get() && lingerParked.compareAndSet(true, false)) {
      Worker l = lingering.get();
      if (l != null) {
        LockSupport.unpark(l.thread);
      }
    } else if ((flow.get() >>> 40) == 0) {
      trySpawn();
    }
    if (gatherWanted.get() > 0 && gatherWanted.addAndGet(-1) == 0) {
      Worker g = gathering.get();
      if (g != null) {
        LockSupport.unpark(g.thread); // enough gathered: the turn ends now, not at its timer
      }
    }
  }

  /** The tuning raised the permits: starts workers for the events waiting, as far as they go. */
  void permitsRaised() {
    int waiting = inbox.size();
    for (int i = 0; i < waiting && (flow.get() >>> 40) < waiting && trySpawn(); i++) {
      // each new worker is a taker
    }
  }

  /**
   * A producer's event, counted in offered and past admission: starts a worker with it as its first
   * batch, past the queue, if the stage's handlers mostly wait, it has a per-event handler, the
   * queue is empty and a permit is free (see the class comment). Returns whether it did; if not,
   * the caller queues the event.
   */
  boolean handOff(Object item) {
    if (!perEvent
        || (!handlersWait && (learned || (flow.get() >>> 40) != 0))
        || stopping
        || graph.phase() >= Phase.FORCING
        || !inbox.emptyForHandOff()
        || !permits.tryAcquire()) {
      return false;
    }
    flow.getAndAdd(1); // in flight from now on, and not a taker
    Worker w = new Worker.Handed(this);
    Thread t;
    try {
      w.handed(item);
      t = threads.newThread(w);
      w.thread = t;
      graph.addWorker(w);
    } catch (RuntimeException | OutOfMemoryError e) {
      flow.getAndAdd(-1);
      permits.release();
      return false; // the caller queues the event
    }
    inbox.handedOff(); // out of the gap only now that a forced shutdown finds the worker
    try {
      t.start();
    } catch (RuntimeException | OutOfMemoryError e) {
      graph.removeWorker(w);
      permits.release();
      if (!w.idle()) {
        return true; // a forced shutdown took the batch over: it counts the event
      }
      flow.getAndAdd(-1);
      inbox.handOffUndone();
      return false; // the caller queues the event
    }
    return true;
  }

  /** Starts a worker if a permit is free and the stage runs; returns whether it did. */
  boolean trySpawn() {
    if (stopping || graph.phase() >= Phase.FORCING || !permits.tryAcquire()) {
      return false;
    }
    flow.getAndAdd(TAKER);
    Worker w = new Worker(this);
    try {
      Thread t = threads.newThread(w);
      w.thread = t;
      graph.addWorker(w);
      w.thread.start();
    } catch (RuntimeException | OutOfMemoryError e) {
      graph.removeWorker(w);
      flow.getAndAdd(-TAKER);
      permits.release();
      throw e;
    }
    return true;
  }

  /**
   * The sampler's view of the stage's handlers: whether they mostly wait; {@code informed} if
   * events ended in the period it saw (else it learned nothing about them).
   */
  void handlersWait(boolean wait, boolean informed) {
    handlersWait = wait;
    if (informed && !learned) {
      learned = true;
    }
  }

  // ---------------------------------------------------------------- the worker loop

  /**
   * The batch of a worker ended (counted by the runner after this): it is a taker again, its events
   * no longer in flight. Returns the events still in flight at the stage.
   */
  long batchEnded(int n) {
    return flow.addAndGet(TAKER - n) & IN_FLIGHT;
  }

  /**
   * The batch of a handed worker ended (counted by the runner after this): its events are no longer
   * in flight, and the worker ends without becoming a taker. Returns the events still in flight at
   * the stage.
   */
  long handedEnded(int n) {
    return flow.addAndGet(-n) & IN_FLIGHT;
  }

  /** The terminator abandoned a batch of {@code n} events: they are no longer in flight. */
  void batchAbandoned(int n) {
    flow.getAndAdd(-n);
  }

  /**
   * The queue was empty: waits for an event if no other worker does, and returns the batch it then
   * began (n > 0); else returns 0 and the worker ends. The lingering worker parks; a producer that
   * queued an event reads `lingerParked` after its offer and, the first to see it set, clears it
   * and unparks the worker; the worker writes `lingerParked` before it looks at the queue once
   * more: one of the two sees the other.
   */
  int linger(Worker w) {
    if (!lingering.compareAndSet(null, w)) {
      return 0;
    }
    try {
      while (true) {
        lingerParked.set(true);
        if (stopping || graph.phase() >= Phase.FORCING) {
          return 0;
        }
        w.begin(System.nanoTime());
        int n =
            w.fill(
                inbox,
                Math.min(batchSize, capacity),
                handlersWait); // the size now, not before the wait
        if (n > 0) {
          return n;
        }
        if (!w.idle()) {
          return 0;
        }
        if (!lingerParked.get()) {
          continue; // a producer cleared it to wake this worker, and a lock's park in fill() may
          // have taken its unpark (LockSupport has one permit per thread, whoever parks)
        }
        LockSupport.park(this);
        Thread.interrupted(); // the stop comes with an interrupt; the flags above say it
      }
    } finally {
      lingerParked.set(false);
      lingering.set(null);
    }
  }

  void exit(Worker w, boolean taker) {
    if (taker) {
      flow.getAndAdd(-TAKER);
    }
    permits.release();
    graph.removeWorker(w);
    if (!stopping && graph.phase() < Phase.FORCING && inbox.mayHoldEvents() && !inbox.isEmpty()) {
      trySpawn(); // an event came as this worker left: see the class comment
    }
  }

  /**
   * Whether a batch of {@code n} events, drained with room for {@code max}, was short: events had
   * gathered (two or more), but the worker came back for them long before a batch's worth had (a
   * quarter at most). See the class comment, "Short batches".
   */
  static boolean shortBatch(int n, int max) {
    return n >= 2 && n <= max / 4;
  }

  /**
   * After a short batch: parks {@code w} for a turn, until producers have queued {@code wanted}
   * more events (the one that queues the last wakes it) or the turn's timer ends it, whichever
   * comes first; returns whether it did. One worker of the stage gathers at a time: the others go
   * on (a batch gathers in the one queue for all of them). A producer's wake that comes after the
   * timer leaves the worker's park permit set; every park of a worker tolerates that.
   */
  boolean gather(Worker w, int wanted) {
    if (!gathering.compareAndSet(null, w)) {
      return false;
    }
    try {
      gatherWanted.set(wanted);
      leaveCarrierForATurn();
    } finally {
      gatherWanted.set(0);
      gathering.set(null);
    }
    return true;
  }

  /**
   * Lets every virtual thread that waits for a carrier run before this worker takes its next batch
   * (see the class comment). A stray interrupt left by the handler is cleared first, or the park
   * would return at once.
   */
  static void leaveCarrierForATurn() {
    Thread.interrupted();
    LockSupport.parkNanos(1);
  }

  // ---------------------------------------------------------------- state for the others

  /**
   * Workers running handlers now: running workers that are not takers, and no more than the events
   * in flight (a handed worker whose event has ended holds its permit until it exits, but is not a
   * taker: see BatchRunner.count).
   */
  int active() {
    long f = flow.get();
    return (int) Math.max(0, Math.min(running() - (f >>> 40), f & IN_FLIGHT));
  }

  /** Events taken and not yet ended. */
  long inFlight() {
    return flow.get() & IN_FLIGHT;
  }

  /** Workers running: the permits held (approximate while the tuning changes the limit). */
  int running() {
    return permits.limit() - permits.availablePermits();
  }

  /** The stage stops: no new worker starts; a lingering one is interrupted. */
  void stop() {
    stopping = true;
    Worker l = lingering.get();
    if (l != null) {
      l.thread.interrupt();
    }
  }

  StageImpl<E> stage() {
    return stage;
  }
}
