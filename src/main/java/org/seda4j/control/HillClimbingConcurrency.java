package org.seda4j.control;

import java.util.Locale;

/*
 * The default concurrency controller (see ConcurrencyController.adaptive for the contract).
 *
 * Only saturated windows go to the hill climber: work waited at the end of the window AND the
 * permits were all in use (on average at least SATURATED of them busy in handlers; see
 * saturated()). Then the measured throughput is what these permits can do. A window in which the
 * handlers were held up (a JIT compiling at start-up keeps the carriers) is not saturated by that
 * measure, and is not judged. A queue with idle
 * permits means the hand-off, not the permits, is the limit: more permits would buy nothing there.
 * Saturated windows are added up until they hold enough handler calls to judge (Measurement).
 *
 * Windows without backlog shrink idle permits and, after three in a row, make the climber forget
 * (the next overload searches again). Idle permits are not shrunk while the CPU is saturated: an
 * empty queue then says that the producers are short of CPU, not that the demand fell, and
 * permits cut below the demand that returns with the CPU would fill the queue and keep it full
 * until they grew back. A window in which nothing completed while every permit was
 * busy and work waited doubles the permits without evidence: typical of a cold start with slow
 * blocking handlers.
 *
 * Growth and the CPU: more permits can add CPU work only if the CPU has room, so while the JVM
 * keeps every processor busy the climber does not step up -- unless the stage's handlers mostly
 * wait (their handler time in the window is more than twice the CPU time the whole JVM used:
 * blocking calls, a remote resource), in which case more permits mean more waiting in parallel,
 * not more CPU, and the throughput measurement decides as usual (but a slow-start doubling of
 * such a stage is not judged on a CPU-saturated window: see HillClimber). That keeps a CPU-bound
 * stage from growing on measurement noise and still lets a blocking stage grow on a machine whose
 * CPU is busy with something else (a JIT compiling at start-up, another stage, another process).
 */
/** Throughput hill climbing over the permits. */
final class HillClimbingConcurrency implements ConcurrencyController {
  private static final int QUIET_WINDOWS = 3;
  static final double SATURATED = 0.8;
  static final double WAITING = 2;

  private final HillClimber climber;
  private final Measurement measurement = new Measurement();
  private final int processors;
  private int idleWindows;
  private int quietWindows;

  /**
   * Creates the controller for this machine's processors.
   *
   * @param min the fewest permits, at least 1
   * @param max the most permits, at least {@code min}
   */
  HillClimbingConcurrency(int min, int max) {
    this(min, max, Runtime.getRuntime().availableProcessors());
  }

  /** Creates the controller for a machine of {@code processors} processors (tests). */
  HillClimbingConcurrency(int min, int max, int processors) {
    Bounds.check("permits", min, max);
    this.climber =
        new HillClimber("permits", min, max, HillClimber.GAIN, HillClimber.SLOW_START_GAIN, true);
    this.processors = Math.max(1, processors);
  }

  @Override
  public int initial() {
    return climber.clamp(processors);
  }

  @Override
  public ControllerDecision decide(ControllerSample s) {
    ControllerDecision d = decideWithoutCpuNote(s);
    return s.cpuLoad() < 0
        ? d
        : new ControllerDecision(
            d.value(),
            d.reason() + String.format(Locale.ROOT, " [cpu %.0f%%]", s.cpuLoad() * 100),
            d.searching());
  }

  /**
   * Whether the window measured what the permits can do: work waited and the permits were busy, on
   * average, for at least SATURATED of the window (handler time of the calls that ended in it). For
   * calls as long as half a window or more, whose handler time is counted only in the window they
   * end in, every permit held at the end of the window counts too.
   */
  static boolean saturated(ControllerSample s) {
    if (!s.backlogged()) {
      return false;
    }
    if (s.meanBusyHandlers() >= SATURATED * s.permits()) {
      return true;
    }
    boolean longCalls =
        s.completions() == 0 || s.serviceNanosPerEvent() * s.batchSize() >= s.elapsedNanos() / 2.0;
    return longCalls && s.activeHandlers() >= s.permits();
  }

  /**
   * Whether the handlers spent the window mostly waiting rather than computing: their handler time
   * is more than WAITING times the CPU time the whole JVM used (see above), and more than the
   * carriers could hold (processors x the window); false if the CPU use is unknown.
   *
   * <p>The second part tells waiting for a blocking call from waiting for the CPU. A handler that
   * computes holds its carrier, so computing handlers together account for at most processors x the
   * window of handler time, however much of it they spent descheduled while other processes took
   * the CPU (then the JVM's CPU time is a fraction of their handler time, and the first part alone
   * took them for blocking calls: their workers stopped taking turns, and a stage beside them
   * waited until their backlog ran dry). Only handlers that leave their carrier (block) can add up
   * to more.
   */
  static boolean mostlyWaiting(ControllerSample s, int processors) {
    if (s.cpuLoad() < 0) {
      return false;
    }
    double cpuNanos = s.cpuLoad() * processors * s.elapsedNanos();
    return s.busyNanos() > WAITING * cpuNanos
        && s.busyNanos() > (double) processors * s.elapsedNanos();
  }

  private ControllerDecision decideWithoutCpuNote(ControllerSample s) {
    int p = s.permits();
    if (!s.backlogged()) {
      measurement.clear();
      if (++quietWindows >= QUIET_WINDOWS) {
        climber.reset();
      }
      double used = Math.max(s.activeHandlers(), s.meanBusyHandlers());
      // Not on a saturated CPU: there, idle permits and an empty queue say the producers are short
      // of CPU, not that the demand fell, and the demand returns with the CPU (see above).
      idleWindows = used < p / 2.0 && p > climber.min() && !s.cpuSaturated() ? idleWindows + 1 : 0;
      if (idleWindows >= QUIET_WINDOWS) {
        idleWindows = 0;
        int next = climber.clamp(Math.max((long) Math.ceil(2 * used), p / 2));
        return new ControllerDecision(
            next,
            String.format(
                Locale.ROOT,
                "idle: %.1f of %d permits busy, queue empty for %d windows; permits %d -> %d",
                used,
                p,
                QUIET_WINDOWS,
                p,
                next));
      }
      return new ControllerDecision(
          p,
          String.format(
              Locale.ROOT,
              "hold permits %d: no backlog (%.1f busy, %.0f/s)",
              p,
              used,
              s.throughput()));
    }
    idleWindows = 0;
    quietWindows = 0;
    boolean waiting = mostlyWaiting(s, processors);
    boolean mayGrow = !s.cpuSaturated() || waiting;
    if (s.completions() == 0) {
      if (s.activeHandlers() >= p && p < climber.max() && mayGrow) {
        int next = climber.clamp(2L * p);
        return new ControllerDecision(
            next,
            String.format(
                Locale.ROOT,
                "nothing completed, all %d permits busy, %d queued: permits %d -> %d",
                p,
                s.queueLength(),
                p,
                next),
            true);
      }
      return new ControllerDecision(
          p, "hold permits " + p + ": nothing completed yet", climber.searching());
    }
    if (!saturated(s)) {
      measurement.clear();
      return new ControllerDecision(
          p,
          String.format(
              Locale.ROOT,
              "hold permits %d: %d queued but only %.1f busy (the hand-off, not the permits, is"
                  + " the limit)",
              p,
              s.queueLength(),
              s.meanBusyHandlers()),
          climber.searching());
    }
    double throughput = measurement.add(s, p, climber.slowStart());
    if (Double.isNaN(throughput)) {
      // A saturated window too short to judge is part of the search it feeds: in slow start (or
      // before the first one, which this measurement starts) the permits are about to be raised,
      // so the throughput measured now is a lower bound. Said otherwise, a cold stage at 1 permit
      // (the idle rule's floor) with 10 ms handlers, whose first windows hold 10 calls each, once
      // told its admission controller that it had settled at 100/s, and the cold start was shed.
      return new ControllerDecision(
          p,
          String.format(
              Locale.ROOT,
              "hold permits %d: measuring (%d windows, too few handler calls to judge yet)",
              p,
              measurement.windows()),
          climber.slowStart());
    }
    return climber.step(
        p, throughput, mayGrow, s.cpuSaturated() && waiting ? measurement.lastElapsedNanos() : 0);
  }

  @Override
  public String toString() {
    return "adaptive(" + climber.min() + ".." + climber.max() + ")";
  }
}
