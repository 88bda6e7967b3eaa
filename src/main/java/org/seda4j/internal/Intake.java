package org.seda4j.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.seda4j.Deadline;
import org.seda4j.Expiring;
import org.seda4j.FullQueuePolicy;
import org.seda4j.OfferResult;
import org.seda4j.RejectionReason;
import org.seda4j.StageGraph;

/*
 * Maintainer note. The way into a stage: every put, offer, putAll, offerAll and emit. Owns the
 * order of the gates and the counting of every outcome; uses Inbox for the queue, StagePaths and
 * LatencyStats to wrap the event, Workers to start a worker for it.
 *
 * One event, in order:
 *  1. The graph must admit the caller (a volatile read; while closing, a handler thread only).
 *     Refused here: CLOSED, not counted in `offered`.
 *  2. Screening, guarded: Expiring.deadline() (a throw or a null refuses the event: REFUSED with a
 *     message naming the callback) and the admission controllers (the same for a throw). Refused
 *     here: counted by reason only.
 *  3. The event is wrapped (path origin; the producer's context, captured by the graph's context
 *     propagators, guarded, if it has any; queue-wait stamp) and counted in `offered`, then the
 *     phase is read again (the quiescence Dekker pair with close(): see StageBooks), then offered
 *     to the queue. That stretch, from `offered` to the queue, runs engine code only (see Inbox's
 *     gap).
 *  4. A full queue: the policy (wait, reject, drop the newest, drop the oldest).
 *  5. Queued: if a forced shutdown began meanwhile, the event is taken back out if it is still
 *     there (not admitted); otherwise a worker is started if none would look at the queue.
 * Every event counted in `offered` ends counted: admitted (then it ends in the books later), or
 * `unadmitted` with its reason. A rejection or drop wakes the idle waiters if any: it may have
 * been the graph's last pending event. Listeners run after the counting, outside the gap.
 */
final class Intake<E> {
  private final StageImpl<E> stage;
  private final GraphServices graph;
  private final StageSpec<E> spec;
  private final StageBooks books;
  private final Inbox inbox;
  private final StagePaths<E> paths;
  private final @Nullable LatencyStats stats;
  private final @Nullable ContextCarrier carrier; // null: no context propagation
  private final AdmissionGate<E> gate;
  private final BooleanSupplier open;

  @SuppressWarnings("NullAway.Init") // set by StageImpl right after construction
  private Workers<E> workers;

  private final Rejections rejections;

  Intake(
      StageImpl<E> stage,
      GraphServices graph,
      StageSpec<E> spec,
      StageBooks books,
      Inbox inbox,
      StagePaths<E> paths,
      @Nullable LatencyStats stats,
      AdmissionGate<E> gate) {
    this.stage = stage;
    this.graph = graph;
    this.spec = spec;
    this.books = books;
    this.inbox = inbox;
    this.paths = paths;
    this.stats = stats;
    this.carrier = graph.contextCarrier();
    this.gate = gate;
    this.open = graph::admitsCaller;
    this.rejections = new Rejections(stage, spec);
  }

  void workers(Workers<E> workers) {
    this.workers = workers;
  }

  // ---------------------------------------------------------------- one event

  /**
   * Admits one event or says why not. {@code mayWait}: put or emit (the policy may wait); offer
   * never waits. {@code source}: the emitting stage for handler emits; {@code origin}: the path
   * origin the event inherits.
   */
  OfferResult admit(E e, boolean mayWait, @Nullable StageImpl<?> source, @Nullable Tracked origin)
      throws InterruptedException {
    if (graph.phase() != Phase.OPEN && !graph.admitsCaller()) {
      return closed(1, false);
    }
    OfferResult.Rejected refused = screen(e);
    if (refused != null) {
      books.rejected(refused.reason(), 1);
      JfrEvents.rejection(stage, JfrEvents.REJECTED, refused.reason().name(), 1, refused.message());
      stage.notifyRejected(e, refused);
      return refused;
    }
    Object item = paths.wrap(e, origin);
    if (carrier != null) {
      item = carrier.wrap(item, stage); // the producer's context, captured on its thread
    }
    if (stats != null) {
      item = stats.stamp(item);
    }
    books.offered.increment(); // then the phase: the quiescence Dekker pair (see StageBooks)
    if (graph.phase() != Phase.OPEN && !graph.admitsCaller()) {
      discard(item);
      return closed(1, true);
    }
    if (workers.handOff(item)) {
      return OfferResult.accepted(); // to a new worker, past the empty queue (see Workers)
    }
    if (inbox.offer(item)) {
      return queued(item);
    }
    return whenFull(e, item, mayWait, source);
  }

  private OfferResult queued(Object item) {
    if (graph.phase() >= Phase.FORCING && inbox.retract(item)) {
      discard(item); // a forced shutdown began and may have swept already: not admitted
      return closed(1, true);
    }
    workers.eventQueued();
    return OfferResult.accepted();
  }

  private OfferResult whenFull(E e, Object item, boolean mayWait, @Nullable StageImpl<?> source)
      throws InterruptedException {
    Inbox.Outcome o =
        switch (spec.policy()) {
          case FullQueuePolicy.Block b ->
              mayWait ? waitForRoom(e, item, Long.MAX_VALUE, source) : insertNoWait(item);
          case FullQueuePolicy.BlockFor b ->
              mayWait ? waitForRoom(e, item, Waits.nanos(b.timeout()), source) : insertNoWait(item);
          case FullQueuePolicy.Reject r -> insertNoWait(item);
          case FullQueuePolicy.DropNewest d -> insertNoWait(item);
          case FullQueuePolicy.DropOldest d -> dropOldest(item);
        };
    return switch (o) {
      case INSERTED -> queued(item);
      case FULL ->
          spec.policy() instanceof FullQueuePolicy.DropNewest
              ? droppedNewest(e, item)
              : notAdmitted(e, item, rejections.queueFull());
      case TIMED_OUT -> notAdmitted(e, item, rejections.timedOut());
      case CLOSED, INTERRUPTED -> {
        discard(item);
        yield closed(1, true);
      }
    };
  }

  private Inbox.Outcome insertNoWait(Object item) {
    try {
      return inbox.insert(item, false, 0, open);
    } catch (InterruptedException unreachable) {
      Thread.currentThread().interrupt(); // insert never waits interruptibly when mayWait is false
      throw new AssertionError(unreachable);
    }
  }

  private Inbox.Outcome waitForRoom(E e, Object item, long nanos, @Nullable StageImpl<?> source)
      throws InterruptedException {
    boolean forever = nanos == Long.MAX_VALUE;
    // The stage whose handler waits (an emit, or a put on a handler thread): counted for
    // StageSnapshot.blockedOnEmit and, if it waits without a bound, for the DeadlockDetector.
    StageImpl<?> waiter = source != null ? source : graph.currentHandlerStage();
    if (waiter != null) {
      waiter.emitWaits().waiting(stage, forever, 1);
    }
    try {
      return inbox.insert(item, true, nanos, open);
    } catch (InterruptedException ie) {
      notAdmitted(e, item, rejections.interruptedWaiting());
      throw ie;
    } finally {
      if (waiter != null) {
        waiter.emitWaits().waiting(stage, forever, -1);
      }
    }
  }

  private Inbox.Outcome dropOldest(Object item) {
    List<Object> removed = inbox.insertDroppingOldest(item);
    for (Object old : removed) {
      JfrEvents.rejection(stage, JfrEvents.DROPPED_OLDEST, JfrEvents.DROPPED_OLDEST, 1, "");
      stage.notifyDropped(stage.unwrapDiscarded(old), "policy " + spec.policy());
    }
    if (!removed.isEmpty()) {
      ended();
    }
    return Inbox.Outcome.INSERTED;
  }

  private OfferResult droppedNewest(E e, Object item) {
    discard(item);
    books.droppedNew.increment();
    ended();
    JfrEvents.rejection(stage, JfrEvents.DROPPED_NEWEST, JfrEvents.DROPPED_NEWEST, 1, "");
    stage.notifyDropped(e, "policy " + spec.policy());
    return new OfferResult.Dropped(stage.name());
  }

  /** Counts an event that was counted in `offered` as not admitted after all, for {@code r}. */
  private OfferResult notAdmitted(E e, Object item, OfferResult.Rejected r) {
    discard(item);
    books.unadmitted.increment();
    books.rejected(r.reason(), 1);
    ended();
    JfrEvents.rejection(stage, JfrEvents.REJECTED, r.reason().name(), 1, r.message());
    stage.notifyRejected(e, r);
    return r;
  }

  /**
   * Counts {@code n} events refused because the graph does not admit the caller; {@code counted}:
   * they were counted in `offered`. Throws the graph's failure if it failed.
   */
  private OfferResult closed(int n, boolean counted) {
    if (counted) {
      books.unadmitted.add(n);
    }
    books.rejected(RejectionReason.CLOSED, n);
    if (counted) {
      ended();
    }
    graph.throwIfFailed();
    int phase = graph.phase();
    String why =
        phase == Phase.CLOSING
            ? "close() was called; only handlers of the graph may still emit while it drains"
            : "it was shut down";
    StageGraph.State state = graph.api().state();
    String message =
        "stage '%s' does not admit events: graph '%s' is %s (%s)"
            .formatted(stage.name(), graph.name(), state, why);
    JfrEvents.rejection(stage, JfrEvents.CLOSED, JfrEvents.CLOSED, n, message);
    return new OfferResult.Closed(stage.name(), message);
  }

  /** An event ended (rejected or dropped after being counted): it may have been the last one. */
  private void ended() {
    if (graph.idleAwaited()) {
      graph.wakeIdleWaiters();
    }
  }

  private void discard(Object item) {
    if (item instanceof Stamped s && stats != null) {
      stats.discarded(s);
    }
  }

  // ---------------------------------------------------------------- all or nothing

  /** putAll ({@code mayWait}) and offerAll: all events or none. */
  OfferResult admitAll(List<E> events, boolean mayWait) throws InterruptedException {
    int n = events.size();
    if (n == 0) {
      return OfferResult.accepted();
    }
    if (graph.phase() != Phase.OPEN && !graph.admitsCaller()) {
      return closed(n, false);
    }
    for (E e : events) {
      OfferResult.Rejected refused = screen(e);
      if (refused != null) {
        books.rejected(refused.reason(), n);
        JfrEvents.rejection(
            stage, JfrEvents.REJECTED, refused.reason().name(), n, refused.message());
        for (E each : events) {
          stage.notifyRejected(each, refused);
        }
        return refused;
      }
    }
    Object context = carrier != null ? carrier.capture(stage) : null; // once: the same thread
    List<Object> items = new ArrayList<>(n);
    for (E e : events) {
      Object item = paths.wrap(e, null);
      if (context != null) {
        item = new Carried(item, context);
      }
      items.add(stats != null ? stats.stamp(item) : item);
    }
    boolean wait = mayWait && spec.blocks();
    long nanos =
        spec.policy() instanceof FullQueuePolicy.BlockFor b
            ? Waits.nanos(b.timeout())
            : Long.MAX_VALUE;
    Inbox.Outcome o;
    try {
      o = inbox.insertAll(items, wait, nanos, open);
    } catch (InterruptedException ie) {
      items.forEach(this::discard); // interrupted before they were counted
      OfferResult.Rejected r = rejections.interruptedWaiting();
      books.rejected(RejectionReason.INTERRUPTED, n);
      for (E e : events) {
        stage.notifyRejected(e, r);
      }
      throw ie;
    }
    if (o == Inbox.Outcome.INSERTED) {
      return queuedAll(items);
    }
    items.forEach(this::discard);
    if (o == Inbox.Outcome.CLOSED) {
      return closed(n, true);
    }
    OfferResult.Rejected r =
        switch (o) {
          case TIMED_OUT -> rejections.timedOut();
          case INTERRUPTED -> rejections.interruptedWaiting();
          default -> rejections.queueFull();
        };
    books.unadmitted.add(n);
    books.rejected(r.reason(), n);
    ended();
    JfrEvents.rejection(stage, JfrEvents.REJECTED, r.reason().name(), n, r.message());
    for (E e : events) {
      stage.notifyRejected(e, r);
    }
    if (o == Inbox.Outcome.INTERRUPTED) {
      throw new InterruptedException(r.message());
    }
    return r;
  }

  private OfferResult queuedAll(List<Object> items) {
    if (inbox.sealed()) {
      // The forced shutdown's last sweep began: its wait for producers in the gap gave up before
      // these went in, so nobody else will take them. Take back what is still queued: all of
      // them, since no worker drains after that sweep, unless that sweep fell between two of
      // their inserts (it waits for no bulk once the wait gave up): then the part it swept is
      // admitted, cancelled and reported, and the caller is told Closed for the whole bulk.
      // Before that sweep (even in FORCING) they stay: a worker or the sweep ends them, all
      // counted as admitted. Taking back what is still queued then made a bulk part admitted,
      // part refused (a worker may have run its head already).
      int back = 0;
      for (Object item : items) {
        if (inbox.retract(item)) {
          discard(item);
          back++;
        }
      }
      if (back > 0) {
        return closed(back, true);
      }
    }
    workers.eventQueued();
    return OfferResult.accepted();
  }

  // ---------------------------------------------------------------- screening

  /**
   * The rejection for an event that may not enter although the graph admits: its deadline passed,
   * an admission controller refused it, or one of these callbacks failed; {@code null} if it may
   * enter.
   */
  private OfferResult.@Nullable Rejected screen(E e) {
    if (e instanceof Expiring x) {
      Deadline d;
      try {
        d = x.deadline();
      } catch (Throwable t) {
        return rejections.callbackFailed("Expiring.deadline()", t);
      }
      if (d == null) {
        return rejections.callbackFailed("Expiring.deadline()", null);
      }
      if (d.expiredAt(graph.clockNanos())) {
        return rejections.expiredOnArrival();
      }
    }
    if (gate.isEmpty()) {
      return null;
    }
    try {
      return gate.check(e);
    } catch (Throwable t) {
      return rejections.callbackFailed("admission controller", t);
    }
  }
}
