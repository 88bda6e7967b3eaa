package org.seda4j.internal;

/*
 * Maintainer note. The graph's phase as the engine reads it on every admission: one volatile int
 * (GraphImpl.phase), written only under the graph's lock, moving forward only. It differs from the
 * public StageGraph.State in one way: a failGraph failure makes the phase FORCING at once, before
 * the abort thread moves the state to TERMINATING, so that no event is admitted and no handler
 * failure counted in between.
 */
final class Phase {
  /** Open: everyone may offer events. */
  static final int OPEN = 0;

  /** close() was called: only handler threads of the graph may emit, so the graph can drain. */
  static final int CLOSING = 1;

  /** A forced shutdown (deadline, shutdownNow, interrupt or failGraph failure) has begun. */
  static final int FORCING = 2;

  /** Terminated. */
  static final int TERMINATED = 3;

  private Phase() {}
}
