package org.seda4j;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.FutureTask;
import org.junit.jupiter.api.AfterEach;

/**
 * Shared plumbing for the lifecycle tests: every graph a test opens is registered and forcibly shut
 * down after the test (so a failing assertion never leaves threads or blocked handlers behind), and
 * calls that block are run on their own platform thread with {@link #fork}.
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
}
