package org.seda4j.opentelemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.seda4j.testing.Await.TIMEOUT;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.seda4j.ContextPropagator;
import org.seda4j.DeadLetter;
import org.seda4j.FailurePolicy;
import org.seda4j.Stage;
import org.seda4j.StageGraph;
import org.seda4j.testing.Gate;

/**
 * OpenTelemetryPropagation against the OpenTelemetry SDK, spans collected by its in-memory
 * exporter: one trace across three stages (a span per hop, each the child of the previous hop's), a
 * batch's span linked to its events' producers, a failing handler's span marked, and the
 * context-only mode.
 */
class OpenTelemetryPropagationTest {

  private static final AttributeKey<String> STAGE = AttributeKey.stringKey("seda4j.stage");

  private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  private final SdkTracerProvider tracerProvider =
      SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
  private final OpenTelemetrySdk openTelemetry =
      OpenTelemetrySdk.builder().setTracerProvider(tracerProvider).build();
  private final Tracer tracer = openTelemetry.getTracer("test");
  private final List<StageGraph> graphs = new ArrayList<>();

  @AfterEach
  void closeEverything() {
    graphs.forEach(StageGraph::shutdownNow);
    openTelemetry.close();
  }

  private StageGraph open(String name, ContextPropagator propagator) {
    StageGraph graph = StageGraph.builder(name).contextPropagation(propagator).open();
    graphs.add(graph);
    return graph;
  }

  /** Runs {@code body} inside a new span named {@code name}; returns that span's context. */
  private SpanContext inSpan(String name, ThrowingRunnable body) throws Exception {
    Span span = tracer.spanBuilder(name).startSpan();
    Scope current = span.makeCurrent();
    try {
      body.run();
    } finally {
      current.close();
      span.end();
    }
    return span.getSpanContext();
  }

  @FunctionalInterface
  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  /** The finished spans, once there are {@code n}. */
  private List<SpanData> spans(int n) {
    await().atMost(TIMEOUT).until(() -> exporter.getFinishedSpanItems().size() >= n);
    List<SpanData> spans = exporter.getFinishedSpanItems();
    assertThat(spans).hasSize(n);
    return spans;
  }

  /** A pipeline a -> b -> c of per-event handlers. */
  private Stage<String> threeStages(StageGraph graph) {
    Stage<String> c = graph.stage("c", String.class).handler((e, ctx) -> {});
    Stage<String> b = graph.stage("b", String.class).handler((e, ctx) -> ctx.emit(c, e));
    return graph.stage("a", String.class).batchSize(4).handler((e, ctx) -> ctx.emit(b, e));
  }

  @Test
  void eachRequestIsOneTraceAcrossThreeStagesWithASpanPerHop() throws Exception {
    // given a three-stage pipeline with a span per hop
    StageGraph graph = open("otel", OpenTelemetryPropagation.spans(openTelemetry));
    Stage<String> a = threeStages(graph);

    // when three events are each put inside a request span of their own
    List<SpanContext> requests = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String e = "e" + i;
      requests.add(inSpan("request " + i, () -> a.put(e)));
    }
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();

    // then each request's trace holds its span and one span per stage, each the previous one's
    // child: request -> process a -> process b -> process c
    List<SpanData> spans = spans(12);
    assertThat(spans)
        .extracting(SpanData::getTraceId)
        .containsOnly(requests.stream().map(SpanContext::getTraceId).toArray(String[]::new));
    for (SpanContext request : requests) {
      List<SpanData> trace =
          spans.stream().filter(d -> d.getTraceId().equals(request.getTraceId())).toList();
      assertThat(trace)
          .extracting(SpanData::getName)
          .containsExactlyInAnyOrder(
              "request " + requests.indexOf(request), "process a", "process b", "process c");
      SpanData hopA = named(trace, "process a");
      SpanData hopB = named(trace, "process b");
      SpanData hopC = named(trace, "process c");
      assertThat(hopA.getParentSpanId()).isEqualTo(request.getSpanId());
      assertThat(hopB.getParentSpanId()).isEqualTo(hopA.getSpanId());
      assertThat(hopC.getParentSpanId()).isEqualTo(hopB.getSpanId());
      for (SpanData hop : List.of(hopA, hopB, hopC)) {
        assertThat(hop.getKind()).isEqualTo(SpanKind.INTERNAL);
        assertThat(hop.getAttributes().get(STAGE)).isEqualTo(hop.getName().substring(8));
        assertThat(hop.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        assertThat(hop.getInstrumentationScopeInfo().getName()).isEqualTo("org.seda4j");
        assertThat(hop.hasEnded()).isTrue();
      }
    }
  }

  @Test
  void anEventPutOutsideAnySpanStartsATraceAtItsFirstStage() throws Exception {
    StageGraph graph = open("root", OpenTelemetryPropagation.spans(openTelemetry));
    Stage<String> a = threeStages(graph);

    a.put("e");
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();

    List<SpanData> spans = spans(3);
    SpanData hopA = named(spans, "process a");
    assertThat(hopA.getParentSpanContext().isValid()).isFalse();
    assertThat(named(spans, "process b").getParentSpanId()).isEqualTo(hopA.getSpanId());
    assertThat(named(spans, "process c").getParentSpanId())
        .isEqualTo(named(spans, "process b").getSpanId());
    assertThat(spans).extracting(SpanData::getTraceId).containsOnly(hopA.getTraceId());
  }

  @Test
  void aBatchsSpanIsTheFirstEventsChildAndLinksToTheOthers() throws Exception {
    // given a batch handler held on its first batch, so that the next events queue up
    StageGraph graph = open("batch", OpenTelemetryPropagation.spans(openTelemetry));
    Gate gate = new Gate();
    List<List<String>> batches = new CopyOnWriteArrayList<>();
    Stage<String> s =
        graph
            .stage("s", String.class)
            .permits(1)
            .batchSize(8)
            .batchHandler(
                (events, ctx) -> {
                  batches.add(List.copyOf(events));
                  if (events.contains("hold")) {
                    gate.pass();
                  }
                });
    s.put("hold");
    await().atMost(TIMEOUT).until(() -> batches.size() == 1);

    // when three events are put from three request spans (the first twice), then handled at once
    SpanContext r1 = inSpan("r1", () -> s.put("e1"));
    SpanContext r2 = inSpan("r2", () -> s.put("e2"));
    SpanContext r3 =
        inSpan(
            "r3",
            () -> {
              s.put("e3");
              s.put("e4");
            });
    gate.open();
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
    assertThat(batches).containsExactly(List.of("hold"), List.of("e1", "e2", "e3", "e4"));

    // then the batch's span is a child of the first event's producer, linked to the other two
    SpanData batch =
        spans(5).stream()
            .filter(d -> d.getName().equals("process s") && d.getTraceId().equals(r1.getTraceId()))
            .findFirst()
            .orElseThrow();
    assertThat(batch.getParentSpanId()).isEqualTo(r1.getSpanId());
    assertThat(batch.getLinks())
        .extracting(LinkData::getSpanContext)
        .containsExactlyInAnyOrder(r2, r3);
    assertThat(batch.getAttributes().get(AttributeKey.longKey("seda4j.batch.events")))
        .isEqualTo(4L);
  }

  @Test
  void aFailingHandlersSpanIsMarkedAndItsDeadLetterIsItsChild() throws Exception {
    StageGraph graph = open("fail", OpenTelemetryPropagation.spans(openTelemetry));
    Stage<DeadLetter> dead = graph.stage("dead", DeadLetter.class).handler((d, ctx) -> {});
    Stage<String> s =
        graph
            .stage("s", String.class)
            .onFailure(FailurePolicy.deadLetter(dead))
            .handler(
                (e, ctx) -> {
                  throw new IllegalStateException("failing on purpose");
                });

    SpanContext request = inSpan("request", () -> s.put("e"));
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();

    List<SpanData> spans = spans(3);
    SpanData hop = named(spans, "process s");
    assertThat(hop.getParentSpanId()).isEqualTo(request.getSpanId());
    assertThat(hop.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(hop.getEvents()).anyMatch(ev -> ev.getName().equals("exception"));
    assertThat(named(spans, "process dead").getParentSpanId()).isEqualTo(hop.getSpanId());
  }

  @Test
  void contextOnlyMakesTheProducersSpanCurrentInEveryHandlerAndStartsNoSpan() throws Exception {
    StageGraph graph = open("context", OpenTelemetryPropagation.context());
    List<@Nullable SpanContext> seen = new CopyOnWriteArrayList<>();
    Stage<String> c =
        graph.stage("c", String.class).handler((e, ctx) -> seen.add(currentSpanContext()));
    Stage<String> b =
        graph
            .stage("b", String.class)
            .handler(
                (e, ctx) -> {
                  seen.add(currentSpanContext());
                  ctx.emit(c, e);
                });
    Stage<String> a =
        graph
            .stage("a", String.class)
            .handler(
                (e, ctx) -> {
                  seen.add(currentSpanContext());
                  ctx.emit(b, e);
                });

    SpanContext request = inSpan("request", () -> a.put("e"));
    a.put("outside"); // no span: nothing carried, handlers see no span
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();

    assertThat(seen).hasSize(6).filteredOn(request::equals).hasSize(3);
    assertThat(seen).filteredOn(sc -> sc != null && !sc.isValid()).hasSize(3);
    assertThat(spans(1)).extracting(SpanData::getName).containsExactly("request");
  }

  private static SpanData named(List<SpanData> spans, String name) {
    return spans.stream().filter(d -> d.getName().equals(name)).findFirst().orElseThrow();
  }

  private static SpanContext currentSpanContext() {
    return Span.current().getSpanContext();
  }

  @Test
  @SuppressWarnings("NullAway") // null on purpose
  void spansRefusesANullOpenTelemetry() {
    assertThatThrownBy(() -> OpenTelemetryPropagation.spans(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("openTelemetry must not be null");
  }
}
