package org.seda4j;

import java.time.Duration;
import java.util.Objects;

/**
 * What a stage does when an event arrives and its queue is full. Chosen per stage with {@link
 * Stage.Builder#onFull(FullQueuePolicy)}; the default is {@link #block()}.
 *
 * <table class="striped">
 *   <caption>Policies and what each producer call does on a full queue</caption>
 *   <thead>
 *     <tr><th>policy</th><th>{@link Stage#put put} / {@link StageContext#emit emit}</th>
 *         <th>{@link Stage#offer offer}</th><th>counted as</th></tr>
 *   </thead>
 *   <tbody>
 *     <tr><td>{@link #block()}</td><td>waits for room (backpressure)</td>
 *         <td>{@link OfferResult.Rejected}</td><td>rejected only if offer fails</td></tr>
 *     <tr><td>{@link #blockFor(Duration)}</td><td>waits up to the timeout, then throws
 *         {@link StageRejectedException}</td><td>{@link OfferResult.Rejected}</td>
 *         <td>rejected</td></tr>
 *     <tr><td>{@link #reject()}</td><td>throws {@link StageRejectedException}</td>
 *         <td>{@link OfferResult.Rejected}</td><td>rejected</td></tr>
 *     <tr><td>{@link #dropNewest()}</td><td>returns; the new event is dropped</td>
 *         <td>{@link OfferResult.Dropped}</td><td>admitted and dropped</td></tr>
 *     <tr><td>{@link #dropOldest()}</td><td>returns; the oldest queued event is dropped</td>
 *         <td>{@link OfferResult.Accepted}</td><td>the new one admitted, the old one dropped</td></tr>
 *   </tbody>
 * </table>
 *
 * <p>Dropped events are handed to the stage's drop listener ({@link Stage.Builder#onDrop}), if any.
 * Backpressure is the default because shedding silently is the classic SEDA failure mode: choose a
 * drop policy only for work that is really optional.
 */
public sealed interface FullQueuePolicy {

  /**
   * Backpressure: producers wait for room; the default.
   *
   * @return the policy
   */
  static FullQueuePolicy block() {
    return Block.INSTANCE;
  }

  /**
   * Backpressure with a bound: producers wait at most {@code timeout}, then the event is rejected.
   *
   * @param timeout how long a producer may wait, positive
   * @return the policy
   * @throws IllegalArgumentException if the timeout is zero or negative
   */
  static FullQueuePolicy blockFor(Duration timeout) {
    return new BlockFor(timeout);
  }

  /**
   * Reject at once with {@link StageRejectedException} (or {@link OfferResult.Rejected}).
   *
   * @return the policy
   */
  static FullQueuePolicy reject() {
    return Reject.INSTANCE;
  }

  /**
   * Load shedding: the arriving event is dropped (counted, handed to the drop listener).
   *
   * @return the policy
   */
  static FullQueuePolicy dropNewest() {
    return DropNewest.INSTANCE;
  }

  /**
   * Load shedding: the oldest queued event is dropped (counted, handed to the drop listener) to
   * make room for the arriving one.
   *
   * @return the policy
   */
  static FullQueuePolicy dropOldest() {
    return DropOldest.INSTANCE;
  }

  /** Wait for room. */
  enum Block implements FullQueuePolicy {
    /** The only instance. */
    INSTANCE;

    @Override
    public String toString() {
      return "BLOCK";
    }
  }

  /**
   * Wait for room at most {@code timeout}, then reject.
   *
   * @param timeout how long a producer may wait, positive
   */
  record BlockFor(Duration timeout) implements FullQueuePolicy {
    /**
     * Validates the timeout.
     *
     * @param timeout how long a producer may wait, positive
     */
    public BlockFor {
      Objects.requireNonNull(timeout, "timeout must not be null");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException(
            "blockFor timeout must be positive, was " + timeout + "; use reject() to never wait");
      }
    }

    @Override
    public String toString() {
      return "BLOCK_FOR(" + timeout + ")";
    }
  }

  /** Reject at once. */
  enum Reject implements FullQueuePolicy {
    /** The only instance. */
    INSTANCE;

    @Override
    public String toString() {
      return "REJECT";
    }
  }

  /** Drop the arriving event. */
  enum DropNewest implements FullQueuePolicy {
    /** The only instance. */
    INSTANCE;

    @Override
    public String toString() {
      return "DROP_NEWEST";
    }
  }

  /** Drop the oldest queued event. */
  enum DropOldest implements FullQueuePolicy {
    /** The only instance. */
    INSTANCE;

    @Override
    public String toString() {
      return "DROP_OLDEST";
    }
  }
}
