package org.seda4j.control;

import java.util.Locale;

/*
 * Sandstorm's AggThrottle as published (see BatchController.aggThrottle): throughput is smoothed
 * with an EWMA (weight 0.3); windows without backlog are not judged (the batch size cannot matter
 * when the queue is empty).
 */
/** Sandstorm's batching controller. */
final class AggThrottleBatching implements BatchController {
  private static final double FACTOR = 1.2;
  private static final double LOW = 0.90;
  private static final double HIGH = 0.98;
  private static final double WEIGHT = 0.3;

  private final int max;
  private boolean increasing;
  private double smoothed;
  private double best;

  /**
   * Creates the controller.
   *
   * @param max the largest batch, at least 1
   */
  AggThrottleBatching(int max) {
    Bounds.check("batchSize", 1, max);
    this.max = max;
  }

  @Override
  public int initial() {
    return max;
  }

  @Override
  public ControllerDecision decide(ControllerSample s) {
    int b = s.batchSize();
    if (!s.backlogged()) {
      return new ControllerDecision(b, "hold batchSize " + b + ": no backlog");
    }
    double tput = s.throughput();
    if (best > 0 && (tput < 0.2 * best || tput > 2 * best)) {
      increasing = false;
      smoothed = tput;
      best = tput;
      return new ControllerDecision(
          max,
          String.format(
              Locale.ROOT, "throughput jumped to %.0f/s: reset batchSize %d -> %d", tput, b, max));
    }
    smoothed = smoothed == 0 ? tput : (1 - WEIGHT) * smoothed + WEIGHT * tput;
    best = Math.max(best, smoothed);
    int next;
    String why;
    if (!increasing) {
      if (smoothed <= LOW * best) {
        increasing = true;
        next = (int) Math.min(max, Math.ceil(b * FACTOR));
        why = "fell to <= 90% of best";
      } else {
        next = (int) Math.max(1, Math.floor(b / FACTOR));
        why = "holding >90% of best, shrinking";
      }
    } else if (smoothed >= HIGH * best) {
      increasing = false;
      next = b;
      why = "back to >= 98% of best";
    } else {
      next = (int) Math.min(max, Math.ceil(b * FACTOR));
      why = "below 98% of best, growing";
    }
    return new ControllerDecision(
        next,
        String.format(
            Locale.ROOT,
            "aggThrottle: %.0f/s (best %.0f/s) %s: batchSize %d -> %d",
            smoothed,
            best,
            why,
            b,
            next));
  }

  @Override
  public String toString() {
    return "aggThrottle(" + max + ")";
  }
}
