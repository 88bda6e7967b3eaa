package org.seda4j;

/** Why a stage did not admit an event. */
public enum RejectionReason {
  /**
   * The queue was full and the policy does not wait ({@link FullQueuePolicy#reject()}, or a
   * non-blocking {@link Stage#offer offer}/{@link Stage#offerAll offerAll}).
   */
  QUEUE_FULL,
  /**
   * The queue stayed full for the whole {@link FullQueuePolicy#blockFor(java.time.Duration)}
   * timeout.
   */
  TIMED_OUT,
  /** The stage no longer admits events: its graph is closing or closed. */
  CLOSED
}
