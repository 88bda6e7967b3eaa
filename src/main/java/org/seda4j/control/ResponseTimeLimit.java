package org.seda4j.control;

import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.seda4j.RejectionReason;
import org.seda4j.spi.AdmissionLimit;
import org.seda4j.spi.Refusal;

/*
 * The default overload controller (AdmissionController.responseTime): a limit on the events in the
 * system derived from Little's law, instead of Welsh and Culler's admission rate.
 *
 * Rule. In a window where a measured stage worked at its capacity (AdmissionSample.saturated:
 * every permit busy, events waiting), the response rate X is what the stages can do. An event
 * admitted while N events are in the system waits about N / X, so holding N below
 * L = X x target x gain keeps the response time near the target whatever the offered load, and
 * reacts within one event, not one sampling period: admit() compares the live count
 * (AdmissionContext.inSystem) with L. Rejections therefore start exactly when the system holds a
 * target's worth of work and stop as soon as it holds less (no rate to climb back up once the load
 * falls).
 *
 * Capacity estimate X: in saturated windows it follows a rise at once and a fall by half per window
 * (the mean of the old estimate and the new measurement); in other windows it only rises (the
 * stages did at least that). Until a saturated window was seen there is no limit: no backlog, no
 * cut, so a cold start at low load never sheds.
 *
 * Coordination with the stages' controllers: while a measured stage's concurrency or batching
 * controller is still raising its setting (ControllerDecision.searching: slow start), X is a lower
 * bound of what the stage is about to do. Before the stages ever settled (a cold start: a JVM that
 * just started measures a fraction of its capacity while it compiles and while its permits are
 * still growing) there is no limit while they search, for at most MAX_COLD_SEARCH_WINDOWS windows
 * (then COLD_HEADROOM x L): the search finishes on the backlog it needs instead of being starved by
 * a limit computed from too few permits; slow start doubles per window, so this lasts a few
 * windows. The first backlog is not cut while it drains by itself either (the system holds more
 * than L, but less than in the window before, and nothing was refused): a cold start at a load the
 * stages carry sheds nothing. Once settled (a capacity is known from a window without search), a
 * new search (a load step, a workload change) gets SEARCH_HEADROOM x L: room for the next doubling
 * of permits to be busy and judged, while the known capacity still bounds the wait.
 *
 * Gain: the measured percentile corrects L for what Little's law does not see (service-time
 * variance, time spent outside the queues, an estimate off by noise). It is an integral control,
 * slow on purpose: only in a window where the limit governed for the second window running (it
 * refused events itself -- not a key's share, which keeps the system under the limit on purpose --
 * while the system held no more than about the limit: the responses measured were
 * admitted under it, not in a backlog from before it), the limit has not moved by more than a
 * quarter nor a stage searched for STEADY_WINDOWS windows, and
 * enough responses measured, a percentile above the target lowers the gain in proportion (target /
 * percentile, at most by STEP_DOWN at once) and one below LOW x target raises it by STEP_UP. One
 * rule comes first: a response rate below STARVED x capacity while the limit refuses means the
 * limit starves the stages (a target shorter than the service time allows, for one), so the gain
 * rises whatever the percentile: throughput is never traded for a target that cannot be met. The
 * gain that starved them is remembered (forgotten by 1% a window) and the percentile rule does not
 * take the gain back below it, so the limit settles just above starvation instead of cycling
 * through it. Bounded to [MIN_GAIN, MAX_GAIN].
 *
 * Fairness (optional key function): while the limit is in force, the capacity is also shared
 * equally between the keys that offer events (KeyShares: a token bucket per key, refilled at
 * capacity / active keys per second, banking up to 2 s of it): a key that used its share is
 * shed however soon it comes back; while the system holds under a tenth of L every event is
 * admitted (charged all the same), so the stages never run dry for the sake of fairness. The shares
 * are in force only while the limit is near: after QUIET_WINDOWS windows in which the system held
 * under a tenth of L (at the window's end) and the limit refused nothing, no key is refused for
 * its share (its offers still make it active) until a window ends with the system at a tenth of L
 * or more, or the limit refuses. An idle spell (windows in which the stage offered and handled
 * nothing are not sampled) counts as quiet windows, and while the last sample is more than
 * QUIET_WINDOWS windows old (an idle spell, or the first window after one) no key is shed for its
 * share either: the connections a client opens after a pause would each be refused once their
 * first admission and credit were spent, on a stale share. Without that, a drop in clients was taken for overload: keys
 * that left count as active for a while (so that a client waiting out its Retry-After keeps its
 * share), the share of each key still there is a fraction of what it asks, and keys of a nearly
 * empty system ran out of credit and were shed. A key
 * function that throws or returns null refuses that event alone (REFUSED, naming the cause).
 *
 * Threads: admit/screen on producers' threads (two volatile reads, plus a map lookup and one
 * monitor with fairness); update on the sampler thread only; `limit` and `state` are the only
 * fields both touch.
 */
/** The response-time limit: Little's law on the events in the system, with optional fairness. */
final class ResponseTimeLimit<E>
    implements AdmissionController<E>, Refusal.Screening<E>, AdmissionLimit {
  static final double MIN_GAIN = 0.25;
  static final double MAX_GAIN = 2;
  static final double COLD_HEADROOM = 4;
  static final int MAX_COLD_SEARCH_WINDOWS = 10;
  static final double SEARCH_HEADROOM = 2;
  static final double LOW = 0.8;
  static final int MIN_RESPONSES = 20;
  static final double STEP_DOWN = 0.7;
  static final double STEP_UP = 1.1;
  static final double STARVED = 0.8;
  static final double FORGET_STARVED = 0.99;
  static final int STEADY_WINDOWS = 3;
  static final int QUIET_WINDOWS = 2;
  private static final long UNLIMITED = Long.MAX_VALUE;

  private final long targetNanos;
  private final Feedback feedback;
  private final @Nullable Function<? super E, ?> keyOf;
  private final @Nullable KeyShares shares;
  private final Refusal overLimit;
  private final Refusal overShare;

  private volatile long limit = UNLIMITED;
  private volatile boolean sharesInForce = true;
  // When the last sample ended and how long its window was (producers read them): a stage that
  // offers and handles nothing gets no samples, so the shares' last state would outlive the spell.
  private volatile long lastUpdateNanos; // 0: none yet
  private volatile long windowNanos = Long.MAX_VALUE / (2 * QUIET_WINDOWS);
  // Producers count their refusals by the limit here; the sampler reads and resets it.
  private final LongAdder overLimitRefusals = new LongAdder();
  private volatile String state;
  // Sampler thread only.
  private double capacity = Double.NaN;
  private double gain = 1;
  private double starvedBelow; // the highest gain that starved the stages, decaying
  private boolean governedBefore;
  private boolean settled;
  private boolean drained;
  private long lastInSystem;
  private int steadyWindows;
  private int searchingWindows;
  private int quietWindows;

  /**
   * Creates the controller.
   *
   * @param target the response time to hold, positive
   * @param exit the stage where responses end, or null for the guarded stage itself
   * @param keyOf the fairness key of an event, or null for no fairness
   */
  ResponseTimeLimit(
      java.time.Duration target,
      org.seda4j.@Nullable Stage<?> exit,
      @Nullable Function<? super E, ?> keyOf) {
    this.targetNanos = target.toNanos();
    this.feedback = new Feedback(1, exit);
    this.keyOf = keyOf;
    this.shares = keyOf == null ? null : new KeyShares();
    String goal = "to keep the response time near " + millis(targetNanos);
    this.overLimit =
        new Refusal(
            RejectionReason.OVERLOADED,
            "the system holds as many events as it can answer in time (response-time limit, "
                + goal
                + "); the limit and its inputs are in the stage snapshot's admission()");
    this.overShare =
        new Refusal(
            RejectionReason.OVERLOADED,
            "its key used its share of the capacity (the capacity is shared equally between the"
                + " keys asking while the system is loaded; response-time limit with fairness, "
                + goal
                + ")");
    this.state = describe("no limit: the measured stages have not worked at capacity yet");
  }

  @Override
  public boolean admit(E event, AdmissionContext sink) {
    return screen(event, sink) == null;
  }

  @Override
  public @Nullable Refusal screen(E event, AdmissionContext sink) {
    long l = limit;
    long n = l == UNLIMITED ? 0 : sink.inSystem();
    if (shares == null) {
      return n >= l ? refuseOverLimit() : null;
    }
    Object key;
    try {
      key = keyOf(event);
    } catch (Throwable e) {
      if (e instanceof VirtualMachineError fatal) {
        throw fatal; // out of memory or stack: nothing sensible to do here
      }
      return new Refusal(
          RejectionReason.REFUSED,
          "the fairness key function of its response-time controller threw " + e);
    }
    if (key == null) {
      return new Refusal(
          RejectionReason.REFUSED,
          "the fairness key function of its response-time controller returned null (it must"
              + " return a key for every event)");
    }
    // Offered to the shares even over the limit: a key that asks is active, and has its share.
    long now = sink.nanoTime();
    if (!sharesInForce || now - lastUpdateNanos > QUIET_WINDOWS * windowNanos) {
      shares.offer(key, now, n, UNLIMITED); // active, not charged
      return n >= l ? refuseOverLimit() : null;
    }
    if (shares.offer(key, now, n, l)) {
      return null;
    }
    return n >= l ? refuseOverLimit() : overShare;
  }

  /** Counts a refusal by the limit itself (not by a key's share): what the gain's trim reads. */
  private Refusal refuseOverLimit() {
    overLimitRefusals.increment();
    return overLimit;
  }

  private @Nullable Object keyOf(E event) {
    Function<? super E, ?> f = keyOf;
    return f == null ? event : f.apply(event);
  }

  @Override
  public RejectionReason rejectionReason() {
    return RejectionReason.OVERLOADED;
  }

  @Override
  public Feedback feedback() {
    return feedback;
  }

  @Override
  public boolean update(AdmissionSample s) {
    // Windows in which the stage offered and handled nothing are not sampled: an idle spell of a
    // window or more before this one counts as quiet windows (far under any limit).
    long windowStart = s.nanoTime() - s.elapsedNanos();
    if (lastUpdateNanos != 0 && windowStart - lastUpdateNanos >= s.elapsedNanos()) {
      quietWindows = Math.max(quietWindows, QUIET_WINDOWS);
    }
    lastUpdateNanos = s.nanoTime();
    windowNanos = s.elapsedNanos();
    double rate = s.responseRate();
    // Governed by the limit: it refused events and the system holds about what it allows (not an
    // older backlog draining).
    long l0 = limit;
    long refusedByLimit = overLimitRefusals.sumThenReset();
    boolean governedNow = refusedByLimit > 0 && l0 != UNLIMITED && s.inSystem() <= 1.1 * l0 + 1;
    boolean binding = governedNow && governedBefore && steadyWindows >= STEADY_WINDOWS;
    governedBefore = governedNow;
    if (s.saturated() && rate > 0) {
      capacity = Double.isNaN(capacity) || rate > capacity ? rate : 0.5 * (capacity + rate);
    } else if (!Double.isNaN(capacity) && rate > capacity) {
      capacity = rate;
    }
    searchingWindows = s.searching() ? searchingWindows + 1 : 0;
    starvedBelow *= FORGET_STARVED; // what starved the stages once may not any more
    if (searchingWindows == 0 && !Double.isNaN(capacity)) {
      settled = true;
    }
    String trim = "";
    if (binding && searchingWindows == 0 && s.responseTime().count() >= MIN_RESPONSES) {
      long p90 = s.responseTime().p90Nanos();
      if (rate < STARVED * capacity) {
        // Refusing while the stages do less than they can: the limit starves them (a target
        // below what the service time allows, say). Throughput first, and remember where.
        starvedBelow = Math.max(starvedBelow, gain);
        gain = Math.min(MAX_GAIN, gain * STEP_UP);
        trim =
            String.format(
                Locale.ROOT,
                ", gain up: %.0f/s is under %.0f%% of the capacity while refusing",
                rate,
                STARVED * 100);
      } else if (p90 > targetNanos && gain > STEP_UP * starvedBelow) {
        gain =
            Math.max(
                Math.max(MIN_GAIN, STEP_UP * starvedBelow),
                gain * Math.max(STEP_DOWN, (double) targetNanos / p90));
        trim = ", gain down: p90 " + millis(p90) + " over target";
      } else if (p90 < LOW * targetNanos) {
        gain = Math.min(MAX_GAIN, gain * STEP_UP);
        trim = ", gain up: p90 " + millis(p90) + " under " + LOW + " x target";
      }
    }
    if (shares != null) {
      shares.update(s.nanoTime(), capacity);
    }
    if (Double.isNaN(capacity)) {
      lastInSystem = s.inSystem(); // what a first backlog is seen to drain from
      setLimit(UNLIMITED);
      state = describe("no limit: the measured stages have not worked at capacity yet");
      return true;
    }
    if (!settled && searchingWindows > 0 && searchingWindows <= MAX_COLD_SEARCH_WINDOWS) {
      lastInSystem = s.inSystem();
      setLimit(UNLIMITED);
      state =
          describe(
              String.format(
                  Locale.ROOT,
                  "no limit: cold start, a measured stage is still raising its permits or batch size"
                      + " (capacity so far %.0f/s), %d in system",
                  capacity,
                  s.inSystem()));
      return true;
    }
    long backlogBefore = lastInSystem;
    lastInSystem = s.inSystem();
    double l = capacity * targetNanos / 1e9 * gain;
    String rule =
        String.format(
            Locale.ROOT, "capacity %.0f/s x %s x gain %.2f", capacity, millis(targetNanos), gain);
    if (searchingWindows > 0) {
      double relax = settled ? SEARCH_HEADROOM : COLD_HEADROOM;
      l *= relax;
      rule += " x " + (int) relax + " (relaxed: a measured stage is still searching)";
    }
    long next = Math.max(1, Math.round(l));
    if (settled && !drained && s.inSystem() > next) {
      if (s.inSystem() < backlogBefore && s.rejected() == 0) {
        // The first backlog after a cold start drains by itself: the stages now do more than
        // arrives. Rejecting while it drains would shed at a load they carry (no backlog, no
        // cut).
        setLimit(UNLIMITED);
        state =
            describe(
                String.format(
                    Locale.ROOT,
                    "holding: the cold-start backlog drains by itself (%d in system, %d before;"
                        + " limit %d)",
                    s.inSystem(),
                    backlogBefore,
                    next));
        return true;
      }
      drained = true; // it does not drain by itself: overload, the limit applies from now on
    }
    setLimit(next);
    if (settled && s.inSystem() <= limit) {
      drained = true;
    }
    boolean quiet = s.inSystem() < KeyShares.FLOOR * next && refusedByLimit == 0;
    quietWindows = quiet ? quietWindows + 1 : 0;
    sharesInForce = quietWindows < QUIET_WINDOWS;
    state =
        describe(
            String.format(
                Locale.ROOT,
                "limit %d in system (%s%s), %d in system, p90 %s%s",
                limit,
                rule,
                trim,
                s.inSystem(),
                millis(s.responseTime().p90Nanos()),
                shares == null
                    ? ""
                    : String.format(
                        Locale.ROOT,
                        ", fair share %.1f/s for each of %d keys%s",
                        shares.rate(),
                        shares.active(),
                        sharesInForce
                            ? ""
                            : " (not in force: under a tenth of the limit for "
                                + quietWindows
                                + " windows)")));
    return true;
  }

  /**
   * Sets the limit; a change by more than a quarter (or a search) restarts the count of steady
   * windows the gain's trim waits for.
   */
  private void setLimit(long next) {
    long old = limit;
    boolean big =
        old == UNLIMITED || next == UNLIMITED || Math.abs(next - old) > 0.25 * Math.max(old, next);
    steadyWindows = big || searchingWindows > 0 ? 0 : steadyWindows + 1;
    limit = next;
  }

  /** The current limit on the events in the system; {@link Long#MAX_VALUE} when unlimited. */
  @Override
  public long limit() {
    return limit;
  }

  /** The capacity estimate in responses per second; NaN before a saturated window. For tests. */
  double capacity() {
    return capacity;
  }

  /** The gain on Little's law. For tests. */
  double gain() {
    return gain;
  }

  private String describe(String what) {
    return "responseTime(p90 target "
        + millis(targetNanos)
        + (feedback.exit() != null ? " on path to '" + feedback.exit().name() + "'" : "")
        + (shares != null ? ", fair by key" : "")
        + "): "
        + what;
  }

  private static String millis(long nanos) {
    return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
  }

  @Override
  public String toString() {
    return state;
  }
}
