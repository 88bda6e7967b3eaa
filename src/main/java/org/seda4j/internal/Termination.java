package org.seda4j.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.seda4j.GraphFailedException;
import org.seda4j.StageGraph.State;
import org.seda4j.UnprocessedEvent;
import org.seda4j.observe.ShutdownReport;

/*
 * Maintainer note. How a graph ends: close(), close(Duration), shutdownNow() and the abort after a
 * failGraph failure. Owns who terminates (`terminator`, `aborter`, `forced`, guarded by the graph's
 * lock) and the report, which is kept: every caller gets it, concurrent closers and later calls
 * included, and StageGraph.shutdownReport() returns it once the graph terminated.
 *
 * Exactly one thread terminates; the others wait for TERMINATED (a bounded wait: a graceful
 * termination starts only at quiescence, a forced one takes at most the grace). Every wait here is
 * bounded by the caller's deadline plus the interrupt grace (and a small margin to stop the graph's
 * own threads), whatever the handlers do: a handler spinning on every carrier thread delays no
 * join past the grace; its thread is named in the report and its batch taken over (see Worker).
 * When terminate() returns, every thread it could stop has ended: workers and the sampler are
 * joined, not counted.
 *
 * Forced: phase FORCING (producers are refused from their next check on, handlers see it between
 * events), wake waiting producers, interrupt every worker, wait for producers in the middle of an
 * insert (see Inbox's gap), sweep every queue (cancelled, reported), join the workers until the
 * grace ends, take over the batches of those still running, sweep again (what late handlers
 * emitted; this last sweep seals each inbox first, so a bulk inserted after it takes its events
 * back: see Intake.queuedAll), join the sampler.
 */
final class Termination {
  private static final long MARGIN_NANOS = 50_000_000; // to stop the graph's own threads

  private final GraphImpl graph;
  private @Nullable Thread terminator; // guarded by graph.lock
  private @Nullable Thread aborter; // guarded by graph.lock
  private volatile @Nullable ShutdownReport report;

  Termination(GraphImpl graph) {
    this.graph = graph;
  }

  @Nullable ShutdownReport report() {
    return graph.state() == State.TERMINATED ? report : null;
  }

  /**
   * close(): {@code gracefulNanos} Long.MAX_VALUE; close(d): d; shutdownNow(): 0. Waits for
   * quiescence that long, then terminates (forcibly if it was not reached).
   */
  ShutdownReport shutdown(long gracefulNanos) {
    graph.refuseFromHandler("close");
    long start = System.nanoTime();
    graph.lock.lock();
    try {
      if (graph.state() == State.OPEN) {
        graph.moveTo(State.CLOSING, Phase.CLOSING);
        graph.log.debug("graph '{}' closing", graph.name());
      }
    } finally {
      graph.lock.unlock();
    }
    wakeProducers(); // external producers waiting for room must see CLOSING and leave
    boolean interrupted = false;
    boolean idle;
    try {
      idle =
          gracefulNanos == 0
              ? graph.quiescence.quiescent()
              : graph.quiescence.await(
                  gracefulNanos, () -> graph.phase() >= Phase.FORCING, this::reportWait);
    } catch (InterruptedException ie) {
      interrupted = true;
      idle = false;
    }
    ShutdownReport r = terminate(!idle, start);
    Thread a;
    graph.lock.lock();
    try {
      a = aborter;
    } finally {
      graph.lock.unlock();
    }
    if (a != null && a != Thread.currentThread()) {
      Waits.joinUntil(a, Waits.deadlineAfter(grace() + MARGIN_NANOS));
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    GraphFailedException f = graph.failureOrNull();
    if (f != null) {
      ShutdownReport full = report;
      throw new GraphFailedException(
          graph.name(), f.stage(), Objects.requireNonNull(f.getCause()), full != null ? full : r);
    }
    return r;
  }

  /** A handler of a failGraph stage threw: records the first failure and aborts the graph. */
  void fail(String stage, Throwable error) {
    graph.lock.lock();
    try {
      GraphFailedException first = graph.failureOrNull();
      if (first != null) {
        Throwable cause = Objects.requireNonNull(first.getCause());
        // A failed batch reports its one exception for every event, and a handler may rethrow a
        // shared instance: Throwable refuses to suppress itself, and a repeat adds nothing.
        if (error != cause && !List.of(cause.getSuppressed()).contains(error)) {
          cause.addSuppressed(error);
        }
        return;
      }
      graph.failed(new GraphFailedException(graph.name(), stage, error));
      graph.log.error(
          "graph '{}' fails: handler of stage '{}' threw; cancelling all work",
          graph.name(),
          stage,
          error);
      if (terminator == null) {
        // A platform thread: it must run even while handlers keep every carrier busy.
        Thread t =
            Thread.ofPlatform()
                .daemon(true)
                .name("seda4j-" + graph.name() + "-abort")
                .unstarted(() -> terminate(true, System.nanoTime()));
        aborter = t;
        t.start();
      }
      graph.changed.signalAll();
    } finally {
      graph.lock.unlock();
    }
    graph.quiescence.wake();
  }

  private long grace() {
    return Waits.nanos(graph.interruptGrace);
  }

  /** Stops every stage; exactly one thread does the work, others wait for it. */
  private ShutdownReport terminate(boolean forceRequested, long start) {
    boolean forced;
    graph.lock.lock();
    try {
      if (terminator != null) {
        while (graph.state() != State.TERMINATED) {
          graph.changed.awaitUninterruptibly();
        }
        return Objects.requireNonNull(report);
      }
      terminator = Thread.currentThread();
      // A graph that failed (or began a forced shutdown) is terminated forcibly, whoever gets here
      // first: a close() that found quiescence after a failGraph handler had cancelled the rest of
      // its batch must not report a graceful end, nor skip the aborter's sweeps.
      forced = forceRequested || graph.phase() >= Phase.FORCING;
      if (forced) {
        graph.moveTo(State.TERMINATING, Phase.FORCING);
      }
      graph.changed.signalAll();
    } finally {
      graph.lock.unlock();
    }
    graph.quiescence.wake();
    long graceDeadline = Waits.deadlineAfter(grace());
    graph.sampler.requestStop();
    List<StageImpl<?>> all = graph.registry.stages();
    for (StageImpl<?> s : all) {
      s.stopWorkers();
    }
    if (forced) {
      graph.log.info(
          "graph '{}' shutting down forcibly: interrupting handlers, cancelling queues",
          graph.name());
      wakeProducers();
    }
    for (Worker w : graph.registry.workers()) {
      w.thread.interrupt(); // forced: handlers; graceful: idle workers (nothing runs at quiescence)
    }
    if (forced) {
      for (StageImpl<?> s : all) {
        s.awaitProducers(graceDeadline);
        s.cancelQueued(false);
      }
    }
    List<String> unstopped = new ArrayList<>();
    joinWorkers(graceDeadline, unstopped);
    for (StageImpl<?> s : all) {
      s.cancelQueued(true); // events emitted by handlers that were still finishing
    }
    if (!graph.sampler.join(graceDeadline + MARGIN_NANOS)) {
      unstopped.add(graph.sampler.threadName() + ": a controller of the graph has not returned");
    }
    graph.deadlocks.clear(); // a terminated graph holds nothing any more
    List<UnprocessedEvent> unprocessed = new ArrayList<>();
    for (StageImpl<?> s : all) {
      s.takeUnprocessed(unprocessed);
    }
    GraphJmx jmx = graph.jmx;
    if (jmx != null) {
      jmx.unregisterAll();
    }
    ShutdownReport r =
        new ShutdownReport(
            !forced, Duration.ofNanos(System.nanoTime() - start), unprocessed, unstopped);
    report = r;
    graph.lock.lock();
    try {
      graph.moveTo(State.TERMINATED, Phase.TERMINATED);
      graph.changed.signalAll();
    } finally {
      graph.lock.unlock();
    }
    wakeProducers(); // nobody may wait for room in a terminated graph
    if (forced || !unstopped.isEmpty()) {
      graph.log.warn("graph '{}' terminated: {}", graph.name(), r);
    } else {
      graph.log.debug("graph '{}' terminated: {}", graph.name(), r);
    }
    return r;
  }

  /**
   * Joins every worker until {@code deadline}; takes over the batch of each still running and names
   * it. Workers started while this runs (they see the stop at once) are joined too.
   */
  private void joinWorkers(long deadline, List<String> unstopped) {
    Set<Worker> left = Collections.newSetFromMap(new IdentityHashMap<>());
    for (int round = 0; round < 3 && graph.registry.hasWorkers(); round++) {
      for (Worker w : graph.registry.workers()) {
        if (left.contains(w)) {
          continue;
        }
        w.thread.interrupt();
        if (!Waits.joinUntil(w.thread, deadline)) {
          left.add(w);
        }
      }
    }
    // Workers that left the registry as they ended: their last lines of engine code may still run.
    for (Worker w : graph.registry.exiting()) {
      if (!Waits.joinUntil(w.thread, deadline + MARGIN_NANOS)) {
        unstopped.add(
            w.threadName()
                + " (stage '"
                + w.owner.stage().name()
                + "'): still ending after the grace, after its last batch (no carrier thread was"
                + " free to run it)");
      }
    }
    graph.registry.pruneExited();
    for (Worker w : left) {
      String line = w.owner.stage().abandon(w);
      unstopped.add(
          line != null
              ? line
              : w.threadName()
                  + " (stage '"
                  + w.owner.stage().name()
                  + "'): still ending after the grace, between batches (no carrier thread was free"
                  + " to run it)");
    }
  }

  private void wakeProducers() {
    for (StageImpl<?> s : graph.registry.stages()) {
      s.wakeProducers();
    }
  }

  /**
   * close() has waited {@code nanos} for quiescence: says for what (rate-limited by the caller).
   */
  private void reportWait(long nanos) {
    List<String> busy = new ArrayList<>();
    long now = System.nanoTime();
    for (Worker w : graph.registry.workers()) {
      long since = w.since;
      if (since != 0) {
        busy.add(
            w.threadName()
                + " (stage '"
                + w.owner.stage().name()
                + "') in its handler for "
                + (now - since) / 1_000_000
                + " ms");
      }
    }
    graph.log.warn(
        "close() of graph '{}' has waited {} s for the graph to become idle; handler threads"
            + " running: {}",
        graph.name(),
        nanos / 1_000_000_000,
        busy.isEmpty() ? "none (events are queued or producers are emitting)" : busy);
  }
}
