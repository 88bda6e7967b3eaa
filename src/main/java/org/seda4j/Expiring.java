package org.seda4j;

/**
 * An event that carries a {@link Deadline}. Every stage checks it: an event that arrives after its
 * deadline is not admitted ({@link RejectionReason#EXPIRED}), and one whose deadline passes while
 * it waits in a queue is dropped, counted and reported instead of handled (see {@link Deadline}).
 *
 * <p>Deadlines are not copied by seda4j: a handler that emits follow-up events gives them the
 * deadline it wants (typically the request's own), as in
 *
 * {@snippet class=org.seda4j.readme.JavadocSnippetsTest region=expiring}
 *
 * <p>{@link #deadline()} is called on producer and handler threads, possibly more than once per
 * event; it must be quick and must not block (a record component is ideal).
 */
@FunctionalInterface
public interface Expiring {

  /**
   * The event's deadline.
   *
   * @return the deadline
   */
  Deadline deadline();
}
