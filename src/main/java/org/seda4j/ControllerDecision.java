package org.seda4j;

import java.util.Objects;

/**
 * A controller's answer to one {@link ControllerSample}: the setting to use next and why.
 *
 * @param value the new permits or batch size, at least 1 (the stage clamps nothing: a controller
 *     owns its bounds)
 * @param reason a short human-readable reason with the inputs that drove it (logged at DEBUG and
 *     shown in {@link StageSnapshot})
 */
public record ControllerDecision(int value, String reason) {
  /**
   * Validates the decision.
   *
   * @param value the new setting, at least 1
   * @param reason why
   */
  public ControllerDecision {
    if (value < 1) {
      throw new IllegalArgumentException("a controller decided " + value + "; must be at least 1");
    }
    Objects.requireNonNull(reason, "reason");
  }
}
