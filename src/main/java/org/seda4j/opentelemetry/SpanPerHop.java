package org.seda4j.opentelemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.seda4j.ContextPropagator;
import org.seda4j.Stage;

/**
 * {@link OpenTelemetryPropagation#spans}: the producer's context, and a span per handler call that
 * is its child (a batch: the first event's child, linked to the others).
 */
final class SpanPerHop implements ContextPropagator {

  static final AttributeKey<String> STAGE = AttributeKey.stringKey("seda4j.stage");
  static final AttributeKey<Long> BATCH_EVENTS = AttributeKey.longKey("seda4j.batch.events");

  private final Tracer tracer;
  private final ConcurrentHashMap<String, String> spanNames = new ConcurrentHashMap<>();

  SpanPerHop(Tracer tracer) {
    this.tracer = tracer;
  }

  /**
   * The producer's current context; the root one outside any span, so that the first stage's span
   * starts a trace.
   */
  @Override
  public Object capture() {
    return Context.current();
  }

  @Override
  public Scope restore(Stage<?> stage, Object captured) {
    Context parent = context(captured);
    return start(parent, builder(stage, parent));
  }

  @Override
  public Scope restoreBatch(Stage<?> stage, List<Object> captured) {
    Context parent = context(captured.get(0));
    SpanBuilder b = builder(stage, parent).setAttribute(BATCH_EVENTS, (long) captured.size());
    SpanContext first = Span.fromContext(parent).getSpanContext();
    Set<SpanContext> linked = new HashSet<>();
    for (int i = 1, n = captured.size(); i < n; i++) {
      SpanContext other = Span.fromContext(context(captured.get(i))).getSpanContext();
      if (other.isValid() && !other.equals(first) && linked.add(other)) {
        b.addLink(other);
      }
    }
    return start(parent, b);
  }

  private SpanBuilder builder(Stage<?> stage, Context parent) {
    String name = stage.name();
    return tracer
        .spanBuilder(spanNames.computeIfAbsent(name, n -> "process " + n))
        .setParent(parent)
        .setSpanKind(SpanKind.INTERNAL)
        .setAttribute(STAGE, name);
  }

  @SuppressWarnings("MustBeClosedChecker") // the Hop closes it; the engine closes the Hop
  private static Scope start(Context parent, SpanBuilder builder) {
    Span span = builder.startSpan();
    io.opentelemetry.context.Scope current = parent.with(span).makeCurrent();
    return new Hop(span, current);
  }

  /** What capture() returned, as a Context (an IllegalArgumentException for anything else). */
  static Context context(Object captured) {
    if (captured instanceof Context c) {
      return c;
    }
    throw new IllegalArgumentException(
        "an OpenTelemetry propagator restores what its capture() returned, a Context; got "
            + captured.getClass().getName());
  }

  /** One hop's span, current until closed. */
  private record Hop(Span span, io.opentelemetry.context.Scope current) implements Scope {
    @Override
    public void failed(Throwable error) {
      span.recordException(error);
      span.setStatus(StatusCode.ERROR, error.getClass().getName());
    }

    @Override
    public void close() {
      try {
        current.close();
      } finally {
        span.end();
      }
    }
  }

  @Override
  public String toString() {
    return "OpenTelemetryPropagation.spans(" + tracer + ")";
  }
}
