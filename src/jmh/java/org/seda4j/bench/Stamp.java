package org.seda4j.bench;

/**
 * An event of the latency workload: the time the producer <em>intended</em> to send it (not the
 * time it managed to), so a producer held up by a full queue does not hide the delay from the
 * measurement (no coordinated omission).
 */
final class Stamp {
  final long intendedNanos;

  Stamp(long intendedNanos) {
    this.intendedNanos = intendedNanos;
  }
}
