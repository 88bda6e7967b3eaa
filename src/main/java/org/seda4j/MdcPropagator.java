package org.seda4j;

import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;

/** {@link ContextPropagator#mdc()}: SLF4J's MDC, copied at capture and installed at restore. */
final class MdcPropagator implements ContextPropagator {

  static final MdcPropagator INSTANCE = new MdcPropagator();

  private MdcPropagator() {}

  @Override
  public @Nullable Object capture() {
    Map<String, String> map = MDC.getCopyOfContextMap();
    return map == null || map.isEmpty() ? null : map;
  }

  @Override
  public Scope restore(Stage<?> stage, Object captured) {
    if (!(captured instanceof Map<?, ?> map)) {
      throw new IllegalArgumentException(
          "ContextPropagator.mdc() restores what its capture() returned, a Map; got "
              + captured.getClass().getName());
    }
    Map<String, String> previous = MDC.getCopyOfContextMap();
    @SuppressWarnings("unchecked") // capture() returned it: MDC.getCopyOfContextMap()'s copy
    Map<String, String> context = (Map<String, String>) map;
    MDC.setContextMap(context);
    if (previous == null || previous.isEmpty()) {
      return MDC::clear;
    }
    return () -> MDC.setContextMap(previous);
  }

  @Override
  public String toString() {
    return "ContextPropagator.mdc()";
  }
}
