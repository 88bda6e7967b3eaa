package org.seda4j.internal;

/**
 * An event on a measured path (see GraphImpl.measurePath), as it sits in a stage's queue: the event
 * and when and where it entered the path. Only events that entered a path's entry stage, or that a
 * handler emitted while handling such an event, are wrapped; every other event is queued as is.
 *
 * @param event the user's event
 * @param originNanos when the path's entry stage admitted the event this one descends from
 * @param entry the entry stage's id
 * @param priority the priority the entry's admission controller gave it (0 if none)
 */
record Tracked(Object event, long originNanos, int entry, int priority) {

  /** The same origin for another event (one emitted while handling this one). */
  Tracked carry(Object other) {
    return new Tracked(other, originNanos, entry, priority);
  }
}
