package org.seda4j.readme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.seda4j.FullQueuePolicy.dropNewest;
import static org.seda4j.FullQueuePolicy.reject;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.seda4j.ContextPropagator;
import org.seda4j.DeadLetter;
import org.seda4j.Deadline;
import org.seda4j.Expiring;
import org.seda4j.FailurePolicy;
import org.seda4j.FullQueuePolicy;
import org.seda4j.OfferResult;
import org.seda4j.Stage;
import org.seda4j.StageGraph;
import org.seda4j.micrometer.StageGraphMetrics;
import org.seda4j.opentelemetry.OpenTelemetryPropagation;
import org.seda4j.testing.Gate;
import org.seda4j.testing.KeptMdc;
import org.slf4j.MDC;

/**
 * The examples in the Javadoc of {@code org.seda4j} (its package summary, {@link StageGraph},
 * {@link StageGraph.Builder#contextPropagation}, {@link Stage}, {@link Expiring}, {@link
 * OfferResult}, {@link ContextPropagator}) and of its integrations ({@link StageGraphMetrics},
 * {@link OpenTelemetryPropagation}), compiled and run here. The Javadoc shows the regions between
 * the {@code @start} and {@code @end} markers through {@code {@snippet
 * class=org.seda4j.readme.JavadocSnippetsTest region=...}}; the javadoc tool finds this file
 * through {@code --snippet-path src/test/java} (pom.xml), and fails the build if a region is
 * missing.
 */
class JavadocSnippetsTest {

  /** The database of the {@link Stage} example: it records what it was asked to insert. */
  static final class OrderStore {
    final List<List<Order>> inserts = new CopyOnWriteArrayList<>();

    void insertAll(List<Order> orders) {
      inserts.add(List.copyOf(orders));
    }
  }

  record Order(long id, long cents) {}

  @Test
  void theGraphExamplePrintsItsEventAndCloses() throws Exception {
    String printed = stdoutOf(JavadocSnippetsTest::hello);

    assertThat(printed).isEqualTo("HELLO, STAGES" + System.lineSeparator());
  }

  static void hello() throws InterruptedException {
    // @start region="hello"
    try (StageGraph graph = StageGraph.open("hello")) {
      Stage<String> print =
          graph.stage("print", String.class).handler((s, ctx) -> System.out.println(s));
      Stage<String> upper =
          graph.stage("upper", String.class).map(s -> s.toUpperCase(Locale.ROOT), print);
      upper.put("hello, stages");
      graph.awaitIdle(Duration.ofSeconds(5));
    } // close(): drains every queue, then joins every thread
    // @end
  }

  @Test
  void thePackageExampleCountsEveryWord() throws Exception {
    Map<String, LongAdder> counts = wordCount();

    assertThat(counts)
        .hasSize(4)
        .hasEntrySatisfying("to", n -> assertThat(n.sum()).isEqualTo(2))
        .hasEntrySatisfying("be", n -> assertThat(n.sum()).isEqualTo(2))
        .hasEntrySatisfying("or", n -> assertThat(n.sum()).isEqualTo(1))
        .hasEntrySatisfying("not", n -> assertThat(n.sum()).isEqualTo(1));
  }

  static Map<String, LongAdder> wordCount() throws InterruptedException {
    // @start region="pipeline"
    Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    try (StageGraph graph = StageGraph.open("words")) {
      Stage<String> count =
          graph
              .stage("count", String.class)
              .handler(
                  (word, ctx) -> counts.computeIfAbsent(word, w -> new LongAdder()).increment());
      Stage<String> split =
          graph
              .stage("split", String.class)
              .handler(
                  (line, ctx) -> {
                    for (String word : line.split(" ", -1)) {
                      ctx.emit(count, word); // waits while count's queue is full: backpressure
                    }
                  });
      split.put("to be or not to be");
      graph.awaitIdle(Duration.ofSeconds(5)); // no event queued or in flight anywhere
    }
    // @end
    return counts;
  }

  @Test
  void theStageExampleInsertsEveryOrderInBatchesOfAtMost64() throws Exception {
    OrderStore db = new OrderStore();
    List<DeadLetter> failed = new CopyOnWriteArrayList<>();
    try (StageGraph graph = StageGraph.open("shop")) {
      Stage<DeadLetter> deadLetters =
          graph.stage("dead-letters", DeadLetter.class).handler((d, ctx) -> failed.add(d));
      Stage<Order> store = store(graph, db, deadLetters);
      for (long id = 0; id < 500; id++) {
        store.put(new Order(id, 100));
      }
      assertThat(graph.awaitIdle(Duration.ofSeconds(10))).isTrue();
    }

    assertThat(db.inserts.stream().mapToInt(List::size).sum()).isEqualTo(500);
    assertThat(db.inserts).allSatisfy(batch -> assertThat(batch).hasSizeBetween(1, 64));
    assertThat(failed).isEmpty();
  }

  static Stage<Order> store(StageGraph graph, OrderStore db, Stage<DeadLetter> deadLetters) {
    // @start region="stage"
    Stage<Order> store =
        graph
            .stage("store", Order.class)
            .capacity(256) // room for a burst; beyond it producers wait (backpressure)
            .permits(4) // a pool of four connections: never more calls at once
            .batchSize(64) // up to 64 orders per call
            .onFull(FullQueuePolicy.block())
            .onFailure(FailurePolicy.deadLetter(deadLetters)) // a failed batch, with its exception
            .batchHandler((orders, ctx) -> db.insertAll(orders)); // one round trip per batch
    // @end
    return store;
  }

  @Test
  void theContextPropagationExampleOpensAGraphThatRunsEvents() throws Exception {
    try (StageGraph graph = shop(OpenTelemetry.noop())) {
      List<String> handled = new CopyOnWriteArrayList<>();
      Stage<String> stage = graph.stage("s", String.class).handler((e, ctx) -> handled.add(e));
      stage.put("e");
      assertThat(graph.awaitIdle(Duration.ofSeconds(10))).isTrue();
      assertThat(handled).containsExactly("e");
    }
  }

  static StageGraph shop(OpenTelemetry openTelemetry) {
    // @start region="context-propagation"
    StageGraph graph =
        StageGraph.builder("shop")
            .contextPropagation(
                ContextPropagator.mdc(), OpenTelemetryPropagation.spans(openTelemetry))
            .open();
    // @end
    return graph;
  }

  @Test
  void theDeadlineExampleRendersThePageWithinTheRequestsDeadline() throws Exception {
    List<String> pages = new CopyOnWriteArrayList<>();
    try (StageGraph graph = StageGraph.open("pages")) {
      lookupAndRender(graph, pages);
      assertThat(graph.awaitIdle(Duration.ofSeconds(10))).isTrue();
      assertThat(graph.snapshot().rejected()).isZero();
    }

    assertThat(pages).containsExactly(find("home"));
  }

  private static String find(String key) {
    return "<h1>" + key + "</h1>";
  }

  static void lookupAndRender(StageGraph graph, List<String> pages) throws InterruptedException {
    // @start region="expiring"
    record Lookup(String key, Deadline deadline) implements Expiring {}
    record Render(String html, Deadline deadline) implements Expiring {}

    Stage<Render> render =
        graph.stage("render", Render.class).handler((r, ctx) -> pages.add(r.html()));
    Stage<Lookup> lookup =
        graph
            .stage("lookup", Lookup.class)
            .handler((l, ctx) -> ctx.emit(render, new Render(find(l.key()), l.deadline())));
    lookup.put(new Lookup("home", Deadline.after(Duration.ofSeconds(2))));
    // @end
  }

  @Test
  void theOfferExampleAnswersEveryOutcome() throws Exception {
    StageGraph graph = StageGraph.open("api");
    try (Gate gate = new Gate()) { // opened before the graph closes
      Stage<String> rejecting =
          gate.stage(
              graph.stage("rejecting", String.class).permits(1).capacity(1).onFull(reject()));
      Stage<String> dropping =
          gate.stage(
              graph.stage("dropping", String.class).permits(1).capacity(1).onFull(dropNewest()));
      // each stage's one handler holds its first request at the gate, its queue holds the second
      assertThat(respond(rejecting, "r1")).isEqualTo("202 Accepted");
      assertThat(respond(dropping, "d1")).isEqualTo("202 Accepted");
      gate.awaitEntered(2);
      assertThat(respond(rejecting, "r2")).isEqualTo("202 Accepted");
      assertThat(respond(dropping, "d2")).isEqualTo("202 Accepted");

      assertThat(respond(dropping, "d3")).isEqualTo("202 Accepted, dropped");
      assertThat(respond(rejecting, "r3")).startsWith("503 ").contains("rejecting");

      gate.open();
      graph.close();
      assertThat(respond(rejecting, "r4"))
          .startsWith("503 stage 'rejecting' does not admit events");
    } finally {
      graph.close();
    }
  }

  static String respond(Stage<String> stage, String request) {
    // @start region="offer"
    String response =
        switch (stage.offer(request)) {
          case OfferResult.Accepted a -> "202 Accepted";
          case OfferResult.Dropped d -> "202 Accepted, dropped"; // counted, onDrop saw it
          case OfferResult.Rejected r -> "503 " + r.message(); // the caller still owns request
          case OfferResult.Closed c -> "503 " + c.message();
        };
    // @end
    return response;
  }

  @Test
  void theMdcExampleCarriesTheRequestIdToEveryHandler() throws Exception {
    List<String> requestIds = new CopyOnWriteArrayList<>();
    KeptMdc mdc = KeptMdc.install();
    try (StageGraph graph = mdcShop(requestIds)) {
      assertThat(graph.awaitIdle(Duration.ofSeconds(10))).isTrue();
    } finally {
      mdc.close();
    }

    assertThat(requestIds).containsExactly("orders r-42", "payments r-42");
  }

  static StageGraph mdcShop(List<String> requestIds) throws InterruptedException {
    // @start region="mdc"
    StageGraph graph =
        StageGraph.builder("shop").contextPropagation(ContextPropagator.mdc()).open();
    Stage<String> payments =
        graph
            .stage("payments", String.class)
            .handler((order, ctx) -> requestIds.add("payments " + MDC.get("requestId")));
    Stage<String> orders =
        graph
            .stage("orders", String.class)
            .handler(
                (order, ctx) -> {
                  requestIds.add("orders " + MDC.get("requestId"));
                  ctx.emit(payments, order);
                });
    MDC.put("requestId", "r-42");
    orders.put("order 1"); // orders' handler, and payments' it emits to, see requestId r-42
    // @end
    return graph;
  }

  @Test
  void theTracingExampleGivesOneTraceAcrossTwoStages() throws Exception {
    InMemorySpanExporter exporter = InMemorySpanExporter.create();
    List<String> paid = new CopyOnWriteArrayList<>();
    OpenTelemetrySdk openTelemetry =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                    .build())
            .build();
    List<SpanData> spans;
    try {
      try (StageGraph graph = tracedShop(openTelemetry, openTelemetry.getTracer("shop"), paid)) {
        assertThat(graph.awaitIdle(Duration.ofSeconds(10))).isTrue();
      } // every handler call, and so every span, ended
      spans = exporter.getFinishedSpanItems();
    } finally {
      openTelemetry.close(); // shuts the exporter down, which forgets its spans
    }

    assertThat(paid).containsExactly("order 1");
    assertThat(spans)
        .extracting(SpanData::getName)
        .containsExactlyInAnyOrder("GET /order", "process orders", "process payments");
    SpanData request = named(spans, "GET /order");
    SpanData orders = named(spans, "process orders");
    SpanData payments = named(spans, "process payments");
    assertThat(List.of(request.getTraceId(), orders.getTraceId(), payments.getTraceId()))
        .containsOnly(request.getTraceId());
    assertThat(orders.getParentSpanId()).isEqualTo(request.getSpanId());
    assertThat(payments.getParentSpanId()).isEqualTo(orders.getSpanId());
  }

  private static SpanData named(List<SpanData> spans, String name) {
    return spans.stream().filter(s -> s.getName().equals(name)).findFirst().orElseThrow();
  }

  @SuppressWarnings("try") // the example's scope is closed, not read
  static StageGraph tracedShop(OpenTelemetry openTelemetry, Tracer tracer, List<String> paid)
      throws InterruptedException {
    // @start region="opentelemetry"
    StageGraph graph =
        StageGraph.builder("shop")
            .contextPropagation(OpenTelemetryPropagation.spans(openTelemetry))
            .open();
    Stage<String> payments =
        graph.stage("payments", String.class).handler((order, ctx) -> paid.add(order));
    Stage<String> orders =
        graph.stage("orders", String.class).handler((order, ctx) -> ctx.emit(payments, order));
    Span request = tracer.spanBuilder("GET /order").startSpan();
    try (Scope s = request.makeCurrent()) {
      orders.put("order 1"); // one trace: GET /order -> process orders -> process payments
    } finally {
      request.end();
    }
    // @end
    return graph;
  }

  @Test
  void theMetricsExampleCountsTheStagesEvents() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (StageGraph graph = metered(registry)) {
      assertThat(graph.awaitIdle(Duration.ofSeconds(10))).isTrue();

      assertThat(registry.get("seda4j.graph.stages").tag("graph", "shop").gauge().value())
          .isEqualTo(1.0);
      assertThat(
              registry
                  .get("seda4j.stage.events")
                  .tags("graph", "shop", "stage", "orders", "outcome", "completed")
                  .functionCounter()
                  .count())
          .isEqualTo(3.0);
    }
  }

  static StageGraph metered(MeterRegistry registry) throws InterruptedException {
    // @start region="micrometer"
    StageGraph graph = StageGraph.open("shop");
    Stage<String> orders = graph.stage("orders", String.class).handler((order, ctx) -> {});
    new StageGraphMetrics(graph).bindTo(registry); // any MeterRegistry
    // @end
    for (int i = 1; i <= 3; i++) {
      orders.put("order " + i);
    }
    return graph;
  }

  @Test
  void everyJavadocExampleIsARegionOfACompiledTest() throws Exception {
    List<String> inline;
    try (Stream<Path> sources = Files.walk(Path.of("src/main/java"))) {
      inline =
          sources
              .filter(p -> p.toString().endsWith(".java"))
              .filter(p -> read(p).contains("{@snippet :"))
              .map(Path::toString)
              .toList();
    }

    assertThat(inline).as("sources with an inline {@snippet :} example").isEmpty();
  }

  private static String read(Path source) {
    try {
      return Files.readString(source, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What {@code body} printed to System.out (handlers look System.out up on every call). */
  static String stdoutOf(Body body) throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream original = System.out;
    System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    try {
      body.run();
    } finally {
      System.setOut(original);
    }
    return buffer.toString(StandardCharsets.UTF_8);
  }

  @FunctionalInterface
  interface Body {
    void run() throws Exception;
  }
}
