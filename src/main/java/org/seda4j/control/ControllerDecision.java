package org.seda4j.control;

import java.util.Objects;
import org.seda4j.BatchHandler;
import org.seda4j.observe.StageSnapshot;

/**
 * A controller's answer to one {@link ControllerSample}: the setting to use next and why.
 *
 * @param value the new permits or batch size, at least 1 (the stage clamps nothing: a controller
 *     owns its bounds)
 * @param reason a short human-readable reason with the inputs that drove it (logged at DEBUG and
 *     shown in {@link StageSnapshot})
 * @param searching {@code true} while the controller is still raising the setting to find what the
 *     stage can do (a slow start): the stage's capacity measured now is a lower bound, so admission
 *     controllers that guard this stage (or a path through it) do not cut the load on it, and a
 *     stage with a {@link BatchHandler} does not grow its permits while its batch size is searching
 */
public record ControllerDecision(int value, String reason, boolean searching) {
  /**
   * Validates the decision.
   *
   * @param value the new setting, at least 1
   * @param reason why
   * @param searching whether the controller is still raising the setting
   */
  public ControllerDecision {
    if (value < 1) {
      throw new IllegalArgumentException("a controller decided " + value + "; must be at least 1");
    }
    Objects.requireNonNull(reason, "reason");
  }

  /**
   * A decision of a controller that is not searching.
   *
   * @param value the new setting, at least 1
   * @param reason why
   */
  public ControllerDecision(int value, String reason) {
    this(value, reason, false);
  }
}
