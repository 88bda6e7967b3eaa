package org.seda4j.internal;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.ToIntFunction;
import org.seda4j.AdmissionContext;
import org.seda4j.AdmissionController;
import org.seda4j.AdmissionSample;
import org.seda4j.Latency;
import org.seda4j.RejectionReason;

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
 * Rules per consumed sample (enough responses, or enough time):
 *   smoothed[p] = a * smoothed[p] + (1 - a) * percentile(sample of p)   (first sample: as is)
 *   single class: above decreaseAbove x target -> rate /= factor (first cut: from the measured
 *     response rate); below increaseBelow x target -> rate += increment; an increase that passes
 *     maxRate, or leaves the rate more than twice what the priority is measured to use, lifts the
 *     limit (the next cut starts again from a measurement rather than from a stale high rate).
 *   multiclass: let h be the highest priority above its band; the lowest priority q < h that is
 *     still admitting (limited above minRate, or unlimited with traffic) is cut; if none, h itself.
 *     If no priority is above its band, every limited priority below its band is raised.
 *   a priority without responses in the sample is raised only if the queue is empty (nothing
 *     observed to be slow, nothing waiting); otherwise it is held.
 *   One addition to the published algorithm: no cut while the guarded queue is shrinking. Response
 *     times lag the admission rate by the backlog's wait, so right after an overload began the
 *     percentile stays high while the queue drains at the rate already cut; cutting on every such
 *     sample drove the rate to its minimum (and, multiclass, cut the high priorities as well).
 */
/** The adaptive overload controller: per-priority token buckets following the response time. */
public final class ResponseTimeAdmission<E> implements AdmissionController<E> {

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
  public ResponseTimeAdmission(
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
    if (s.responseTime().count() < settings.sampleEvents()
        && s.elapsedNanos() < settings.samplePeriod().toNanos()) {
      return false; // keep accumulating: too few responses to judge yet
    }
    double a = settings.smoothing();
    double seconds = s.elapsedNanos() / 1e9;
    double responseRate = s.responseTime().count() / seconds;
    peakResponseRate = Math.max(responseRate, 0.98 * peakResponseRate);
    boolean[] fresh = new boolean[priorities];
    double[] measuredRate = new double[priorities];
    for (int p = 0; p < priorities; p++) {
      Latency l = p < s.byPriority().size() ? s.byPriority().get(p) : null;
      if (l != null && l.count() > 0) {
        double v = percentile(l);
        smoothed[p] = Double.isNaN(smoothed[p]) ? v : a * smoothed[p] + (1 - a) * v;
        fresh[p] = true;
        measuredRate[p] = l.count() / seconds;
      }
    }
    double up = settings.decreaseAbove() * targetNanos;
    double low = settings.increaseBelow() * targetNanos;
    int highestOver = -1;
    for (int p = priorities - 1; p >= 0; p--) {
      if (fresh[p] && smoothed[p] > up) {
        highestOver = p;
        break;
      }
    }
    long now = s.nanoTime();
    boolean draining = lastQueueLength >= 0 && s.queueLength() < lastQueueLength;
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
      cut(victim, measuredRate[victim], now);
    } else {
      for (int p = 0; p < priorities; p++) {
        boolean below = fresh[p] ? smoothed[p] < low : s.queueLength() == 0;
        if (below && !Double.isInfinite(rates[p])) {
          raise(p, measuredRate[p], now);
        }
      }
    }
    state = describe();
    return true;
  }

  private void cut(int p, double measuredRate, long now) {
    double from =
        Double.isInfinite(rates[p]) ? Math.max(measuredRate, settings.minRate()) : rates[p];
    setRate(p, Math.max(settings.minRate(), from / settings.decreaseFactor()), now);
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
