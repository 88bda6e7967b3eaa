package org.seda4j;

/**
 * Thrown by {@link Stage#put put}, {@link Stage#putAll putAll} and {@link StageContext#emit emit}
 * when a stage does not admit an event because its queue is full. The caller still owns the event.
 *
 * <p>The message names the stage, its capacity and policy, and what to change; the same facts are
 * available as accessors for programmatic handling (e.g. answering "503 busy").
 */
public final class StageRejectedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String stage;
  private final int capacity;
  private final String policy;
  private final RejectionReason reason;

  /**
   * Creates the exception.
   *
   * @param stage the stage's name
   * @param capacity the stage's queue capacity
   * @param policy the stage's full-queue policy, as text
   * @param reason why the event was rejected
   * @param message the full message
   */
  public StageRejectedException(
      String stage, int capacity, String policy, RejectionReason reason, String message) {
    super(message);
    this.stage = stage;
    this.capacity = capacity;
    this.policy = policy;
    this.reason = reason;
  }

  /**
   * The rejecting stage.
   *
   * @return the stage's name
   */
  public String stage() {
    return stage;
  }

  /**
   * The rejecting stage's queue capacity.
   *
   * @return the capacity
   */
  public int capacity() {
    return capacity;
  }

  /**
   * The rejecting stage's full-queue policy.
   *
   * @return the policy, as text (e.g. {@code REJECT})
   */
  public String policy() {
    return policy;
  }

  /**
   * Why the event was rejected.
   *
   * @return the reason
   */
  public RejectionReason reason() {
    return reason;
  }
}
