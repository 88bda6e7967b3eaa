package org.seda4j.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * A stage's rate-limited WARN messages, so that a stage failing or shedding load at full speed
 * cannot flood the log. Each {@link Kind} of message is limited on its own: the first {@value
 * #FAILURES_PER_WINDOW} failure messages of a kind per {@value #WINDOW_SECONDS} s window are logged
 * in full (stack trace included), then one line says how many were suppressed; drops are reported
 * by one line per window, which carries the stage's drop count. Messages go to the stage's own
 * logger ({@code org.seda4j.stage.<graph>.<stage>}).
 */
final class StageLog {

  /** Failure messages logged per kind and window. */
  static final int FAILURES_PER_WINDOW = 10;

  /** The window, in seconds. */
  static final int WINDOW_SECONDS = 10;

  /** The kinds of rate-limited messages; each has its own window. */
  enum Kind {
    /** A handler threw (failure policy logAndCount). */
    HANDLER_FAILED("handler failures"),
    /** A handler threw and the dead-letter stage did not take the event. */
    DEAD_LETTER_FAILED("failures not taken by the dead-letter stage"),
    /** The drop listener threw. */
    DROP_LISTENER_FAILED("drop listener failures"),
    /** The rejection listener threw. */
    REJECT_LISTENER_FAILED("rejection listener failures"),
    /** Expiring.deadline() or an admission controller threw or returned null on an event. */
    CALLBACK_FAILED("callback failures"),
    /** A concurrency or batching controller threw (every sampling period, if it keeps throwing). */
    CONTROLLER_FAILED("controller failures"),
    /** A context propagator threw, or returned null from restore (see ContextCarrier). */
    CONTEXT_FAILED("context propagator failures");

    private final String what;

    Kind(String what) {
      this.what = what;
    }
  }

  private static final VarHandle FAILURES;
  private static final VarHandle DROPS;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      FAILURES = l.findVarHandle(StageLog.class, "failures", LogLimiter.class);
      DROPS = l.findVarHandle(StageLog.class, "drops", LogLimiter.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Logger log;
  private final String stage;
  private final LongSupplier clock;

  // Created on the first message of their sort: most stages never warn, and the two limiters
  // (a map and two adders each) were ~340 of an idle stage's bytes.
  @SuppressWarnings("UnusedVariable") // read and written through FAILURES
  private volatile @Nullable LogLimiter<Kind> failures;

  @SuppressWarnings("UnusedVariable") // read and written through DROPS
  private volatile @Nullable LogLimiter<String> drops;

  /**
   * @param log the stage's logger
   * @param stage the stage's name
   * @param clock the graph's clock
   */
  StageLog(Logger log, String stage, LongSupplier clock) {
    this.log = log;
    this.stage = stage;
    this.clock = clock;
  }

  /**
   * Logs a WARN of {@code kind} unless its window is full; before it, a summary of the messages of
   * that kind suppressed in the last window, if any.
   *
   * @param kind the kind of message
   * @param format an slf4j format
   * @param args its arguments; a trailing {@link Throwable} is logged with its stack trace
   */
  void warn(Kind kind, String format, @Nullable Object... args) {
    long unreported = failures().acquire(kind);
    if (unreported == LogLimiter.SUPPRESSED || !log.isWarnEnabled()) {
      return;
    }
    if (unreported > 0) {
      summary(kind, unreported);
    }
    log.warn(format, args);
  }

  /**
   * An event was dropped: logs one WARN per window and reason naming the reason and the count so
   * far.
   *
   * @param policy the full-queue policy that dropped it, or another reason (a passed deadline)
   * @param droppedSoFar the stage's dropped counter, this drop included
   */
  void dropped(Object policy, long droppedSoFar) {
    if (drops().acquire(policy.toString()) == LogLimiter.SUPPRESSED || !log.isWarnEnabled()) {
      return;
    }
    log.warn(
        "stage '{}' dropped events ({}), {} so far; logged at most once per {} s",
        stage,
        policy,
        droppedSoFar,
        WINDOW_SECONDS);
  }

  /** Logs the summaries of windows that ended. Called by the graph's sampler thread. */
  void flush() {
    LogLimiter<Kind> f = failures;
    if (f != null) {
      f.flushExpired(this::summary);
    }
    LogLimiter<String> d = drops;
    if (d != null) {
      d.flushExpired((key, n) -> {}); // the next drop message carries the count
    }
  }

  private void summary(Kind kind, long suppressed) {
    log.warn(
        "stage '{}': suppressed {} similar messages ({}) in the last {} s",
        stage,
        suppressed,
        kind.what,
        WINDOW_SECONDS);
  }

  /** The limiter of failure messages, created on first use. */
  @SuppressWarnings("unchecked")
  LogLimiter<Kind> failures() {
    LogLimiter<Kind> f = failures;
    if (f == null) {
      f = new LogLimiter<>(FAILURES_PER_WINDOW, TimeUnit.SECONDS.toNanos(WINDOW_SECONDS), clock);
      if (!FAILURES.compareAndSet(this, null, f)) {
        f = (LogLimiter<Kind>) FAILURES.getVolatile(this);
      }
    }
    return f;
  }

  /** The limiter of drop messages, created on first use. */
  @SuppressWarnings("unchecked")
  LogLimiter<String> drops() {
    LogLimiter<String> d = drops;
    if (d == null) {
      d = new LogLimiter<>(1, TimeUnit.SECONDS.toNanos(WINDOW_SECONDS), clock);
      if (!DROPS.compareAndSet(this, null, d)) {
        d = (LogLimiter<String>) DROPS.getVolatile(this);
      }
    }
    return d;
  }
}
