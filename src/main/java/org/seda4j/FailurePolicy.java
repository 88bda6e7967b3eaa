package org.seda4j;

import java.util.Objects;
import org.seda4j.observe.StageSnapshot;

/**
 * What a stage does when its handler throws. Chosen per stage with {@link
 * Stage.Builder#onFailure(FailurePolicy)}; the default is {@link #logAndCount()}. Whatever the
 * policy, the event is counted as {@code failed} in the stage's snapshot, unless the graph is being
 * shut down forcibly, in which case it is counted as {@code cancelled}.
 */
public sealed interface FailurePolicy {

  /**
   * Log the failure (slf4j, WARN, logger {@code org.seda4j.stage.<graph>.<stage>}) and go on with
   * the next event. The default.
   *
   * <p>So that a stage failing at full speed cannot flood the log, each stage logs at most 10
   * failures in full (with the stack trace) per 10 seconds, then one line saying how many it
   * suppressed; {@link StageSnapshot.Counts#failed()} counts every one.
   *
   * @return the policy
   */
  static FailurePolicy logAndCount() {
    return LogAndCount.INSTANCE;
  }

  /**
   * Send a {@link DeadLetter} (the stage, the event, the exception) to {@code deadLetters}, a stage
   * of the same graph, and go on. The dead-letter stage's own full-queue policy applies; if it does
   * not admit the dead letter, the failure is logged instead.
   *
   * @param deadLetters the stage that receives failed events
   * @return the policy
   */
  static FailurePolicy deadLetter(Stage<DeadLetter> deadLetters) {
    return new ToDeadLetter(deadLetters);
  }

  /**
   * Fail the whole graph: the first failure cancels all other work of the graph (handlers are
   * interrupted, queued events are cancelled and reported), and {@link StageGraph#close()} and
   * {@link StageGraph#awaitIdle(java.time.Duration)} throw {@link GraphFailedException}.
   *
   * @return the policy
   */
  static FailurePolicy failGraph() {
    return FailGraph.INSTANCE;
  }

  /** Log and count. */
  enum LogAndCount implements FailurePolicy {
    /** The only instance. */
    INSTANCE;

    @Override
    public String toString() {
      return "LOG_AND_COUNT";
    }
  }

  /**
   * Route to a dead-letter stage.
   *
   * @param stage the stage that receives failed events
   */
  record ToDeadLetter(Stage<DeadLetter> stage) implements FailurePolicy {
    /**
     * Validates the stage.
     *
     * @param stage the stage that receives failed events
     */
    public ToDeadLetter {
      Objects.requireNonNull(stage, "deadLetters must not be null");
    }

    @Override
    public String toString() {
      return "DEAD_LETTER(" + stage.name() + ")";
    }
  }

  /** Fail the graph. */
  enum FailGraph implements FailurePolicy {
    /** The only instance. */
    INSTANCE;

    @Override
    public String toString() {
      return "FAIL_GRAPH";
    }
  }
}
