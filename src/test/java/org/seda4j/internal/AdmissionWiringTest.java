package org.seda4j.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.seda4j.OfferResult;
import org.seda4j.RejectionReason;
import org.seda4j.Stage;
import org.seda4j.StageGraph;
import org.seda4j.control.AdmissionContext;
import org.seda4j.control.AdmissionController;
import org.seda4j.control.AdmissionSample;
import org.seda4j.control.ConcurrencyController;
import org.seda4j.control.ControllerDecision;
import org.seda4j.control.ControllerSample;
import org.seda4j.control.ResponseTarget;
import org.seda4j.observe.StageSnapshot;
import org.seda4j.testing.Gate;

/**
 * How a stage feeds its admission controller: the events in the system along a measured path, the
 * state of the path's stages, a key function that fails, and a sampler driven window by window by
 * an injected clock.
 */
@Timeout(30)
class AdmissionWiringTest {

  private static final Duration PATIENCE = Duration.ofSeconds(10);

  /** Records what the stage tells an admission controller that measures a path. */
  private static final class Recording implements AdmissionController<Object> {
    final Feedback feedback;
    final List<Long> inSystemAtAdmit = new CopyOnWriteArrayList<>();
    final List<AdmissionSample> samples = new CopyOnWriteArrayList<>();

    Recording(@Nullable Stage<?> exit) {
      this.feedback = new Feedback(1, exit);
    }

    @Override
    public boolean admit(Object event, AdmissionContext sink) {
      inSystemAtAdmit.add(sink.inSystem());
      return true;
    }

    @Override
    public Feedback feedback() {
      return feedback;
    }

    @Override
    public boolean update(AdmissionSample sample) {
      samples.add(sample);
      return true;
    }
  }

  @Test
  void theEventsInTheSystemAreCountedAlongTheWholeMeasuredPath() throws Exception {
    Gate release = new Gate();
    AtomicLong now = new AtomicLong(1_000_000_000L);
    GraphImpl graph = GraphImpl.openManuallySampled("path", Duration.ofMillis(100), now::get);
    try {
      Stage<Integer> exit = graph.stage("exit", Integer.class).handler((i, ctx) -> {});
      Stage<Integer> mid =
          graph
              .stage("mid", Integer.class)
              .permits(2)
              .handler(
                  (i, ctx) -> {
                    release.pass();
                    ctx.emit(exit, i);
                  });
      Recording recording = new Recording(exit);
      Stage<Integer> entry =
          graph
              .stage("entry", Integer.class)
              .admission(recording)
              .handler((i, ctx) -> ctx.emit(mid, i));
      for (int i = 0; i < 7; i++) {
        entry.put(i);
      }
      // Two events held by mid's handlers, five waiting in mid's queue: all on the path.
      await().atMost(PATIENCE).until(() -> mid.snapshot().queue().queued() == 5);
      entry.put(7);
      assertThat(recording.inSystemAtAdmit.get(7)).isEqualTo(7);

      now.addAndGet(100_000_000L);
      graph.sampleNow();
      AdmissionSample s = recording.samples.get(recording.samples.size() - 1);
      assertThat(s.inSystem()).isEqualTo(8);
      // mid: every permit busy and events waiting: the path worked at its capacity.
      assertThat(s.saturated()).isTrue();
      assertThat(s.elapsedNanos()).isEqualTo(100_000_000L);
      release.open();
      assertThat(graph.awaitIdle(PATIENCE)).isTrue();
    } finally {
      release.open();
      graph.shutdownNow();
    }
  }

  @Test
  void theSamplerRunsWindowByWindowOnTheInjectedClock() throws Exception {
    AtomicLong now = new AtomicLong(5_000_000_000L);
    List<ControllerSample> seen = new CopyOnWriteArrayList<>();
    ConcurrencyController recording =
        s -> {
          seen.add(s);
          return new ControllerDecision(s.permits(), "recorded");
        };
    GraphImpl graph = GraphImpl.openManuallySampled("clock", Duration.ofMillis(100), now::get);
    try {
      Stage<Integer> stage =
          graph
              .stage("s", Integer.class)
              .concurrency(recording)
              .batchSize(1) // no batch change: the concurrency controller is asked every window
              .handler((i, ctx) -> {});
      for (int i = 0; i < 30; i++) {
        stage.put(i);
      }
      assertThat(graph.awaitIdle(PATIENCE)).isTrue();
      now.addAndGet(250_000_000L);
      graph.sampleNow();
      assertThat(seen).hasSize(1);
      assertThat(seen.get(0).elapsedNanos()).isEqualTo(250_000_000L);
      assertThat(seen.get(0).arrivals()).isEqualTo(30);
      assertThat(seen.get(0).completions()).isEqualTo(30);
      assertThat(seen.get(0).throughput()).isEqualTo(120.0);
      now.addAndGet(100_000_000L);
      graph.sampleNow();
      assertThat(seen).hasSize(2);
      assertThat(seen.get(1).arrivals()).isZero();
    } finally {
      graph.shutdownNow();
    }
  }

  record Req(int client) {}

  @Test
  @SuppressWarnings("NullAway") // a key function returning null is the misuse under test
  void aFairnessKeyFunctionThatThrowsRejectsThatEventAloneAndLosesNothing() throws Exception {
    try (StageGraph graph = StageGraph.open("keys")) {
      List<Req> handled = new CopyOnWriteArrayList<>();
      Stage<Req> stage =
          graph
              .stage("s", Req.class)
              .admission(
                  AdmissionController.responseTime(
                      ResponseTarget.builder(Duration.ofMillis(50))
                          .<Req>fairBy(
                              r -> {
                                if (r.client() == 13) {
                                  throw new IllegalStateException("client 13 has no key");
                                }
                                return r.client() == 0 ? null : r.client();
                              })
                          .build()))
              .handler((r, ctx) -> handled.add(r));
      OfferResult threw = stage.offer(new Req(13));
      assertThat(threw).isInstanceOf(OfferResult.Rejected.class);
      OfferResult.Rejected rejected = (OfferResult.Rejected) threw;
      assertThat(rejected.reason()).isEqualTo(RejectionReason.REFUSED);
      assertThat(rejected.message())
          .contains("stage 's'")
          .contains("key function")
          .contains("client 13 has no key");
      OfferResult nullKey = stage.offer(new Req(0));
      assertThat(((OfferResult.Rejected) nullKey).message()).contains("returned null");
      for (int i = 1; i <= 5; i++) {
        assertThat(stage.offer(new Req(i)).admitted()).isTrue();
      }
      assertThat(graph.awaitIdle(PATIENCE)).isTrue();
      StageSnapshot s = stage.snapshot();
      assertThat(handled).hasSize(5);
      assertThat(s.counts().admitted()).isEqualTo(5);
      assertThat(s.counts().completed()).isEqualTo(5);
      assertThat(s.counts().rejected(RejectionReason.REFUSED)).isEqualTo(2);
    }
  }
}
