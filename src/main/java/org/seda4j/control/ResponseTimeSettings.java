package org.seda4j.control;

import static org.seda4j.control.ResponseTimeValues.checkDecreaseFactor;
import static org.seda4j.control.ResponseTimeValues.checkIncrement;
import static org.seda4j.control.ResponseTimeValues.checkPercentile;
import static org.seda4j.control.ResponseTimeValues.checkRateBounds;
import static org.seda4j.control.ResponseTimeValues.checkSampleEvents;
import static org.seda4j.control.ResponseTimeValues.checkSamplePeriod;
import static org.seda4j.control.ResponseTimeValues.checkSmoothing;
import static org.seda4j.control.ResponseTimeValues.checkTarget;
import static org.seda4j.control.ResponseTimeValues.checkThresholds;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.seda4j.Stage;

/**
 * Target and tuning of Welsh and Culler's overload controller ({@link
 * AdmissionController#welshCuller}, {@link AdmissionController#multiclass}). Built with {@link
 * #builder(Duration)}, which starts from the published defaults; each setter checks its argument at
 * once:
 *
 * {@snippet class=org.seda4j.readme.ControlSnippetsTest region=response-time-settings}
 *
 * <p>An immutable value: equal when every setting is equal; any thread may use it. {@link
 * #toBuilder()} starts a builder from it, to derive variants.
 */
public final class ResponseTimeSettings {
  private final ResponseTimeValues values;

  private ResponseTimeSettings(ResponseTimeValues values) {
    this.values = values;
  }

  /**
   * Starts from the defaults of Welsh and Culler's controller for a target response time.
   *
   * @param target the response time to hold, positive
   * @return a builder
   * @throws IllegalArgumentException if {@code target} is not positive
   */
  public static Builder builder(Duration target) {
    return new Builder(target);
  }

  /**
   * A builder that starts from these settings.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    return new Builder(values);
  }

  /**
   * The response time to hold.
   *
   * @return the target, positive
   */
  public Duration target() {
    return values.target();
  }

  /**
   * Which percentile of the response time to hold at the target.
   *
   * @return 50, 90 (the default) or 99
   */
  public double percentile() {
    return values.percentile();
  }

  /**
   * Where responses end: {@code null} (the default) to measure the guarded stage's own response
   * time; a stage to measure the path from the guarded stage to it (see {@link
   * AdmissionController.Feedback#exit()}).
   *
   * @return the path's exit stage, or {@code null}
   */
  public @Nullable Stage<?> exit() {
    return values.exit();
  }

  /**
   * Raise the rate while the smoothed percentile is below this fraction of the target.
   *
   * @return the fraction (default 0.9)
   */
  public double increaseBelow() {
    return values.increaseBelow();
  }

  /**
   * Cut the rate when the smoothed percentile is above this multiple of the target.
   *
   * @return the multiple (default 1.2)
   */
  public double decreaseAbove() {
    return values.decreaseAbove();
  }

  /**
   * Events per second added per increase; 0 for 5% of the highest response rate measured (decaying
   * by 2% per sample).
   *
   * @return the increment (default 0, automatic)
   */
  public double increment() {
    return values.increment();
  }

  /**
   * The rate is divided by it per decrease.
   *
   * @return the divisor, above 1 (default 1.2)
   */
  public double decreaseFactor() {
    return values.decreaseFactor();
  }

  /**
   * Weight of the old value in the moving average of the percentile.
   *
   * @return from 0 (none) to below 1 (default 0.7)
   */
  public double smoothing() {
    return values.smoothing();
  }

  /**
   * Responses to wait for before adjusting.
   *
   * @return at least 1 (default 100)
   */
  public int sampleEvents() {
    return values.sampleEvents();
  }

  /**
   * Or this long, whichever comes first.
   *
   * @return positive (default 1 s)
   */
  public Duration samplePeriod() {
    return values.samplePeriod();
  }

  /**
   * The lowest rate, in events per second.
   *
   * @return positive (default 1)
   */
  public double minRate() {
    return values.minRate();
  }

  /**
   * Above this rate, in events per second, the limit is lifted altogether.
   *
   * @return at least {@link #minRate()} (default 1,000,000)
   */
  public double maxRate() {
    return values.maxRate();
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof ResponseTimeSettings s && values.equals(s.values);
  }

  @Override
  public int hashCode() {
    return values.hashCode();
  }

  @Override
  public String toString() {
    Stage<?> exit = values.exit();
    return String.format(
        Locale.ROOT,
        "ResponseTimeSettings[target=%s, percentile=%.0f%s, increaseBelow=%s, decreaseAbove=%s,"
            + " increment=%s, decreaseFactor=%s, smoothing=%s, sampleEvents=%d, samplePeriod=%s,"
            + " minRate=%s, maxRate=%s]",
        values.target(),
        values.percentile(),
        exit == null ? "" : ", exit=" + exit.name(),
        values.increaseBelow(),
        values.decreaseAbove(),
        values.increment(),
        values.decreaseFactor(),
        values.smoothing(),
        values.sampleEvents(),
        values.samplePeriod(),
        values.minRate(),
        values.maxRate());
  }

  /**
   * Builds {@link ResponseTimeSettings}; obtained from {@link ResponseTimeSettings#builder} or
   * {@link ResponseTimeSettings#toBuilder()}. Each setter checks its argument at once and throws
   * {@link IllegalArgumentException} (or {@link NullPointerException}) with a message saying what
   * was wrong and what is allowed. Not thread-safe: one thread builds.
   */
  public static final class Builder {
    private Duration target;
    private double percentile = 90;
    private @Nullable Stage<?> exit;
    private double increaseBelow = 0.9;
    private double decreaseAbove = 1.2;
    private double increment;
    private double decreaseFactor = 1.2;
    private double smoothing = 0.7;
    private int sampleEvents = 100;
    private Duration samplePeriod = Duration.ofSeconds(1);
    private double minRate = 1;
    private double maxRate = 1_000_000;

    private Builder(Duration target) {
      this.target = checkTarget(target);
    }

    private Builder(ResponseTimeValues v) {
      target = v.target();
      percentile = v.percentile();
      exit = v.exit();
      increaseBelow = v.increaseBelow();
      decreaseAbove = v.decreaseAbove();
      increment = v.increment();
      decreaseFactor = v.decreaseFactor();
      smoothing = v.smoothing();
      sampleEvents = v.sampleEvents();
      samplePeriod = v.samplePeriod();
      minRate = v.minRate();
      maxRate = v.maxRate();
    }

    /**
     * The response time to hold.
     *
     * @param target positive
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder target(Duration target) {
      this.target = checkTarget(target);
      return this;
    }

    /**
     * Which percentile of the response time to hold at the target (default 90).
     *
     * @param percentile 50, 90 or 99
     * @return this builder
     * @throws IllegalArgumentException for any other value
     */
    public Builder percentile(double percentile) {
      this.percentile = checkPercentile(percentile);
      return this;
    }

    /**
     * Measures the path from the guarded stage to {@code exit} instead of the guarded stage alone.
     *
     * @param exit the path's exit stage, of the same graph
     * @return this builder
     */
    public Builder path(Stage<?> exit) {
      this.exit = Objects.requireNonNull(exit, "exit must not be null");
      return this;
    }

    /**
     * The band in which the rate holds (defaults 0.9 and 1.2): raised while the smoothed percentile
     * is below {@code increaseBelow x target}, cut when it is above {@code decreaseAbove x target}.
     *
     * @param increaseBelow a fraction of the target, positive, at most {@code decreaseAbove}
     * @param decreaseAbove a multiple of the target, finite
     * @return this builder
     * @throws IllegalArgumentException unless {@code 0 < increaseBelow <= decreaseAbove}
     */
    public Builder thresholds(double increaseBelow, double decreaseAbove) {
      checkThresholds(increaseBelow, decreaseAbove);
      this.increaseBelow = increaseBelow;
      this.decreaseAbove = decreaseAbove;
      return this;
    }

    /**
     * Events per second added per increase (default 0: 5% of the highest response rate measured,
     * decaying by 2% per sample).
     *
     * @param increment 0 for automatic, or a positive finite rate
     * @return this builder
     * @throws IllegalArgumentException if negative, infinite or NaN
     */
    public Builder increment(double increment) {
      this.increment = checkIncrement(increment);
      return this;
    }

    /**
     * The divisor of the rate per decrease (default 1.2).
     *
     * @param decreaseFactor above 1, finite
     * @return this builder
     * @throws IllegalArgumentException if not above 1 or not finite
     */
    public Builder decreaseFactor(double decreaseFactor) {
      this.decreaseFactor = checkDecreaseFactor(decreaseFactor);
      return this;
    }

    /**
     * The weight of the old value in the moving average of the percentile (default 0.7).
     *
     * @param smoothing from 0 (no smoothing) to below 1
     * @return this builder
     * @throws IllegalArgumentException if outside [0, 1)
     */
    public Builder smoothing(double smoothing) {
      this.smoothing = checkSmoothing(smoothing);
      return this;
    }

    /**
     * Responses to wait for before adjusting (default 100), unless {@link #samplePeriod} passes
     * first.
     *
     * @param sampleEvents at least 1
     * @return this builder
     * @throws IllegalArgumentException if below 1
     */
    public Builder sampleEvents(int sampleEvents) {
      this.sampleEvents = checkSampleEvents(sampleEvents);
      return this;
    }

    /**
     * How long to wait at most before adjusting (default 1 s), unless {@link #sampleEvents}
     * responses come first.
     *
     * @param samplePeriod positive
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder samplePeriod(Duration samplePeriod) {
      this.samplePeriod = checkSamplePeriod(samplePeriod);
      return this;
    }

    /**
     * The range of the rate, in events per second (defaults 1 and 1,000,000): never cut below
     * {@code minRate}; above {@code maxRate} the limit is lifted altogether.
     *
     * @param minRate positive
     * @param maxRate at least {@code minRate}, finite
     * @return this builder
     * @throws IllegalArgumentException unless {@code 0 < minRate <= maxRate} (finite)
     */
    public Builder rateBounds(double minRate, double maxRate) {
      checkRateBounds(minRate, maxRate);
      this.minRate = minRate;
      this.maxRate = maxRate;
      return this;
    }

    /**
     * The settings.
     *
     * @return new, immutable settings
     */
    public ResponseTimeSettings build() {
      return new ResponseTimeSettings(
          new ResponseTimeValues(
              target,
              percentile,
              exit,
              increaseBelow,
              decreaseAbove,
              increment,
              decreaseFactor,
              smoothing,
              sampleEvents,
              samplePeriod,
              minRate,
              maxRate));
    }
  }
}
