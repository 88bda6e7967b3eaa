package org.seda4j.control;

import java.util.Locale;

/*
 * The default batching controller (see BatchController.adaptive).
 *
 * Per-event handlers: a batch buys nothing but the amortised dispatch cost (a virtual thread
 * start, the drain, the hand-off between dispatcher and handler), while every event waits behind
 * the others of its batch. So the batch is sized from two measurements: the per-event handler time
 * s = busyNanos / completions, and the dispatch cost per batch d, measured in backlogged windows as
 * the permit time not spent in handlers, (elapsed x permits - busyNanos) / batches (at least
 * MIN_DISPATCH_NANOS). The batch is the smallest that keeps dispatch under 5% of the work,
 * ceil(d / (0.05 s)); 1 for events slower than SLOW_EVENT_NANOS. Being a formula over smoothed
 * measurements, it is immune to the window-to-window throughput noise that makes a search wander
 * on a busy 2-core machine.
 *
 * Batch handlers (which may group I/O, e.g. one SQL insert per batch): the gain is the handler's
 * own, so only a throughput search finds it; saturated windows go to the hill climber, which starts
 * at 1 and keeps a larger batch only for a measured gain.
 */
/** The default batching controller. */
final class AdaptiveBatching implements BatchController {
  static final long SLOW_EVENT_NANOS = 20_000;
  static final double MIN_DISPATCH_NANOS = 1_000;
  private static final int QUIET_WINDOWS = 3;

  private final HillClimber climber;
  private final Measurement measurement = new Measurement();
  private int quietWindows;
  private double smoothedService;
  private double smoothedDispatch = MIN_DISPATCH_NANOS;

  /**
   * Creates the controller.
   *
   * @param max the largest batch, at least 1
   */
  AdaptiveBatching(int max) {
    Bounds.check("batchSize", 1, max);
    this.climber =
        new HillClimber("batchSize", 1, max, HillClimber.BATCH_GAIN, HillClimber.BATCH_GAIN);
  }

  @Override
  public ControllerDecision decide(ControllerSample s) {
    int b = s.batchSize();
    if (s.completions() == 0) {
      return new ControllerDecision(b, "hold batchSize " + b + ": nothing completed yet");
    }
    if (s.perEventHandler()) {
      return perEvent(s, b);
    }
    if (!s.backlogged()) {
      measurement.clear();
      if (++quietWindows >= QUIET_WINDOWS) {
        climber.reset();
      }
      return new ControllerDecision(b, "hold batchSize " + b + ": no backlog");
    }
    quietWindows = 0;
    // Every step of the batch size looks for BATCH_GAIN, slow start included: judged as finely.
    double throughput = measurement.add(s, b, false);
    if (Double.isNaN(throughput)) {
      // Part of the search it feeds (slow start, or before the first judgement): the permits wait
      // for it, as they do for the batch size's steps.
      return new ControllerDecision(
          b,
          "hold batchSize " + b + ": measuring (too few batches to judge yet)",
          climber.slowStart());
    }
    return climber.step(b, throughput, true);
  }

  private ControllerDecision perEvent(ControllerSample s, int b) {
    double service = s.serviceNanosPerEvent();
    smoothedService = smoothedService == 0 ? service : 0.7 * smoothedService + 0.3 * service;
    if (s.backlogged() && s.batches() > 0) {
      double idlePermitTime = (double) s.elapsedNanos() * s.permits() - s.busyNanos();
      double dispatch = Math.max(MIN_DISPATCH_NANOS, idlePermitTime / s.batches());
      smoothedDispatch = 0.7 * smoothedDispatch + 0.3 * dispatch;
    }
    int next =
        smoothedService >= SLOW_EVENT_NANOS
            ? 1
            : climber.clamp((long) Math.ceil(smoothedDispatch / (0.05 * smoothedService)));
    return new ControllerDecision(
        next,
        String.format(
            Locale.ROOT,
            "%s: events take %.2f us, dispatch %.1f us per batch; batchSize %d keeps it under 5%%",
            next == b ? "hold batchSize " + b : "batchSize " + b + " -> " + next,
            smoothedService / 1000,
            smoothedDispatch / 1000,
            next));
  }

  @Override
  public String toString() {
    return "adaptive(1.." + climber.max() + ")";
  }
}
