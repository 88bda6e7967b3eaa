package org.seda4j.control;

import org.seda4j.RejectionReason;

/** Sandstorm's queue threshold predicate: refuse while the queue holds threshold events or more. */
final class QueueThresholdAdmission implements AdmissionController<Object> {
  private final int threshold;

  /**
   * Creates the controller.
   *
   * @param threshold the queue length from which events are refused, at least 1
   */
  QueueThresholdAdmission(int threshold) {
    this.threshold = Bounds.requirePositive("queue threshold", threshold);
  }

  @Override
  public boolean admit(Object event, AdmissionContext sink) {
    return sink.queued() < threshold;
  }

  @Override
  public RejectionReason rejectionReason() {
    return RejectionReason.OVERLOADED;
  }

  @Override
  public String toString() {
    return "queueThreshold(" + threshold + ")";
  }
}
