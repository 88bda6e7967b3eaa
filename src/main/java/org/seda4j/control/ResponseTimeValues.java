package org.seda4j.control;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.seda4j.Stage;

/**
 * The twelve values of a {@link ResponseTimeSettings} (equal when every value is equal), and the
 * checks each setter of its builder makes: each returns the value it was given, or throws {@link
 * IllegalArgumentException} (or {@link NullPointerException}) with a message saying what was wrong
 * and what is allowed. The meaning of each value is documented on the settings' accessors.
 */
record ResponseTimeValues(
    Duration target,
    double percentile,
    @Nullable Stage<?> exit,
    double increaseBelow,
    double decreaseAbove,
    double increment,
    double decreaseFactor,
    double smoothing,
    int sampleEvents,
    Duration samplePeriod,
    double minRate,
    double maxRate) {

  /**
   * Also {@link ResponseTarget.Builder}'s check: one message for a bad target wherever it is given.
   */
  static Duration checkTarget(Duration target) {
    Objects.requireNonNull(target, "target must not be null");
    if (target.isNegative() || target.isZero()) {
      throw new IllegalArgumentException(
          "target response time must be positive (for example Duration.ofMillis(50)), was "
              + target);
    }
    return target;
  }

  static double checkPercentile(double percentile) {
    if (percentile != 50 && percentile != 90 && percentile != 99) {
      throw new IllegalArgumentException(
          "percentile must be 50, 90 or 99 (the percentiles stages measure), was " + percentile);
    }
    return percentile;
  }

  static void checkThresholds(double increaseBelow, double decreaseAbove) {
    if (!(increaseBelow > 0)
        || !(decreaseAbove >= increaseBelow)
        || Double.isInfinite(decreaseAbove)) {
      throw new IllegalArgumentException(
          "thresholds need 0 < increaseBelow <= decreaseAbove (finite; defaults 0.9 and 1.2),"
              + " were "
              + increaseBelow
              + " and "
              + decreaseAbove);
    }
  }

  static double checkIncrement(double increment) {
    if (!(increment >= 0) || Double.isInfinite(increment)) {
      throw new IllegalArgumentException(
          "increment must be 0 (automatic) or a positive finite rate in events per second, was "
              + increment);
    }
    return increment;
  }

  static double checkDecreaseFactor(double decreaseFactor) {
    if (!(decreaseFactor > 1) || Double.isInfinite(decreaseFactor)) {
      throw new IllegalArgumentException(
          "decreaseFactor must be above 1 and finite (the rate is divided by it), was "
              + decreaseFactor);
    }
    return decreaseFactor;
  }

  static double checkSmoothing(double smoothing) {
    if (!(smoothing >= 0 && smoothing < 1)) {
      throw new IllegalArgumentException(
          "smoothing must be in [0, 1) (the weight of the old value), was " + smoothing);
    }
    return smoothing;
  }

  static int checkSampleEvents(int sampleEvents) {
    if (sampleEvents < 1) {
      throw new IllegalArgumentException("sampleEvents must be at least 1, was " + sampleEvents);
    }
    return sampleEvents;
  }

  static Duration checkSamplePeriod(Duration samplePeriod) {
    Objects.requireNonNull(samplePeriod, "samplePeriod must not be null");
    if (samplePeriod.isNegative() || samplePeriod.isZero()) {
      throw new IllegalArgumentException("samplePeriod must be positive, was " + samplePeriod);
    }
    return samplePeriod;
  }

  static void checkRateBounds(double minRate, double maxRate) {
    if (!(minRate > 0) || !(maxRate >= minRate) || Double.isInfinite(maxRate)) {
      throw new IllegalArgumentException(
          "rate bounds need 0 < minRate <= maxRate (finite, in events per second), were "
              + minRate
              + " and "
              + maxRate);
    }
  }
}
