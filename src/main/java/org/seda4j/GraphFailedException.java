package org.seda4j;

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

  /**
   * Creates the exception.
   *
   * @param graph the graph's name
   * @param stage the name of the stage whose handler failed first
   * @param cause the first failure
   */
  public GraphFailedException(String graph, String stage, Throwable cause) {
    super(
        "graph '"
            + graph
            + "' failed: a handler of stage '"
            + stage
            + "' (failure policy FAIL_GRAPH) threw "
            + cause,
        cause);
    this.stage = stage;
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
