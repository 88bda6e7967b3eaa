package org.seda4j;

/**
 * Thrown when an event is offered to a stage whose graph no longer admits it: after {@link
 * StageGraph#close()} has begun (external producers) or after a forced shutdown has begun
 * (everyone). The caller still owns the event; it was counted as rejected with reason {@link
 * RejectionReason#CLOSED}. Also thrown when a closed graph is asked to create a stage.
 */
public final class StageClosedException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was closed and what the caller can do
   */
  public StageClosedException(String message) {
    super(message);
  }
}
