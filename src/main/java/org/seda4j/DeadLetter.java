package org.seda4j;

import java.util.Objects;

/**
 * A failed event, as sent to a dead-letter stage by {@link FailurePolicy#deadLetter(Stage)}.
 *
 * @param stage the name of the stage whose handler failed
 * @param event the event it failed on
 * @param error what the handler threw
 */
public record DeadLetter(String stage, Object event, Throwable error) {
  /**
   * Validates the components.
   *
   * @param stage the name of the stage whose handler failed
   * @param event the event it failed on
   * @param error what the handler threw
   */
  public DeadLetter {
    Objects.requireNonNull(stage, "stage");
    Objects.requireNonNull(event, "event");
    Objects.requireNonNull(error, "error");
  }
}
