/*
 * What context propagation (StageGraph.Builder.contextPropagation) costs: the 3-stage pipeline of
 * PipelineThroughput with no propagator, with the MDC one, and with the two OpenTelemetry ones,
 * side by side in one run; and the propagator's own calls for one hop, on one thread.
 *
 * How to run (from the repository root; any JDK 21+ as JAVA_HOME):
 *
 *   ./mvnw -B -q -Pbench -DskipTests package        # builds target/bench/benchmarks.jar
 *   "$JAVA_HOME/bin/java" -jar target/bench/benchmarks.jar ContextPropagationCost \
 *       -f 3 -wi 3 -i 5 -w 1s -r 1s -jvmArgs "-Xms2g -Xmx2g"
 *
 * pipeline (events/s into stage 0; @OperationsPerInvocation = EVENTS): 3 stages of trivial
 *   per-event handlers (pass the event on; the last counts), queue capacity 1024, 1 permit each,
 *   batch size 1 or 64, latency statistics off (so that the difference is the propagation's);
 *   the producer puts EVENTS events and waits until the graph is idle. Propagation:
 *     none          no propagator (the default)
 *     mdc           ContextPropagator.mdc(); the producer's MDC holds two entries
 *     otel-context  OpenTelemetryPropagation.context(); the producer is inside a span
 *     otel-spans    OpenTelemetryPropagation.spans(sdk); the producer is inside a span; every hop
 *                   starts and ends a span of the SDK, sampled (the default parent-based sampler,
 *                   under a sampled producer span) and handed by a SimpleSpanProcessor to an
 *                   exporter that discards it: the span's own cost, without an exporter's I/O
 *   Per event, a pipeline of 3 stages makes 3 hops (put, emit, emit): 3 captures and 3 restores.
 *   A probe event after the others checks that the last stage's handler saw the producer's
 *   context (and, with no propagator, that it did not): a run that measured nothing fails.
 *
 * hop (ns per hop, one thread): capture(), then restore() and the scope's close(), i.e. the
 *   propagator's own work for one hop, without the queue and the threads (the engine adds one
 *   small object per event that carries a context). All three run on the benchmark thread, which
 *   holds the producer's context, so close() reinstates it where a handler thread (which holds
 *   none) would only clear: for the MDC this is one map copy more than a real hop.
 *
 * MDC: the benchmark JVMs log through slf4j-nop, whose MDC keeps nothing; so this benchmark
 * installs SLF4J's reference adapter (BasicMDCAdapter: a thread-local HashMap copied on every get
 * and set, as Logback's and Log4j 2's MDC adapters also copy) before it opens the graph.
 *
 * "Off costs nothing" is measured against the library without the propagation code: the same
 * PipelineThroughput.seda4j run from the previous commit's benchmark jar and from this one
 * (docs/benchmarks.md has the commands).
 */
package org.seda4j.bench;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.seda4j.ContextPropagator;
import org.seda4j.Stage;
import org.seda4j.StageGraph;
import org.seda4j.opentelemetry.OpenTelemetryPropagation;
import org.slf4j.MDC;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.spi.MDCAdapter;

/** The cost of context propagation; see the file comment. */
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 3,
    jvmArgs = {"-Xms2g", "-Xmx2g"})
public class ContextPropagationCost {

  /** Events pushed per pipeline invocation. */
  static final int EVENTS = 100_000;

  /** The event: one shared object, so nothing measures allocation of events. */
  static final Integer EVENT = 42;

  /** The value of the probe event put after the others (see Pipeline). */
  static final int PROBE = -1;

  /** The propagator and the producer's context, per the {@code propagation} parameter. */
  @State(org.openjdk.jmh.annotations.Scope.Benchmark)
  public static class Propagation {
    /** none, mdc, otel-context or otel-spans. */
    @Param({"none", "mdc", "otel-context", "otel-spans"})
    public String propagation;

    @Nullable ContextPropagator propagator;
    @Nullable OpenTelemetrySdk sdk;
    @Nullable Span span;
    @Nullable Scope current;

    /** Builds the propagator and enters the producer's context on the benchmark thread. */
    @Setup(Level.Trial)
    @SuppressWarnings("MustBeClosedChecker") // the producer's scope: closed by leave()
    public void enter() throws ReflectiveOperationException {
      switch (propagation) {
        case "none" -> propagator = null;
        case "mdc" -> {
          installMdc();
          MDC.put("requestId", "r-42");
          MDC.put("user", "alice");
          propagator = ContextPropagator.mdc();
        }
        case "otel-context", "otel-spans" -> {
          // Every span is sampled and handed to an exporter that discards it.
          SdkTracerProvider provider =
              SdkTracerProvider.builder()
                  .addSpanProcessor(SimpleSpanProcessor.create(new DiscardingExporter()))
                  .build();
          OpenTelemetrySdk s = OpenTelemetrySdk.builder().setTracerProvider(provider).build();
          sdk = s;
          Tracer tracer = s.getTracer("bench");
          Span request = tracer.spanBuilder("request").startSpan();
          span = request;
          current = request.makeCurrent();
          propagator =
              propagation.equals("otel-spans")
                  ? OpenTelemetryPropagation.spans(s)
                  : OpenTelemetryPropagation.context();
        }
        default -> throw new IllegalArgumentException("propagation: " + propagation);
      }
    }

    /** Leaves the producer's context (JMH runs setup and teardown on the benchmark thread). */
    @TearDown(Level.Trial)
    public void leave() {
      MDC.clear();
      Scope c = current;
      if (c != null) {
        c.close();
      }
      Span s = span;
      if (s != null) {
        s.end();
      }
      OpenTelemetrySdk o = sdk;
      if (o != null) {
        o.close();
      }
    }

    /**
     * Makes the producer's context current on the calling thread (whichever thread JMH runs the
     * invocation on), until closed.
     */
    @SuppressWarnings("MustBeClosedChecker") // the caller closes what this returns
    Closeable producerContext() {
      switch (propagation) {
        case "mdc" -> {
          MDC.put("requestId", "r-42");
          MDC.put("user", "alice");
          return MDC::clear;
        }
        case "otel-context", "otel-spans" -> {
          Scope scope = java.util.Objects.requireNonNull(span).makeCurrent();
          return scope::close;
        }
        default -> {
          return () -> {};
        }
      }
    }

    /** Whether the calling handler thread sees the producer's context. */
    boolean seesProducersContext() {
      return switch (propagation) {
        case "mdc" -> "r-42".equals(MDC.get("requestId"));
        case "otel-context", "otel-spans" ->
            Span.current()
                .getSpanContext()
                .getTraceId()
                .equals(java.util.Objects.requireNonNull(span).getSpanContext().getTraceId());
        default -> false;
      };
    }

    StageGraph.Builder configure(StageGraph.Builder builder) {
      ContextPropagator p = propagator;
      return p == null ? builder : builder.contextPropagation(p);
    }
  }

  /** An exporter that takes every span and does nothing with it. */
  static final class DiscardingExporter implements SpanExporter {
    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }

  /** A context entered for one invocation. */
  interface Closeable extends AutoCloseable {
    @Override
    void close();
  }

  /** slf4j-nop's MDC keeps nothing: install SLF4J's reference adapter (see the file comment). */
  static void installMdc() throws ReflectiveOperationException {
    // SLF4J's initialisation installs its provider's adapter: let it happen first.
    MDC.getMDCAdapter();
    Method set = MDC.class.getDeclaredMethod("setMDCAdapter", MDCAdapter.class);
    set.setAccessible(true);
    set.invoke(null, new BasicMDCAdapter());
  }

  /** The 3-stage pipeline. */
  @State(org.openjdk.jmh.annotations.Scope.Benchmark)
  public static class Pipeline {
    @Param({"1", "64"})
    public int batchSize;

    private @Nullable StageGraph graph;
    private @Nullable Stage<Integer> first;
    private final LongAdder counted = new LongAdder();
    private @Nullable Propagation propagation;
    private volatile boolean probeSawContext;

    /**
     * Opens the graph; stage i emits to stage i + 1, the last stage counts. A probe event (PROBE)
     * put after the others tells whether the last stage's handler saw the producer's context.
     */
    @Setup(Level.Trial)
    public void open(Propagation p) {
      propagation = p;
      StageGraph g = p.configure(StageGraph.builder("ctx").latencyStatistics(false)).open();
      graph = g;
      Stage<Integer> s2 =
          stage(g, 2)
              .handler(
                  (e, ctx) -> {
                    if (e.intValue() == PROBE) {
                      probeSawContext = p.seesProducersContext();
                    } else {
                      counted.increment();
                    }
                  });
      Stage<Integer> s1 = stage(g, 1).handler((e, ctx) -> ctx.emit(s2, e));
      first = stage(g, 0).handler((e, ctx) -> ctx.emit(s1, e));
    }

    private Stage.Builder<Integer> stage(StageGraph g, int index) {
      return g.stage("s" + index, Integer.class).capacity(1024).permits(1).batchSize(batchSize);
    }

    long pushAndWait() throws InterruptedException {
      StageGraph g = java.util.Objects.requireNonNull(graph);
      Stage<Integer> s = java.util.Objects.requireNonNull(first);
      long before = counted.sum();
      probeSawContext = false;
      for (int i = 0; i < EVENTS; i++) {
        s.put(EVENT);
      }
      s.put(PROBE);
      if (!g.awaitIdle(Duration.ofMinutes(1))) {
        throw new IllegalStateException("pipeline not idle after a minute");
      }
      long after = counted.sum();
      if (after - before != EVENTS) {
        throw new IllegalStateException("pipeline counted " + (after - before));
      }
      Propagation p = java.util.Objects.requireNonNull(propagation);
      if (probeSawContext != (p.propagator != null)) {
        throw new IllegalStateException(
            "the last stage's handler "
                + (probeSawContext ? "saw" : "did not see")
                + " the producer's context with propagation "
                + p.propagation);
      }
      return after;
    }

    /** Closes the graph (joins its threads). */
    @TearDown(Level.Trial)
    public void close() {
      StageGraph g = graph;
      if (g != null) {
        g.close();
      }
    }
  }

  /** One stage to name in {@code restore}. */
  @State(org.openjdk.jmh.annotations.Scope.Benchmark)
  public static class OneStage {
    private @Nullable StageGraph graph;
    @Nullable Stage<Integer> stage;

    /** Opens a graph with one idle stage. */
    @Setup(Level.Trial)
    public void open() {
      StageGraph g = StageGraph.builder("hop").jmx(false).latencyStatistics(false).open();
      graph = g;
      stage = g.stage("s", Integer.class).handler((e, ctx) -> {});
    }

    /** Closes it. */
    @TearDown(Level.Trial)
    public void close() {
      StageGraph g = graph;
      if (g != null) {
        g.close();
      }
    }
  }

  /**
   * Events per second through the 3-stage pipeline.
   *
   * @param p the propagation
   * @param pipeline the pipeline
   * @return the running count, so the work is not dead code
   * @throws InterruptedException never in practice
   */
  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @OperationsPerInvocation(EVENTS)
  public long pipeline(Propagation p, Pipeline pipeline) throws InterruptedException {
    Closeable context = p.producerContext();
    try {
      return pipeline.pushAndWait();
    } finally {
      context.close();
    }
  }

  /**
   * One hop's calls of the propagator: capture, restore, close.
   *
   * @param p the propagation
   * @param s a stage to name
   * @return what was captured, so the work is not dead code
   */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public @Nullable Object hop(Propagation p, OneStage s) {
    ContextPropagator propagator = p.propagator;
    if (propagator == null) {
      return null;
    }
    Object captured = propagator.capture();
    if (captured == null) {
      throw new IllegalStateException("the producer's context is not current on this thread");
    }
    try (ContextPropagator.Scope scope =
        propagator.restore(java.util.Objects.requireNonNull(s.stage), captured)) {
      return scope;
    }
  }
}
