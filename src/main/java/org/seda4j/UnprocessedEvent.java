package org.seda4j;

/**
 * An admitted event that a forced shutdown cancelled before its handler completed it: it was still
 * queued, or waiting in a drained batch, or its handler was interrupted.
 *
 * @param stage the name of the stage it was admitted to
 * @param event the event
 * @param started {@code true} if its handler had started on it (and was interrupted)
 */
public record UnprocessedEvent(String stage, Object event, boolean started) {}
