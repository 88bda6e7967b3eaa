package org.seda4j.control;

/*
 * Throughput over enough handler invocations to be worth judging. A window in which a stage
 * completed a few dozen batches measures its throughput to within a few batches: with 1,024-row
 * batches of 20 ms on four connections, about 18 a window, one batch more or less is 5%, as much
 * as the gain a hill climber looks for. So windows are added up, at the same setting and only
 * while the stage is saturated, until they hold enough invocations (or MAX_WINDOWS windows, for
 * very slow handlers); the climber is fed their total. Enough is SEARCH_BATCHES for a step that must
 * buy a quarter (the permits' slow start: a few percent of noise cannot fake that), and
 * STEADY_BATCHES for one that looks for a few percent (every probe, and every step of the batch
 * size, whose slow start goes on while a doubling buys 2%: on 12 batches, one batch more or less is
 * 8%). A stage with thousands of invocations a window is judged every window.
 *
 * Sampler thread only (one instance per controller).
 */
/** Windows added up until their throughput is worth judging. */
final class Measurement {
  static final long SEARCH_BATCHES = 12;
  static final long STEADY_BATCHES = 48;
  static final int MAX_WINDOWS = 4;

  private int setting = -1;
  private long completions;
  private long batches;
  private long elapsedNanos;
  private long busyNanos;
  private int windows;
  private long lastElapsedNanos;

  /**
   * Adds a saturated window of {@code s} at {@code value} (its permits or batch size); returns the
   * throughput over the windows added since the last result, or NaN while they are too few to judge
   * ({@code coarse}: for a step that must buy a quarter, judged on fewer invocations).
   *
   * <p>The throughput is never more than the permits can do at the measured handler time per event
   * (Little's law: permits / time per event). A window can count more: completions that were held
   * up (a JVM compiling at start-up keeps every carrier, then the handlers it delayed all end at
   * once) land in the next window; judging a step on such a burst once took a stage back to two
   * permits.
   */
  double add(ControllerSample s, int value, boolean coarse) {
    if (value != setting) {
      clear();
      setting = value;
    }
    completions += s.completions();
    batches += s.batches();
    elapsedNanos += s.elapsedNanos();
    busyNanos += s.busyNanos();
    windows++;
    if (batches < (coarse ? SEARCH_BATCHES : STEADY_BATCHES) && windows < MAX_WINDOWS) {
      return Double.NaN;
    }
    lastElapsedNanos = elapsedNanos;
    double throughput = completions * 1e9 / elapsedNanos;
    if (busyNanos > 0) {
      throughput = Math.min(throughput, s.permits() * (completions * 1e9 / busyNanos));
    }
    clear();
    return throughput;
  }

  /** Forgets the windows added (a window that was not saturated, or a new setting). */
  void clear() {
    completions = 0;
    batches = 0;
    elapsedNanos = 0;
    busyNanos = 0;
    windows = 0;
  }

  /** The time the last result was measured over. */
  long lastElapsedNanos() {
    return lastElapsedNanos;
  }

  /** Windows added so far towards the next result. */
  int windows() {
    return windows;
  }
}
