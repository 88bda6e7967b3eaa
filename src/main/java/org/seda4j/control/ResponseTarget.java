package org.seda4j.control;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.seda4j.RejectionReason;
import org.seda4j.Stage;

/**
 * What {@link AdmissionController#responseTime(ResponseTarget)} holds: the target response time,
 * where it is measured, and optionally a key to share the capacity fairly by. Built with {@link
 * #builder(Duration)}, whose setters check their arguments at once:
 *
 * {@snippet class=org.seda4j.readme.ControlSnippetsTest region=response-target}
 *
 * <p>An immutable value: equal when its target, exit and key function are equal; any thread may use
 * it.
 *
 * @param <E> the event type the key function accepts
 */
public final class ResponseTarget<E> {
  private final Duration target;
  private final @Nullable Stage<?> exit;
  private final @Nullable Function<? super E, ?> fairnessKey;

  private ResponseTarget(
      Duration target, @Nullable Stage<?> exit, @Nullable Function<? super E, ?> fairnessKey) {
    this.target = target;
    this.exit = exit;
    this.fairnessKey = fairnessKey;
  }

  /**
   * Starts a target for the guarded stage's own response time, without fairness.
   *
   * @param target the 90th-percentile response time to hold, positive
   * @return a builder
   * @throws IllegalArgumentException if {@code target} is not positive
   */
  public static Builder<Object> builder(Duration target) {
    return new Builder<>(target);
  }

  /**
   * The 90th-percentile response time to hold.
   *
   * @return the target, positive
   */
  public Duration target() {
    return target;
  }

  /**
   * Where responses end: {@code null} to measure the guarded stage's own response time (admission
   * to the end of handling there); a stage of the same graph to measure the path from the guarded
   * stage to it (see {@link AdmissionController.Feedback#exit()}).
   *
   * @return the path's exit stage, or {@code null}
   */
  public @Nullable Stage<?> exit() {
    return exit;
  }

  /**
   * The key to share the capacity by, or {@code null} for no fairness: called on the producer's
   * thread for every event offered, so it must be quick and thread-safe; a key function that throws
   * or returns {@code null} gets that one event rejected ({@link RejectionReason#REFUSED}, with a
   * message naming the cause) and affects nothing else.
   *
   * @return the key function, or {@code null}
   */
  public @Nullable Function<? super E, ?> fairnessKey() {
    return fairnessKey;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof ResponseTarget<?> t
        && target.equals(t.target)
        && Objects.equals(exit, t.exit)
        && Objects.equals(fairnessKey, t.fairnessKey);
  }

  @Override
  public int hashCode() {
    return Objects.hash(target, exit, fairnessKey);
  }

  @Override
  public String toString() {
    return "ResponseTarget[target="
        + target
        + (exit == null ? "" : ", exit=" + exit.name())
        + (fairnessKey == null ? "" : ", fair by key")
        + "]";
  }

  /**
   * Builds a {@link ResponseTarget}; obtained from {@link ResponseTarget#builder(Duration)}. Each
   * setter checks its argument at once and throws {@link IllegalArgumentException} or {@link
   * NullPointerException} with a message saying what is allowed. Not thread-safe: one thread
   * builds.
   *
   * @param <E> the event type the key function accepts
   */
  public static final class Builder<E> {
    private final Duration target;
    private @Nullable Stage<?> exit;
    private @Nullable Function<? super E, ?> fairnessKey;

    private Builder(Duration target) {
      this.target = ResponseTimeValues.checkTarget(target);
    }

    /**
     * Measures the response time on the path from the guarded stage to {@code exit} (default: the
     * guarded stage alone).
     *
     * @param exit the path's exit stage, of the same graph as the guarded stage
     * @return this builder
     */
    public Builder<E> path(Stage<?> exit) {
      this.exit = Objects.requireNonNull(exit, "exit must not be null");
      return this;
    }

    /**
     * Shares the capacity fairly by the key of each event under overload (default: no fairness).
     *
     * @param key the key of an event (a tenant, a client, a connection); see {@link
     *     ResponseTarget#fairnessKey()}
     * @param <F> the event type the key function accepts
     * @return this builder, for events of type {@code F}
     */
    @SuppressWarnings("unchecked") // only the key function depends on the type parameter
    public <F extends E> Builder<F> fairBy(Function<? super F, ?> key) {
      Objects.requireNonNull(key, "fairness key function must not be null");
      Builder<F> self = (Builder<F>) this;
      self.fairnessKey = key;
      return self;
    }

    /**
     * The target.
     *
     * @return a new, immutable target
     */
    public ResponseTarget<E> build() {
      return new ResponseTarget<>(target, exit, fairnessKey);
    }
  }
}
