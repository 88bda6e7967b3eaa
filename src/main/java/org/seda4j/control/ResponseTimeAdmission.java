package org.seda4j.control;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.ToIntFunction;
import org.seda4j.RejectionReason;
import org.seda4j.observe.Latency;

/*
 * Welsh and Culler's adaptive overload controller (USITS 2003), single-class and multiclass: one
 * token bucket per priority, whose rate follows the measured response-time percentile.
 *
 * State, written only by the sampler thread in update(): per priority the rate (+inf = unlimited,
 * the bucket lets everything through) and the smoothed percentile (NaN until measured); and the
 * peak response rate of all priorities, decaying by 2% per sample: an estimate of the capacity, the
 * base of the automatic increment (5% of it), so that a rate cut far down recovers in about twenty
 * samples, not in proportion to its own small rate. admit() reads only the buckets (lock-free, see TokenBucket), so producers never wait for
 * the sampler. `state` is a description rebuilt after each update for snapshots and logs.
 *
 * Rules per consumed sample (enough responses, or enough time), per priority p:
 *   smoothed[p] = a * smoothed[p] + (1 - a) * raw[p], raw[p] = the sample's percentile
 *   measured overload: smoothed[p] and raw[p] both above decreaseAbove x target
 *   predicted overload: queued / response rate + mean service time (Little's law: the response
 *     time of an event admitted now) above decreaseAbove x target, counted as the highest priority
 *   overload -> cut: single class, its rate; multiclass, the lowest priority below the highest one
 *     over its band that is still admitting (limited above minRate, or unlimited with traffic), or
 *     that priority itself if none is. The cut divides by 1 + (decreaseFactor - 1) x (how many
 *     times the band the measured or predicted time is), at most 10: decreaseFactor (1.2) at the
 *     band, deeper for a big backlog. The first cut of an unlimited priority starts from its
 *     measured response rate.
 *   otherwise, if the smoothed percentile is below increaseBelow x target: raise by increment
 *     (default 5% of the peak response rate, which decays by 2% per sample: an estimate of the
 *     capacity, so a rate cut far down recovers in about twenty samples); an increase that passes
 *     maxRate, or leaves the rate more than twice what the priority is measured to use, lifts the
 *     limit (the next cut starts again from a measurement rather than from a stale high rate). A
 *     priority without responses in the sample is raised only if the queue is empty.
 *
 * Measured response times lag the admission rate by the backlog's wait. The published algorithm
 * (AIMD on the smoothed percentile alone) therefore either overshot the target (cutting by 1.2) or
 * lost about half the goodput (halving) in a simulation of the conditioning experiment and in the
 * harness (bench/Conditioning). What makes it hold the target here, all read off the guarded
 * stage's queue:
 *   - the predicted overload above, which reacts before slow responses are measured;
 *   - no cut while the queue shrinks (the backlog is draining at the rate already cut; cutting on
 *     each lagging sample drove the rate to its minimum) and no raise while it grows;
 *   - a cut needs this sample's percentile above the band too, and when the queue is empty and the
 *     sample is fast the smoothed value restarts from it: the slow responses of a backlog that is
 *     gone no longer count. If that ends a period above the band, a single-class controller
 *     resumes at 90% of the peak response rate (the capacity measured before the backlog) rather
 *     than climbing back from a deep cut in 5% steps.
 */
/** The adaptive overload controller: per-priority token buckets following the response time. */
final class ResponseTimeAdmission<E> implements AdmissionController<E> {

  private final ResponseTimeSettings settings;
  private final int priorities;
  private final ToIntFunction<? super E> priorityOf;
  private final Feedback feedback;
  private final TokenBucket[] buckets;
  private final long targetNanos;
  private final long toleranceNanos;

  // Sampler thread only.
  private final double[] rates;
  private final double[] smoothed;
  private double peakResponseRate;
  private int lastQueueLength = -1;
  private volatile String state;

  /**
   * Creates the controller.
   *
   * @param settings target and tuning
   * @param priorities 1 (single class) to 64
   * @param priorityOf an event's priority, clamped into range
   */
  ResponseTimeAdmission(
      ResponseTimeSettings settings, int priorities, ToIntFunction<? super E> priorityOf) {
    this.settings = settings;
    this.priorities = priorities;
    this.priorityOf = priorityOf;
    this.feedback = new Feedback(priorities, settings.exit());
    this.buckets = new TokenBucket[priorities];
    for (int i = 0; i < priorities; i++) {
      buckets[i] = new TokenBucket();
    }
    this.targetNanos = settings.target().toNanos();
    // Bursts may queue up to a quarter of the target's worth of work at the admitted rate.
    this.toleranceNanos = Math.max(1, targetNanos / 4);
    this.rates = new double[priorities];
    Arrays.fill(rates, Double.POSITIVE_INFINITY);
    this.smoothed = new double[priorities];
    Arrays.fill(smoothed, Double.NaN);
    this.state = describe();
  }

  @Override
  public boolean admit(E event, AdmissionContext sink) {
    return buckets[priorityOf(event)].tryAcquire(sink.nanoTime());
  }

  @Override
  public int priorityOf(E event) {
    if (priorities == 1) {
      return 0;
    }
    int p = priorityOf.applyAsInt(event);
    return p < 0 ? 0 : Math.min(p, priorities - 1);
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
    double seconds = s.elapsedNanos() / 1e9;
    double responseRate = s.responseTime().count() / seconds;
    double up = settings.decreaseAbove() * targetNanos;
    // Predicted overload (Little's law): the response time of an event admitted now. When nothing
    // ended for longer than the band while events wait (a cold start, a stall), the response rate
    // is at most one per window: the prediction is at least the window, so it is over the band.
    double predicted;
    if (responseRate > 0) {
      predicted = s.queueLength() / responseRate * 1e9 + s.meanServiceNanos();
    } else if (s.queueLength() > 0 && s.elapsedNanos() > up) {
      predicted = (double) s.queueLength() * s.elapsedNanos();
    } else {
      predicted = 0;
    }
    if (s.responseTime().count() < settings.sampleEvents()
        && s.elapsedNanos() < settings.samplePeriod().toNanos()
        && predicted <= up) {
      // Keep accumulating: too few responses to judge yet. A backlog already predicted over the
      // band is judged at once, though: waiting for a full sample while a burst arrives lets it
      // queue seconds of work (a cold start, or a step from idle to overload).
      return false;
    }
    double a = settings.smoothing();
    peakResponseRate = Math.max(responseRate, 0.98 * peakResponseRate);
    double low = settings.increaseBelow() * targetNanos;
    boolean[] fresh = new boolean[priorities];
    boolean[] recovered = new boolean[priorities];
    double[] raw = new double[priorities];
    double[] measuredRate = new double[priorities];
    for (int p = 0; p < priorities; p++) {
      Latency l = p < s.byPriority().size() ? s.byPriority().get(p) : null;
      if (l != null && l.count() > 0) {
        raw[p] = percentile(l);
        smoothed[p] = Double.isNaN(smoothed[p]) ? raw[p] : a * smoothed[p] + (1 - a) * raw[p];
        if (s.queueLength() == 0 && raw[p] < low) {
          recovered[p] = smoothed[p] >= low;
          smoothed[p] = raw[p]; // the backlog behind the old, slow responses is gone
        }
        fresh[p] = true;
        measuredRate[p] = l.count() / seconds;
      }
    }
    // Measured overload: the smoothed percentile and this sample's both above the band.
    int highestOver = -1;
    double ratio = 0;
    for (int p = priorities - 1; p >= 0; p--) {
      if (fresh[p] && smoothed[p] > up && raw[p] > up) {
        highestOver = p;
        ratio = smoothed[p] / up;
        break;
      }
    }
    if (predicted > up) {
      highestOver = highestOver < 0 ? priorities - 1 : highestOver;
      ratio = Math.max(ratio, predicted / up);
    }
    long now = s.nanoTime();
    boolean draining = lastQueueLength >= 0 && s.queueLength() < lastQueueLength;
    boolean growing = lastQueueLength >= 0 && s.queueLength() > lastQueueLength;
    lastQueueLength = s.queueLength();
    if (highestOver >= 0 && draining) {
      state = describe() + " (holding: the queue is draining)";
      return true;
    }
    if (highestOver >= 0) {
      int victim = highestOver;
      for (int q = 0; q < highestOver; q++) {
        boolean admitting =
            Double.isInfinite(rates[q]) ? measuredRate[q] > 0 : rates[q] > settings.minRate();
        if (admitting) {
          victim = q;
          break;
        }
      }
      cut(victim, measuredRate[victim], ratio, now);
    } else if (growing && limited()) {
      state = describe() + " (holding: the queue is growing)";
      return true;
    } else {
      for (int p = 0; p < priorities; p++) {
        boolean below = fresh[p] ? smoothed[p] < low : s.queueLength() == 0;
        if (below && !Double.isInfinite(rates[p])) {
          raise(p, measuredRate[p], now);
          if (recovered[p] && priorities == 1 && rates[p] < 0.9 * peakResponseRate) {
            // A backlog just drained after a deep cut: resume at 90% of the capacity measured
            // before it instead of climbing back in small steps.
            setRate(p, 0.9 * peakResponseRate, now);
          }
        }
      }
    }
    state = describe();
    return true;
  }

  /**
   * Cuts a priority's rate, in proportion to how far above the band it is: {@code ratio} 1 (at the
   * band) divides by {@code decreaseFactor}, each further multiple of the band adds {@code
   * decreaseFactor - 1} to the divisor, up to 10.
   */
  private void cut(int p, double measuredRate, double ratio, long now) {
    double from =
        Double.isInfinite(rates[p]) ? Math.max(measuredRate, settings.minRate()) : rates[p];
    double divisor = Math.min(10, 1 + (settings.decreaseFactor() - 1) * Math.max(1, ratio));
    setRate(p, Math.max(settings.minRate(), from / divisor), now);
  }

  private void raise(int p, double measuredRate, long now) {
    double inc =
        settings.increment() > 0
            ? settings.increment()
            : Math.max(settings.minRate(), 0.05 * peakResponseRate);
    double next = rates[p] + inc;
    // An increase that leaves the limit far above what the priority uses lifts it: the next cut
    // then starts from a fresh measurement instead of a stale, too-high rate.
    boolean unbinding = measuredRate > 0 && next > 2 * measuredRate + inc;
    if (next > settings.maxRate() || unbinding) {
      rates[p] = Double.POSITIVE_INFINITY;
      buckets[p].unlimited();
    } else {
      setRate(p, next, now);
    }
  }

  private boolean limited() {
    for (double r : rates) {
      if (!Double.isInfinite(r)) {
        return true;
      }
    }
    return false;
  }

  private void setRate(int p, double rate, long now) {
    rates[p] = rate;
    buckets[p].setRate(rate, toleranceNanos, now);
  }

  private double percentile(Latency l) {
    double p = settings.percentile();
    return p == 50 ? l.p50Nanos() : p == 99 ? l.p99Nanos() : l.p90Nanos();
  }

  /** The current rate of a priority, events per second; infinite when unlimited. For tests. */
  double rate(int priority) {
    return rates[priority];
  }

  private String describe() {
    StringBuilder b = new StringBuilder();
    b.append(priorities == 1 ? "responseTime(p" : "multiclass(p")
        .append((int) settings.percentile())
        .append(" target ")
        .append(millis((double) targetNanos))
        .append(settings.exit() != null ? " on path to '" + settings.exit().name() + "'" : "")
        .append("): ");
    for (int p = 0; p < priorities; p++) {
      if (p > 0) {
        b.append(", ");
      }
      if (priorities > 1) {
        b.append("priority ").append(p).append(' ');
      }
      b.append(
          Double.isInfinite(rates[p])
              ? "unlimited"
              : String.format(Locale.ROOT, "rate %.1f/s", rates[p]));
      if (!Double.isNaN(smoothed[p])) {
        b.append(", p").append((int) settings.percentile()).append(' ').append(millis(smoothed[p]));
      }
    }
    return b.toString();
  }

  private static String millis(double nanos) {
    return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
  }

  @Override
  public String toString() {
    return state;
  }
}
