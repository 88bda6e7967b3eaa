package org.seda4j.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.AbstractCollection;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/*
 * Maintainer note. One worker: a virtual thread of a stage that takes batches from the stage's
 * queue and runs them (this class has the loop, Workers the starting and ending of workers,
 * BatchRunner the batch). This object is the thread's
 * Runnable and holds what the thread works on, reused from batch to batch: the batch buffer, the
 * path origins, and the batch's state for a forced shutdown. A worker allocates nothing per batch
 * for a per-event handler (a batch handler gets a list of its own).
 *
 * Who accounts for a batch's events is decided by one CAS on `word` = (generation << 2) | status:
 *   RUNNING --finish() by the worker--> FINISHING --published()--> PUBLISHED
 *   RUNNING --abandon() by the terminating thread--> ABANDONED
 * The worker counts its events only if it wins finish(). The terminator abandons a batch only after
 * the interrupt grace passed with the worker still running (a handler that ignores its interrupt or
 * never returns) and then counts the events itself from `progress`. The generation makes the CAS
 * refer to one batch: the worker writes the buffer, then the word of the next generation, and
 * touches the buffer of a batch only before its finish(); so a terminator whose CAS on the word it
 * read succeeds reads that batch's buffer. If the terminator finds FINISHING, the worker is
 * counting right now (engine code only): it waits until PUBLISHED.
 *
 * `progress` (per-event handlers): before calling the handler on event i the worker stores
 * begun = i + 1 and the number completed so far (one release store per event). Events [0, begun -
 * 1) ended, `ok` of them completed and the rest failed or expired (`late`); event begun - 1 is in
 * progress; events from begun on never started. A batch handler stores begun = 1 before its call.
 */
final class Worker implements Runnable {
  static final int RUNNING = 0;
  private static final int FINISHING = 1;
  private static final int PUBLISHED = 2;
  private static final int ABANDONED = 3;

  private static final VarHandle WORD;
  private static final VarHandle PROGRESS;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      WORD = l.findVarHandle(Worker.class, "word", long.class);
      PROGRESS = l.findVarHandle(Worker.class, "progress", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final Workers<?> owner;

  @SuppressWarnings("NullAway.Init") // set by Workers.spawn before the thread starts
  Thread thread;

  // The current batch: written by the worker thread before its word is published.
  Object[] events = new Object[1];
  // Per index, the origin of a tracked event (null for an untracked one); null until one is seen.
  @Nullable Tracked @Nullable [] origins;
  int size;
  // The first batch was handed over by a producer (handed()); the worker thread clears it.
  boolean handed;
  // The loop's state (see run()): the worker is between batches (a taker); when the current batch
  // began (or the last one ended); when the current slice of the carrier ends.
  private boolean taker;
  private long clock;
  private long sliceEnd;
  // The current batch, for the runner: when it began, and the context its handler gets.
  long started;

  @SuppressWarnings("UnusedVariable") // read and written through WORD
  private volatile long word = PUBLISHED; // no batch yet

  @SuppressWarnings("UnusedVariable") // read and written through PROGRESS
  private volatile long progress;

  private volatile int late;
  private volatile @Nullable List<?> live;
  volatile long since; // System.nanoTime() when the current batch began; 0 between batches
  volatile boolean
      exited; // the worker left its loop (StageRegistry keeps it until its thread ended)

  // Created on the first drain, and the tally on the first batch run() counts: a worker handed one
  // event (Workers.handOff) runs it through BatchRunner.runHanded and needs neither, so a handler
  // blocked in such an event holds no more than this object and its thread.
  private @Nullable Filler filler;
  private @Nullable BatchTally tally; // the worker thread's only

  Worker(Workers<?> owner) {
    this.owner = owner;
  }

  /**
   * The worker's loop (its thread's run(); here rather than in Workers so that a blocked handler
   * has one engine frame fewer on its stack). The time a batch ended stands for the time the next
   * one began (nothing waits between the two), so a worker reads the clock once per batch.
   *
   * <p>Its state lives in fields (taker, clock, sliceEnd), not in locals, and after the runner's
   * call it reads only fields: a value held in a local across a call occupies a slot of the
   * compiled frame, and a blocked handler's virtual thread keeps every frame under it in its stack
   * chunk (the heap a blocked handler costs) and copies them at each blocking call.
   */
  @Override
  public void run() {
    try {
      if (!handed) {
        taker = true;
        loop();
      } else if (runHanded() && !owner.handlersWait) {
        loop(); // handlers that compute: a worker that loops costs far less than one per event
      }
    } finally {
      owner.exit(this, taker);
    }
  }

  /**
   * The first batch came from a producer (Workers.handOff), counted in flight already; it runs
   * whatever the stage's state (the runner cancels it if a forced shutdown began). Returns whether
   * the worker may go on (a taker again): not if a forced shutdown took the batch over (it counted
   * the events). If the stage's handlers mostly wait, the worker then ends: a worker per handed
   * event, as a virtual thread per task. exit() looks at the queue (under its lock, once) and
   * starts a worker if something is queued; looking here as well took the queue's lock a second
   * time per event, from a carrier, against the producers.
   */
  private boolean runHanded() {
    handed = false;
    if (abandoned()) {
      return false; // a forced shutdown took it over before this thread ran; it counted it
    }
    long start = System.nanoTime();
    since = start;
    clock = owner.runner.runHanded(this, start);
    taker = !abandoned();
    return taker;
  }

  private void loop() {
    if (clock == 0) {
      clock = System.nanoTime();
    }
    sliceEnd = clock + Workers.SLICE_NANOS;
    while (running()) {
      Workers<?> o = owner;
      int max = Math.min(o.batchSize, o.capacity);
      begin(clock);
      int n = fill(o.inbox, max);
      if (n == 0) {
        if (!idle()) {
          return; // a forced shutdown took the (empty) batch over
        }
        n = o.linger(this);
        if (n == 0) {
          return;
        }
        clock = System.nanoTime();
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
      clock = o.runner.run(this, n, clock);
      if (abandoned()) {
        return; // a forced shutdown took the batch over (see Worker); it counted the events
      }
      taker = true;
      Thread.interrupted(); // a handler's stray interrupt must not end the wait in linger()
      if (!owner.handlersWait && clock - sliceEnd >= 0) {
        Workers.leaveCarrierForATurn();
        clock = System.nanoTime();
        sliceEnd = clock + Workers.SLICE_NANOS;
      }
    }
  }

  /** Whether the loop goes on: the stage runs and the permits were not lowered below those held. */
  private boolean running() {
    Workers<?> o = owner;
    return !o.stopping && o.graph.phase() < Phase.FORCING && o.permits.availablePermits() >= 0;
  }

  /**
   * Drains up to {@code max} events from {@code inbox} into the buffer (after begin()); returns how
   * many. If the terminator abandons the batch meanwhile, the drain stops at once (see Filler):
   * what it moved is the terminator's to count.
   */
  int fill(Inbox inbox, int max) {
    if (events.length < max) {
      events = new Object[max];
      origins = null;
    }
    Filler f = filler;
    if (f == null) {
      f = new Filler();
      filler = f; // before the drain, under the queue's lock: a terminator's fence sees it
    }
    try {
      inbox.drain(f, max, owner.handlersWait);
    } catch (AbandonedException stop) {
      // the terminator took the batch over; it reads filler.size under the queue's lock
    }
    int n = f.size;
    size = n;
    return n;
  }

  /** Stops a drain into an abandoned batch (no stack trace: it is control flow). */
  static final class AbandonedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AbandonedException() {
      super("batch abandoned by a forced shutdown", null, false, false);
    }
  }

  /**
   * Its thread's name for reports: the stage's (every worker thread of a stage bears that one name,
   * so that starting a worker builds no name) with the thread's id.
   */
  String threadName() {
    return thread.getName() + "#" + thread.threadId();
  }

  /** The batch tally, created on first use. */
  BatchTally tally() {
    BatchTally t = tally;
    if (t == null) {
      t = new BatchTally();
      tally = t;
    }
    return t;
  }

  /** The origins array, created on first use, as long as the buffer. */
  @Nullable Tracked[] origins() {
    @Nullable Tracked[] o = origins;
    if (o == null || o.length < events.length) {
      o = new Tracked[events.length];
      origins = o;
    }
    return o;
  }

  /** Clears the buffer's references after a batch, so handled events can be collected. */
  void clear() {
    Arrays.fill(events, 0, size, null);
    @Nullable Tracked[] o = origins;
    if (o != null) {
      Arrays.fill(o, 0, size, null);
    }
    live = null;
  }

  // ---------------------------------------------------------------- batch state

  /**
   * Worker: a new batch begins, before its events are drained, so that from the moment an event
   * leaves the queue a forced shutdown can find it here.
   */
  void begin(long now) {
    late = 0;
    live = null;
    Filler f = filler;
    if (f != null) {
      f.size = 0;
    }
    size = 0;
    PROGRESS.setRelease(this, 0L);
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
    begin(0); // not in the handler yet: the worker thread reads the clock when it runs
    events[0] = item;
    size = 1; // no filler: abandon() reads `size`
    Filler f = filler;
    if (f != null) {
      f.size = 1;
    }
    handed = true;
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
    late = n;
  }

  /** Worker: the events a batch handler receives (without the expired ones). */
  void live(List<?> events) {
    live = events;
  }

  /** Worker: {@code begun} handler calls began, {@code ok} of the ended ones completed. */
  void progress(int begun, int ok) {
    PROGRESS.setRelease(this, ((long) begun << 32) | (ok & 0xFFFF_FFFFL));
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
    while (true) {
      long w = (long) WORD.getVolatile(this);
      int status = (int) (w & 3);
      if (status == RUNNING) {
        if (!WORD.compareAndSet(this, w, (w & ~3L) | ABANDONED)) {
          continue;
        }
        // A drain in progress holds the queue's lock: once the fence took and released it, the
        // drain has ended (a later one stops before moving anything: see Filler), and what it
        // moved is visible here.
        fence.run();
        Filler f = filler;
        int n = f != null ? f.size : size;
        List<Object> batch = Arrays.asList(Arrays.copyOf(events, n));
        long p = (long) PROGRESS.getAcquire(this);
        return new Abandoned(batch, live, (int) (p >>> 32), (int) p, late);
      } else if (status == FINISHING) {
        // The worker is counting the batch right now (engine code only, a few instructions).
        LockSupport.parkNanos(10_000); // not a spin: a poll every 10 us, for nanoseconds
      } else {
        return null;
      }
    }
  }

  /**
   * A batch taken over by the terminator: its events, a batch handler's live list (or null), and
   * the progress made.
   */
  record Abandoned(
      List<Object> events, @Nullable List<?> live, int begun, int completed, int late) {}

  /**
   * Writes drained items into the buffer: the worker's adapter for ArrayBlockingQueue.drainTo,
   * which calls add under the queue's lock and removes an item only after add returned. Once the
   * batch is abandoned, add throws: the item stays queued (for the shutdown's sweep).
   */
  private final class Filler extends AbstractCollection<Object> {
    int size;

    @Override
    public boolean add(Object o) {
      if (((long) WORD.getVolatile(Worker.this) & 3) == ABANDONED) {
        throw new AbandonedException();
      }
      events[size++] = o;
      return true;
    }

    @Override
    public Iterator<Object> iterator() {
      throw new UnsupportedOperationException();
    }

    @Override
    public int size() {
      return size;
    }
  }
}
