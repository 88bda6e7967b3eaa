package org.seda4j;

import java.time.Duration;
import org.seda4j.control.ConcurrencyController;
import org.seda4j.control.ControllerDecision;

/**
 * Run in a JVM of its own by {@link JfrStartupCostTest}: a graph that samples, decides, rejects and
 * fails without any recording, then prints whether the Flight Recorder was initialized.
 */
public final class JfrStartupProbe {
  private JfrStartupProbe() {}

  public static void main(String[] args) throws Exception {
    ConcurrencyController flip =
        new ConcurrencyController() {
          @Override
          public int initial() {
            return 1;
          }

          @Override
          public ControllerDecision decide(org.seda4j.control.ControllerSample s) {
            return new ControllerDecision(s.permits() == 1 ? 2 : 1, "flip");
          }
        };
    try (StageGraph graph =
        StageGraph.builder("jfr-startup").jmx(false).samplePeriod(Duration.ofMillis(5)).open()) {
      Stage<String> s =
          graph
              .stage("s", String.class)
              .capacity(1)
              .concurrency(flip)
              .onFull(FullQueuePolicy.reject())
              .handler(
                  (e, ctx) -> {
                    if (e.equals("boom")) {
                      throw new IllegalStateException("boom");
                    }
                  });
      for (int i = 0; i < 1_000; i++) {
        s.offer(i % 100 == 0 ? "boom" : "e");
      }
      Thread.sleep(100); // some sampling windows and controller decisions
      graph.awaitIdle(Duration.ofSeconds(10));
    }
    System.out.println("recorder initialized: " + jdk.jfr.FlightRecorder.isInitialized());
  }
}
