package org.seda4j.spi;

import org.jspecify.annotations.Nullable;
import org.seda4j.OfferResult;
import org.seda4j.RejectionReason;
import org.seda4j.control.AdmissionContext;

/*
 * Why one of the library's own admission controllers refused an event, with more detail than the
 * boolean of AdmissionController.admit: the reason and a sentence for the producer. Controllers
 * keep one constant per rule (so a refusal allocates nothing once its OfferResult.Rejected is
 * built) and make a new one only for a refusal that names its own cause (a key function that
 * threw). The rejection is built by the stage's AdmissionGate the first time and kept here: a
 * controller guards one stage only, so the stage name in it never changes.
 */
/** A built-in admission controller's reason for refusing an event. */
public final class Refusal {
  private final RejectionReason reason;
  private final String detail;
  private volatile OfferResult.@Nullable Rejected rejected;

  /**
   * A refusal.
   *
   * @param reason the reason producers are given
   * @param detail why, as the end of a sentence that starts "stage 'x' did not admit the event: "
   */
  public Refusal(RejectionReason reason, String detail) {
    this.reason = reason;
    this.detail = detail;
  }

  /**
   * The reason producers are given.
   *
   * @return the reason
   */
  public RejectionReason reason() {
    return reason;
  }

  /**
   * Why, as the end of the rejection's message.
   *
   * @return the detail
   */
  public String detail() {
    return detail;
  }

  /**
   * The rejection producers get from {@code stage}; built once.
   *
   * @param stage the name of the stage the controller guards
   * @return the rejection
   */
  public OfferResult.Rejected rejection(String stage) {
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
  public interface Screening<E> {
    /**
     * The refusal of {@code event}, or {@code null} to let it proceed; the detailed form of {@code
     * admit}. Producer's thread; never throws for a user callback's failure (that becomes a
     * refusal).
     *
     * @param event the event offered
     * @param sink what the controller may read about the stage
     * @return the refusal, or {@code null} to admit
     */
    @Nullable Refusal screen(E event, AdmissionContext sink);
  }
}
