package org.seda4j.internal;

/**
 * A measured path: response times from admission at {@code entry} to the end of handling, at {@code
 * exit}, of the events that descend from it.
 */
final class PathStats {
  final StageImpl<?> entry;
  final StageImpl<?> exit;
  final ResponseTimes times;

  PathStats(StageImpl<?> entry, StageImpl<?> exit, int priorities) {
    this.entry = entry;
    this.exit = exit;
    this.times = new ResponseTimes(priorities);
  }
}
