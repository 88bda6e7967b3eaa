package org.seda4j.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.seda4j.AdmissionController;
import org.seda4j.AdmissionSample;
import org.seda4j.BatchController;
import org.seda4j.BatchHandler;
import org.seda4j.ConcurrencyController;
import org.seda4j.ControllerDecision;
import org.seda4j.ControllerSample;
import org.seda4j.DeadLetter;
import org.seda4j.EventHandler;
import org.seda4j.Expiring;
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
 * One stage: an ArrayBlockingQueue + a dispatcher + workers on a semaphore-bounded
 * virtual-thread-per-task executor.
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
 *   more, give the slots back to `free`, and start a worker (one new virtual thread) with the
 *   batch. The permit is taken before the events, so waiting events stay in the queue (visible,
 *   countable, sheddable).
 * - A worker runs the handler over its batch and updates the counters once per batch; then, while
 *   the queue has events, it takes the next batch itself (one drainTo) instead of handing the
 *   permit back: a busy stage pays no thread start and no dispatcher hand-off per batch (at batch
 *   size 1 that was the whole cost of a trivial event). It ends, releasing its permit, when the
 *   queue is empty, when the permits were lowered below the workers holding them
 *   (availablePermits() < 0: lowering works while workers loop), or when a forced shutdown began.
 *   After every 1 ms slice of looping it parks for a moment (a timed park), so that every virtual
 *   thread waiting for a carrier runs first: a worker that never blocks would otherwise keep its
 *   carrier from every other stage. Ending the worker or Thread.yield do not do that on the JDK's
 *   ForkJoinPool, which keeps a carrier on the queue its last task came from; see
 *   leaveCarrierForATurn. Workers of a stage whose handlers mostly wait (the sampler's
 *   `handlersWait`: handler time over twice the JVM's CPU time in the last window) skip that park:
 *   their handlers leave the carrier in every blocking call already, and a timed park per event
 *   is a timer round trip per event. A stray interrupt left by a handler is cleared between
 *   batches.
 * - Consumers (the dispatcher and the workers) remove events under `takeLock`, so that they do it
 *   in queue order, one batch at a time (the queue-wait stamps below are read in that order). The
 *   dispatcher holds it while it waits in take() on an empty queue. A worker that finds it taken
 *   ends if the queue is empty (the holder may be the dispatcher waiting for an event) or if its
 *   handlers compute; a worker of handlers that mostly wait (`handlersWait`) waits for it while
 *   events wait, since the holder then drains one batch only. (Ending there made the dispatcher
 *   start a new worker for the same events: with thousands of blocking handlers the stage ran at
 *   the rate one dispatcher restarts workers. Computing workers end, so that the lock's holder does
 *   not queue them on its own carrier ahead of other stages.) The dispatcher is blocked on a permit
 *   whenever every permit is out, so it never holds the lock then; no event waits while a permit
 *   is free and no one holds the lock without taking, except for the instant between a waiting
 *   worker's emptiness check and the drain that empties the queue.
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
 *   consumer (dispatcher or worker, under takeLock, so one at a time and in queue order) reads them
 *   at `takeIndex` and advances it, then records (batch start - enqueue time) per event.
 *   Happens-before: the slot write precedes queue.add (program order), add releases ABQ's lock,
 *   take/poll/drainTo acquires it, so the consumer sees the timestamp of every event it removed;
 *   takeLock orders consumers among themselves. No slot is overwritten before it is read: the
 *   inserter of sequence k + capacity needs a slot of `free`, and the consumer gives its drained
 *   slots back to `free` (releaseSpace, a volatile write the inserter's CAS reads) only after
 *   reading their timestamps, so at most `capacity` timestamps are ever outstanding.
 * - dropOldest also removes the head, outside the consumers. For that policy `takeIndex` is guarded
 *   by `insertLock`: the swap claims the polled event's slot and writes the new one in one critical
 *   section (net outstanding count unchanged), and a consumer claims its batch's slots and drains
 *   the rest of the batch under the lock too (one lock per batch, for this policy only). take() still
 *   waits outside the lock, so a swap between the dispatcher's take() and its lock claims the
 *   dispatcher's slot: the dispatcher then reads the next (later or equal) timestamp, under-stating
 *   that one event's wait by at most the gap between two insertions. Never an overwritten slot: all
 *   claims and writes are under the lock and at most `capacity` timestamps are outstanding.
 * - For the other policies `takeIndex` belongs to the consumers (one at a time, under takeLock). cancelQueued does not claim:
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

  private static final RejectionReason[] REASONS = RejectionReason.values();

  /**
   * How long a worker may keep taking batches before it leaves the carrier to others for a turn.
   */
  private static final long WORKER_SLICE_NANOS = 1_000_000;

  /**
   * The timed park that ends a slice: any positive time unmounts the worker and hands its wake-up
   * to the JDK's timer, so it comes back through the scheduler like any other thread (see work).
   */
  private static final long HANDOVER_PARK_NANOS = 1;

  final GraphImpl graph;
  final int id; // the stage's index in its graph; Tracked events name their path's entry by it
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
  private final Context context; // shared by all batches without Tracked events (current == null)

  private final ArrayBlockingQueue<Object> queue; // E, or Tracked wrapping an E
  private final ReentrantLock insertLock = new ReentrantLock();
  private final ReentrantLock takeLock = new ReentrantLock(); // consumers: see the class comment
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
  // The last window's state, for admission controllers measuring this stage or a path through it
  // (written by the sampler thread, read by it and by producers).
  private volatile boolean saturated;
  private volatile boolean searching;
  // The handlers spent the last window mostly waiting (blocking calls), not computing: their
  // workers leave the carrier in every call anyway, so they skip the turn after a slice.
  private volatile boolean handlersWait;
  private boolean concurrencySearching;
  private boolean batchSearching;
  private long lastAdmitted;
  private long lastEnded;
  private long lastBatches;
  private long lastBusyNanos;
  private long lastTurnedAway;
  private boolean batchJustChanged;
  private boolean permitsJustChanged;

  private final LongAdder admitted = new LongAdder();
  private final LongAdder[] rejectedBy = new LongAdder[REASONS.length];
  private final LongAdder expired = new LongAdder(); // also counted in dropped
  private final LongAdder completed = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder cancelled = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  // Edges of the stage network, discovered from emits: events this stage's handlers (or its
  // dead-letter routing) got admitted by each target. See countEmit.
  private final ConcurrentHashMap<StageImpl<?>, LongAdder> emitsTo = new ConcurrentHashMap<>();

  private final ExecutorService executor;
  private final Thread dispatcher;
  // The running workers, each with the batch it runs now: what a forced shutdown reads when a
  // handler ignores its interrupt past the grace. See RunningBatch and abandonRunning().
  private final Set<Worker<E>> workers = ConcurrentHashMap.newKeySet();
  private final ConcurrentLinkedQueue<UnprocessedEvent> unprocessed = new ConcurrentLinkedQueue<>();

  // Latency statistics: see the class comment.
  private final boolean latencyStats;
  private final boolean takeUnderLock; // dropOldest: takeIndex is guarded by insertLock
  private final long[] enqueueNanos; // empty when statistics are off
  private int insertIndex; // guarded by insertLock
  private int takeIndex; // consumers only (under takeLock), and under insertLock if takeUnderLock
  private volatile LatencyHistogram.Window queueWait = new LatencyHistogram.Window();
  private volatile LatencyHistogram.Window serviceTime = new LatencyHistogram.Window();

  // Admission control and response-time feedback: see the class comment.
  private final AdmissionGate<E> gate;
  private final @Nullable BiConsumer<? super E, ? super OfferResult.Rejected> rejectListener;
  private final OfferResult.Rejected queueFull;
  private final OfferResult.Rejected timedOut;
  private final OfferResult.Rejected interruptedWaiting;
  private final OfferResult.Rejected expiredOnArrival;
  private final String dropReason; // "policy DROP_NEWEST", for the drop WARN
  private final @Nullable ResponseTimes ownResponses; // stage-scope feedback, else null
  private volatile @Nullable PathStats feedbackPath; // path-scope feedback, set by the graph
  private volatile boolean pathEntry; // some measured path starts here
  private volatile PathStats[] pathsEndingHere = new PathStats[0];
  private volatile boolean seesTracked; // a Tracked event was ever queued here
  private volatile long knownEntries; // bit i: a member of the paths entering at stage i (i < 64)
  private final Set<Integer> knownFarEntries = ConcurrentHashMap.newKeySet(); // ids >= 64
  private long lastFeedbackNanos; // sampler thread only, like the fields below
  private long lastFeedbackAdmitted;
  private long lastFeedbackRejected;
  private long lastFeedbackEnded;
  private long lastFeedbackBusy;

  StageImpl(
      GraphImpl graph,
      int id,
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
      @Nullable BatchHandler<E> batchHandler,
      List<AdmissionController<? super E>> admission,
      @Nullable BiConsumer<? super E, ? super OfferResult.Rejected> rejectListener) {
    this.graph = graph;
    this.id = id;
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
    for (int i = 0; i < REASONS.length; i++) {
      rejectedBy[i] = new LongAdder();
    }
    this.gate = new AdmissionGate<>(this, admission);
    this.rejectListener = rejectListener;
    AdmissionController<? super E> fb = gate.feedback();
    AdmissionController.@Nullable Feedback feedback = fb == null ? null : fb.feedback();
    this.ownResponses =
        feedback != null && feedback.exit() == null
            ? new ResponseTimes(feedback.priorities())
            : null;
    // Stage-scope feedback needs each event's admission time even if the graph turned statistics
    // off.
    this.latencyStats = graph.latencyStatistics() || ownResponses != null;
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
    this.queueFull =
        new OfferResult.Rejected(
            name,
            RejectionReason.QUEUE_FULL,
            policy instanceof FullQueuePolicy.Block || policy instanceof FullQueuePolicy.BlockFor
                ? "stage '%s' is full (capacity %d, policy %s) and offer/offerAll never wait: use put/putAll to wait for room, or raise capacity"
                    .formatted(name, capacity, policy)
                : "stage '%s' rejected the event(s): its queue is full (capacity %d, policy %s); use FullQueuePolicy.block() for backpressure, raise capacity to absorb bursts, or dropNewest()/dropOldest() to shed"
                    .formatted(name, capacity, policy));
    this.timedOut =
        new OfferResult.Rejected(
            name,
            RejectionReason.TIMED_OUT,
            "stage '%s' stayed full for the whole timeout (capacity %d, policy %s): its handlers do not keep up; raise permits or capacity, or the timeout"
                .formatted(name, capacity, policy));
    this.interruptedWaiting =
        new OfferResult.Rejected(
            name,
            RejectionReason.INTERRUPTED,
            "interrupted while waiting for room in stage '" + name + "'");
    this.expiredOnArrival =
        new OfferResult.Rejected(
            name,
            RejectionReason.EXPIRED,
            "stage '" + name + "' did not admit the event: its deadline had passed (Expiring)");
    this.dropReason = "policy " + policy;
    this.concurrencyDecision = "initial permits " + permits + " (" + concurrency + ")";
    this.batchDecision = "initial batchSize " + batchSize + " (" + batching + ")";
    this.lastSampleNanos = startNanos;
    this.lastFeedbackNanos = startNanos;
    String prefix = "seda4j-" + graph.name() + "-" + name + "-";
    this.executor =
        Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name(prefix, 0).factory());
    this.dispatcher = Thread.ofVirtual().name(prefix + "dispatcher").unstarted(this::dispatchLoop);
  }

  void start() {
    dispatcher.start();
  }

  /** The stateful controllers of the stage (each must serve one stage only). */
  List<Object> controllers() {
    List<Object> all = new ArrayList<>(gate.controllers());
    all.add(concurrency);
    all.add(batching);
    return all;
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
    throwIfNotAdmitted(countDirect(admit(checkEvent(event), true, null, null), 1));
  }

  @Override
  public OfferResult offer(E event) {
    E e = checkEvent(event);
    try {
      return countDirect(admit(e, false, null, null), 1);
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
        rejectedTotal(),
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
        serviceTime.summary(),
        rejections(),
        expired.sum(),
        ownResponses != null ? ownResponses.summary() : LatencyHistogram.summarize(),
        gate.describe());
  }

  /** The counter of rejections for {@code reason}; the array is indexed by the enum's order. */
  @SuppressWarnings("EnumOrdinal")
  private LongAdder rejections(RejectionReason reason) {
    return rejectedBy[reason.ordinal()];
  }

  private long rejectedTotal() {
    long n = 0;
    for (LongAdder a : rejectedBy) {
      n += a.sum();
    }
    return n;
  }

  /**
   * Events turned away although the stage was open: demand it did not take in (queue full, timed
   * out, refused by admission control). Not closed, expired or interrupted offers.
   */
  private long turnedAway() {
    return rejections(RejectionReason.QUEUE_FULL).sum()
        + rejections(RejectionReason.TIMED_OUT).sum()
        + rejections(RejectionReason.REFUSED).sum()
        + rejections(RejectionReason.RATE_LIMITED).sum()
        + rejections(RejectionReason.OVERLOADED).sum();
  }

  /** Rejections per reason, reasons without any left out, in the enum's order. */
  private Map<RejectionReason, Long> rejections() {
    Map<RejectionReason, Long> m = new EnumMap<>(RejectionReason.class);
    for (int i = 0; i < REASONS.length; i++) {
      long n = rejectedBy[i].sum();
      if (n > 0) {
        m.put(REASONS[i], n);
      }
    }
    return Collections.unmodifiableMap(m);
  }

  /** Events waiting in the queue now (for admission controllers). */
  int queueLength() {
    return queue.size();
  }

  // ---------------------------------------------------------------- paths (set up by the graph)

  /**
   * This stage is about to queue an event of the paths entering at stage {@code entry}: joins them
   * as a member the first time (see PathStats). Producer's thread, no lock held.
   */
  private void joinPathsOf(int entry) {
    if (entry < 64) {
      long bit = 1L << entry;
      if ((knownEntries & bit) == 0) {
        graph.joinPaths(entry, this);
        knownEntries |= bit; // racy but idempotent: joining twice is harmless
      }
    } else if (!knownFarEntries.contains(entry)) {
      graph.joinPaths(entry, this);
      knownFarEntries.add(entry);
    }
  }

  /** Whether this stage joined the paths entering at stage {@code entry} (see joinPathsOf). */
  boolean queuedPathsOf(int entry) {
    return entry < 64 ? (knownEntries & (1L << entry)) != 0 : knownFarEntries.contains(entry);
  }

  /**
   * Events admitted here and not yet ended: queued (or with room reserved) and being handled. Two
   * volatile reads; an event moving between the queue and a handler may be missed for an instant.
   */
  long inSystem() {
    return (capacity - free.get()) + inFlight.get();
  }

  /**
   * {@link #inSystem()} where this stage's feedback controller measures the response time: summed
   * over its path's stages, or here.
   */
  long inSystemWhereMeasured() {
    PathStats path = feedbackPath;
    return path != null ? path.inSystem() : inSystem();
  }

  /** Whether this stage worked at capacity in its last window: permits all busy, work waiting. */
  boolean saturated() {
    return saturated;
  }

  /** Whether a controller of this stage was still raising its setting in its last window. */
  boolean searching() {
    return searching;
  }

  /** The graph measures a path starting here: tag events admitted from now on. */
  void startsPath() {
    pathEntry = true;
  }

  /** The graph measures {@code path}, which ends here: record its responses from now on. */
  void endsPath(PathStats path) {
    PathStats[] old = pathsEndingHere;
    PathStats[] next = Arrays.copyOf(old, old.length + 1);
    next[old.length] = path;
    pathsEndingHere = next; // one writer: the graph registers paths under its lock
  }

  /** The path this stage's feedback controller measures (graph, at registration). */
  void feedbackPath(PathStats path) {
    feedbackPath = path;
  }

  /** What this stage's feedback controller wants: null if none. */
  AdmissionController.@Nullable Feedback feedback() {
    AdmissionController<? super E> fb = gate.feedback();
    return fb == null ? null : fb.feedback();
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
    long away = turnedAway();
    ControllerSample s =
        new ControllerSample(
            now,
            elapsed,
            queue.size(),
            capacity,
            blockedProducers.get(),
            adm - lastAdmitted,
            away - lastTurnedAway,
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
    saturated = HillClimbingConcurrency.saturated(s);
    handlersWait = HillClimbingConcurrency.mostlyWaiting(s, graph.processors());
    lastSampleNanos = now;
    lastAdmitted = adm;
    lastTurnedAway = away;
    lastEnded = ended;
    lastBatches = nb;
    lastBusyNanos = busy;
    throughput = s.throughput();

    // One setting changes per window, and the controller that changed it judges the next window
    // alone. A batch handler's gain from batching is its own (one round trip per batch): its batch
    // size is tuned first and its permits only once the batch size stopped searching, so a fixed
    // cost per call is paid by bigger batches, not by more calls in flight. A per-event handler's
    // batch only amortises dispatch: its permits come first.
    boolean batchFirst = batchHandler != null;
    boolean changed = false;
    if (batchFirst) {
      changed = !permitsJustChanged && tuneBatchSize(s);
      permitsJustChanged = false;
      if (!changed && !batchJustChanged && !batchSearching) {
        permitsJustChanged = tunePermits(s);
      }
      batchJustChanged = changed;
    } else {
      changed = !batchJustChanged && tunePermits(s);
      batchJustChanged = !changed && tuneBatchSize(s);
    }
    searching = (concurrencySearching && !permitsPinned) || (batchSearching && !batchSizePinned);
    JfrEvents.stageStatistics(this);
  }

  /** Asks the concurrency controller; whether it changed the permits. Sampler thread only. */
  private boolean tunePermits(ControllerSample s) {
    if (permitsPinned) {
      return false;
    }
    ControllerDecision d = decide(concurrency::decide, s, "concurrency");
    if (d == null) {
      return false;
    }
    concurrencySearching = d.searching();
    concurrencyDecision = d.reason();
    if (d.value() != permits.limit() && !permitsPinned) {
      permits.setLimit(d.value());
      JfrEvents.decision(this, "concurrency", s.permits(), d);
      log.debug("stage '{}' permits {} -> {}: {}", name, s.permits(), d.value(), d.reason());
      return true;
    }
    log.trace("stage '{}' {}", name, d.reason());
    return false;
  }

  /** Asks the batching controller; whether it changed the batch size. Sampler thread only. */
  private boolean tuneBatchSize(ControllerSample s) {
    if (batchSizePinned) {
      return false;
    }
    ControllerDecision d = decide(batching::decide, s, "batching");
    if (d == null) {
      return false;
    }
    batchSearching = d.searching();
    batchDecision = d.reason();
    if (d.value() != batchSize && !batchSizePinned) {
      batchSize = d.value();
      JfrEvents.decision(this, "batching", s.batchSize(), d);
      log.debug("stage '{}' batchSize {} -> {}: {}", name, s.batchSize(), d.value(), d.reason());
      return true;
    }
    log.trace("stage '{}' {}", name, d.reason());
    return false;
  }

  /**
   * Hands the response times measured since the last consumed sample to the stage's feedback
   * controller, if any. Sampler thread only, after every stage of the graph was sampled for the
   * window ending at {@code now} (so a path's stages report this window's state).
   */
  void updateAdmission(long now) {
    AdmissionController<? super E> fb = gate.feedback();
    if (fb == null) {
      return;
    }
    PathStats path = feedbackPath;
    ResponseTimes times = ownResponses != null ? ownResponses : path != null ? path.times : null;
    long elapsed = now - lastFeedbackNanos;
    if (times == null || elapsed <= 0) {
      return;
    }
    long adm = admitted.sum();
    long rej = rejectedTotal();
    long ended = completed.sum() + failed.sum();
    long busy = busyNanos.sum();
    if (adm == lastFeedbackAdmitted
        && rej == lastFeedbackRejected
        && ended == lastFeedbackEnded
        && queue.isEmpty()) {
      // Idle: nothing offered, nothing handled. The next sample starts now, so its rates are
      // not diluted by the quiet time before traffic (re)started.
      lastFeedbackNanos = now;
      return;
    }
    long meanService =
        ended > lastFeedbackEnded ? (busy - lastFeedbackBusy) / (ended - lastFeedbackEnded) : 0;
    PathStats onPath = ownResponses == null ? path : null;
    AdmissionSample sample =
        new AdmissionSample(
            now,
            elapsed,
            times.currentAll(),
            times.currentByPriority(),
            adm - lastFeedbackAdmitted,
            rej - lastFeedbackRejected,
            queue.size(),
            capacity,
            meanService,
            onPath != null ? onPath.inSystem() : inSystem(),
            onPath != null ? onPath.saturated() : saturated,
            onPath != null ? onPath.searching() : searching);
    boolean consumed;
    long limitBefore = fb instanceof ResponseTimeLimit<?> l ? l.limit() : 0;
    try {
      consumed = fb.update(sample);
    } catch (RuntimeException e) {
      warnings.warn(
          StageLog.Kind.CONTROLLER_FAILED,
          "admission controller of stage '{}' threw on {}; ignored",
          name,
          sample,
          e);
      consumed = true;
    }
    if (consumed) {
      times.consume();
      lastFeedbackNanos = now;
      lastFeedbackAdmitted = adm;
      lastFeedbackRejected = rej;
      lastFeedbackEnded = ended;
      lastFeedbackBusy = busy;
      log.debug("stage '{}' admission after {}: {}", name, sample, fb);
      if (fb instanceof ResponseTimeLimit<?> l && l.limit() != limitBefore) {
        JfrEvents.decision(
            this,
            "admission",
            JfrEvents.clamp(limitBefore),
            JfrEvents.clamp(l.limit()),
            l.toString());
      }
    }
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
   * Admits one event or says why not. {@code source} is the emitting stage for handler emits;
   * {@code origin} the path origin the event inherits (the Tracked event being handled), if any.
   * Blocks only if {@code blocking} and the policy waits.
   */
  OfferResult admit(E e, boolean blocking, @Nullable StageImpl<?> source, @Nullable Tracked origin)
      throws InterruptedException {
    graph.eventsPending(1);
    if (!admits()) {
      return closed(1);
    }
    OfferResult.Rejected refused = screen(e, 1);
    if (refused != null) {
      rejected(refused, 1);
      notifyRejected(e, refused);
      return refused;
    }
    Object item = track(e, origin);
    if (tryReserve(1)) {
      return insertReserved(item);
    }
    return admitWhenFull(e, item, blocking, source);
  }

  /**
   * The rejection for an event that may not enter although the graph admits: its deadline passed,
   * or an admission controller refused it; {@code null} if it may enter. An exception of a
   * controller counts the {@code n} events (pending already raised) as refused before it
   * propagates, so they are handed back, not lost.
   */
  private OfferResult.@Nullable Rejected screen(E e, int n) {
    if (e instanceof Expiring x && x.deadline().expiredAt(graph.clockNanos())) {
      return expiredOnArrival;
    }
    if (gate.isEmpty()) {
      return null;
    }
    try {
      return gate.check(e);
    } catch (RuntimeException | Error ex) {
      rejections(RejectionReason.REFUSED).add(n);
      graph.eventsEnded(n);
      throw ex;
    }
  }

  /**
   * What goes into the queue for {@code e}: {@code e} itself, or {@code e} wrapped with the path
   * origin it inherits, or (at a path's entry) a new origin.
   */
  private Object track(E e, @Nullable Tracked origin) {
    if (origin != null) {
      joinPathsOf(origin.entry());
      return origin.carry(e);
    }
    if (!pathEntry) {
      return e;
    }
    AdmissionController<? super E> fb = gate.feedback();
    int priority = fb != null && feedbackPath != null ? fb.priorityOf(e) : 0;
    return new Tracked(e, System.nanoTime(), id, priority);
  }

  private OfferResult admitWhenFull(
      E e, Object item, boolean blocking, @Nullable StageImpl<?> source)
      throws InterruptedException {
    return switch (policy) {
      case FullQueuePolicy.Block b ->
          blocking
              ? waitAndInsert(List.of(e), List.of(item), Long.MAX_VALUE, source)
              : full(List.of(e), false);
      case FullQueuePolicy.BlockFor b ->
          blocking
              ? waitAndInsert(List.of(e), List.of(item), GraphImpl.nanos(b.timeout()), source)
              : full(List.of(e), false);
      case FullQueuePolicy.Reject r -> full(List.of(e), false);
      case FullQueuePolicy.DropNewest d -> {
        admitted.increment();
        dropped.increment();
        graph.eventsEnded(1);
        JfrEvents.rejection(this, JfrEvents.DROPPED_NEWEST, JfrEvents.DROPPED_NEWEST, 1, "");
        notifyDropped(e, dropReason);
        yield new OfferResult.Dropped(name);
      }
      case FullQueuePolicy.DropOldest d -> dropOldestAndInsert(item);
    };
  }

  // Thread.yield, not onSpinWait: on a virtual thread it frees the carrier, so the thread whose
  // slot is in transit can run even when every carrier is busy retrying here.
  @SuppressWarnings("ThreadPriorityCheck")
  private OfferResult dropOldestAndInsert(Object item) {
    while (true) {
      Object old;
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
            enqueue(item);
          }
        }
      } finally {
        insertLock.unlock();
      }
      if (old != null) {
        graph.eventsEnded(1); // the old event ended (dropped); the new one stays pending
        JfrEvents.rejection(this, JfrEvents.DROPPED_OLDEST, JfrEvents.DROPPED_OLDEST, 1, "");
        notifyDropped(unwrap(old), dropReason);
        return OfferResult.accepted();
      }
      if (graph.isForcing()) {
        return closed(1);
      }
      if (tryReserve(1)) {
        return insertReserved(item);
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
    for (E e : events) {
      OfferResult.Rejected refused = screen(e, n);
      if (refused != null) {
        rejected(refused, n);
        for (E each : events) {
          notifyRejected(each, refused);
        }
        return refused;
      }
    }
    List<Object> items = new ArrayList<>(n);
    for (E e : events) {
      items.add(track(e, null));
    }
    if (tryReserve(n)) {
      return insertReserved(items);
    }
    if (blocking) {
      if (policy instanceof FullQueuePolicy.Block) {
        return waitAndInsert(events, items, Long.MAX_VALUE, null);
      } else if (policy instanceof FullQueuePolicy.BlockFor b) {
        return waitAndInsert(events, items, GraphImpl.nanos(b.timeout()), null);
      }
    }
    return full(events, false);
  }

  /** Adds one item to the queue, whose room is reserved. Caller holds insertLock. */
  private void enqueue(Object item) {
    if (item instanceof Tracked) {
      seesTracked = true; // before the add: the dispatcher reads it after taking the item
    }
    queue.add(item);
  }

  /**
   * Inserts items whose room is reserved, unless a forced shutdown began: its sweep may have passed
   * already, so they are then not admitted (the reservation is given back). See the class comment.
   */
  private OfferResult insertReserved(List<Object> items) {
    int n = items.size();
    long now = latencyStats ? System.nanoTime() : 0;
    insertLock.lock();
    try {
      if (!graph.isForcing()) {
        admitted.add(n); // counted before any of them can be taken, so before it can end
        for (Object item : items) {
          if (latencyStats) {
            stamp(now);
          }
          enqueue(item);
        }
        return OfferResult.accepted();
      }
    } finally {
      insertLock.unlock();
    }
    releaseSpace(n);
    return closed(n);
  }

  /** {@link #insertReserved(List)} for one item, without allocating a list. */
  private OfferResult insertReserved(Object item) {
    long now = latencyStats ? System.nanoTime() : 0;
    insertLock.lock();
    try {
      if (!graph.isForcing()) {
        admitted.increment();
        if (latencyStats) {
          stamp(now);
        }
        enqueue(item);
        return OfferResult.accepted();
      }
    } finally {
      insertLock.unlock();
    }
    releaseSpace(1);
    return closed(1);
  }

  /**
   * Waits for room for all {@code items} (pending already raised), then inserts them; {@code
   * events} are the same events unwrapped, for the rejection listener.
   */
  private OfferResult waitAndInsert(
      List<E> events, List<Object> items, long nanos, @Nullable StageImpl<?> source)
      throws InterruptedException {
    int n = items.size();
    int outcome;
    try {
      outcome = awaitSpace(n, nanos, source);
    } catch (InterruptedException ie) {
      rejected(interruptedWaiting, n);
      for (E e : events) {
        notifyRejected(e, interruptedWaiting);
      }
      throw ie;
    }
    return switch (outcome) {
      case RESERVED -> insertReserved(items);
      case TIMED_OUT -> full(events, true);
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
        + rejectedTotal()
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
   * Records the queue wait of the {@code n} events just removed by a consumer, before their slots
   * go back to {@code free}, at time {@code now}, and copies their admission times into {@code
   * stamps} if given. Consumers only (the dispatcher or a worker, under takeLock); under insertLock
   * if takeUnderLock.
   */
  private void recordQueueWaits(int n, long @Nullable [] stamps, long now) {
    LatencyHistogram h = queueWait.current();
    int t = takeIndex;
    // A batch's events were mostly enqueued close together: record runs of equal buckets as one
    // atomic add (the run's largest value keeps the max exact).
    int runBucket = -1;
    long runMax = 0;
    int run = 0;
    for (int i = 0; i < n; i++) {
      if (stamps != null) {
        stamps[i] = enqueueNanos[t];
      }
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

  private OfferResult full(List<E> events, boolean afterTimeout) {
    OfferResult.Rejected r = afterTimeout ? timedOut : queueFull;
    rejected(r, events.size());
    for (E e : events) {
      notifyRejected(e, r);
    }
    return r;
  }

  /** Counts {@code n} events (pending already raised) as rejected for {@code r}'s reason. */
  private void rejected(OfferResult.Rejected r, int n) {
    rejections(r.reason()).add(n);
    graph.eventsEnded(n);
    JfrEvents.rejection(this, JfrEvents.REJECTED, r.reason().name(), n, r.message());
  }

  private OfferResult closed(int n) {
    rejections(RejectionReason.CLOSED).add(n);
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

  /** Hands a rejected event to the rejection listener, if any, on the caller's thread. */
  private void notifyRejected(E e, OfferResult.Rejected r) {
    BiConsumer<? super E, ? super OfferResult.Rejected> listener = rejectListener;
    if (listener == null) {
      return;
    }
    try {
      listener.accept(e, r);
    } catch (RuntimeException ex) {
      warnings.warn(
          StageLog.Kind.REJECT_LISTENER_FAILED,
          "rejection listener of stage '{}' threw; ignored",
          name,
          ex);
    }
  }

  private void notifyDropped(E e, String why) {
    warnings.dropped(why, dropped.sum());
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

  /** The user's event of a queue item. */
  @SuppressWarnings("unchecked")
  private E unwrap(Object item) {
    return (E) (item instanceof Tracked t ? t.event() : item);
  }

  // ---------------------------------------------------------------- dispatch and handling

  private void dispatchLoop() {
    try {
      while (true) {
        permits.acquire();
        Drained d;
        try {
          takeLock.lockInterruptibly();
          try {
            d = Objects.requireNonNull(drain(queue.take()));
          } finally {
            takeLock.unlock();
          }
        } catch (InterruptedException ie) {
          permits.release();
          throw ie;
        }
        Batch b = start(d);
        executor.execute(() -> work(b));
      }
    } catch (InterruptedException stop) {
      // close() or a forced shutdown stops the dispatcher by interrupting it
    }
  }

  /** A drained batch: the events, and their path origins and admission times when needed. */
  private static final class Batch {
    final List<Object> events;
    final Tracked @Nullable [] origins;
    final long @Nullable [] admittedAt;
    final long takenAt; // when it was drained, if latency statistics read the clock; else 0

    Batch(
        List<Object> events,
        Tracked @Nullable [] origins,
        long @Nullable [] admittedAt,
        long takenAt) {
      this.events = events;
      this.origins = origins;
      this.admittedAt = admittedAt;
      this.takenAt = takenAt;
    }
  }

  /** Events drained from the queue, with their admission times if measured. */
  private static final class Drained {
    final List<Object> events;
    final long @Nullable [] stamps;
    final long takenAt;

    Drained(List<Object> events, long @Nullable [] stamps, long takenAt) {
      this.events = events;
      this.stamps = stamps;
      this.takenAt = takenAt;
    }
  }

  /**
   * Drains a batch that starts with {@code first}, just removed from the queue (the dispatcher's
   * take()), or, if {@code first} is null, with the queue's head (a worker: one drainTo, so one
   * acquisition of the queue's lock per batch, where poll() + drainTo() took two), and reads its
   * queue-wait stamps. Returns {@code null} if {@code first} is null and the queue is empty. Caller
   * holds takeLock (see the class comment) and, after releasing it, passes the result to {@link
   * #start}: only what must be in queue order happens under the lock.
   */
  private @Nullable Drained drain(@Nullable Object first) {
    int max = batchSize;
    List<Object> batch = new ArrayList<>(Math.min(max, 64));
    long[] stamps = null;
    long now = 0;
    boolean locked = latencyStats && takeUnderLock;
    if (locked) {
      insertLock.lock();
    }
    try {
      if (first != null) {
        batch.add(first);
        if (max > 1) {
          queue.drainTo(batch, max - 1);
        }
      } else if (queue.drainTo(batch, max) == 0) {
        return null; // the queue is empty
      }
      if (latencyStats) {
        stamps = ownResponses != null ? new long[batch.size()] : null;
        now = System.nanoTime();
        recordQueueWaits(batch.size(), stamps, now);
      }
    } finally {
      if (locked) {
        insertLock.unlock();
      }
    }
    return new Drained(batch, stamps, now);
  }

  /**
   * Gives a drained batch's slots back to producers (after its stamps were read, see the class
   * comment) and counts it in flight. Outside takeLock: waking producers blocked for room takes the
   * space lock, and no other consumer should wait for that.
   */
  private Batch start(Drained d) {
    List<Object> batch = d.events;
    int n = batch.size();
    releaseSpace(n);
    Tracked[] origins = seesTracked ? unwrapAll(batch) : null;
    inFlight.addAndGet(n); // after the queue shrank: see snapshot()
    activeHandlers.incrementAndGet(); // a batch taken is a handler running, until runBatch ends
    batchesStarted.increment();
    return new Batch(batch, origins, d.stamps, d.takenAt);
  }

  /**
   * A worker: runs its first batch, then keeps taking batches itself while the queue has events and
   * its permit stands, leaving its carrier to others for a turn after every time slice; then gives
   * the permit back and ends. See the class comment.
   */
  @SuppressWarnings("unchecked")
  private void work(Batch first) {
    GraphImpl.CURRENT.set(this);
    long sliceEnd = System.nanoTime() + WORKER_SLICE_NANOS;
    Worker<E> me = new Worker<>();
    workers.add(me);
    Batch b = first;
    try {
      while (true) {
        RunningBatch<E> run = new RunningBatch<>((List<E>) (List<?>) b.events);
        me.current = run;
        // A batch this worker just took starts when it was taken: one clock read fewer per batch.
        // The first one was taken by the dispatcher, a while ago.
        long start = b == first || !latencyStats ? System.nanoTime() : b.takenAt;
        long end = runBatch(run, b.origins, b.admittedAt, start);
        if (end - sliceEnd >= 0 && !handlersWait) {
          leaveCarrierForATurn();
          sliceEnd = System.nanoTime() + WORKER_SLICE_NANOS;
        }
        b = nextBatch();
        if (b == null) {
          return;
        }
      }
    } finally {
      workers.remove(me);
      permits.release();
    }
  }

  /**
   * Ends a worker's slice: lets every virtual thread that waits for a carrier run before this
   * worker takes its next batch. Neither ending the worker nor Thread.yield does that on the JDK's
   * scheduler (a ForkJoinPool): a carrier keeps draining the queue it took its last task from, and
   * both a new worker started here and a yielding thread go back into that same queue, so a
   * CPU-bound stage's workers could keep both carriers of this machine for half a second while an
   * event of another stage waited (the p90 of that wait was 0.1–0.5 s). A timed park comes back
   * through the JDK's timer, from another thread, so the carrier first moves on to the other queues
   * (the same wait: p99 6 ms). A stray interrupt left by the handler is cleared first, or the park
   * would return at once.
   */
  private static void leaveCarrierForATurn() {
    Thread.interrupted();
    LockSupport.parkNanos(HANDOVER_PARK_NANOS);
  }

  /** A running worker and the batch it runs now. */
  private static final class Worker<E> {
    volatile @Nullable RunningBatch<E> current;
  }

  /**
   * The worker's next batch, or {@code null} if it should end: a forced shutdown began, the permits
   * were lowered below the workers holding them, the dispatcher is taking events (it holds
   * takeLock, so the worker steps aside), or the queue is empty.
   */
  private @Nullable Batch nextBatch() {
    Thread.interrupted(); // a handler's stray interrupt must not reach the next batch
    if (graph.isForcing() || permits.availablePermits() < 0) {
      return null;
    }
    if (!takeLock.tryLock()) {
      // Another consumer is taking. With the queue empty the holder may be the dispatcher waiting
      // in take(): end. While events wait it holds the lock for one drain only, and a worker whose
      // handlers mostly wait waits for it rather than end: ending made the dispatcher start a new
      // worker for the same events, a thread start and a hand-off per batch, which capped a stage
      // of thousands of blocking handlers at what one dispatcher restarts. A worker of computing
      // handlers still ends: woken by the lock's holder it would be queued on that holder's
      // carrier, ahead of other stages' threads (see leaveCarrierForATurn).
      if (!handlersWait || free.get() >= capacity) {
        return null;
      }
      try {
        takeLock.lockInterruptibly();
      } catch (InterruptedException e) {
        return null; // a forced shutdown: the worker ends
      }
    }
    Drained d;
    try {
      d = drain(null); // one drainTo: one acquisition of the queue's lock per batch
    } finally {
      takeLock.unlock();
    }
    return d == null ? null : start(d);
  }

  /**
   * Replaces each Tracked item of {@code batch} by its event; returns their origins by index, or
   * {@code null} if none was tracked.
   */
  private static Tracked @Nullable [] unwrapAll(List<Object> batch) {
    Tracked[] origins = null;
    for (int i = 0; i < batch.size(); i++) {
      if (batch.get(i) instanceof Tracked t) {
        if (origins == null) {
          origins = new Tracked[batch.size()];
        }
        origins[i] = t;
        batch.set(i, t.event());
      }
    }
    return origins;
  }

  /**
   * Runs the handler over one batch. {@code origins} (per index, entries may be null) are the path
   * origins of tracked events, {@code admittedAt} the admission times when the stage measures its
   * own response time; both {@code null} otherwise. {@code start} is the time the batch started.
   * Returns the time the batch ended.
   */
  private long runBatch(
      RunningBatch<E> run,
      @Nullable Tracked @Nullable [] origins,
      long @Nullable [] admittedAt,
      long start) {
    List<E> batch = run.events;
    long end = start;
    int n = batch.size();
    int ok = 0;
    int bad = 0;
    int cancel = 0;
    int late = 0;
    List<UnprocessedEvent> cancelledHere = List.of();
    // Indices of the events handled (completed or failed), when their response times are recorded.
    boolean measured = admittedAt != null || (origins != null && pathsEndingHere.length > 0);
    int[] handledAt = measured ? new int[n] : null;
    int handled = 0;
    Context ctx = origins == null ? context : new Context();
    long clock = 0;
    boolean clockRead = false;
    @Nullable LatencyHistogram service = latencyStats ? serviceTime.current() : null;
    int serviced = 0; // events whose handler call ended (completed or failed)
    try {
      EventHandler<? super E> perEvent = eventHandler;
      if (perEvent != null) {
        for (int i = 0; i < n; i++) {
          E e = batch.get(i);
          if (graph.isForcing()) {
            cancelledHere = cancelRest(cancelledHere, batch, i);
            cancel += n - i;
            break;
          }
          if (e instanceof Expiring x) {
            if (!clockRead) {
              clock = graph.clockNanos();
              clockRead = true;
            }
            if (x.deadline().expiredAt(clock)) {
              run.late(++late);
              expire(e);
              continue;
            }
          }
          if (origins != null) {
            ctx.current = origins[i];
          }
          run.progress(i + 1, ok);
          try {
            perEvent.handle(e, ctx);
            ok++;
            if (handledAt != null) {
              handledAt[handled++] = i;
            }
          } catch (Throwable t) {
            if (graph.isForcing()) {
              cancelledHere = add(cancelledHere, new UnprocessedEvent(name, e, true));
              cancel++;
            } else {
              bad++;
              if (handledAt != null) {
                handledAt[handled++] = i;
              }
              Thread.interrupted(); // an interrupt not caused by shutdown must not leak on
              handleFailure(e, t);
            }
          }
        }
        serviced = ok + bad;
      } else {
        BatchHandler<E> handler = Objects.requireNonNull(batchHandler);
        if (graph.isForcing()) {
          cancelledHere = cancelRest(cancelledHere, batch, 0);
          cancel = n;
        } else {
          // Events whose deadline passed are dropped; the handler gets the others.
          List<E> live = batch;
          int[] liveAt = null;
          for (int i = 0; i < n; i++) {
            if (batch.get(i) instanceof Expiring x) {
              if (!clockRead) {
                clock = graph.clockNanos();
                clockRead = true;
              }
              if (x.deadline().expiredAt(clock)) {
                if (liveAt == null) {
                  liveAt = new int[n];
                  for (int j = 0; j < i; j++) {
                    liveAt[j] = j;
                  }
                  live = new ArrayList<>(batch.subList(0, i));
                }
                run.late(++late);
                expire(batch.get(i));
                continue;
              }
            }
            if (liveAt != null) {
              liveAt[live.size()] = i;
              live.add(batch.get(i));
            }
          }
          int m = live.size();
          if (origins != null) {
            ctx.current = earliest(origins);
          }
          if (m > 0) {
            run.live(live);
            run.progress(1, 0);
            try {
              handler.handle(Collections.unmodifiableList(live), ctx);
              ok = m;
              serviced = m;
            } catch (Throwable t) {
              if (graph.isForcing()) {
                for (E e : live) {
                  cancelledHere = add(cancelledHere, new UnprocessedEvent(name, e, true));
                }
                cancel = m;
              } else {
                serviced = m;
                bad = m;
                Thread.interrupted();
                for (E e : live) {
                  handleFailure(e, t);
                }
              }
            }
            if (handledAt != null && cancel == 0) {
              for (int k = 0; k < m; k++) {
                handledAt[handled++] = liveAt == null ? k : liveAt[k];
              }
            }
          }
        }
      }
    } finally {
      end = System.nanoTime();
      busyNanos.add(end - start);
      if (service != null && serviced > 0) {
        // The batch's handler time split evenly over the events handled: one clock read per batch,
        // not per event (a clock read costs about as much as a trivial handler).
        service.record((end - start) / serviced, serviced);
      }
      activeHandlers.decrementAndGet(); // before pending falls: idle means no handler running
      if (run.finish()) { // false: a forced shutdown abandoned the batch and counted it
        if (handled > 0) {
          recordResponses(
              batch, Objects.requireNonNull(handledAt), handled, origins, admittedAt, end);
        }
        inFlight.addAndGet(-n); // before the ends are counted: see snapshot()
        completed.add(ok);
        if (bad > 0) { // LongAdder.add(0) still writes: skip it on the per-batch path
          failed.add(bad);
        }
        if (cancel > 0) {
          cancelled.add(cancel);
        }
        if (late > 0) {
          expired.add(late);
          dropped.add(late);
        }
        if (!cancelledHere.isEmpty()) {
          unprocessed.addAll(cancelledHere);
        }
        run.published();
        graph.eventsEnded(n);
      }
    }
    return end;
  }

  /** A queued event's deadline passed before its handler ran: dropped, counted, reported. */
  private void expire(E e) {
    JfrEvents.rejection(this, JfrEvents.DROPPED_EXPIRED, "EXPIRED", 1, "");
    notifyDropped(e, "deadline passed while queued");
  }

  /** The earliest origin of a batch (what a batch handler's emits inherit), or null if none. */
  private static @Nullable Tracked earliest(@Nullable Tracked[] origins) {
    Tracked first = null;
    for (Tracked t : origins) {
      if (t != null && (first == null || t.originNanos() - first.originNanos() < 0)) {
        first = t;
      }
    }
    return first;
  }

  /**
   * Records the response times of the handled events of a batch that ended at {@code end}: the
   * stage's own (admission here to end), and those of the measured paths that end here (admission
   * at the path's entry to end).
   */
  private void recordResponses(
      List<E> batch,
      int[] handledAt,
      int handled,
      @Nullable Tracked @Nullable [] origins,
      long @Nullable [] admittedAt,
      long end) {
    ResponseTimes own = ownResponses;
    AdmissionController<? super E> fb = gate.feedback();
    if (own != null && admittedAt != null && fb != null) {
      boolean split = own.priorities() > 1;
      for (int k = 0; k < handled; k++) {
        int i = handledAt[k];
        own.record(split ? fb.priorityOf(batch.get(i)) : 0, end - admittedAt[i]);
      }
    }
    PathStats[] paths = pathsEndingHere;
    if (origins != null && paths.length > 0) {
      for (int k = 0; k < handled; k++) {
        Tracked t = origins[handledAt[k]];
        if (t == null) {
          continue;
        }
        for (PathStats p : paths) {
          if (p.entry.id == t.entry()) {
            p.times.record(t.priority(), end - t.originNanos());
          }
        }
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
          OfferResult r = target.admit(new DeadLetter(name, event, error), true, this, null);
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
    List<Object> drained = new ArrayList<>();
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
    for (Object item : drained) {
      unprocessed.add(new UnprocessedEvent(name, unwrap(item), false));
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
    for (Worker<E> w : workers) {
      RunningBatch<E> run = w.current;
      if (run == null || !run.abandon()) {
        continue; // between batches, or its thread finished first and has counted
      }
      List<E> batch = run.events;
      int n = batch.size();
      int late = run.late();
      int ended; // events whose handling ended: completed, failed or expired (dropped)
      int ok;
      List<E> unfinished;
      if (eventHandler != null) {
        int begun = Math.min(run.begun(), n);
        ended = Math.max(0, begun - 1);
        ok = Math.min(run.completed(), ended);
        late = Math.min(late, ended - ok);
        unfinished = batch.subList(ended, n);
      } else {
        List<E> live = run.live(); // a batch handler ends all its live events at once, or none
        ended = late;
        ok = 0;
        unfinished = live != null ? live : batch.subList(late, n);
      }
      inFlight.addAndGet(-n);
      completed.add(ok);
      failed.add(ended - ok - late);
      expired.add(late);
      dropped.add(late);
      boolean first = true;
      for (E e : unfinished) {
        boolean started = eventHandler == null || first;
        unprocessed.add(new UnprocessedEvent(name, e, started && run.begun() > 0));
        first = false;
      }
      cancelled.add(n - ended);
      graph.eventsEnded(n);
      threads.add(
          run.threadName()
              + ": ignoring the interrupt; its "
              + (n - ended)
              + " unfinished event(s) are reported as cancelled");
    }
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

  /*
   * The context handed to handlers. Batches without tracked events share the stage's one instance,
   * whose `current` stays null; a batch with tracked events gets its own, whose `current` is the
   * path origin of the event being handled, inherited by what the handler emits.
   */
  private final class Context implements StageContext {
    @Nullable Tracked current;

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
      OfferResult r = t.admit(t.checkEvent(event), true, StageImpl.this, current);
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
        OfferResult r = t.admit(e, false, StageImpl.this, current);
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
