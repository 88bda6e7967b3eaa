package org.seda4j;

import org.seda4j.control.AdmissionController;
import org.seda4j.observe.StageSnapshot;

/**
 * Why a stage did not admit an event. Every rejection is counted per reason ({@link
 * StageSnapshot.Counts#rejections()}) and the caller still owns the event.
 */
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
  CLOSED,
  /**
   * A caller waiting for room in a full queue was interrupted (the event was not admitted; the call
   * threw {@link InterruptedException}).
   */
  INTERRUPTED,
  /**
   * An {@link AdmissionController} refused the event: a predicate or a controller of your own (the
   * default {@link AdmissionController#rejectionReason()}).
   */
  REFUSED,
  /** A rate limit ({@link AdmissionController#tokenBucket}) had no token left for the event. */
  RATE_LIMITED,
  /**
   * An overload controller ({@link AdmissionController#responseTime}, {@link
   * AdmissionController#multiclass}) sheds load to keep the measured response time near its target.
   */
  OVERLOADED,
  /** The event carried a {@link Deadline} ({@link Expiring}) that had passed when it arrived. */
  EXPIRED
}
