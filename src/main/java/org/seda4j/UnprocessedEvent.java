package org.seda4j;

import org.seda4j.observe.ShutdownReport;

/**
 * An admitted event that a forced shutdown cancelled before its handler completed it: it was still
 * queued, or waiting in a drained batch, or its handler was interrupted, or its handler ignored the
 * interrupt for longer than the graph's interrupt grace (the handler thread is then named in {@link
 * ShutdownReport#unstoppedThreads()} and may still be working on it).
 *
 * @param stage the name of the stage it was admitted to
 * @param event the event
 * @param started {@code true} if its handler had started on it (and was interrupted, or was still
 *     running at the end of the grace)
 */
public record UnprocessedEvent(String stage, Object event, boolean started) {}
