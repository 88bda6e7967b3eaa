package org.seda4j.internal;

import java.util.Locale;
import org.seda4j.ConcurrencyController;
import org.seda4j.ControllerDecision;
import org.seda4j.ControllerSample;

/*
 * The default concurrency controller (see ConcurrencyController.adaptive for the contract).
 * Saturated windows (work waiting) go to the hill climber; windows without backlog shrink idle
 * permits and, after three in a row, make the climber forget (the next overload searches again).
 * A window in which nothing completed while every permit was busy and work waited doubles the
 * permits without evidence: typical of a cold start with slow blocking handlers.
 */
/** Throughput hill climbing over the permits. */
public final class HillClimbingConcurrency implements ConcurrencyController {
  private static final int QUIET_WINDOWS = 3;

  private final HillClimber climber;
  private int idleWindows;
  private int quietWindows;

  /**
   * Creates the controller.
   *
   * @param min the fewest permits, at least 1
   * @param max the most permits, at least {@code min}
   */
  public HillClimbingConcurrency(int min, int max) {
    Bounds.check("permits", min, max);
    this.climber = new HillClimber("permits", min, max);
  }

  @Override
  public int initial() {
    return climber.clamp(Runtime.getRuntime().availableProcessors());
  }

  @Override
  public ControllerDecision decide(ControllerSample s) {
    ControllerDecision d = decideWithoutCpuNote(s);
    return s.cpuLoad() < 0
        ? d
        : new ControllerDecision(
            d.value(), d.reason() + String.format(Locale.ROOT, " [cpu %.0f%%]", s.cpuLoad() * 100));
  }

  private ControllerDecision decideWithoutCpuNote(ControllerSample s) {
    int p = s.permits();
    if (!s.backlogged()) {
      if (++quietWindows >= QUIET_WINDOWS) {
        climber.reset();
      }
      double used = Math.max(s.activeHandlers(), s.meanBusyHandlers());
      idleWindows = used < p / 2.0 && p > climber.min() ? idleWindows + 1 : 0;
      if (idleWindows >= QUIET_WINDOWS) {
        idleWindows = 0;
        int next = climber.clamp(Math.max((long) Math.ceil(2 * used), p / 2));
        return new ControllerDecision(
            next,
            String.format(
                Locale.ROOT,
                "idle: %.1f of %d permits busy, queue empty for %d windows; permits %d -> %d",
                used,
                p,
                QUIET_WINDOWS,
                p,
                next));
      }
      return new ControllerDecision(
          p,
          String.format(
              Locale.ROOT,
              "hold permits %d: no backlog (%.1f busy, %.0f/s)",
              p,
              used,
              s.throughput()));
    }
    idleWindows = 0;
    quietWindows = 0;
    if (s.completions() == 0) {
      if (s.activeHandlers() >= p && p < climber.max() && !s.cpuSaturated()) {
        int next = climber.clamp(2L * p);
        return new ControllerDecision(
            next,
            String.format(
                Locale.ROOT,
                "nothing completed, all %d permits busy, %d queued: permits %d -> %d",
                p,
                s.queueLength(),
                p,
                next));
      }
      return new ControllerDecision(p, "hold permits " + p + ": nothing completed yet");
    }
    return climber.step(p, s.throughput(), !s.cpuSaturated());
  }

  @Override
  public String toString() {
    return "adaptive(" + climber.min() + ".." + climber.max() + ")";
  }
}
