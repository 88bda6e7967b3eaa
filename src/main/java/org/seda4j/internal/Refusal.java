package org.seda4j.internal;

import org.jspecify.annotations.Nullable;
import org.seda4j.AdmissionContext;
import org.seda4j.OfferResult;
import org.seda4j.RejectionReason;

/*
 * Why one of the library's own admission controllers refused an event, with more detail than the
 * boolean of AdmissionController.admit: the reason and a sentence for the producer. Controllers
 * keep one constant per rule (so a refusal allocates nothing once its OfferResult.Rejected is
 * built) and make a new one only for a refusal that names its own cause (a key function that
 * threw). The rejection is built by the stage's AdmissionGate the first time and kept here: a
 * controller guards one stage only, so the stage name in it never changes.
 */
/** A built-in admission controller's reason for refusing an event. */
final class Refusal {
  final RejectionReason reason;
  final String detail;
  private volatile OfferResult.@Nullable Rejected rejected;

  Refusal(RejectionReason reason, String detail) {
    this.reason = reason;
    this.detail = detail;
  }

  /** The rejection producers get from {@code stage}; built once. */
  OfferResult.Rejected rejection(String stage) {
    OfferResult.Rejected r = rejected;
    if (r == null) {
      r =
          new OfferResult.Rejected(
              stage, reason, "stage '" + stage + "' did not admit the event: " + detail);
      rejected = r;
    }
    return r;
  }

  /** An admission controller of the library that says why it refuses. */
  interface Screening<E> {
    /**
     * The refusal of {@code event}, or {@code null} to let it proceed; the detailed form of {@code
     * admit}. Producer's thread; never throws for a user callback's failure (that becomes a
     * refusal).
     */
    @Nullable Refusal screen(E event, AdmissionContext sink);
  }
}
