package org.seda4j.opentelemetry;

import io.opentelemetry.context.Context;
import org.jspecify.annotations.Nullable;
import org.seda4j.ContextPropagator;
import org.seda4j.Stage;

/** {@link OpenTelemetryPropagation#context()}: the producer's context, current around the call. */
final class ContextOnly implements ContextPropagator {

  static final ContextOnly INSTANCE = new ContextOnly();

  private ContextOnly() {}

  @Override
  public @Nullable Object capture() {
    Context current = Context.current();
    return current == Context.root() ? null : current;
  }

  @Override
  @SuppressWarnings("MustBeClosedChecker") // handed to the engine, which closes it after the call
  public Scope restore(Stage<?> stage, Object captured) {
    io.opentelemetry.context.Scope scope = SpanPerHop.context(captured).makeCurrent();
    return scope::close;
  }

  @Override
  public String toString() {
    return "OpenTelemetryPropagation.context()";
  }
}
