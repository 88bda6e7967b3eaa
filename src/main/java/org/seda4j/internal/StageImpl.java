package org.seda4j.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.seda4j.FullQueuePolicy;
import org.seda4j.OfferResult;
import org.seda4j.Stage;
import org.seda4j.UnprocessedEvent;
import org.seda4j.control.AdmissionController;
import org.seda4j.observe.GraphSnapshot;
import org.seda4j.observe.StageSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Maintainer note. One stage: the facade of its parts, and what the graph calls on it. The parts,
 * each owning its own fields (dependencies run down this list, never up):
 *   Intake       the way in: gates, counting, full-queue policies (one event or all-or-nothing)
 *   Inbox        the ArrayBlockingQueue, bulk exclusivity; RoomWaits: producers waiting for room
 *   Workers      the virtual threads that drain and run batches, within the permits
 *   BatchRunner  one batch: unwrap, expiry, handler, failure policy, counting (BatchTally)
 *   Cancellations  events cancelled by a forced shutdown: abandoned batches, the sweep, the report
 *   Tuning       the concurrency and batching controllers, overrides
 *   StagePaths   measured paths and response-time feedback to the admission controller
 *   LatencyStats queue wait and service time (absent when the graph turned statistics off)
 *   StageBooks   the counters; EmitWaits: this stage's handlers waiting for room elsewhere
 *   StageSnapshots  reads the parts' counters into a StageSnapshot (no state of its own)
 *   Edges        the events it emitted, per target; StageListeners: the reject and drop listeners
 *   HandlerContext  the StageContext handlers get
 * This class holds no lock and no mutable state of its own.
 */
final class StageImpl<E> implements Stage<E> {
  final int id; // the stage's index in its graph; Tracked events name their path's entry by it
  private final GraphServices graph;
  private final StageSpec<E> spec;
  private final Logger log;
  private final StageLog warnings;
  private final StageBooks books = new StageBooks();
  private final EmitWaits emitWaits = new EmitWaits();
  private final AdmissionGate<E> gate;
  private final Inbox inbox;
  private final @Nullable LatencyStats stats;
  private final StagePaths<E> paths;
  private final Intake<E> intake;
  private final BatchRunner<E> runner;
  private final Cancellations<E> cancellations;
  private final Workers<E> workers;
  private final Tuning tuning;
  private final StageSnapshots snapshots;
  private final Edges edges = new Edges();
  private final StageListeners<E> listeners;

  StageImpl(GraphServices graph, StageSpec<E> spec, long startNanos) {
    this.graph = graph;
    this.spec = spec;
    this.id = spec.id();
    this.log = LoggerFactory.getLogger("org.seda4j.stage." + graph.name() + "." + spec.name());
    this.warnings = new StageLog(log, spec.name(), graph::clockNanos);
    this.listeners = new StageListeners<>(spec, warnings);
    this.gate = new AdmissionGate<>(this, spec.admission());
    this.inbox = new Inbox(spec.capacity(), books);
    this.paths = new StagePaths<>(this, graph, gate.feedback(), startNanos);
    this.stats = graph.latencyStatistics() ? new LatencyStats() : null;
    int permits = spec.concurrency().initial();
    int batchSize = spec.batching().initial();
    if (permits < 1 || batchSize < 1) {
      throw new IllegalArgumentException(
          String.format(
              "controllers of stage '%s' start at permits %d and batchSize %d; both must be at"
                  + " least 1",
              spec.name(), permits, batchSize));
    }
    this.intake = new Intake<>(this, graph, spec, books, inbox, paths, stats, gate);
    this.cancellations = new Cancellations<>(this, books, spec.eventHandler() != null);
    this.runner = new BatchRunner<>(this, graph, books, paths, stats, spec, cancellations);
    this.workers =
        new Workers<>(this, graph, inbox, runner, permits, batchSize, spec.eventHandler() != null);
    this.intake.workers(workers);
    this.runner.workers(workers);
    this.cancellations.workers(workers);
    this.tuning =
        new Tuning(
            this,
            workers,
            spec.concurrency(),
            spec.batching(),
            spec.eventHandler() != null,
            graph.processors(),
            startNanos);
    this.snapshots =
        new StageSnapshots(spec, books, inbox, workers, tuning, stats, paths, gate, emitWaits);
  }

  /** The stateful controllers of the stage (each must serve one stage only). */
  List<Object> controllers() {
    List<Object> all = new ArrayList<>(gate.controllers());
    all.add(spec.concurrency());
    all.add(spec.batching());
    return all;
  }

  // ---------------------------------------------------------------- Stage API

  @Override
  public String name() {
    return spec.name();
  }

  @Override
  public Class<E> eventType() {
    return spec.type();
  }

  @Override
  public int capacity() {
    return spec.capacity();
  }

  @Override
  public FullQueuePolicy fullQueuePolicy() {
    return spec.policy();
  }

  @Override
  public void put(E event) throws InterruptedException {
    spec.throwIfNotAdmitted(countDirect(intake.admit(spec.checkEvent(event), true, null, null), 1));
  }

  @Override
  public OfferResult offer(E event) {
    E e = spec.checkEvent(event);
    try {
      return countDirect(intake.admit(e, false, null, null), 1);
    } catch (InterruptedException unreachable) {
      Thread.currentThread().interrupt(); // admit never waits when mayWait is false
      throw new AssertionError(unreachable);
    }
  }

  @Override
  public void putAll(Collection<? extends E> events) throws InterruptedException {
    List<E> list = spec.checkEvents(events);
    spec.throwIfNotAdmitted(countDirect(intake.admitAll(list, true), list.size()));
  }

  @Override
  public OfferResult offerAll(Collection<? extends E> events) {
    List<E> list = spec.checkEvents(events);
    try {
      return countDirect(intake.admitAll(list, false), list.size());
    } catch (InterruptedException unreachable) {
      Thread.currentThread().interrupt();
      throw new AssertionError(unreachable);
    }
  }

  @Override
  public int permits() {
    return workers.permits.limit();
  }

  @Override
  public void setPermits(int permits) {
    tuning.setPermits(Checks.requirePositive("permits", permits));
  }

  @Override
  public int batchSize() {
    return workers.batchSize;
  }

  @Override
  public void setBatchSize(int batchSize) {
    tuning.setBatchSize(Checks.requirePositive("batchSize", batchSize));
  }

  @Override
  public void releaseOverrides() {
    tuning.releaseOverrides();
  }

  @Override
  public StageSnapshot snapshot() {
    return snapshots.take();
  }

  @Override
  public String toString() {
    return "Stage[" + graph.name() + "/" + spec.name() + "]";
  }

  // ---------------------------------------------------------------- for the parts

  StageSpec<E> spec() {
    return spec;
  }

  GraphServices graphServices() {
    return graph;
  }

  Logger log() {
    return log;
  }

  /** The stage's rate-limited WARNs. */
  StageLog warnings() {
    return warnings;
  }

  EmitWaits emitWaits() {
    return emitWaits;
  }

  /** Admits an event emitted by a handler of {@code source} (or a dead letter). */
  OfferResult admit(E e, boolean mayWait, @Nullable StageImpl<?> source, @Nullable Tracked origin)
      throws InterruptedException {
    return intake.admit(spec.checkEvent(e), mayWait, source, origin);
  }

  /** The user's event of a queue item leaving the queue unhandled. */
  @SuppressWarnings("unchecked")
  E unwrapDiscarded(Object item) {
    return (E) Stamped.discardedEvent(item, stats);
  }

  /** Hands a rejected event to the rejection listener, if any, on the caller's thread. */
  void notifyRejected(E e, OfferResult.Rejected r) {
    listeners.rejected(e, r);
  }

  /** Logs (rate-limited) and hands a dropped event to the drop listener, if any. */
  void notifyDropped(E e, String why) {
    listeners.dropped(e, why, books.dropped());
  }

  /** A context for handlers of this stage. */
  HandlerContext newContext() {
    return new HandlerContext(this, graph);
  }

  // ---------------------------------------------------------------- edges

  /** Counts {@code n} events this stage emitted that {@code target} admitted (see Edges). */
  void countEmit(StageImpl<?> target, int n) {
    edges.count(target, n);
  }

  /**
   * A direct put/offer/putAll/offerAll by a handler thread of the same graph is an edge from the
   * handler's stage, like an emit. Only a virtual thread can be one.
   */
  private OfferResult countDirect(OfferResult result, int n) {
    if (result.admitted() && Thread.currentThread().isVirtual()) {
      StageImpl<?> source = graph.currentHandlerStage();
      if (source != null) {
        source.countEmit(this, n);
      }
    }
    return result;
  }

  /** Adds this stage's outgoing edges, unordered, to {@code out}. */
  void collectEdges(List<GraphSnapshot.Edge> out) {
    edges.collect(name(), out);
  }

  // ---------------------------------------------------------------- for the graph

  StagePaths<E> paths() {
    return paths;
  }

  AdmissionController.@Nullable Feedback feedback() {
    return paths.feedback();
  }

  /** Events admitted here and not yet ended: queued and in flight. */
  long inSystem() {
    return inbox.size() + workers.inFlight();
  }

  /** Events in the system where this stage's feedback controller measures. */
  long inSystemWhereMeasured() {
    return paths.inSystemWhereMeasured();
  }

  /** Events waiting in the queue now. */
  int queueLength() {
    return inbox.size();
  }

  boolean saturated() {
    return tuning.saturated();
  }

  boolean searching() {
    return tuning.searching();
  }

  /**
   * A sampler pass at {@code now}: the controllers, if this stage's window ended, and the
   * statistics on a full pass ({@code full}: the period ended; a quarter-period pass otherwise, see
   * {@link Tuning#quickWindows}). Sampler thread only.
   */
  void sample(long now, long periodNanos, boolean full, double cpuLoad) {
    if (full) {
      warnings.flush();
    }
    if (tuning.sample(
        now, periodNanos, full, books, inbox.size(), spec.capacity(), inbox.parked(), cpuLoad)) {
      if (stats != null) {
        stats.rotate(books.offered.sum());
      }
      JfrEvents.stageStatistics(this);
    }
  }

  /** Whether this stage's windows are a quarter period for now ({@link Tuning#quickWindows}). */
  boolean quickWindows() {
    return tuning.quickWindows();
  }

  /** Response-time feedback for the admission controller. Sampler thread, after sample(). */
  void updateAdmission(long now) {
    paths.updateAdmission(now, books, inbox.size(), spec.capacity());
  }

  /** Events counted in offered (quiescence: read after every stage's settled()). */
  long offered() {
    return books.offered.sum();
  }

  /** Events counted in offered that are over (quiescence). */
  long settled() {
    return books.settled();
  }

  /** Changes whenever an event moves in or out (deadlock detector). */
  long eventsMoved() {
    return books.moved();
  }

  int runningHandlers() {
    return workers.active();
  }

  int handlersWaitingWithoutBound() {
    return emitWaits.withoutBound();
  }

  Set<StageImpl<?>> stagesWaitedOn() {
    return emitWaits.targets();
  }

  // ---------------------------------------------------------------- shutdown

  /** No worker starts from now on; a lingering one ends. */
  void stopWorkers() {
    workers.stop();
  }

  /** Wakes producers waiting for room, so that they see the graph's new phase. */
  void wakeProducers() {
    inbox.wakeAll();
  }

  /** A forced shutdown: waits (until {@code deadline}) for producers in the middle of an insert. */
  void awaitProducers(long deadline) {
    inbox.awaitProducers(deadline);
  }

  /**
   * Cancels every queued event: counted, reported. {@code last}: the shutdown's last sweep (see
   * Inbox.sweepLast). Terminating thread only.
   */
  void cancelQueued(boolean last) {
    List<Object> swept = new ArrayList<>();
    if ((last ? inbox.sweepLast(swept) : inbox.sweep(swept)) > 0) {
      cancellations.cancelSwept(swept);
    }
  }

  /** The terminator takes over a running worker's batch (see BatchRunner.abandon). */
  @Nullable String abandon(Worker w) {
    return cancellations.abandon(w, inbox::size);
  }

  /** Moves the events cancelled so far into {@code out}. */
  void takeUnprocessed(List<UnprocessedEvent> out) {
    cancellations.takeUnprocessed(out);
  }

  /** The workers (the registry's lookup by thread name; the tests' Internals). */
  Workers<E> workers() {
    return workers;
  }
}
