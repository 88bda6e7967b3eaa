package org.seda4j.internal;

import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.seda4j.control.BatchController;
import org.seda4j.control.ConcurrencyController;
import org.seda4j.control.ControllerDecision;
import org.seda4j.control.ControllerSample;

/*
 * Maintainer note. A stage's tuning: once per sampling window the graph's sampler hands the
 * window's figures to the concurrency and batching controllers and applies their decisions; users
 * (and JMX) override either setting by hand. Owns: the controllers, the override flags, the last
 * decisions and the sampler's last figures. Writes the permits' limit and the batch size of
 * Workers.
 *
 * Overrides hold: setPermits/setBatchSize and the sampler's apply step take `lock`, and the
 * sampler applies a decision only if the setting is not overridden at that moment (the controller
 * itself is asked outside the lock: it is user code and may be slow). So after setPermits(n)
 * returns, no decision replaces n until releaseOverrides(). The lock is never held while anything
 * waits.
 *
 * One setting changes per window, and the controller that changed it judges the next window
 * alone. A batch handler's batch size is tuned first and its permits only once the batch size
 * stopped searching (a fixed cost per call is paid by bigger batches, not by more calls in
 * flight); a per-event handler's permits come first (its batch only amortises dispatch).
 */
final class Tuning {
  private final StageImpl<?> stage;
  private final Workers<?> workers;
  private final ConcurrencyController concurrency;
  private final BatchController batching;
  private final boolean batchFirst;
  private final boolean perEvent;
  private final int processors;
  private final ReentrantLock lock = new ReentrantLock();
  private volatile boolean permitsPinned;
  private volatile boolean batchSizePinned;
  private volatile String concurrencyDecision;
  private volatile String batchDecision;
  private volatile double throughput;
  private volatile boolean saturated;
  private volatile boolean searching;
  private volatile boolean quickWindows;
  // Sampler thread only:
  private boolean concurrencySearching;
  private boolean batchSearching;
  private boolean batchJustChanged;
  private boolean permitsJustChanged;
  private long lastSampleNanos;
  private long lastStatisticsNanos;
  private long lastAdmitted;
  private long lastEnded;
  private long lastBatches;
  private long lastBusyNanos;
  private long lastTurnedAway;

  Tuning(
      StageImpl<?> stage,
      Workers<?> workers,
      ConcurrencyController concurrency,
      BatchController batching,
      boolean perEvent,
      int processors,
      long startNanos) {
    this.stage = stage;
    this.processors = processors;
    this.workers = workers;
    this.concurrency = concurrency;
    this.batching = batching;
    this.perEvent = perEvent;
    this.batchFirst = !perEvent;
    this.lastSampleNanos = startNanos;
    this.lastStatisticsNanos = startNanos;
    this.concurrencyDecision =
        "initial permits " + workers.permits.limit() + " (" + concurrency + ")";
    this.batchDecision = "initial batchSize " + workers.batchSize + " (" + batching + ")";
  }

  // ---------------------------------------------------------------- overrides

  void setPermits(int permits) {
    int old;
    lock.lock();
    try {
      old = workers.permits.limit();
      workers.permits.setLimit(permits);
      permitsPinned = true;
      concurrencyDecision =
          "set by hand to " + permits + " (controller paused until releaseOverrides)";
    } finally {
      lock.unlock();
    }
    JfrEvents.decision(stage, "manual-permits", old, permits, "setPermits");
    if (permits > old) {
      workers.permitsRaised();
    }
  }

  void setBatchSize(int batchSize) {
    int old;
    lock.lock();
    try {
      old = workers.batchSize;
      workers.batchSize = batchSize;
      batchSizePinned = true;
      batchDecision = "set by hand to " + batchSize + " (controller paused until releaseOverrides)";
    } finally {
      lock.unlock();
    }
    JfrEvents.decision(stage, "manual-batchSize", old, batchSize, "setBatchSize");
  }

  void releaseOverrides() {
    lock.lock();
    try {
      if (permitsPinned) {
        permitsPinned = false;
        concurrencyDecision = "released to " + concurrency;
      }
      if (batchSizePinned) {
        batchSizePinned = false;
        batchDecision = "released to " + batching;
      }
    } finally {
      lock.unlock();
    }
  }

  boolean permitsPinned() {
    return permitsPinned;
  }

  boolean batchSizePinned() {
    return batchSizePinned;
  }

  String concurrencyDecision() {
    return concurrencyDecision;
  }

  String batchDecision() {
    return batchDecision;
  }

  double throughput() {
    return throughput;
  }

  boolean saturated() {
    return saturated;
  }

  boolean searching() {
    return searching;
  }

  // ---------------------------------------------------------------- the sampler

  /**
   * Whether this stage's windows are a quarter of the sampler's period for now: its concurrency
   * controller is in a slow start (the permits still double, one doubling per window judged) and
   * its handler calls last at most a quarter period, so a quarter window still holds every permit's
   * calls. A 10 ms blocking handler that needs 10,000 permits from 2 doubles 13 times: 1.3 s at one
   * doubling per 100 ms window, a third of that at 25 ms. Slow start's rule is unchanged (a
   * doubling is judged before the next; a limited resource is found within one doubling); only the
   * time per doubling shrinks. Read by the sampler thread.
   */
  boolean quickWindows() {
    return quickWindows;
  }

  /**
   * A window may have ended at {@code now}: asks the controllers and applies, unless the window is
   * too short (less than half of the window this stage is on: the period, or a quarter of it while
   * {@link #quickWindows()}), in which case it is folded into the next. {@code full}: the sampler's
   * period ended (a quarter-period pass otherwise). Returns whether the stage's statistics window
   * ended (full passes only, at least half a period apart). Sampler thread only.
   */
  boolean sample(
      long now,
      long periodNanos,
      boolean full,
      StageBooks books,
      int queued,
      int capacity,
      int blocked,
      double cpuLoad) {
    boolean statistics = full && now - lastStatisticsNanos >= periodNanos / 2;
    if (statistics) {
      lastStatisticsNanos = now;
    }
    long window = quickWindows ? periodNanos / 4 : periodNanos;
    long elapsed = now - lastSampleNanos;
    if (elapsed < window / 2) {
      return statistics; // a late or quarter-period pass left a short window: fold it into the next
    }
    long adm = books.admitted();
    long ended = books.completed.sum() + books.failed.sum() + books.cancelled.sum();
    long nb = books.batches.sum();
    long busy = books.busyNanos.sum();
    long away = books.turnedAway();
    ControllerSample s =
        new ControllerSample(
            now,
            elapsed,
            queued,
            capacity,
            blocked,
            adm - lastAdmitted,
            away - lastTurnedAway,
            ended - lastEnded,
            nb - lastBatches,
            busy - lastBusyNanos,
            workers.active(),
            workers.permits.limit(),
            workers.batchSize,
            perEvent,
            cpuLoad);
    saturated = s.saturated();
    workers.handlersWait(s.handlersMostlyWait(processors), ended != lastEnded);
    lastSampleNanos = now;
    lastAdmitted = adm;
    lastTurnedAway = away;
    lastEnded = ended;
    lastBatches = nb;
    lastBusyNanos = busy;
    throughput = s.throughput();

    if (batchFirst) {
      boolean changed = !permitsJustChanged && tuneBatchSize(s);
      permitsJustChanged = false;
      if (!changed && !batchJustChanged && !batchSearching) {
        permitsJustChanged = tunePermits(s);
      }
      batchJustChanged = changed;
    } else {
      boolean changed = !batchJustChanged && tunePermits(s);
      batchJustChanged = !changed && tuneBatchSize(s);
    }
    searching = (concurrencySearching && !permitsPinned) || (batchSearching && !batchSizePinned);
    quickWindows =
        concurrencySearching
            && !permitsPinned
            && s.completions() > 0
            && s.serviceNanosPerEvent() * s.batchSize() <= periodNanos / 4.0;
    return statistics;
  }

  /** Asks the concurrency controller; whether it changed the permits. */
  private boolean tunePermits(ControllerSample s) {
    if (permitsPinned) {
      return false;
    }
    ControllerDecision d = decide(concurrency::decide, s, "concurrency");
    if (d == null) {
      return false;
    }
    boolean changed = false;
    lock.lock();
    try {
      if (permitsPinned) {
        return false; // set by hand while the controller decided: the override holds
      }
      concurrencySearching = d.searching();
      concurrencyDecision = d.reason();
      if (d.value() != workers.permits.limit()) {
        workers.permits.setLimit(d.value());
        changed = true;
      }
    } finally {
      lock.unlock();
    }
    if (changed) {
      JfrEvents.decision(stage, "concurrency", s.permits(), d);
      stage
          .log()
          .debug(
              "stage '{}' permits {} -> {}: {}", stage.name(), s.permits(), d.value(), d.reason());
      if (d.value() > s.permits()) {
        workers.permitsRaised();
      }
    } else {
      stage.log().trace("stage '{}' {}", stage.name(), d.reason());
    }
    return changed;
  }

  /** Asks the batching controller; whether it changed the batch size. */
  private boolean tuneBatchSize(ControllerSample s) {
    if (batchSizePinned) {
      return false;
    }
    ControllerDecision d = decide(batching::decide, s, "batching");
    if (d == null) {
      return false;
    }
    boolean changed = false;
    lock.lock();
    try {
      if (batchSizePinned) {
        return false;
      }
      batchSearching = d.searching();
      batchDecision = d.reason();
      if (d.value() != workers.batchSize) {
        workers.batchSize = d.value();
        changed = true;
      }
    } finally {
      lock.unlock();
    }
    if (changed) {
      JfrEvents.decision(stage, "batching", s.batchSize(), d);
      stage
          .log()
          .debug(
              "stage '{}' batchSize {} -> {}: {}",
              stage.name(),
              s.batchSize(),
              d.value(),
              d.reason());
    } else {
      stage.log().trace("stage '{}' {}", stage.name(), d.reason());
    }
    return changed;
  }

  /** Asks a controller, guarded: a throw, a null or a value below 1 changes nothing (WARN). */
  private @Nullable ControllerDecision decide(
      Function<ControllerSample, ControllerDecision> controller, ControllerSample s, String which) {
    ControllerDecision d;
    try {
      d = controller.apply(s);
    } catch (Throwable e) {
      Guard.rethrowFatal(e);
      stage
          .warnings()
          .warn(
              StageLog.Kind.CONTROLLER_FAILED,
              "{} controller of stage '{}' threw on {}; setting unchanged",
              which,
              stage.name(),
              s,
              e);
      return null;
    }
    if (d == null) { // the contract says never; a user's controller may all the same
      stage
          .warnings()
          .warn(
              StageLog.Kind.CONTROLLER_FAILED,
              "{} controller of stage '{}' returned null on {}; setting unchanged (return a"
                  + " ControllerDecision, with the current value to keep it)",
              which,
              stage.name(),
              s);
    }
    return d;
  }
}
