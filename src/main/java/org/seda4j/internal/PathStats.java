package org.seda4j.internal;

import java.util.Arrays;

/**
 * A measured path: response times from admission at {@code entry} to the end of handling, at {@code
 * exit}, of the events that descend from it; and the stages those events pass through (its
 * members), so that a controller measuring the path can count the events in it and see whether a
 * stage on it works at capacity.
 */
final class PathStats {
  final StageImpl<?> entry;
  final StageImpl<?> exit;
  final ResponseTimes times;
  // A stage-scope feedback controller's path from its stage to itself: not shown in snapshots
  // unless measurePath asked for it too (written under the graph's lock).
  volatile boolean implicit;
  // Copy-on-write; written under the graph's lock only (one writer), read by any thread.
  private volatile StageImpl<?>[] members;

  PathStats(StageImpl<?> entry, StageImpl<?> exit, int priorities, boolean implicit) {
    this.implicit = implicit;
    this.entry = entry;
    this.exit = exit;
    this.times = new ResponseTimes(priorities);
    this.members = entry == exit ? new StageImpl<?>[] {entry} : new StageImpl<?>[] {entry, exit};
  }

  /** A stage queued an event of this path. Caller holds the graph's lock. */
  void addMember(StageImpl<?> stage) {
    StageImpl<?>[] old = members;
    for (StageImpl<?> m : old) {
      if (m == stage) {
        return;
      }
    }
    StageImpl<?>[] next = Arrays.copyOf(old, old.length + 1);
    next[old.length] = stage;
    members = next;
  }

  /** Events admitted and not yet ended at the path's stages (see StageImpl.inSystem). */
  long inSystem() {
    long n = 0;
    for (StageImpl<?> m : members) {
      n += m.inSystem();
    }
    return n;
  }

  /** Whether a stage of the path worked at capacity in its last sampling window. */
  boolean saturated() {
    for (StageImpl<?> m : members) {
      if (m.saturated()) {
        return true;
      }
    }
    return false;
  }

  /** Whether a stage of the path had a controller still raising its setting, last window. */
  boolean searching() {
    for (StageImpl<?> m : members) {
      if (m.searching()) {
        return true;
      }
    }
    return false;
  }
}
