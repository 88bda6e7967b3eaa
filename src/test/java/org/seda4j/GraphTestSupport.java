package org.seda4j;

import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.FutureTask;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;

/**
 * Shared plumbing for the lifecycle tests: every graph a test opens is registered and forcibly shut
 * down after the test (so a failing assertion never leaves threads or blocked handlers behind),
 * calls that block are run on their own platform thread with {@link #fork}, and the log is read
 * with {@link #captureErr} or {@link CapturedErr}.
 */
abstract class GraphTestSupport {

  /** The bound for every wait in these tests; a healthy run needs a small fraction of it. */
  static final Duration TIMEOUT = Duration.ofSeconds(10);

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

  /** Polls {@code condition} often (no fixed delay) until it holds, at most {@link #TIMEOUT}. */
  static void awaitUntil(Callable<Boolean> condition) {
    await()
        .atMost(TIMEOUT)
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(2))
        .until(condition);
  }

  /** Runs {@code call} on a new platform thread (so it can be interrupted and joined). */
  static <T> Forked<T> fork(String name, Callable<T> call) {
    FutureTask<T> task = new FutureTask<>(call);
    Thread thread = Thread.ofPlatform().name(name).daemon().start(task);
    return new Forked<>(thread, task);
  }

  /**
   * A call running on its own thread.
   *
   * @param thread the thread running it
   * @param future its outcome
   */
  record Forked<T>(Thread thread, FutureTask<T> future) {
    /** Waits until the thread is parked (WAITING or TIMED_WAITING), i.e. blocked in the call. */
    void awaitBlocked() {
      awaitUntil(
          () ->
              thread.getState() == Thread.State.WAITING
                  || thread.getState() == Thread.State.TIMED_WAITING);
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
      awaitUntil(() -> until.test(err.text()));
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
