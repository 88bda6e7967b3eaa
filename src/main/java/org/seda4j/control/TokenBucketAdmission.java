package org.seda4j.control;

import java.util.Locale;
import org.seda4j.RejectionReason;

/** A fixed rate limit: a token bucket of {@code burst} tokens refilled at a rate. */
final class TokenBucketAdmission implements AdmissionController<Object> {
  private final TokenBucket bucket = new TokenBucket();
  private final double rate;
  private final int burst;

  /**
   * Creates the controller.
   *
   * @param eventsPerSecond the sustained rate, positive and finite
   * @param burst the bucket's size, at least 1
   */
  TokenBucketAdmission(double eventsPerSecond, int burst) {
    if (!(eventsPerSecond > 0) || Double.isInfinite(eventsPerSecond)) {
      throw new IllegalArgumentException(
          "tokenBucket rate must be a positive number of events per second, was "
              + eventsPerSecond);
    }
    Bounds.requirePositive("tokenBucket burst", burst);
    this.rate = eventsPerSecond;
    this.burst = burst;
    // The schedule starts at the first event, so `now` here only matters for the cap.
    bucket.setRate(eventsPerSecond, (long) ((burst - 1) * (1e9 / eventsPerSecond)), 0);
  }

  @Override
  public boolean admit(Object event, AdmissionContext sink) {
    return bucket.tryAcquire(sink.nanoTime());
  }

  @Override
  public RejectionReason rejectionReason() {
    return RejectionReason.RATE_LIMITED;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "tokenBucket(%.1f/s, burst %d)", rate, burst);
  }
}
