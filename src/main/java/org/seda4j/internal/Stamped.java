package org.seda4j.internal;

import org.jspecify.annotations.Nullable;

/**
 * A queue item whose queue wait is measured: the item (an event, or a {@link Tracked} one) and when
 * it was queued. Only a sample of the events is stamped (see LatencyStats).
 *
 * @param item the queued item
 * @param queuedNanos System.nanoTime() when it was offered
 */
record Stamped(Object item, long queuedNanos) {

  /**
   * The user's event inside a queue item (Stamped, Carried and Tracked layers peeled) that leaves
   * the queue unhandled: a stamped one is uncounted from {@code stats}' outstanding stamps.
   */
  static Object discardedEvent(Object item, @Nullable LatencyStats stats) {
    Object o = item;
    if (o instanceof Stamped s) {
      o = stats != null ? stats.discarded(s) : s.item();
    }
    if (o instanceof Carried c) {
      o = c.item();
    }
    return o instanceof Tracked t ? t.event() : o;
  }
}
