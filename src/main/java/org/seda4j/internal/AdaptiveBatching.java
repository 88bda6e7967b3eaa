package org.seda4j.internal;

import java.util.Locale;
import org.seda4j.BatchController;
import org.seda4j.ControllerDecision;
import org.seda4j.ControllerSample;

/*
 * The default batching controller (see BatchController.adaptive). Saturated windows go to the
 * hill climber, which starts at 1 and keeps a larger batch only for a measured throughput gain.
 * Per-event handlers slower than SLOW_EVENT_NANOS stay at 1: a batch then only amortises the
 * ~0.5 us start of a virtual thread (< 3% of the event's cost) while every event waits behind the
 * others of its batch.
 */
/** Throughput hill climbing over the batch size. */
public final class AdaptiveBatching implements BatchController {
  static final long SLOW_EVENT_NANOS = 20_000;
  private static final int QUIET_WINDOWS = 3;

  private final HillClimber climber;
  private int quietWindows;

  /**
   * Creates the controller.
   *
   * @param max the largest batch, at least 1
   */
  public AdaptiveBatching(int max) {
    Bounds.check("batchSize", 1, max);
    this.climber = new HillClimber("batchSize", 1, max);
  }

  @Override
  public ControllerDecision decide(ControllerSample s) {
    int b = s.batchSize();
    if (s.perEventHandler() && s.completions() > 0 && s.serviceNanosPerEvent() > SLOW_EVENT_NANOS) {
      climber.reset();
      return new ControllerDecision(
          1,
          String.format(
              Locale.ROOT,
              "%s: events take %.0f us (> %d us), batching buys nothing",
              b == 1 ? "hold batchSize 1" : "batchSize " + b + " -> 1",
              s.serviceNanosPerEvent() / 1000,
              SLOW_EVENT_NANOS / 1000));
    }
    if (!s.backlogged()) {
      if (++quietWindows >= QUIET_WINDOWS) {
        climber.reset();
      }
      return new ControllerDecision(b, "hold batchSize " + b + ": no backlog");
    }
    quietWindows = 0;
    if (s.completions() == 0) {
      return new ControllerDecision(b, "hold batchSize " + b + ": nothing completed yet");
    }
    return climber.step(b, s.throughput());
  }

  @Override
  public String toString() {
    return "adaptive(1.." + climber.max() + ")";
  }
}
