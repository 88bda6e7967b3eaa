package org.seda4j;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.seda4j.testing.Await;

/**
 * Shared plumbing for the lifecycle tests: every graph a test opens is registered and forcibly shut
 * down after the test (so a failing assertion never leaves threads or blocked handlers behind), and
 * the log is read with {@link #captureErr} or {@link CapturedErr}. Waiting, gated stages and calls
 * on their own thread: {@link org.seda4j.testing}.
 */
abstract class GraphTestSupport {

  private final List<StageGraph> graphs = new ArrayList<>();

  StageGraph open(String name) {
    return register(StageGraph.open(name));
  }

  StageGraph register(StageGraph graph) {
    graphs.add(graph);
    return graph;
  }

  @AfterEach
  void shutDownEveryGraph() {
    for (StageGraph graph : graphs) {
      try {
        graph.shutdownNow();
      } catch (GraphFailedException expectedInSomeTests) {
        // the test already asserted on it
      }
    }
  }

  /** Something to check after the log was captured. */
  @FunctionalInterface
  interface Check {
    void run() throws Exception;
  }

  /** Something that runs with System.err captured and returns what to check afterwards. */
  @FunctionalInterface
  interface Captured {
    Check run() throws Exception;
  }

  /**
   * Runs {@code body} with System.err (where slf4j-simple, the tests' log backend, writes)
   * captured, waits until the captured text satisfies {@code until}, restores System.err, runs the
   * check {@code body} returned, and returns the captured text.
   */
  static String captureErr(Captured body, Predicate<String> until) throws Exception {
    Check check;
    String out;
    try (CapturedErr err = new CapturedErr()) {
      check = body.run();
      Await.until(() -> until.test(err.text()));
      out = err.text();
    }
    check.run();
    return out;
  }

  /**
   * System.err (where slf4j-simple, the tests' log backend, writes; it looks System.err up on every
   * line) captured from construction until {@link #close()}.
   */
  static final class CapturedErr implements AutoCloseable {
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final PrintStream original = System.err;

    CapturedErr() {
      System.setErr(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    }

    /** Everything written to System.err so far. */
    String text() {
      return buffer.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
      System.setErr(original);
    }
  }
}
