package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.seda4j.testing.Await.TIMEOUT;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.seda4j.control.BatchController;
import org.seda4j.control.ConcurrencyController;
import org.seda4j.control.ControllerDecision;
import org.seda4j.control.ControllerSample;
import org.seda4j.testing.Await;
import org.seda4j.testing.Gate;

/**
 * Records seda4j's Flight Recorder events while a small graph produces each kind, then reads the
 * recording file back and checks the fields.
 */
class JfrEventsTest extends GraphTestSupport {

  private static final String STATISTICS = "org.seda4j.StageStatistics";
  private static final String DECISION = "org.seda4j.ControllerDecision";
  private static final String REJECTION = "org.seda4j.Rejection";
  private static final String FAILURE = "org.seda4j.HandlerFailure";

  /** Alternates permits between 1 and 2 every sampling window; counts its calls. */
  private static final class FlipController implements ConcurrencyController {
    final AtomicInteger calls = new AtomicInteger();

    @Override
    public int initial() {
      return 1;
    }

    @Override
    public ControllerDecision decide(ControllerSample sample) {
      calls.incrementAndGet();
      return new ControllerDecision(sample.permits() == 1 ? 2 : 1, "flip");
    }
  }

  /** A stage with one slot, one permit and batch size 1 whose handler waits at {@code gate}. */
  private static Stage<String> gated(
      StageGraph graph, String name, FullQueuePolicy policy, Gate gate) {
    return gate.stage(
        graph.stage(name, String.class).capacity(1).permits(1).batchSize(1).onFull(policy));
  }

  /** Handler in, queue full: the next offer meets a full queue. */
  private static void fill(Stage<String> stage) throws InterruptedException {
    stage.put("in-handler");
    Await.until(() -> stage.snapshot().handlers().active() == 1);
    stage.put("queued");
  }

  @Test
  void recordsStatisticsDecisionsRejectionsDropsAndFailures(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("seda4j.jfr");
    // Sample once before any recording exists, so the event classes are already initialised when
    // the recording starts: the enabled checks must follow a recording started later.
    FlipController warmUp = new FlipController();
    StageGraph before =
        register(StageGraph.builder("jfr-before").samplePeriod(Duration.ofMillis(5)).open());
    before.stage("s", String.class).concurrency(warmUp).handler((e, ctx) -> {});
    Await.until(() -> warmUp.calls.get() >= 2);
    before.close();

    List<RecordedEvent> events;
    try (Recording recording = new Recording()) {
      for (String name : List.of(STATISTICS, DECISION, REJECTION, FAILURE)) {
        recording.enable(name).withoutThreshold();
      }
      recording.start();

      StageGraph graph =
          register(StageGraph.builder("jfr-test").samplePeriod(Duration.ofMillis(5)).open());
      FlipController flip = new FlipController();
      Stage<String> flipping =
          graph
              .stage("flip", String.class)
              .concurrency(flip)
              .batching(BatchController.fixed(1))
              .handler((e, ctx) -> {});
      Stage<String> failing =
          graph
              .stage("fail", String.class)
              .handler(
                  (e, ctx) -> {
                    throw new IllegalStateException("boom on " + e);
                  });
      try (Gate gate = new Gate()) {
        Stage<String> rejecting = gated(graph, "reject", FullQueuePolicy.reject(), gate);
        Stage<String> dropNewest = gated(graph, "dropNewest", FullQueuePolicy.dropNewest(), gate);
        Stage<String> dropOldest = gated(graph, "dropOldest", FullQueuePolicy.dropOldest(), gate);
        fill(rejecting);
        fill(dropNewest);
        fill(dropOldest);
        assertThat(rejecting.offer("x")).isInstanceOf(OfferResult.Rejected.class);
        assertThat(dropNewest.offer("x")).isInstanceOf(OfferResult.Dropped.class);
        assertThat(dropOldest.offer("x")).isInstanceOf(OfferResult.Accepted.class);
        flipping.put("a");
        failing.put("e1");
        gate.open();
        assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
      }
      // The stages sample in creation order, "flip" first: two more calls of its controller mean
      // one whole sampling pass (statistics of every stage) after the graph became idle.
      int calls = flip.calls.get();
      Await.until(() -> flip.calls.get() >= calls + 2);
      graph.close();
      assertThat(failing.offer("late")).isInstanceOf(OfferResult.Closed.class);

      recording.stop();
      recording.dump(file);
    }
    events =
        RecordingFile.readAllEvents(file).stream()
            .filter(e -> e.getEventType().getName().startsWith("org.seda4j."))
            .filter(e -> "jfr-test".equals(e.getString("graph")))
            .toList();

    // Statistics: the last one of each stage shows its final accounting.
    RecordedEvent rejectStats = last(events, STATISTICS, "reject");
    assertThat(rejectStats.getInt("capacity")).isEqualTo(1);
    assertThat(rejectStats.getInt("queueLength")).isZero();
    assertThat(rejectStats.getInt("permits")).isEqualTo(1);
    assertThat(rejectStats.getInt("batchSize")).isEqualTo(1);
    assertThat(rejectStats.getInt("activeHandlers")).isZero();
    assertThat(rejectStats.getLong("inFlight")).isZero();
    assertThat(rejectStats.getLong("admitted")).isEqualTo(2);
    assertThat(rejectStats.getLong("rejected")).isEqualTo(1);
    assertThat(rejectStats.getLong("completed")).isEqualTo(2);
    assertThat(rejectStats.getLong("dropped")).isZero();
    assertThat(rejectStats.getDouble("throughput")).isNotNegative();
    RecordedEvent failStats = last(events, STATISTICS, "fail");
    assertThat(failStats.getLong("admitted")).isEqualTo(1);
    assertThat(failStats.getLong("failed")).isEqualTo(1);
    assertThat(failStats.getLong("completed")).isZero();
    RecordedEvent dropStats = last(events, STATISTICS, "dropNewest");
    assertThat(dropStats.getLong("admitted")).isEqualTo(3);
    assertThat(dropStats.getLong("dropped")).isEqualTo(1);
    assertThat(dropStats.getLong("completed")).isEqualTo(2);
    assertThat(dropStats.getLong("rejected")).isZero();

    // Controller decisions: the flip controller's first decision (in time) moved permits from 1 to
    // 2.
    List<RecordedEvent> decisions = of(events, DECISION, "flip");
    assertThat(decisions).isNotEmpty();
    RecordedEvent first = decisions.get(0);
    assertThat(first.getString("controller")).isEqualTo("concurrency");
    assertThat(first.getInt("oldValue")).isEqualTo(1);
    assertThat(first.getInt("newValue")).isEqualTo(2);
    assertThat(first.getString("reason")).isEqualTo("flip");
    assertThat(decisions).allMatch(d -> d.getInt("oldValue") != d.getInt("newValue"));

    // Rejections and drops.
    RecordedEvent rejected = single(events, REJECTION, "reject");
    assertThat(rejected.getString("kind")).isEqualTo("REJECTED");
    assertThat(rejected.getString("reason")).isEqualTo(RejectionReason.QUEUE_FULL.name());
    assertThat(rejected.getString("policy")).isEqualTo(FullQueuePolicy.reject().toString());
    assertThat(rejected.getInt("count")).isEqualTo(1);
    assertThat(rejected.getInt("capacity")).isEqualTo(1);
    assertThat(rejected.getString("message")).contains("stage 'reject'");
    assertThat(single(events, REJECTION, "dropNewest").getString("kind"))
        .isEqualTo("DROPPED_NEWEST");
    assertThat(single(events, REJECTION, "dropOldest").getString("kind"))
        .isEqualTo("DROPPED_OLDEST");
    RecordedEvent closed = single(events, REJECTION, "fail");
    assertThat(closed.getString("kind")).isEqualTo("CLOSED");
    assertThat(closed.getString("message")).contains("graph 'jfr-test'");

    // Handler failures.
    RecordedEvent failure = single(events, FAILURE, "fail");
    assertThat(failure.getString("exceptionClass")).isEqualTo("java.lang.IllegalStateException");
    assertThat(failure.getString("message")).isEqualTo("boom on e1");
    assertThat(failure.getString("failurePolicy"))
        .isEqualTo(FailurePolicy.logAndCount().toString());
  }

  private static List<RecordedEvent> of(List<RecordedEvent> events, String type, String stage) {
    Predicate<RecordedEvent> match =
        e -> e.getEventType().getName().equals(type) && stage.equals(e.getString("stage"));
    // A recording file groups events by thread buffer, not by time.
    return events.stream()
        .filter(match)
        .sorted(Comparator.comparing(e -> e.getStartTime()))
        .toList();
  }

  private static RecordedEvent single(List<RecordedEvent> events, String type, String stage) {
    List<RecordedEvent> found = of(events, type, stage);
    assertThat(found).as("%s events of stage %s", type, stage).hasSize(1);
    return found.get(0);
  }

  private static RecordedEvent last(List<RecordedEvent> events, String type, String stage) {
    List<RecordedEvent> found = of(events, type, stage);
    assertThat(found).as("%s events of stage %s", type, stage).isNotEmpty();
    return found.stream().max((a, b) -> a.getStartTime().compareTo(b.getStartTime())).orElseThrow();
  }
}
