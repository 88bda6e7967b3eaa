package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.seda4j.testing.Gate;

/**
 * A close() racing the forced shutdown that a failGraph failure starts must still hand over the
 * full report. (It used to read the report before the abort thread had published it, after seeing
 * the graph TERMINATED, and threw a GraphFailedException whose report listed nothing although
 * events had been cancelled; found by ChaosConservationTest.)
 */
@Timeout(120)
class FailGraphReportRaceTest {

  @Test
  void theExceptionOfACloseRacingTheAbortCarriesEveryCancelledEvent() throws Exception {
    for (int round = 0; round < 300; round++) {
      StageGraph graph = StageGraph.builder("fg-race-" + round).jmx(false).open();
      Gate never = new Gate();
      Stage<Integer> slow =
          never.stage(
              graph
                  .stage("slow", Integer.class)
                  .permits(1)
                  .batchSize(1)); // interrupted by the abort
      Stage<Integer> failing =
          graph
              .stage("failing", Integer.class)
              .onFailure(FailurePolicy.failGraph())
              .handler(
                  (e, ctx) -> {
                    throw new IllegalStateException("fails on purpose");
                  });
      for (int i = 0; i < 3; i++) {
        slow.put(i);
      }
      never.awaitEntered(1);
      failing.put(0);

      GraphFailedException e = catchThrowableOfType(GraphFailedException.class, graph::close);

      String context = "round " + round + ": " + graph.snapshot();
      assertThat(e).as(context).isNotNull();
      assertThat(e.report()).as(context).isPresent();
      long cancelled =
          slow.snapshot().counts().cancelled() + failing.snapshot().counts().cancelled();
      assertThat(cancelled).as(context).isEqualTo(3);
      assertThat(e.report().orElseThrow().unprocessed()).as(context).hasSize(3);
    }
  }
}
