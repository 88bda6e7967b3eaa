package org.seda4j.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.seda4j.BatchController;
import org.seda4j.BatchHandler;
import org.seda4j.ConcurrencyController;
import org.seda4j.ControllerDecision;
import org.seda4j.ControllerSample;
import org.seda4j.DeadLetter;
import org.seda4j.EventHandler;
import org.seda4j.FailurePolicy;
import org.seda4j.FullQueuePolicy;
import org.seda4j.GraphSnapshot;
import org.seda4j.OfferResult;
import org.seda4j.RejectionReason;
import org.seda4j.Stage;
import org.seda4j.StageClosedException;
import org.seda4j.StageContext;
import org.seda4j.StageGraph;
import org.seda4j.StageRejectedException;
import org.seda4j.StageSnapshot;
import org.seda4j.UnprocessedEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * One stage: queue + dispatcher + semaphore-bounded virtual-thread-per-batch executor.
 *
 * Concurrency model
 * - Producers (any thread, or handlers via StageContext) call admit(). Room in the queue is
 *   reserved first on `free` (a CAS counter: capacity - queued - reserved), then the event is added
 *   to the ArrayBlockingQueue, which can never be full at that point. Reserving first is what makes
 *   putAll all-or-nothing, lets dropOldest swap an event atomically, and lets waiting producers be
 *   woken by a state change (close) through our own `space` condition instead of ABQ's hidden one.
 * - Every insertion into the queue, and a forced shutdown's sweep of it, happens under
 *   `insertLock`. ArrayBlockingQueue adds one element per call, so without it two putAll calls (or a
 *   put racing a putAll) interleave their events, breaking the documented contiguity of
 *   putAll/offerAll; and see "insertion vs sweep" below. The lock is never held while waiting: room
 *   is reserved before it is taken, so queue.add cannot block or fail under it.
 * - One dispatcher virtual thread: acquire a permit, take() an event, drainTo up to batchSize - 1
 *   more, give the slots back to `free`, and start one virtual thread for the batch. The permit is
 *   taken before the events, so waiting events stay in the queue (visible, countable, sheddable).
 * - The batch thread runs the handler, updates the counters once per batch, releases the permit and
 *   tells the graph how many events ended.
 *
 * Accounting (per stage): admitted = completed + failed + cancelled + dropped + queued + inFlight.
 * The graph-wide `pending` count is raised before an event becomes visible in a queue and lowered
 * after its end is counted, so pending == 0 means quiescent (the basis of awaitIdle and close).
 *
 * Admission vs shutdown (the race that loses events elsewhere): a producer raises pending first and
 * reads the graph state second; close() writes the state first and reads pending second. Either the
 * producer sees CLOSING and backs out, or close sees its pending event and waits for it.
 *
 * Insertion vs a forced shutdown's sweep: a forced shutdown writes TERMINATING, then sweeps each
 * queue (cancelQueued, the only place events are cancelled out of a queue) under `insertLock`,
 * before it collects the report. Producers insert under the same lock and re-check the state there:
 * an insert either completes before a sweep (which then cancels and reports it) or starts after the
 * sweep began and sees TERMINATING (the events are then not admitted). So every cancelled event is
 * in the shutdown report, and no event is left in a queue after the last sweep.
 *
 * Latency statistics (unless the graph turned them off; then none of this runs)
 * - Queue wait, without wrapping events: `enqueueNanos` is a ring of `capacity` timestamps parallel
 *   to the queue. Every insertion happens under `insertLock` in queue order, so the inserter writes
 *   the event's timestamp at `insertIndex` and advances it, under the lock, before queue.add. The
 *   dispatcher, which removes events from the head in the same order, reads them at `takeIndex` and
 *   advances it, then records (batch start - enqueue time) per event. Happens-before: the slot write
 *   precedes queue.add (program order), add releases ABQ's lock, take/drainTo acquires it, so the
 *   dispatcher sees the timestamp of every event it removed. No slot is overwritten before it is
 *   read: the inserter of sequence k + capacity needs a slot of `free`, and the dispatcher gives its
 *   drained slots back to `free` (releaseSpace, a volatile write the inserter's CAS reads) only after
 *   reading their timestamps, so at most `capacity` timestamps are ever outstanding.
 * - dropOldest also removes the head, outside the dispatcher. For that policy `takeIndex` is guarded
 *   by `insertLock`: the swap claims the polled event's slot and writes the new one in one critical
 *   section (net outstanding count unchanged), and the dispatcher claims its batch's slots and drains
 *   the rest of the batch under the lock too (one lock per batch, for this policy only). take() still
 *   waits outside the lock, so a swap between the dispatcher's take() and its lock claims the
 *   dispatcher's slot: the dispatcher then reads the next (later or equal) timestamp, under-stating
 *   that one event's wait by at most the gap between two insertions. Never an overwritten slot: all
 *   claims and writes are under the lock and at most `capacity` timestamps are outstanding.
 * - For the other policies `takeIndex` belongs to the dispatcher alone. cancelQueued does not claim:
 *   it runs at termination, when nothing is inserted any more (a forced sweep runs after inserts see
 *   TERMINATING under the same lock; the final sweep of a graceful close finds empty queues), so the
 *   ring is not read again. Were it ever followed by inserts, the cost would be wrong queue-wait
 *   samples, never a wrong count or a failure.
 * - Service time: one clock read per batch, not per event: the batch's handler time divided by the
 *   number of events handled is recorded once per event, for both handler shapes (a batch of 64 that
 *   took 64 ms records 64 events of 1 ms). Exact per event at batch size 1; for larger batches the
 *   percentiles are of batch means, which hides outliers inside a batch. A per-event clock read cost
 *   about as much as a trivial handler (25 ns) and halved batched throughput.
 * - Windows: two histograms per metric, current and previous, published together in one immutable
 *   Window. Recorders read the volatile window and record into its current histogram. At the end of
 *   each sampling window the sampler resets the previous histogram and publishes it as the new
 *   current (the old current becomes previous); a rotation whose current histogram is empty is
 *   skipped, so an idle stage keeps its last activity. Snapshots merge both, so they cover one to
 *   two sampling periods of activity. Races: a recorder that read the window two rotations ago may record into the
 *   histogram being reset (the count is lost or lands in the new window); a snapshot racing a
 *   rotation may miss part of the histogram being reset. Both concern only the events recorded at
 *   that instant; at quiescence the figures are exact (within the histogram's 1/32 bound).
 */
final class StageImpl<E> implements Stage<E> {

  private static final int RESERVED = 0;
  private static final int TIMED_OUT = 1;
  private static final int CLOSED = 2;

  final GraphImpl graph;
  private final String name;
  private final Class<E> type;
  private final int capacity;
  private final FullQueuePolicy policy;
  private final FailurePolicy failurePolicy;
  private final @Nullable Consumer<? super E> dropListener;
  private final @Nullable EventHandler<? super E> eventHandler;
  private final @Nullable BatchHandler<E> batchHandler;
  private final Logger log;
  private final StageLog warnings; // rate-limited WARNs: failures, drops
  private final StageContext context;

  private final ArrayBlockingQueue<E> queue;
  private final ReentrantLock insertLock = new ReentrantLock();
  private final AtomicInteger free;
  private final ReentrantLock spaceLock = new ReentrantLock();
  private final Condition space = spaceLock.newCondition();
  private final AtomicInteger blockedProducers = new AtomicInteger();
  private final AtomicInteger blockedOnEmit = new AtomicInteger();
  // Handlers of this stage waiting without a bound for room in a target (DeadlockDetector).
  private final ConcurrentHashMap<StageImpl<?>, AtomicInteger> waitsWithoutBound =
      new ConcurrentHashMap<>();

  private final AdjustableSemaphore permits;
  private volatile int batchSize;
  private final AtomicInteger activeHandlers = new AtomicInteger();
  private final AtomicLong inFlight = new AtomicLong();
  private final LongAdder batchesStarted = new LongAdder();
  private final LongAdder busyNanos = new LongAdder();

  // Controllers: called by the graph's sampler thread only (see sample()).
  private final ConcurrencyController concurrency;
  private final BatchController batching;
  private volatile boolean permitsPinned;
  private volatile boolean batchSizePinned;
  private volatile String concurrencyDecision;
  private volatile String batchDecision;
  private volatile double throughput;
  private long lastSampleNanos;
  private long lastAdmitted;
  private long lastEnded;
  private long lastBatches;
  private long lastBusyNanos;
  private boolean batchJustChanged;

  private final LongAdder admitted = new LongAdder();
  private final LongAdder rejected = new LongAdder();
  private final LongAdder completed = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder cancelled = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  // Edges of the stage network, discovered from emits: events this stage's handlers (or its
  // dead-letter routing) got admitted by each target. See countEmit.
  private final ConcurrentHashMap<StageImpl<?>, LongAdder> emitsTo = new ConcurrentHashMap<>();

  private final ExecutorService executor;
  private final Thread dispatcher;
  // Batches handed to handler threads and perhaps not yet accounted for: the dispatcher's, then
  // (after it was joined) the terminating thread's. See RunningBatch and abandonRunning().
  private final ArrayList<RunningBatch<E>> running = new ArrayList<>();
  private int pruneAt = 64;
  private final ConcurrentLinkedQueue<UnprocessedEvent> unprocessed = new ConcurrentLinkedQueue<>();

  // Latency statistics: see the class comment.
  private final boolean latencyStats;
  private final boolean takeUnderLock; // dropOldest: takeIndex is guarded by insertLock
  private final long[] enqueueNanos; // empty when statistics are off
  private int insertIndex; // guarded by insertLock
  private int takeIndex; // dispatcher only, or guarded by insertLock if takeUnderLock
  private volatile LatencyHistogram.Window queueWait = new LatencyHistogram.Window();
  private volatile LatencyHistogram.Window serviceTime = new LatencyHistogram.Window();

  StageImpl(
      GraphImpl graph,
      String name,
      Class<E> type,
      int capacity,
      ConcurrencyController concurrency,
      BatchController batching,
      long startNanos,
      FullQueuePolicy policy,
      FailurePolicy failurePolicy,
      @Nullable Consumer<? super E> dropListener,
      @Nullable EventHandler<? super E> eventHandler,
      @Nullable BatchHandler<E> batchHandler) {
    this.graph = graph;
    this.name = name;
    this.type = type;
    this.capacity = capacity;
    this.policy = policy;
    this.failurePolicy = failurePolicy;
    this.dropListener = dropListener;
    this.eventHandler = eventHandler;
    this.batchHandler = batchHandler;
    this.log = LoggerFactory.getLogger("org.seda4j.stage." + graph.name() + "." + name);
    this.warnings = new StageLog(log, name, graph::clockNanos);
    this.context = new Context();
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.free = new AtomicInteger(capacity);
    this.latencyStats = graph.latencyStatistics();
    this.takeUnderLock = policy instanceof FullQueuePolicy.DropOldest;
    this.enqueueNanos = new long[latencyStats ? capacity : 0];
    this.concurrency = concurrency;
    this.batching = batching;
    int permits = concurrency.initial();
    int batchSize = batching.initial();
    if (permits < 1 || batchSize < 1) {
      throw new IllegalArgumentException(
          "controllers of stage '"
              + name
              + "' start at permits "
              + permits
              + " and batchSize "
              + batchSize
              + "; both must be at least 1");
    }
    this.permits = new AdjustableSemaphore(permits);
    this.batchSize = batchSize;
    this.concurrencyDecision = "initial permits " + permits + " (" + concurrency + ")";
    this.batchDecision = "initial batchSize " + batchSize + " (" + batching + ")";
    this.lastSampleNanos = startNanos;
    String prefix = "seda4j-" + graph.name() + "-" + name + "-";
    this.executor =
        Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name(prefix, 0).factory());
    this.dispatcher = Thread.ofVirtual().name(prefix + "dispatcher").unstarted(this::dispatchLoop);
  }

  void start() {
    dispatcher.start();
  }

  List<Object> controllers() {
    return List.of(concurrency, batching);
  }

  // ---------------------------------------------------------------- Stage API

  @Override
  public String name() {
    return name;
  }

  @Override
  public Class<E> eventType() {
    return type;
  }

  @Override
  public int capacity() {
    return capacity;
  }

  @Override
  public FullQueuePolicy fullQueuePolicy() {
    return policy;
  }

  @Override
  public void put(E event) throws InterruptedException {
    throwIfNotAdmitted(countDirect(admit(checkEvent(event), true, null), 1));
  }

  @Override
  public OfferResult offer(E event) {
    E e = checkEvent(event);
    try {
      return countDirect(admit(e, false, null), 1);
    } catch (InterruptedException unreachable) {
      // admit never waits when blocking == false
      Thread.currentThread().interrupt();
      throw new AssertionError(unreachable);
    }
  }

  @Override
  public void putAll(Collection<? extends E> events) throws InterruptedException {
    List<E> list = checkEvents(events);
    throwIfNotAdmitted(countDirect(admitAll(list, true), list.size()));
  }

  @Override
  public OfferResult offerAll(Collection<? extends E> events) {
    List<E> list = checkEvents(events);
    try {
      return countDirect(admitAll(list, false), list.size());
    } catch (InterruptedException unreachable) {
      Thread.currentThread().interrupt();
      throw new AssertionError(unreachable);
    }
  }

  @Override
  public int permits() {
    return permits.limit();
  }

  @Override
  public void setPermits(int permits) {
    int old = this.permits.limit();
    this.permits.setLimit(GraphImpl.requirePositive("permits", permits));
    JfrEvents.decision(this, "manual-permits", old, permits, "setPermits");
    permitsPinned = true;
    concurrencyDecision =
        "set by hand to " + permits + " (controller paused until releaseOverrides)";
  }

  @Override
  public int batchSize() {
    return batchSize;
  }

  @Override
  public void setBatchSize(int batchSize) {
    int old = this.batchSize;
    this.batchSize = GraphImpl.requirePositive("batchSize", batchSize);
    JfrEvents.decision(this, "manual-batchSize", old, batchSize, "setBatchSize");
    batchSizePinned = true;
    batchDecision = "set by hand to " + batchSize + " (controller paused until releaseOverrides)";
  }

  @Override
  public void releaseOverrides() {
    if (permitsPinned) {
      permitsPinned = false;
      concurrencyDecision = "released to " + concurrency;
    }
    if (batchSizePinned) {
      batchSizePinned = false;
      batchDecision = "released to " + batching;
    }
  }

  @Override
  public StageSnapshot snapshot() {
    // Read in the reverse of the order events move (ended <- in flight <- queued <- admitted).
    // Every
    // move lowers the count an event leaves before raising the one it enters (inFlight is lowered
    // before the ends are added; the queue shrinks before inFlight grows), so a snapshot can miss
    // an
    // event in transit but never count one twice: under load admitted >= ended + inFlight + queued
    // in every snapshot, with equality at quiescence.
    long completedNow = completed.sum();
    long failedNow = failed.sum();
    long cancelledNow = cancelled.sum();
    long droppedNow = dropped.sum();
    long inFlightNow = inFlight.get();
    int queuedNow = queue.size();
    long admittedNow = admitted.sum();
    return new StageSnapshot(
        name,
        capacity,
        queuedNow,
        permits.limit(),
        activeHandlers.get(),
        inFlightNow,
        batchSize,
        policy.toString(),
        failurePolicy.toString(),
        admittedNow,
        rejected.sum(),
        completedNow,
        failedNow,
        cancelledNow,
        droppedNow,
        blockedProducers.get(),
        blockedOnEmit.get(),
        throughput,
        permitsPinned,
        batchSizePinned,
        concurrencyDecision,
        batchDecision,
        queueWait.summary(),
        serviceTime.summary());
  }

  // ---------------------------------------------------------------- edges

  /**
   * Counts {@code n} events this stage emitted that {@code target} admitted (accepted, or dropped
   * by a drop policy: the target counts those as admitted too). Rejected and closed emits are not
   * edges. Hot path: one map lookup and one LongAdder add once the edge exists.
   */
  void countEmit(StageImpl<?> target, int n) {
    LongAdder a = emitsTo.get(target);
    if (a == null) {
      a = emitsTo.computeIfAbsent(target, t -> new LongAdder());
    }
    a.add(n);
  }

  /**
   * A direct {@code put/offer/putAll/offerAll} on this stage by a handler thread of the same graph
   * is an edge from the handler's stage, like an emit; calls from any other thread are not.
   */
  private OfferResult countDirect(OfferResult result, int n) {
    if (result.admitted()) {
      StageImpl<?> source = GraphImpl.CURRENT.get();
      if (source != null && source.graph == graph) {
        source.countEmit(this, n);
      }
    }
    return result;
  }

  /** Adds this stage's outgoing edges, unordered, to {@code out}. */
  void collectEdges(List<GraphSnapshot.Edge> out) {
    emitsTo.forEach(
        (target, count) -> out.add(new GraphSnapshot.Edge(name, target.name, count.sum())));
  }

  /** The stage's rate-limited WARNs (for tests). */
  StageLog warnings() {
    return warnings;
  }

  // ---------------------------------------------------------------- controllers

  /**
   * One sampling window ended at {@code now}: build the sample, ask the controllers, apply. Called
   * only by the graph's sampler thread. The batching controller is asked only in windows where the
   * permits did not change, and the concurrency controller skips the window right after a batch
   * change, so each judges its own last step.
   */
  void sample(long now, long periodNanos, double cpuLoad) {
    warnings.flush();
    long elapsed = now - lastSampleNanos;
    if (elapsed < periodNanos / 2) {
      return; // a late sampler wake-up left a short window: fold it into the next one
    }
    long adm = admitted.sum();
    long ended = completed.sum() + failed.sum() + cancelled.sum();
    long nb = batchesStarted.sum();
    long busy = busyNanos.sum();
    ControllerSample s =
        new ControllerSample(
            now,
            elapsed,
            queue.size(),
            capacity,
            blockedProducers.get(),
            adm - lastAdmitted,
            ended - lastEnded,
            nb - lastBatches,
            busy - lastBusyNanos,
            activeHandlers.get(),
            permits.limit(),
            batchSize,
            eventHandler != null,
            cpuLoad);
    if (latencyStats) {
      queueWait = queueWait.rotate();
      serviceTime = serviceTime.rotate();
    }
    lastSampleNanos = now;
    lastAdmitted = adm;
    lastEnded = ended;
    lastBatches = nb;
    lastBusyNanos = busy;
    throughput = s.throughput();

    boolean permitsChanged = false;
    if (!permitsPinned && !batchJustChanged) {
      ControllerDecision d = decide(concurrency::decide, s, "concurrency");
      if (d != null) {
        concurrencyDecision = d.reason();
        if (d.value() != permits.limit() && !permitsPinned) {
          permits.setLimit(d.value());
          permitsChanged = true;
          JfrEvents.decision(this, "concurrency", s.permits(), d);
          log.debug("stage '{}' permits {} -> {}: {}", name, s.permits(), d.value(), d.reason());
        } else {
          log.trace("stage '{}' {}", name, d.reason());
        }
      }
    }
    batchJustChanged = false;
    if (!permitsChanged && !batchSizePinned) {
      ControllerDecision d = decide(batching::decide, s, "batching");
      if (d != null) {
        batchDecision = d.reason();
        if (d.value() != batchSize && !batchSizePinned) {
          batchSize = d.value();
          batchJustChanged = true;
          JfrEvents.decision(this, "batching", s.batchSize(), d);
          log.debug(
              "stage '{}' batchSize {} -> {}: {}", name, s.batchSize(), d.value(), d.reason());
        } else {
          log.trace("stage '{}' {}", name, d.reason());
        }
      }
    }
    JfrEvents.stageStatistics(this);
  }

  private @Nullable ControllerDecision decide(
      Function<ControllerSample, ControllerDecision> controller, ControllerSample s, String which) {
    ControllerDecision d;
    try {
      d = controller.apply(s);
    } catch (RuntimeException e) {
      warnings.warn(
          StageLog.Kind.CONTROLLER_FAILED,
          "{} controller of stage '{}' threw on {}; setting unchanged",
          which,
          name,
          s,
          e);
      return null;
    }
    if (d == null) { // the contract says never; a user's controller may all the same
      warnings.warn(
          StageLog.Kind.CONTROLLER_FAILED,
          "{} controller of stage '{}' returned null on {}; setting unchanged (return a"
              + " ControllerDecision, with the current value to keep it)",
          which,
          name,
          s);
    }
    return d;
  }

  @Override
  public String toString() {
    return "Stage[" + graph.name() + "/" + name + "]";
  }

  // ---------------------------------------------------------------- admission

  private E checkEvent(@Nullable E event) {
    if (event == null) {
      throw new NullPointerException("event is null; stage '" + name + "' accepts non-null events");
    }
    if (!type.isInstance(event)) {
      throw new ClassCastException(
          "stage '" + name + "' accepts " + type.getName() + ", not " + event.getClass().getName());
    }
    return event;
  }

  private List<E> checkEvents(Collection<? extends E> events) {
    Objects.requireNonNull(events, "events must not be null");
    if (events.size() > capacity) {
      throw tooMany(events.size()); // before copying what may be a huge collection
    }
    List<E> list = new ArrayList<>(events.size());
    for (E e : events) {
      list.add(checkEvent(e));
    }
    if (list.size() > capacity) {
      throw tooMany(list.size()); // its size() was stale: a collection changed concurrently
    }
    return list;
  }

  private IllegalArgumentException tooMany(int n) {
    return new IllegalArgumentException(
        "putAll/offerAll of "
            + n
            + " events to stage '"
            + name
            + "' can never succeed: its capacity is "
            + capacity
            + "; split the batch or raise capacity(...)");
  }

  /**
   * Whether the caller's events may enter now; raises nothing. While the graph is CLOSING only a
   * handler thread of the graph may add work: its own event is still pending, so the graph cannot
   * have become quiescent. A StageContext kept and used on another thread is an outsider then
   * (otherwise its events could enter after quiescence, to be cancelled by a "graceful" close, and
   * its waits for room would outlive the graph).
   */
  private boolean admits() {
    if (graph.isForcing()) {
      return false; // also right after a failGraph failure, before the state says TERMINATING
    }
    StageGraph.State s = graph.state();
    return s == StageGraph.State.OPEN
        || (s == StageGraph.State.CLOSING && graph.isOwnHandlerThread());
  }

  /**
   * Admits one event or says why not. {@code source} is the emitting stage for handler emits.
   * Blocks only if {@code blocking} and the policy waits.
   */
  OfferResult admit(E e, boolean blocking, @Nullable StageImpl<?> source)
      throws InterruptedException {
    graph.eventsPending(1);
    if (!admits()) {
      return closed(1);
    }
    if (tryReserve(1)) {
      return insertReserved(e);
    }
    return admitWhenFull(e, blocking, source);
  }

  private OfferResult admitWhenFull(E e, boolean blocking, @Nullable StageImpl<?> source)
      throws InterruptedException {
    return switch (policy) {
      case FullQueuePolicy.Block b ->
          blocking ? waitAndInsert(List.of(e), Long.MAX_VALUE, source) : full(1, false);
      case FullQueuePolicy.BlockFor b ->
          blocking
              ? waitAndInsert(List.of(e), GraphImpl.nanos(b.timeout()), source)
              : full(1, false);
      case FullQueuePolicy.Reject r -> full(1, false);
      case FullQueuePolicy.DropNewest d -> {
        admitted.increment();
        dropped.increment();
        graph.eventsEnded(1);
        JfrEvents.rejection(this, JfrEvents.DROPPED_NEWEST, JfrEvents.DROPPED_NEWEST, 1, "");
        notifyDropped(e);
        yield new OfferResult.Dropped(name);
      }
      case FullQueuePolicy.DropOldest d -> dropOldestAndInsert(e);
    };
  }

  // Thread.yield, not onSpinWait: on a virtual thread it frees the carrier, so the thread whose
  // slot is in transit can run even when every carrier is busy retrying here.
  @SuppressWarnings("ThreadPriorityCheck")
  private OfferResult dropOldestAndInsert(E e) {
    while (true) {
      E old;
      insertLock.lock();
      try {
        if (graph.isForcing()) {
          old = null;
        } else {
          old = queue.poll();
          if (old != null) {
            // The polled slot was never returned to `free`, so it is ours: a swap no producer can
            // steal.
            admitted.increment();
            dropped.increment();
            if (latencyStats) {
              takeIndex = next(takeIndex); // the polled event's slot (see the class comment)
              stamp(System.nanoTime());
            }
            queue.add(e);
          }
        }
      } finally {
        insertLock.unlock();
      }
      if (old != null) {
        graph.eventsEnded(1); // the old event ended (dropped); the new one stays pending
        JfrEvents.rejection(this, JfrEvents.DROPPED_OLDEST, JfrEvents.DROPPED_OLDEST, 1, "");
        notifyDropped(old);
        return OfferResult.accepted();
      }
      if (graph.isForcing()) {
        return closed(1);
      }
      if (tryReserve(1)) {
        return insertReserved(e);
      }
      // The queue is empty yet no slot is free: every slot is in transit, either drained by the
      // dispatcher and not yet returned to `free`, or reserved by a producer and not yet filled.
      // Both end within a few instructions and wait for nothing we hold, so retry instead of
      // waiting on `space`: a drop policy must return at once (offer() never waits and ignores
      // interrupts), and a waiter there would sleep through slots that other producers refill.
      Thread.yield();
    }
  }

  private OfferResult admitAll(List<E> events, boolean blocking) throws InterruptedException {
    int n = events.size();
    if (n == 0) {
      return OfferResult.accepted();
    }
    graph.eventsPending(n);
    if (!admits()) {
      return closed(n);
    }
    if (tryReserve(n)) {
      return insertReserved(events);
    }
    if (blocking) {
      if (policy instanceof FullQueuePolicy.Block) {
        return waitAndInsert(events, Long.MAX_VALUE, null);
      } else if (policy instanceof FullQueuePolicy.BlockFor b) {
        return waitAndInsert(events, GraphImpl.nanos(b.timeout()), null);
      }
    }
    return full(n, false);
  }

  /**
   * Inserts events whose room is reserved, unless a forced shutdown began: its sweep may have
   * passed already, so they are then not admitted (the reservation is given back). See the class
   * comment.
   */
  private OfferResult insertReserved(List<E> events) {
    int n = events.size();
    long now = latencyStats ? System.nanoTime() : 0;
    insertLock.lock();
    try {
      if (!graph.isForcing()) {
        admitted.add(n); // counted before any of them can be taken, so before it can end
        for (E e : events) {
          if (latencyStats) {
            stamp(now);
          }
          queue.add(e);
        }
        return OfferResult.accepted();
      }
    } finally {
      insertLock.unlock();
    }
    releaseSpace(n);
    return closed(n);
  }

  /** {@link #insertReserved(List)} for one event, without allocating a list. */
  private OfferResult insertReserved(E e) {
    long now = latencyStats ? System.nanoTime() : 0;
    insertLock.lock();
    try {
      if (!graph.isForcing()) {
        admitted.increment();
        if (latencyStats) {
          stamp(now);
        }
        queue.add(e);
        return OfferResult.accepted();
      }
    } finally {
      insertLock.unlock();
    }
    releaseSpace(1);
    return closed(1);
  }

  /** Waits for room for all {@code events} (pending already raised), then inserts them. */
  private OfferResult waitAndInsert(List<E> events, long nanos, @Nullable StageImpl<?> source)
      throws InterruptedException {
    int n = events.size();
    int outcome;
    try {
      outcome = awaitSpace(n, nanos, source);
    } catch (InterruptedException ie) {
      rejected.add(n);
      graph.eventsEnded(n);
      JfrEvents.rejection(this, JfrEvents.REJECTED, "INTERRUPTED", n, "interrupted while waiting");
      throw ie;
    }
    return switch (outcome) {
      case RESERVED -> insertReserved(events);
      case TIMED_OUT -> full(n, true);
      default -> closed(n);
    };
  }

  private int awaitSpace(int n, long nanos, @Nullable StageImpl<?> source)
      throws InterruptedException {
    boolean forever = nanos == Long.MAX_VALUE;
    long remaining = nanos;
    // The stage whose handler waits (an emit, or a put/putAll on a handler thread): counted for
    // StageSnapshot.blockedOnEmit and, if it waits without a bound, for the DeadlockDetector.
    StageImpl<?> waiter = source != null ? source : graph.currentHandlerStage();
    if (waiter != null) {
      waiter.waitingFor(this, forever, 1);
    }
    try {
      spaceLock.lockInterruptibly();
      try {
        blockedProducers.incrementAndGet();
        try {
          while (true) {
            if (!admits()) {
              return CLOSED;
            }
            if (tryReserve(n)) {
              return RESERVED;
            }
            if (forever) {
              space.await();
            } else if (remaining <= 0) {
              return TIMED_OUT;
            } else {
              remaining = space.awaitNanos(remaining);
            }
          }
        } finally {
          blockedProducers.decrementAndGet();
        }
      } finally {
        spaceLock.unlock();
      }
    } finally {
      if (waiter != null) {
        waiter.waitingFor(this, forever, -1);
      }
    }
  }

  // ---------------------------------------------------------------- waits (slow path only)

  /** A handler of this stage starts ({@code +1}) or stops ({@code -1}) waiting for room. */
  private void waitingFor(StageImpl<?> target, boolean withoutBound, int delta) {
    blockedOnEmit.addAndGet(delta);
    if (withoutBound) {
      waitsWithoutBound.computeIfAbsent(target, t -> new AtomicInteger()).addAndGet(delta);
    }
  }

  /** Handlers of this stage now waiting without a bound for room (DeadlockDetector). */
  int handlersWaitingWithoutBound() {
    int sum = 0;
    for (AtomicInteger n : waitsWithoutBound.values()) {
      sum += n.get();
    }
    return sum;
  }

  /** The stages whose room handlers of this stage now wait for without a bound. */
  Set<StageImpl<?>> stagesWaitedOn() {
    Set<StageImpl<?>> out = new HashSet<>();
    waitsWithoutBound.forEach(
        (target, n) -> {
          if (n.get() > 0) {
            out.add(target);
          }
        });
    return out;
  }

  /** Events admitted plus events ended: changes whenever an event moves in or out. */
  long eventsMoved() {
    return admitted.sum()
        + rejected.sum()
        + completed.sum()
        + failed.sum()
        + cancelled.sum()
        + dropped.sum();
  }

  /** Writes the enqueue time of the event about to be added. Caller holds insertLock. */
  private void stamp(long nanos) {
    int i = insertIndex;
    enqueueNanos[i] = nanos;
    insertIndex = next(i);
  }

  private int next(int index) {
    return index + 1 == capacity ? 0 : index + 1;
  }

  /**
   * Records the queue wait of the {@code n} events just removed by the dispatcher, before their
   * slots go back to {@code free}. Dispatcher thread only; under insertLock if takeUnderLock.
   */
  private void recordQueueWaits(int n) {
    long now = System.nanoTime();
    LatencyHistogram h = queueWait.current();
    int t = takeIndex;
    // A batch's events were mostly enqueued close together: record runs of equal buckets as one
    // atomic add (the run's largest value keeps the max exact).
    int runBucket = -1;
    long runMax = 0;
    int run = 0;
    for (int i = 0; i < n; i++) {
      long wait = now - enqueueNanos[t];
      t = next(t);
      int bucket = LatencyHistogram.bucketOf(wait);
      if (bucket != runBucket) {
        if (run > 0) {
          h.record(runMax, run);
        }
        runBucket = bucket;
        runMax = wait;
        run = 1;
      } else {
        runMax = Math.max(runMax, wait);
        run++;
      }
    }
    if (run > 0) {
      h.record(runMax, run);
    }
    takeIndex = t;
  }

  private boolean tryReserve(int n) {
    while (true) {
      int f = free.get();
      if (f < n) {
        return false;
      }
      if (free.compareAndSet(f, f - n)) {
        return true;
      }
    }
  }

  /** Returns {@code n} slots taken out of the queue and wakes producers waiting for room. */
  private void releaseSpace(int n) {
    free.addAndGet(n);
    if (blockedProducers.get() > 0) {
      wakeProducers();
    }
  }

  /** Wakes every producer waiting for room, so it re-checks room and the graph state. */
  void wakeProducers() {
    spaceLock.lock();
    try {
      space.signalAll();
    } finally {
      spaceLock.unlock();
    }
  }

  private OfferResult full(int n, boolean timedOut) {
    rejected.add(n);
    graph.eventsEnded(n);
    RejectionReason reason = timedOut ? RejectionReason.TIMED_OUT : RejectionReason.QUEUE_FULL;
    String message;
    if (timedOut) {
      message =
          "stage '%s' stayed full for the whole timeout (capacity %d, policy %s): its handlers do not keep up; raise permits or capacity, or the timeout"
              .formatted(name, capacity, policy);
    } else if (policy instanceof FullQueuePolicy.Block
        || policy instanceof FullQueuePolicy.BlockFor) {
      message =
          "stage '%s' is full (capacity %d, policy %s) and offer/offerAll never wait: use put/putAll to wait for room, or raise capacity"
              .formatted(name, capacity, policy);
    } else {
      message =
          "stage '%s' rejected %s: its queue is full (capacity %d, policy %s); use FullQueuePolicy.block() for backpressure, raise capacity to absorb bursts, or dropNewest()/dropOldest() to shed"
              .formatted(name, n == 1 ? "an event" : n + " events", capacity, policy);
    }
    JfrEvents.rejection(this, JfrEvents.REJECTED, reason.name(), n, message);
    return new OfferResult.Rejected(name, reason, message);
  }

  private OfferResult closed(int n) {
    rejected.add(n);
    graph.eventsEnded(n);
    graph.throwIfFailed();
    StageGraph.State s = graph.state();
    String why =
        s == StageGraph.State.CLOSING
            ? "close() was called; only handlers of the graph may still emit while it drains"
            : "it was shut down";
    String message =
        "stage '%s' does not admit events: graph '%s' is %s (%s)"
            .formatted(name, graph.name(), s, why);
    JfrEvents.rejection(this, JfrEvents.CLOSED, JfrEvents.CLOSED, n, message);
    return new OfferResult.Closed(name, message);
  }

  private void throwIfNotAdmitted(OfferResult result) {
    switch (result) {
      case OfferResult.Accepted a -> {}
      case OfferResult.Dropped d -> {}
      case OfferResult.Rejected r ->
          throw new StageRejectedException(
              name, capacity, policy.toString(), r.reason(), r.message());
      case OfferResult.Closed c -> throw new StageClosedException(c.message());
    }
  }

  private void notifyDropped(E e) {
    warnings.dropped(policy, dropped.sum());
    Consumer<? super E> listener = dropListener;
    if (listener == null) {
      return;
    }
    try {
      listener.accept(e);
    } catch (RuntimeException ex) {
      warnings.warn(
          StageLog.Kind.DROP_LISTENER_FAILED,
          "drop listener of stage '{}' threw; ignored",
          name,
          ex);
    }
  }

  // ---------------------------------------------------------------- dispatch and handling

  private void dispatchLoop() {
    try {
      while (true) {
        permits.acquire();
        E first;
        try {
          first = queue.take();
        } catch (InterruptedException ie) {
          permits.release();
          throw ie;
        }
        int max = batchSize;
        List<E> batch;
        boolean locked = latencyStats && takeUnderLock;
        if (locked) {
          insertLock.lock();
        }
        try {
          if (max == 1) {
            batch = List.of(first);
          } else {
            ArrayList<E> list = new ArrayList<>(Math.min(max, 64));
            list.add(first);
            queue.drainTo(list, max - 1);
            batch = list;
          }
          if (latencyStats) {
            recordQueueWaits(batch.size());
          }
        } finally {
          if (locked) {
            insertLock.unlock();
          }
        }
        int n = batch.size();
        releaseSpace(n);
        inFlight.addAndGet(n);
        activeHandlers.incrementAndGet();
        batchesStarted.increment();
        RunningBatch<E> run = new RunningBatch<>(this, batch);
        track(run);
        executor.execute(run);
      }
    } catch (InterruptedException stop) {
      // close() or a forced shutdown stops the dispatcher by interrupting it
    }
  }

  /**
   * Runs the handler over one batch and accounts for its events, unless a forced shutdown abandoned
   * the batch first (see {@link RunningBatch}). Cancelled events are gathered here and reported
   * only by the thread that accounts for the batch, so none is reported twice.
   */
  void runBatch(RunningBatch<E> run) {
    GraphImpl.CURRENT.set(this);
    List<E> batch = run.events;
    long start = System.nanoTime();
    int n = batch.size();
    int ok = 0;
    int bad = 0;
    int cancel = 0;
    List<UnprocessedEvent> cancelledHere = List.of();
    try {
      EventHandler<? super E> perEvent = eventHandler;
      @Nullable LatencyHistogram service = latencyStats ? serviceTime.current() : null;
      if (perEvent != null) {
        for (int i = 0; i < n; i++) {
          E e = batch.get(i);
          if (graph.isForcing()) {
            cancelledHere = cancelRest(cancelledHere, batch, i);
            cancel += n - i;
            break;
          }
          run.progress(i + 1, ok);
          try {
            perEvent.handle(e, context);
            ok++;
          } catch (Throwable t) {
            if (graph.isForcing()) {
              cancelledHere = add(cancelledHere, new UnprocessedEvent(name, e, true));
              cancel++;
            } else {
              bad++;
              Thread.interrupted(); // an interrupt not caused by shutdown must not leak on
              handleFailure(e, t);
            }
          }
        }
        int handled = ok + bad;
        if (service != null && handled > 0) {
          // The batch's handler time split evenly over its events: one clock read per batch, not
          // per event (a clock read costs about as much as a trivial handler).
          service.record((System.nanoTime() - start) / handled, handled);
        }
      } else {
        BatchHandler<E> handler = Objects.requireNonNull(batchHandler);
        if (graph.isForcing()) {
          cancelledHere = cancelRest(cancelledHere, batch, 0);
          cancel = n;
        } else {
          run.progress(1, 0);
          try {
            handler.handle(Collections.unmodifiableList(batch), context);
            ok = n;
            if (service != null) {
              service.record((System.nanoTime() - start) / n, n);
            }
          } catch (Throwable t) {
            if (graph.isForcing()) {
              for (E e : batch) {
                cancelledHere = add(cancelledHere, new UnprocessedEvent(name, e, true));
              }
              cancel = n;
            } else {
              if (service != null) {
                service.record((System.nanoTime() - start) / n, n);
              }
              bad = n;
              Thread.interrupted();
              for (E e : batch) {
                handleFailure(e, t);
              }
            }
          }
        }
      }
    } finally {
      busyNanos.add(System.nanoTime() - start);
      boolean mine = run.finish(); // false: a forced shutdown abandoned the batch and counted it
      if (mine) {
        inFlight.addAndGet(-n); // before the ends are counted: see snapshot()
        completed.add(ok);
        failed.add(bad);
        cancelled.add(cancel);
        if (!cancelledHere.isEmpty()) {
          unprocessed.addAll(cancelledHere);
        }
        run.published();
      }
      activeHandlers.decrementAndGet();
      permits.release();
      if (mine) {
        graph.eventsEnded(n);
      }
    }
  }

  private List<UnprocessedEvent> cancelRest(List<UnprocessedEvent> out, List<E> batch, int from) {
    for (int i = from; i < batch.size(); i++) {
      out = add(out, new UnprocessedEvent(name, batch.get(i), false));
    }
    return out;
  }

  /** Adds to a list that starts as the shared empty one (cancellations are rare). */
  private static List<UnprocessedEvent> add(List<UnprocessedEvent> list, UnprocessedEvent u) {
    List<UnprocessedEvent> out = list.isEmpty() ? new ArrayList<>() : list;
    out.add(u);
    return out;
  }

  private void handleFailure(E event, Throwable error) {
    JfrEvents.handlerFailure(this, failurePolicy.toString(), error);
    switch (failurePolicy) {
      case FailurePolicy.LogAndCount l ->
          warnings.warn(
              StageLog.Kind.HANDLER_FAILED,
              "handler of stage '{}' failed on {}",
              name,
              describe(event),
              error);
      case FailurePolicy.ToDeadLetter d -> {
        StageImpl<DeadLetter> target = graph.own(d.stage());
        try {
          OfferResult r = target.admit(new DeadLetter(name, event, error), true, this);
          if (r.admitted()) {
            countEmit(target, 1);
          } else {
            warnings.warn(
                StageLog.Kind.DEAD_LETTER_FAILED,
                "handler of stage '{}' failed on {} and dead-letter stage '{}' did not take it: {}",
                name,
                describe(event),
                target.name(),
                r,
                error);
          }
        } catch (InterruptedException | RuntimeException ex) {
          if (ex instanceof InterruptedException) {
            Thread.currentThread().interrupt();
          }
          error.addSuppressed(ex);
          warnings.warn(
              StageLog.Kind.DEAD_LETTER_FAILED,
              "handler of stage '{}' failed on {}; routing to dead-letter stage '{}' failed too",
              name,
              describe(event),
              target.name(),
              error);
        }
      }
      case FailurePolicy.FailGraph f -> graph.fail(name, error);
    }
  }

  /** The event for a log message, cut at 200 characters; rendered only if the message is logged. */
  private static Object describe(Object event) {
    return new Object() {
      @Override
      public String toString() {
        String s = String.valueOf(event);
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
      }
    };
  }

  // ---------------------------------------------------------------- shutdown (called by the graph)

  /**
   * Cancels every queued event: counted cancelled, recorded as unprocessed. Called only by the
   * thread that terminates the graph, before it collects the report.
   */
  void cancelQueued() {
    List<E> drained = new ArrayList<>();
    insertLock.lock();
    try {
      queue.drainTo(drained);
    } finally {
      insertLock.unlock();
    }
    int n = drained.size();
    if (n == 0) {
      return;
    }
    releaseSpace(n);
    for (E e : drained) {
      unprocessed.add(new UnprocessedEvent(name, e, false));
    }
    cancelled.add(n);
    graph.eventsEnded(n);
  }

  void stopDispatcher() {
    dispatcher.interrupt();
    GraphImpl.joinUninterruptibly(dispatcher);
  }

  void interruptHandlers() {
    executor.shutdownNow();
  }

  /** Waits for handler threads to end; returns {@code false} if some still run at the deadline. */
  boolean awaitHandlers(long deadlineNanos) {
    executor.shutdown();
    boolean interrupted = false;
    try {
      while (true) {
        long left =
            deadlineNanos == Long.MAX_VALUE ? Long.MAX_VALUE : deadlineNanos - System.nanoTime();
        try {
          return executor.awaitTermination(Math.max(0, left), TimeUnit.NANOSECONDS);
        } catch (InterruptedException ie) {
          interrupted = true;
          executor.shutdownNow();
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  int runningHandlers() {
    return activeHandlers.get();
  }

  /** Dispatcher only: remembers a dispatched batch, forgetting those accounted for meanwhile. */
  private void track(RunningBatch<E> run) {
    if (running.size() >= pruneAt) {
      running.removeIf(RunningBatch::accounted);
      pruneAt = Math.max(64, 2 * running.size()); // amortised O(1) per batch
    }
    running.add(run);
  }

  /**
   * Called by the terminating thread after the interrupt grace passed with handler threads of this
   * stage still running, and after the dispatcher was joined (so {@code running} is its to read):
   * accounts for the events of every batch whose thread still runs, as if it had stopped there.
   * Events whose handler call ended count as completed or failed; the one in progress (started) and
   * the rest (not started) are cancelled and reported. Returns one line per such thread, for the
   * report.
   */
  List<String> abandonRunning() {
    List<String> threads = new ArrayList<>();
    for (RunningBatch<E> run : running) {
      if (!run.abandon()) {
        continue; // its thread finished first and has counted
      }
      List<E> batch = run.events;
      int n = batch.size();
      int begun = Math.min(run.begun(), n);
      int ended;
      int ok;
      if (eventHandler != null) {
        ended = Math.max(0, begun - 1);
        ok = Math.min(run.completed(), ended);
      } else {
        ended = 0; // a batch handler ends all its events at once, or none
        ok = 0;
      }
      inFlight.addAndGet(-n);
      completed.add(ok);
      failed.add(ended - ok);
      for (int i = ended; i < n; i++) {
        boolean started = eventHandler != null ? i == begun - 1 : begun > 0;
        unprocessed.add(new UnprocessedEvent(name, batch.get(i), started));
      }
      cancelled.add(n - ended);
      graph.eventsEnded(n);
      threads.add(
          run.threadName()
              + ": ignoring the interrupt; its "
              + (n - ended)
              + " unfinished event(s) are reported as cancelled");
    }
    running.clear();
    return threads;
  }

  List<UnprocessedEvent> takeUnprocessed() {
    List<UnprocessedEvent> out = new ArrayList<>();
    UnprocessedEvent u;
    while ((u = unprocessed.poll()) != null) {
      out.add(u);
    }
    return out;
  }

  // ---------------------------------------------------------------- context

  private final class Context implements StageContext {
    @Override
    public String stageName() {
      return name;
    }

    @Override
    public StageGraph graph() {
      return graph;
    }

    @Override
    public <T> void emit(Stage<T> target, T event) throws InterruptedException {
      StageImpl<T> t = graph.own(target);
      OfferResult r = t.admit(t.checkEvent(event), true, StageImpl.this);
      if (r.admitted()) {
        countEmit(t, 1);
      }
      t.throwIfNotAdmitted(r);
    }

    @Override
    public <T> OfferResult offer(Stage<T> target, T event) {
      StageImpl<T> t = graph.own(target);
      T e = t.checkEvent(event);
      try {
        OfferResult r = t.admit(e, false, StageImpl.this);
        if (r.admitted()) {
          countEmit(t, 1);
        }
        return r;
      } catch (InterruptedException unreachable) {
        Thread.currentThread().interrupt();
        throw new AssertionError(unreachable);
      }
    }

    @Override
    public String toString() {
      return "StageContext[" + graph.name() + "/" + name + "]";
    }
  }
}
