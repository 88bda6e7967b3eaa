package org.seda4j.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/*
 * Maintainer note. One worker: a virtual thread of a stage that takes batches from the stage's
 * queue and runs them (this class has the loop, Workers the starting and ending of workers,
 * BatchRunner the batch). This object is the thread's Runnable and holds the state a forced
 * shutdown reads (`word`, `since`, `begun`) and, for a worker handed one event past the queue
 * (Workers.handOff), that event (`first`, until its batch ends). What a worker that takes batches
 * from the queue works on, reused from batch to batch (the buffer, the path origins, the batch
 * tally, the loop's clock, the `progress` of its handler calls), is in a WorkerBatch it creates
 * when it enters its loop: a handler blocked in a handed event holds this object (48 bytes: four
 * references, two longs, four flags) and its thread, not a batch's buffers. A worker allocates
 * nothing per batch for a per-event handler (a batch handler gets a list of its own).
 *
 * Who accounts for a batch's events is decided by one CAS on `word` = (generation << 2) | status:
 *   RUNNING --finish() by the worker--> FINISHING --published()--> PUBLISHED
 *   RUNNING --abandon() by the terminating thread--> ABANDONED
 * The worker counts its events only if it wins finish(). The terminator abandons a batch only after
 * the interrupt grace passed with the worker still running (a handler that ignores its interrupt or
 * never returns) and then counts the events itself from `progress`. The generation makes the CAS
 * refer to one batch: the worker writes the buffer, then the word of the next generation, and
 * touches the buffer of a batch only before its finish(); so a terminator whose CAS on the word it
 * read succeeds reads that batch's buffer. A handed event is written (to `first`) before the word
 * of its batch, and cleared only after that batch's finish(): a terminator reads `first` between
 * its read of the word and its CAS. If the terminator finds FINISHING, the worker is counting
 * right now (engine code only): it waits until PUBLISHED.
 *
 * `progress` (WorkerBatch; per-event handlers): before calling the handler on event i the worker
 * stores begun = i + 1 and the number completed so far (one release store per event). Events [0,
 * begun - 1) ended, `ok` of them completed and the rest failed or expired (`late`); event begun - 1
 * is in progress; events from begun on never started. A batch handler stores begun = 1 before its
 * call. A handed event on its own path (HandedRunner) has no batch state: `begun` (volatile) says
 * its handler's call began, and nothing completed before the batch's finish().
 */
class Worker implements Runnable {
  static final int RUNNING = 0;
  private static final int FINISHING = 1;
  private static final int PUBLISHED = 2;
  private static final int ABANDONED = 3;

  private static final VarHandle WORD;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      WORD = l.findVarHandle(Worker.class, "word", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final Workers<?> owner;

  @SuppressWarnings("NullAway.Init") // set by Workers.spawn before the thread starts
  Thread thread;

  // The event a producer handed over (handed()), until its batch ends (see the note above).
  @Nullable Object first;
  // The buffers and state of batches (see the note above): created by the worker thread when it
  // enters its loop, before its first begin(), or for a handed event that needs them.
  // Volatile: a terminator reads it after its CAS on the word (abandon), and a handed event that
  // takes the batch path creates it after that word was written.
  private volatile @Nullable WorkerBatch batch;
  // The worker is between batches (a taker): what exit() undoes.
  boolean taker;
  // Its handed event was in the latency sample (HandedRunner.begin).
  boolean sampled;

  @SuppressWarnings("UnusedVariable") // read and written through WORD
  private volatile long word = PUBLISHED; // no batch yet

  // The handler's call on a handed event began (HandedRunner.begin; the plain path's `progress`:
  // a handed event that takes the batch path has its progress in the batch state).
  volatile boolean begun;

  volatile long since; // System.nanoTime() when the current batch began; 0 between batches
  volatile boolean exited; // it left its loop (StageRegistry keeps it until its thread ended)

  Worker(Workers<?> owner) {
    this.owner = owner;
  }

  /**
   * The worker's loop (its thread's run(); here rather than in Workers so that a blocked handler
   * has one engine frame fewer on its stack). The time a batch ended stands for the time the next
   * one began (nothing waits between the two), so a worker reads the clock once per batch.
   *
   * <p>Its state lives in fields (taker, the batch's clock and slice), not in locals: a value held
   * in a local across the runner's call occupies a slot of the compiled frame, and a blocked
   * handler's virtual thread keeps every frame under it in its stack chunk (the heap a blocked
   * handler costs) and copies them at each blocking call.
   */
  @Override
  public void run() {
    try {
      taker = true;
      loop(System.nanoTime());
    } finally {
      owner.exit(this, taker);
    }
  }

  /**
   * A worker handed one event past the queue by a producer (Workers.handOff), counted in flight
   * already: it runs that event (HandedRunner.begin, the handler, HandedRunner.completed or failed)
   * and ends, a worker per handed event, as a virtual thread per task; exit() looks at the queue
   * (under its lock, once) and starts a worker if something is queued (looking here as well took
   * the queue's lock a second time per event, from a carrier, against the producers). A class of
   * its own so that the only engine frame under its handler is this small run(), not the loop,
   * which the JIT compiles with everything it inlines (a blocked handler's stack chunk keeps every
   * frame under it).
   */
  static final class Handed extends Worker {
    Handed(Workers<?> owner) {
      super(owner);
    }

    @Override
    public void run() {
      // Nothing but `this` is held across the handler's call (the runner is read again after it):
      // this frame is the only engine frame under a blocked handler.
      try {
        if (owner.runner.handed.begin(this)) {
          try {
            owner.runner.handed.call(this);
          } catch (Throwable error) {
            owner.runner.handed.failed(this, error);
            return;
          }
          owner.runner.handed.completed(this);
        }
      } finally {
        owner.exit(this, taker);
      }
    }
  }

  private void loop(long now) {
    WorkerBatch b = looping();
    b.clock = now;
    b.sliceEnd = now + Workers.SLICE_NANOS;
    while (running()) {
      Workers<?> o = owner;
      int max = Math.min(o.batchSize, o.capacity);
      begin(b.clock);
      int n = fill(o.inbox, max, o.handlersWait);
      if (n == 0) {
        if (!idle()) {
          return; // a forced shutdown took the (empty) batch over
        }
        n = o.linger(this);
        if (n == 0) {
          return;
        }
        b.clock = System.nanoTime();
      }
      if (abandoned()) {
        return; // a forced shutdown took the batch over while it was drained; it counts it
      }
      long f = o.flow.addAndGet(n - Workers.TAKER);
      taker = false;
      if (n == max
          && ((f >>> 40) == 0
              || (o.handlersWait && o.inbox.mayHoldEvents() && !o.inbox.isEmpty()))) {
        // The queue may hold more: keep a worker coming for it. Handlers that mostly wait spread
        // a backlog over the permits at once: each worker that leaves events queued starts one
        // more (while permits are free), instead of the backlog waiting for busy workers.
        o.trySpawn();
      }
      o.runner.run(this, n, b.clock); // sets the batch's clock to the time it ended
      if (abandoned()) {
        return; // a forced shutdown took the batch over (see Worker); it counted the events
      }
      taker = true;
      Thread.interrupted(); // a handler's stray interrupt must not end the wait in linger()
      if (!owner.handlersWait) {
        if (b.clock - b.sliceEnd >= 0) {
          Workers.leaveCarrierForATurn();
          b.clock = System.nanoTime();
          b.sliceEnd = b.clock + Workers.SLICE_NANOS;
        } else if (Workers.shortBatch(n, max) && owner.gather(this, max)) {
          b.clock = System.nanoTime(); // it left the carrier for the turn: a new slice begins
          b.sliceEnd = b.clock + Workers.SLICE_NANOS;
        }
      }
    }
  }

  /** Whether the loop goes on: the stage runs and the permits were not lowered below those held. */
  private boolean running() {
    Workers<?> o = owner;
    return !o.stopping && o.graph.phase() < Phase.FORCING && o.permits.availablePermits() >= 0;
  }

  /**
   * Drains up to {@code max} events from {@code inbox} into the buffer (after begin(), in the
   * loop); returns how many. If the terminator abandons the batch meanwhile, the drain stops at
   * once (see WorkerBatch.add): what it moved is the terminator's to count.
   */
  int fill(Inbox inbox, int max, boolean handlersWait) {
    WorkerBatch b = batch();
    if (b.events.length < max) {
      b.events = new Object[max];
      b.origins = null;
    }
    try {
      inbox.drain(b, max, handlersWait);
    } catch (WorkerBatch.AbandonedException stop) {
      // the terminator took the batch over; it reads the batch's size under the queue's lock
    }
    return b.size;
  }

  /**
   * Its thread's name for reports: the stage's (every worker thread of a stage bears that one name,
   * so that starting a worker builds no name) with the thread's id.
   */
  String threadName() {
    return thread.getName() + "#" + thread.threadId();
  }

  /**
   * Worker thread, entering its loop (or a handed event's batch path): the batch state, created if
   * needed before the first begin(), so that a terminator that sees that begin's word sees it.
   */
  WorkerBatch looping() {
    WorkerBatch b = batch;
    if (b == null) {
      b = new WorkerBatch(this);
      batch = b;
    }
    return b;
  }

  /** The batch state (worker thread; after the loop created it or batchForHanded()). */
  WorkerBatch batch() {
    return Objects.requireNonNull(batch, "no batch");
  }

  /**
   * Worker thread: the handed event goes through the batch path (BatchRunner.run) as a batch of
   * one: creates the batch state if needed and puts the event in its buffer. `first` stays set
   * until the batch ends (a terminator reads it).
   */
  WorkerBatch batchForHanded() {
    WorkerBatch b = looping();
    b.events[0] = Objects.requireNonNull(first);
    b.size = 1;
    b.late = 0;
    b.live = null;
    return b;
  }

  /** Clears the buffer's references after a batch, so handled events can be collected. */
  void clear() {
    first = null;
    WorkerBatch b = batch;
    if (b != null) {
      b.release();
    }
  }

  // ---------------------------------------------------------------- batch state

  /**
   * Worker: a new batch begins, before its events are drained, so that from the moment an event
   * leaves the queue a forced shutdown can find it here.
   */
  void begin(long now) {
    WorkerBatch b = batch;
    if (b != null) {
      b.late = 0;
      b.live = null;
      b.size = 0;
      b.progress(0, 0);
    }
    since = now;
    long w = (long) WORD.getVolatile(this);
    WORD.setVolatile(this, ((w >>> 2) + 1) << 2 | RUNNING);
  }

  /**
   * A producer, before the worker's thread starts: the worker's first batch is {@code item}, handed
   * over past the queue (Workers.handOff). Written before the worker is registered, so a forced
   * shutdown that finds the worker finds the batch too.
   */
  void handed(Object item) {
    first = item; // before the word of its batch (see the note above)
    begin(0); // not in the handler yet: the worker thread reads the clock when it runs
  }

  /**
   * Worker: the batch begun found no event; the worker goes idle. Returns false if the terminator
   * abandoned it meanwhile (the worker must end).
   */
  boolean idle() {
    since = 0;
    long w = (long) WORD.getVolatile(this);
    return (w & 3) == RUNNING && WORD.compareAndSet(this, w, (w & ~3L) | PUBLISHED);
  }

  /** Worker: {@code n} events of the batch expired so far (before the next progress). */
  void late(int n) {
    batch().late = n;
  }

  /** Worker: the events a batch handler receives (without the expired ones). */
  void live(List<?> events) {
    batch().live = events;
  }

  /**
   * Worker: {@code begun} handler calls began, {@code ok} of the ended ones completed (in the batch
   * state: after looping() or batchForHanded()).
   */
  void progress(int begun, int ok) {
    batch().progress(begun, ok);
  }

  /** Whether the terminator took the current batch over. */
  boolean abandoned() {
    return ((long) WORD.getVolatile(this) & 3) == ABANDONED;
  }

  /** Worker: claims the accounting of its batch; {@code false} if it was abandoned. */
  boolean finish() {
    long w = (long) WORD.getVolatile(this);
    return (w & 3) == RUNNING && WORD.compareAndSet(this, w, (w & ~3L) | FINISHING);
  }

  /** Worker, after finish() and its counting. */
  void published() {
    long w = (long) WORD.getVolatile(this);
    WORD.setVolatile(this, (w & ~3L) | PUBLISHED);
    since = 0;
  }

  /**
   * Terminator, after the grace: takes the accounting of the batch the worker runs now. Returns the
   * abandoned batch's state, or {@code null} if there is none (between batches, or the worker
   * finished it first and has counted, or is counting: then this waits until it has).
   */
  @Nullable Abandoned abandon(Runnable fence) {
    boolean interrupted = false; // a terminator's interrupt, kept for it after the poll below
    try {
      while (true) {
        long w = (long) WORD.getVolatile(this);
        int status = (int) (w & 3);
        if (status == RUNNING) {
          Object handedEvent = first; // after the word: that batch's, if it is a handed one
          if (!WORD.compareAndSet(this, w, (w & ~3L) | ABANDONED)) {
            continue;
          }
          if (handedEvent != null) {
            WorkerBatch hb = batch; // set only if the event took the batch path (batchForHanded)
            long p = hb != null ? hb.progress() : begun ? 1L << 32 : 0L;
            return new Abandoned(List.of(handedEvent), null, (int) (p >>> 32), (int) p, 0);
          }
          // A drain in progress holds the queue's lock: once the fence took and released it, the
          // drain has ended (a later one stops before moving anything: see WorkerBatch.add), and
          // what it moved is visible here.
          fence.run();
          WorkerBatch b = batch;
          if (b == null) {
            return new Abandoned(List.of(), null, 0, 0, 0);
          }
          List<Object> events = Arrays.asList(Arrays.copyOf(b.events, b.size));
          long p = b.progress();
          return new Abandoned(events, b.live, (int) (p >>> 32), (int) p, b.late);
        } else if (status == FINISHING) {
          // The worker is counting the batch right now (engine code only, a few instructions): a
          // poll every 10 us, for nanoseconds, and not a spin even for an interrupted terminator.
          interrupted |= Waits.pause(10_000);
        } else {
          return null;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * A batch taken over by the terminator: its events, a batch handler's live list (or null), and
   * the progress made.
   */
  record Abandoned(
      List<Object> events, @Nullable List<?> live, int begun, int completed, int late) {}
}
