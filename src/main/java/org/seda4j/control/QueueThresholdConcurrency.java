package org.seda4j.control;

import java.util.Locale;

/** The SEDA/Sandstorm thread pool controller, rescaled (see ConcurrencyController). */
final class QueueThresholdConcurrency implements ConcurrencyController {
  private static final int IDLE_WINDOWS = 3;

  private final int threshold;
  private final int min;
  private final int max;
  private int idleWindows;

  /**
   * Creates the controller.
   *
   * @param threshold queue length that adds permits, at least 1
   * @param min the fewest permits, at least 1
   * @param max the most permits, at least {@code min}
   */
  QueueThresholdConcurrency(int threshold, int min, int max) {
    if (threshold < 1) {
      throw new IllegalArgumentException("queue threshold must be at least 1, was " + threshold);
    }
    Bounds.check("permits", min, max);
    this.threshold = threshold;
    this.min = min;
    this.max = max;
  }

  @Override
  public int initial() {
    return min;
  }

  @Override
  public ControllerDecision decide(ControllerSample s) {
    int p = s.permits();
    if (s.queueLength() >= threshold) {
      idleWindows = 0;
      int next = Math.min(max, p + Math.max(1, p / 4));
      return new ControllerDecision(
          next,
          String.format(
              Locale.ROOT,
              "queue %d >= threshold %d: permits %d -> %d%s",
              s.queueLength(),
              threshold,
              p,
              next,
              next == max ? " (max)" : ""));
    }
    double used = Math.max(s.activeHandlers(), s.meanBusyHandlers());
    if (s.queueLength() == 0 && used < p / 2.0 && p > min) {
      if (++idleWindows >= IDLE_WINDOWS) {
        idleWindows = 0;
        int next = Math.max(min, p - Math.max(1, p / 4));
        return new ControllerDecision(
            next,
            String.format(
                Locale.ROOT,
                "idle: %.1f of %d permits busy for %d windows: permits %d -> %d",
                used,
                p,
                IDLE_WINDOWS,
                p,
                next));
      }
    } else {
      idleWindows = 0;
    }
    return new ControllerDecision(
        p,
        String.format(
            Locale.ROOT,
            "hold permits %d: queue %d < threshold %d",
            p,
            s.queueLength(),
            threshold));
  }

  @Override
  public String toString() {
    return "queueThreshold(" + threshold + ", " + min + ".." + max + ")";
  }
}
