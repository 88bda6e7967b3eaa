package org.seda4j;

import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.seda4j.observe.ShutdownReport;

/**
 * Thrown by {@link StageGraph#close()}, {@link StageGraph#awaitIdle(java.time.Duration)} and
 * producer calls after a handler of a stage with {@link FailurePolicy#failGraph()} failed: the
 * graph cancelled its other work (structured concurrency's "shutdown on failure"). The first
 * failure is the {@linkplain #getCause() cause}; failures that race with it (thrown before the
 * cancellation reached their handler) are attached to it as suppressed, while exceptions thrown
 * after it by cancelled handlers count as cancellations, not failures.
 */
public final class GraphFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String stage;
  private final transient @Nullable ShutdownReport report;

  /**
   * Creates the exception.
   *
   * @param graph the graph's name
   * @param stage the name of the stage whose handler failed first
   * @param cause the first failure
   */
  public GraphFailedException(String graph, String stage, Throwable cause) {
    this(graph, stage, cause, null);
  }

  /**
   * Creates the exception thrown by a close call, with the report of the forced shutdown that the
   * failure caused.
   *
   * @param graph the graph's name
   * @param stage the name of the stage whose handler failed first
   * @param cause the first failure
   * @param report what the shutdown cancelled, or {@code null} if not known here
   */
  public GraphFailedException(
      String graph, String stage, Throwable cause, @Nullable ShutdownReport report) {
    super(
        "graph '"
            + graph
            + "' failed: a handler of stage '"
            + stage
            + "' (failure policy FAIL_GRAPH) threw "
            + cause,
        cause);
    this.stage = stage;
    this.report = report;
  }

  /**
   * The report of the forced shutdown the failure caused: every admitted event it cancelled.
   * Present on the exception thrown by {@link StageGraph#close()}, {@link
   * StageGraph#close(java.time.Duration)} and {@link StageGraph#shutdownNow()}; empty on the one
   * thrown by {@link StageGraph#awaitIdle(java.time.Duration)} and by producers. Never blocks.
   *
   * @return the shutdown report, if this exception comes from a close call
   */
  public Optional<ShutdownReport> report() {
    return Optional.ofNullable(report);
  }

  /**
   * The stage whose handler failed first.
   *
   * @return the stage's name
   */
  public String stage() {
    return stage;
  }
}
