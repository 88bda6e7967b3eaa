package org.seda4j.control;

import java.util.Locale;

/*
 * The search shared by the adaptive concurrency and batching controllers: throughput hill
 * climbing over an integer setting, fed only with windows in which work was waiting (so measured
 * throughput is capacity, not offered load).
 *
 * States: slow start (double while each doubling buys more than slowStartGain; decisions then
 * say `searching`, so admission controllers do not judge the capacity yet; a doubling that buys
 * less is undone and ends slow start, and the probes go on from the last doubling that paid), then
 * steady (hold at `best`,
 * probe every PROBE_EVERY windows alternately up by a quarter -- kept if it buys > gain -- and down
 * by a quarter -- kept if throughput stays >= KEEP of the peak, the highest reference since the
 * search began). A trial is a change whose
 * effect is judged on the next window fed. A probe up whose gain is close to proportional to the
 * step (at least PROPORTIONAL of it: throughput still follows the setting) means the plateau is
 * far above: slow start again, instead of a quarter per PROBE_EVERY windows. A saturated CPU
 * (mayGrow false) pauses slow start for up to PROBE_EVERY windows before it ends it: a JVM that
 * just started keeps the CPU busy compiling for a few hundred milliseconds, and ending slow start
 * then left a 10 ms blocking stage at 2 permits, growing by probes only.
 *
 * A slow-start doubling of handlers that mostly wait, judged on a window in which the CPU was
 * saturated, that bought less than a quarter is held and judged again (for up to STARVED_NANOS of
 * such windows) rather than ending slow start: their calls took longer only because the carriers
 * and the timer were short of CPU (a JVM compiling at start-up: a 10 ms sleep took 25 ms, and 4,096
 * permits measured +12% over 2,048, which ended a slow start that needed 10,000). Holding keeps the
 * doubled setting, never more, so a limited resource is still found within one doubling.
 *
 * The reference is the throughput measured at `best`; in hold windows it follows the measurements
 * (EWMA, weight 0.3 as in Sandstorm's autoMaxDetect). A sudden change (below 1/2 or above 2x the
 * reference) means the workload changed: slow start again.
 *
 * The permits' climber needs a doubling to buy SLOW_START_GAIN (a quarter) to go on: past a
 * limited resource a doubling buys nothing but noise, and a noisy window of +10% must not take
 * the permits one more doubling past it (2 N calls in flight on a pool of N is the most slow
 * start may cost); a probe up keeps more permits for more than GAIN. A batch size costs no
 * resource, only latency, so its climber goes on doubling, and keeps a probe up, for more than
 * BATCH_GAIN: a batch handler with a fixed cost per call gains less from each doubling (+9% from
 * 256 to 512 rows of 1 ms + 20 us per row, +4.5% from 512 to 1,024), and a 5% threshold left it
 * near the knee, where noise decides whether it ends at 0.9 of the best throughput or above.
 *
 * The permits' climber also bounds its probes up (capProbes): never above the higher of twice its
 * knee (the highest setting reached by a step whose gain was proportional: throughput still
 * followed the setting there) and the setting slow start ended at (twice that setting while no
 * step has paid proportionally). Slow start stops at most one doubling past a pool of N (2 N); a
 * probe up by a quarter from there took a per-event stage in front of 4 connections to 10 calls in
 * flight on a shared CPU (S5), where a handler waiting for a carrier makes a few more permits than
 * N pay. A step that pays proportionally raises the knee (and starts slow start again), so a stage
 * whose demand grows still finds its permits; so does a setting held above the knee whose throughput
 * per permit is still STILL_PROPORTIONAL of the knee's (a slow start ended low by one poor window:
 * see stillProportional), where past a pool of N the permits beyond it serve nothing.
 *
 * Not thread-safe: one instance per controller, called by the sampler thread only.
 */
final class HillClimber {
  static final double GAIN = 1.05;

  /** Batch sizes: a step is kept for more than 2% (see the class comment). */
  static final double BATCH_GAIN = 1.02;

  /** Permits: a doubling must buy a quarter to go on doubling (see the class comment). */
  static final double SLOW_START_GAIN = 1.25;

  static final double KEEP = 0.97;
  static final int PROBE_EVERY = 5;
  static final double PROPORTIONAL = 0.6;

  /**
   * Held above the knee, throughput per unit of the setting still at least this share of the
   * knee's: throughput follows the setting up to here, and the knee rises to it (see
   * stillProportional). Past a pool of N, a setting s serves N/s of the knee's per permit: only
   * settings up to 1.11 N pass, so probes stay within about 2.2 N.
   */
  static final double STILL_PROPORTIONAL = 0.9;

  private static final double EWMA_WEIGHT = 0.3;

  /** How long a doubling may be held on CPU-saturated windows before it is judged on them. */
  static final long STARVED_NANOS = 2_000_000_000L;

  private final String what;
  private final int min;
  private final int max;
  private final double gain;
  private final double slowStartGain;
  private final boolean capProbes;

  private boolean slowStart = true;
  private double reference;
  private double peak; // the highest reference since the search began: what step downs answer to
  private int best;
  private int trial; // 0: none, +1: stepped up, -1: stepped down
  private int sinceProbe;
  private boolean probeUpNext = true;
  private int outliers; // consecutive windows far from the reference
  private boolean mayGrow = true; // of the window being judged
  private int pausedWindows; // slow start windows held back by a saturated CPU
  private long starvedNanos; // time a slow-start doubling has been held on CPU-starved windows
  private long starved; // of the window being judged: its length if the CPU starved it, else 0
  private int knee; // highest setting reached by a step that paid proportionally; 0: none yet
  // The best throughput per unit of the setting measured at or below the knee (the step that set
  // it, and steady windows since at settings up to it).
  private double kneeRate;
  private int slowStartEnd; // the setting the last slow start ended at; 0: none yet

  /**
   * A climber over [min, max] that keeps a step up for more than {@code gain} (a factor above 1)
   * and whose slow start goes on doubling while a doubling buys more than {@code slowStartGain} (a
   * factor, at least {@code gain}).
   */
  HillClimber(String what, int min, int max, double gain, double slowStartGain) {
    this(what, min, max, gain, slowStartGain, false);
  }

  /**
   * As above; {@code capProbes}: probes up stay within the higher of twice the knee and the setting
   * slow start ended at (see the class comment).
   */
  HillClimber(String what, int min, int max, double gain, double slowStartGain, boolean capProbes) {
    this.what = what;
    this.min = min;
    this.max = max;
    this.gain = gain;
    this.slowStartGain = slowStartGain;
    this.capProbes = capProbes;
  }

  /** The most a probe up may reach: see the class comment ({@code max} if not capped). */
  int probeCeiling() {
    if (!capProbes || slowStartEnd == 0) {
      return max;
    }
    // No knee yet (no step paid proportionally): twice where slow start ended, so that a slow
    // start ended low by a noisy window can still be corrected by a probe that pays.
    return clamp(knee == 0 ? 2L * slowStartEnd : Math.max(2L * knee, slowStartEnd));
  }

  int min() {
    return min;
  }

  int max() {
    return max;
  }

  /** Forget everything learnt: the next saturated window starts a slow start. */
  void reset() {
    slowStart = true;
    reference = 0;
    peak = 0;
    trial = 0;
    sinceProbe = 0;
    outliers = 0;
    pausedWindows = 0;
    starvedNanos = 0;
    knee = 0;
    kneeRate = 0;
    slowStartEnd = 0;
  }

  int clamp(long value) {
    return (int) Math.max(min, Math.min(max, value));
  }

  /**
   * One saturated window at setting {@code current} gave throughput {@code tput} (events/s). With
   * {@code mayGrow == false} (e.g. the CPU is saturated) no step up is started: slow start pauses,
   * and ends after {@link #PROBE_EVERY} such windows; then only steps down are probed.
   */
  ControllerDecision step(int current, double tput, boolean mayGrow) {
    return step(current, tput, mayGrow, 0);
  }

  /**
   * As {@link #step(int, double, boolean)}, for a window of {@code starvedWindowNanos} in which the
   * CPU was saturated while the handlers mostly waited (0 otherwise): a slow-start doubling that
   * bought too little on it is judged again on the next window (see the class comment).
   */
  ControllerDecision step(int current, double tput, boolean mayGrow, long starvedWindowNanos) {
    this.mayGrow = mayGrow;
    this.starved = starvedWindowNanos;
    if (trial != 0) {
      int dir = trial;
      trial = 0;
      return dir > 0 ? judgeStepUp(current, tput) : judgeStepDown(current, tput);
    }
    if (reference <= 0) {
      reference = tput;
      peak = Math.max(peak, reference);
      best = current;
      return slowStart
          ? stepUp(current, 2L * current, fmt("saturated at %.0f/s: slow start", tput))
          : hold(current, fmt("saturated at %.0f/s", tput));
    }
    if (tput < reference / 2 || tput > reference * 2) {
      // One odd window is noise (a GC, a scheduling hiccup); two in a row mean the workload
      // changed: forget the reference and search again from here.
      if (++outliers < 2) {
        return hold(current, fmt("outlier %.0f/s vs %.0f/s, waiting for another", tput, reference));
      }
      String why = fmt("throughput moved from %.0f/s to %.0f/s: new search", reference, tput);
      reset();
      reference = tput;
      peak = Math.max(peak, reference);
      best = current;
      return stepUp(current, 2L * current, why);
    }
    outliers = 0;
    if (slowStart) {
      return stepUp(current, 2L * current, fmt("slow start at %.0f/s", tput));
    }
    reference = (1 - EWMA_WEIGHT) * reference + EWMA_WEIGHT * tput;
    peak = Math.max(peak, reference);
    if (knee > 0 && current <= knee) {
      kneeRate = Math.max(kneeRate, reference / current); // a warm JVM's rate, not slow start's
    }
    if (++sinceProbe >= PROBE_EVERY) {
      sinceProbe = 0;
      boolean up = probeUpNext;
      probeUpNext = !probeUpNext;
      int step = Math.max(1, current / 4);
      if (up && capProbes && knee > 0 && current > knee) {
        stillProportional(current);
      }
      int ceiling = probeCeiling();
      if (up && current < ceiling) {
        return stepUp(
            current,
            Math.min((long) current + step, ceiling),
            fmt("probe up from %.0f/s", reference));
      }
      if (up && current < max) {
        String why =
            knee > 0 && 2L * knee >= slowStartEnd
                ? fmt("twice %d, the most %s throughput followed in proportion", knee, what)
                : knee > 0 ? "where slow start ended" : "twice where slow start ended";
        return hold(current, fmt("steady at %.0f/s; no probe up past %d (%s)", tput, ceiling, why));
      }
      if (!up && current > min) {
        trial = -1;
        int next = clamp((long) current - step);
        return new ControllerDecision(
            next, fmt("probe: %s %d -> %d (throughput %.0f/s)", what, current, next, reference));
      }
    }
    return hold(current, fmt("steady at %.0f/s", tput));
  }

  private ControllerDecision judgeStepUp(int current, double tput) {
    if (tput < reference / 2 && ++outliers < 2) {
      // More permits (or a bigger batch) do not halve throughput; a window measuring that is an
      // outlier (a JIT compiling at start-up, a GC, a cold first reference): judge the step again
      // on the next window rather than undo it, or end slow start, on it.
      trial = 1;
      return hold(
          current,
          fmt(
              "%s %d measured %.0f/s vs %.0f/s: an outlier, measuring again",
              what, current, tput, reference));
    }
    outliers = 0;
    double change = reference > 0 ? tput / reference - 1 : 1;
    if (slowStart && change < slowStartGain - 1 && starved > 0 && starvedNanos < STARVED_NANOS) {
      starvedNanos += starved;
      trial = 1;
      return hold(
          current,
          fmt(
              "%s %d bought %+.0f%% (%.0f/s vs %.0f/s) while the CPU was saturated and the handlers"
                  + " mostly waited: judged again",
              what, current, change * 100, tput, reference));
    }
    starvedNanos = 0;
    if (slowStart && tput > reference * gain && change < slowStartGain - 1) {
      // A doubling that bought something, but less than slowStartGain: the plateau is within this
      // step, and most of the step buys nothing. Go back and probe from there (up by a quarter
      // first): the next quarter may pay for itself, a whole doubling did not.
      endSlowStart();
      probeUpNext = true;
      return new ControllerDecision(
          best,
          fmt(
              "slow start ends: %s %d bought only %+.0f%% (%.0f/s vs %.0f/s): back to %d",
              what, current, change * 100, tput, reference, best));
    }
    if (tput > reference * gain) {
      double step = (double) current / best - 1;
      if (change >= PROPORTIONAL * step && current > knee) {
        knee = current; // throughput still follows the setting up to here
        kneeRate = Math.max(kneeRate, tput / current);
      }
      reference = tput;
      peak = Math.max(peak, reference);
      best = current;
      if (slowStart) {
        // Double, never more: a limited resource (a pool of N connections) is found at most one
        // doubling past it, so at most 2 N calls are ever in flight.
        return stepUp(
            current,
            2L * current,
            fmt("slow start: %d bought %+.0f%% (%.0f/s)", current, change * 100, tput));
      }
      sinceProbe = 0;
      if (change >= PROPORTIONAL * step) {
        slowStart = true;
        return stepUp(
            current,
            2L * current,
            fmt(
                "kept %d: %+.0f%% for %+.0f%% %s (%.0f/s): slow start again",
                current, change * 100, step * 100, what, tput));
      }
      return hold(current, fmt("kept %d: %+.0f%% (%.0f/s)", current, change * 100, tput));
    }
    if (slowStart) {
      endSlowStart();
    }
    sinceProbe = 0;
    return new ControllerDecision(
        best,
        fmt(
            "%s %d bought %+.0f%% (%.0f/s vs %.0f/s, need > +%.0f%%): back to %d",
            what, current, change * 100, tput, reference, (gain - 1) * 100, best));
  }

  /**
   * Held above the knee at {@code current}: if the throughput per unit of the setting is still
   * STILL_PROPORTIONAL of the knee's, throughput follows the setting up to here and the knee rises
   * to it. Without this, a slow start whose last doubling was judged on one poor window (a JVM
   * still compiling: 256 to 512 permits of 10 ms sleeps measured +18%, 128 to 256 +45%) ended at
   * 256 with the knee at 128, and the ceiling (twice 128) kept 10,000 outstanding calls at 256
   * permits for good, at 20% of the CPU.
   */
  private void stillProportional(int current) {
    if (reference / current >= STILL_PROPORTIONAL * kneeRate) {
      knee = current; // its rate stays the knee's: a raise is judged against the proportional step
    }
  }

  /** Slow start found the plateau: steady from now on, the first probe going down. */
  private void endSlowStart() {
    slowStart = false;
    slowStartEnd = best;
    sinceProbe = 0;
    probeUpNext = false;
  }

  private ControllerDecision judgeStepDown(int current, double tput) {
    double change = tput / reference - 1;
    sinceProbe = 0;
    // Against the peak, not the reference: a reference that follows each kept step down would let
    // probe after probe lose up to 3% more, without end.
    if (tput >= peak * KEEP) {
      best = current;
      return hold(
          current, fmt("kept fewer: %d loses %+.0f%% (%.0f/s)", current, change * 100, tput));
    }
    return new ControllerDecision(
        best,
        fmt(
            "%s %d lost %+.0f%% (%.0f/s vs %.0f/s): back to %d",
            what, current, change * 100, tput, reference, best));
  }

  private ControllerDecision stepUp(int current, long target, String why) {
    int next = clamp(target);
    if (!mayGrow) {
      if (slowStart && ++pausedWindows < PROBE_EVERY) {
        return hold(current, why + "; paused: CPU saturated");
      }
      if (slowStart) {
        slowStart = false;
        slowStartEnd = current;
      }
      return hold(current, why + "; not growing: CPU saturated");
    }
    pausedWindows = 0;
    if (next == current) {
      if (slowStart) {
        slowStart = false;
        slowStartEnd = current;
      }
      return hold(current, why + "; at max " + max);
    }
    trial = 1;
    return new ControllerDecision(
        next, fmt("%s; %s %d -> %d", why, what, current, next), searching());
  }

  /** Keeps the setting; still searching while in slow start (e.g. paused by a busy CPU). */
  private ControllerDecision hold(int current, String why) {
    return new ControllerDecision(current, fmt("hold %s %d: %s", what, current, why), searching());
  }

  /** Whether the climber is (or, before its first saturated window, will be) in slow start. */
  boolean slowStart() {
    return slowStart;
  }

  /**
   * Whether a slow start is under way: it began (a saturated window set the reference) and has not
   * found the plateau yet, so the setting is still being raised.
   */
  boolean searching() {
    return slowStart && reference > 0;
  }

  @SuppressWarnings("AnnotateFormatMethod") // error_prone_annotations is not a dependency
  private static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }
}
