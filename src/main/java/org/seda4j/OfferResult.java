package org.seda4j;

/**
 * The outcome of a non-blocking {@link Stage#offer(Object) offer}: a closed set a caller can {@code
 * switch} on exhaustively.
 *
 * {@snippet class=org.seda4j.readme.JavadocSnippetsTest region=offer}
 *
 * }
 */
public sealed interface OfferResult {

  /**
   * Whether the event was admitted (it may still have been dropped at once, see {@link Dropped}).
   *
   * @return {@code true} for {@link Accepted} and {@link Dropped}, {@code false} for {@link
   *     Rejected} and {@link Closed}
   */
  boolean admitted();

  /** The event was queued. */
  record Accepted() implements OfferResult {
    static final Accepted INSTANCE = new Accepted();

    @Override
    public boolean admitted() {
      return true;
    }
  }

  /**
   * The queue was full and the stage's policy is {@link FullQueuePolicy#dropNewest()}: the event
   * was admitted and dropped at once (counted, and handed to the drop listener).
   *
   * @param stage the stage's name
   */
  record Dropped(String stage) implements OfferResult {
    @Override
    public boolean admitted() {
      return true;
    }
  }

  /**
   * The event was not admitted; the caller still owns it.
   *
   * @param stage the stage's name
   * @param reason why
   * @param message a sentence naming the stage, its capacity and policy, and what to change
   */
  record Rejected(String stage, RejectionReason reason, String message) implements OfferResult {
    @Override
    public boolean admitted() {
      return false;
    }
  }

  /**
   * The stage's graph is closing or closed and no longer admits this event; the caller still owns
   * it.
   *
   * @param stage the stage's name
   * @param message a sentence naming the stage and the graph's state
   */
  record Closed(String stage, String message) implements OfferResult {
    @Override
    public boolean admitted() {
      return false;
    }
  }

  /**
   * The shared instance for an accepted event.
   *
   * @return {@link Accepted}
   */
  static OfferResult accepted() {
    return Accepted.INSTANCE;
  }
}
