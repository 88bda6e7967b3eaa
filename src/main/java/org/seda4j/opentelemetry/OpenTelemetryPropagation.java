package org.seda4j.opentelemetry;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.Objects;
import org.seda4j.ContextPropagator;
import org.seda4j.StageGraph;

/**
 * Carries the OpenTelemetry {@link Context} (the current span, baggage) from the thread that offers
 * an event to the handler that processes it, through every stage of a graph: the {@link
 * ContextPropagator}s to give to {@link StageGraph.Builder#contextPropagation}.
 *
 * {@snippet class=org.seda4j.readme.JavadocSnippetsTest region=opentelemetry}
 *
 * }
 *
 * <h2>Spans per hop ({@link #spans(OpenTelemetry)})</h2>
 *
 * <p>Every handler call gets a span of its own, named {@code process <stage>} (kind {@code
 * INTERNAL}, attribute {@code seda4j.stage}), started right before the call and ended right after
 * it (after the stage's failure policy ran). Its parent is the context that was current on the
 * producer's thread when the stage admitted the event, so a pipeline of three stages fed from a
 * request's span gives one trace: the request's span, the first stage's span as its child, the
 * second stage's span as the child of the first's (the first handler emitted while its span was
 * current), and so on. An event offered outside any span starts a new trace at the stage that
 * admits it. A handler that throws marks its span with status {@code ERROR} and records the
 * exception; a dead letter it causes is emitted inside that span.
 *
 * <p>A {@link org.seda4j.BatchHandler} call gets one span for the whole batch: its parent is the
 * context of the batch's first event, and it carries a link to the span of every other event whose
 * producer's span differs from that parent (OpenTelemetry's model for batch processing), plus the
 * attribute {@code seda4j.batch.events}, the number of events of the batch.
 *
 * <p>The SDK's sampler decides as usual: with a parent-based sampler (the default) a hop is sampled
 * when the producer's span was.
 *
 * <h2>Context only ({@link #context()})</h2>
 *
 * <p>Makes the producer's context current around the handler's call and starts no span: the
 * handler's own spans and logs (and the OpenTelemetry MDC instrumentation) see the producer's
 * trace. Events offered outside any span or baggage carry nothing. A batch handler runs in the
 * context of its first event.
 *
 * <h2>Cost</h2>
 *
 * <p>Per hop, {@code spans}: one span started and ended, two context switches, one small object per
 * event; {@code context}: two context switches and one small object. docs/guide.md gives the
 * measured figures. This class needs {@code io.opentelemetry:opentelemetry-api} at run time (an
 * optional dependency of seda4j); nothing else in seda4j refers to OpenTelemetry.
 */
// Its API shows OpenTelemetry although module-info does not say `requires transitive
// io.opentelemetry.api` (an optional dependency never is): users of this class require it
// themselves.
@SuppressWarnings("exports")
public final class OpenTelemetryPropagation {

  /** The instrumentation scope of the spans: {@value}. */
  public static final String INSTRUMENTATION_SCOPE = "org.seda4j";

  private OpenTelemetryPropagation() {}

  /**
   * Carries the OpenTelemetry context and starts a span per handler call, a child of the producer's
   * span (see the class comment).
   *
   * @param openTelemetry where the spans go: its tracer of scope {@value #INSTRUMENTATION_SCOPE}
   * @return the propagator
   * @throws NullPointerException if {@code openTelemetry} is null
   */
  public static ContextPropagator spans(OpenTelemetry openTelemetry) {
    Objects.requireNonNull(openTelemetry, "openTelemetry must not be null");
    Tracer tracer = openTelemetry.getTracer(INSTRUMENTATION_SCOPE);
    return new SpanPerHop(tracer);
  }

  /**
   * Carries the OpenTelemetry context (current span, baggage) and starts no span.
   *
   * @return the propagator (one shared, stateless instance)
   */
  public static ContextPropagator context() {
    return ContextOnly.INSTANCE;
  }
}
