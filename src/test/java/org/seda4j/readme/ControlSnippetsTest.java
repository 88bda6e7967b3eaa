package org.seda4j.readme;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.seda4j.Stage;
import org.seda4j.StageGraph;
import org.seda4j.control.AdmissionController;
import org.seda4j.control.ResponseTarget;
import org.seda4j.control.ResponseTimeSettings;

/**
 * The examples in the Javadoc of {@code org.seda4j.control} ({@link ResponseTarget}, {@link
 * ResponseTimeSettings}), compiled and run here; shown through {@code {@snippet
 * class=org.seda4j.readme.ControlSnippetsTest region=...}} (see {@link JavadocSnippetsTest}).
 */
class ControlSnippetsTest {

  record Request(String client, int id) {}

  @Test
  void theTargetMeasuresToReplyAndSharesByClient() throws Exception {
    List<Request> replied = new CopyOnWriteArrayList<>();
    try (StageGraph graph = StageGraph.open("api")) {
      Stage<Request> reply =
          graph.stage("reply", Request.class).handler((r, ctx) -> replied.add(r));
      ResponseTarget<Request> target = target(reply);
      Stage<Request> api =
          graph
              .stage("api", Request.class)
              .admission(AdmissionController.responseTime(target))
              .handler((r, ctx) -> ctx.emit(reply, r));

      assertThat(target.target()).isEqualTo(Duration.ofMillis(50));
      assertThat(target.exit()).isSameAs(reply);
      Function<? super Request, ?> key = Objects.requireNonNull(target.fairnessKey());
      assertThat(key.apply(new Request("alice", 1))).isEqualTo("alice");
      // a cold start at low load sheds nothing: every request is answered
      for (int id = 0; id < 10; id++) {
        api.put(new Request(id % 2 == 0 ? "alice" : "bob", id));
      }
      assertThat(graph.awaitIdle(Duration.ofSeconds(10))).isTrue();
    }
    assertThat(replied).hasSize(10);
  }

  static ResponseTarget<Request> target(Stage<Request> reply) {
    // @start region="response-target"
    ResponseTarget<Request> target =
        ResponseTarget.builder(Duration.ofMillis(50))
            .path(reply) // measure from the guarded stage to `reply`
            .<Request>fairBy(Request::client) // share the capacity equally between clients
            .build();
    // @end
    return target;
  }

  @Test
  void theSettingsChangeThreeDefaultsAndMakeAController() throws Exception {
    Tuned tuned = tuned();
    ResponseTimeSettings settings = tuned.settings();
    ResponseTimeSettings defaults = ResponseTimeSettings.builder(Duration.ofMillis(50)).build();
    assertThat(settings.percentile()).isEqualTo(99.0);
    assertThat(settings.sampleEvents()).isEqualTo(20);
    assertThat(settings.samplePeriod()).isEqualTo(Duration.ofMillis(200));
    assertThat(settings.target()).isEqualTo(defaults.target());
    assertThat(settings.smoothing()).isEqualTo(defaults.smoothing());
    assertThat(settings.decreaseFactor()).isEqualTo(defaults.decreaseFactor());
    assertThat(
            settings.toBuilder()
                .percentile(defaults.percentile())
                .sampleEvents(defaults.sampleEvents())
                .samplePeriod(defaults.samplePeriod())
                .build())
        .isEqualTo(defaults);

    List<String> handled = new CopyOnWriteArrayList<>();
    try (StageGraph graph = StageGraph.open("api")) {
      Stage<String> api =
          graph
              .stage("api", String.class)
              .admission(tuned.controller())
              .handler((s, ctx) -> handled.add(s));
      api.put("request"); // the rate starts unlimited
      assertThat(graph.awaitIdle(Duration.ofSeconds(10))).isTrue();
    }
    assertThat(handled).containsExactly("request");
  }

  record Tuned(ResponseTimeSettings settings, AdmissionController<Object> controller) {}

  static Tuned tuned() {
    // @start region="response-time-settings"
    ResponseTimeSettings settings =
        ResponseTimeSettings.builder(Duration.ofMillis(50))
            .percentile(99)
            .sampleEvents(20)
            .samplePeriod(Duration.ofMillis(200))
            .build();
    AdmissionController<Object> controller = AdmissionController.welshCuller(settings);
    // @end
    return new Tuned(settings, controller);
  }
}
