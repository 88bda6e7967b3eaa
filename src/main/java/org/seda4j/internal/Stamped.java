package org.seda4j.internal;

/**
 * A queue item whose queue wait is measured: the item (an event, or a {@link Tracked} one) and when
 * it was queued. Only a sample of the events is stamped (see LatencyStats).
 *
 * @param item the queued item
 * @param queuedNanos System.nanoTime() when it was offered
 */
record Stamped(Object item, long queuedNanos) {}
