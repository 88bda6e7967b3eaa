package org.seda4j.internal;

import org.jspecify.annotations.Nullable;
import org.seda4j.Stage;
import org.seda4j.StageGraph;

/** Test access to engine internals that the public API does not show. */
public final class Internals {
  private Internals() {}

  /** The last WARN line of {@code graph}'s deadlock detector, or {@code null}. */
  public static @Nullable String lastDeadlockWarning(StageGraph graph) {
    return ((GraphImpl) graph).lastDeadlockWarning();
  }

  /**
   * Sets whether {@code stage}'s handlers count as mostly waiting, as the sampler does at the end
   * of each window (a graph whose {@code nanoClock} stands still never ends one, so the value
   * stays).
   */
  public static void handlersWait(Stage<?> stage, boolean wait) {
    ((StageImpl<?>) stage).workers().handlersWait(wait, true);
  }
}
