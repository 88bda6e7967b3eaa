package org.seda4j.internal;

/**
 * A queue item with the context its producer's thread had (see ContextCarrier): the item (an event,
 * or a {@link Tracked} one) and what the graph's propagators captured. Only events whose producer
 * had something to carry are wrapped, and only in graphs with propagators.
 *
 * @param item the queued item
 * @param context what ContextCarrier.capture returned, never null
 */
record Carried(Object item, Object context) {}
