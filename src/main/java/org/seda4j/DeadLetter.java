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
    Objects.requireNonNull(stage, "stage must not be null");
    Objects.requireNonNull(event, "event must not be null");
    Objects.requireNonNull(error, "error must not be null");
  }
}
