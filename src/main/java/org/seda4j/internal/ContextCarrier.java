package org.seda4j.internal;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.seda4j.ContextPropagator;

/*
 * Maintainer note. The graph's context propagators (StageGraph.Builder.contextPropagation) at the
 * two ends of a hop. A graph without propagators has no carrier: Intake and BatchRunner hold it in
 * a final field and do nothing for context when it is null.
 *
 * Producer side (Intake, on the producer's thread, after screening and before the event is counted
 * in `offered`): capture() asks each propagator for its context; the event is queued in a Carried
 * with the result, or as it is if no propagator had anything. One propagator: the result is its
 * object; several: a Several holding one entry per propagator (null where one had nothing).
 *
 * Consumer side (BatchRunner, on the worker's thread): unwrap() takes the Carried apart; restore()
 * (or restoreBatch()) runs right before the handler's call and returns what close() needs (one
 * Scope, or a Scope[] for several propagators), or null if nothing was restored; failed() and
 * close() run after the call (and after the failure policy), in reverse order.
 *
 * Every call into a propagator is guarded and logged (rate-limited, StageLog.Kind.CONTEXT_FAILED)
 * on the stage it concerns; none can lose an event or skip its counting. On the producer side an
 * error of the JVM itself is thrown on (before the event is counted: it is not admitted); on the
 * worker side nothing is thrown, so the batch's accounting always runs. No state: thread-safe.
 */
final class ContextCarrier {

  /** What several propagators captured for one event, by propagator; null where none. */
  private static final class Several {
    final @Nullable Object[] values;

    Several(@Nullable Object[] values) {
      this.values = values;
    }
  }

  private final ContextPropagator[] propagators;
  private final @Nullable ContextPropagator single; // the only propagator, if there is one

  private ContextCarrier(List<ContextPropagator> propagators) {
    this.propagators = propagators.toArray(ContextPropagator[]::new);
    this.single = this.propagators.length == 1 ? this.propagators[0] : null;
  }

  /** The carrier of {@code propagators}, or null if there are none (propagation off). */
  static @Nullable ContextCarrier of(List<ContextPropagator> propagators) {
    return propagators.isEmpty() ? null : new ContextCarrier(propagators);
  }

  // ---------------------------------------------------------------- producers

  /**
   * Producer's thread: the context to carry with an event admitted to {@code stage}, or null if no
   * propagator has any.
   */
  @Nullable Object capture(StageImpl<?> stage) {
    ContextPropagator p = single;
    if (p != null) {
      return captureOne(p, stage);
    }
    @Nullable Object[] values = null;
    for (int i = 0; i < propagators.length; i++) {
      Object c = captureOne(propagators[i], stage);
      if (c != null) {
        if (values == null) {
          values = new Object[propagators.length];
        }
        values[i] = c;
      }
    }
    return values == null ? null : new Several(values);
  }

  /** Producer's thread: {@code item} with the caller's context, or {@code item} if none. */
  Object wrap(Object item, StageImpl<?> stage) {
    Object c = capture(stage);
    return c == null ? item : new Carried(item, c);
  }

  private static @Nullable Object captureOne(ContextPropagator p, StageImpl<?> stage) {
    try {
      return p.capture();
    } catch (Throwable t) {
      Guard.rethrowFatal(t);
      stage
          .warnings()
          .warn(
              StageLog.Kind.CONTEXT_FAILED,
              "context propagator {} threw in capture() on an event for stage '{}'; the event is"
                  + " admitted without its context",
              p,
              stage.name(),
              t);
      return null;
    }
  }

  // ---------------------------------------------------------------- workers

  /**
   * Worker's thread, before the handler's call on one event: restores what {@link #capture}
   * returned; returns what {@link #close} needs, or null if nothing was restored.
   */
  @Nullable Object restore(StageImpl<?> stage, Object captured) {
    ContextPropagator p = single;
    if (p != null) {
      return restoreOne(p, stage, captured);
    }
    @Nullable Object[] values = ((Several) captured).values;
    ContextPropagator.@Nullable Scope[] scopes = new ContextPropagator.Scope[propagators.length];
    boolean any = false;
    for (int i = 0; i < propagators.length; i++) {
      Object v = values[i];
      if (v != null) {
        scopes[i] = restoreOne(propagators[i], stage, v);
        any |= scopes[i] != null;
      }
    }
    return any ? scopes : null;
  }

  /**
   * Worker's thread, before a batch handler's call: restores the contexts of the events at {@code
   * contexts[at[k]]}, k < {@code m} (null where an event carried none); returns what {@link #close}
   * needs, or null if nothing was restored.
   */
  @Nullable Object restoreBatch(StageImpl<?> stage, @Nullable Object[] contexts, int[] at, int m) {
    ContextPropagator p = single;
    if (p != null) {
      List<Object> list = new ArrayList<>(m);
      for (int k = 0; k < m; k++) {
        Object c = contexts[at[k]];
        if (c != null) {
          list.add(c);
        }
      }
      return list.isEmpty() ? null : restoreBatchOne(p, stage, list);
    }
    ContextPropagator.@Nullable Scope[] scopes = new ContextPropagator.Scope[propagators.length];
    boolean any = false;
    for (int i = 0; i < propagators.length; i++) {
      List<Object> list = new ArrayList<>(m);
      for (int k = 0; k < m; k++) {
        Object c = contexts[at[k]];
        if (c != null) {
          Object v = ((Several) c).values[i];
          if (v != null) {
            list.add(v);
          }
        }
      }
      if (!list.isEmpty()) {
        scopes[i] = restoreBatchOne(propagators[i], stage, list);
        any |= scopes[i] != null;
      }
    }
    return any ? scopes : null;
  }

  private static ContextPropagator.@Nullable Scope restoreOne(
      ContextPropagator p, StageImpl<?> stage, Object captured) {
    ContextPropagator.Scope s;
    try {
      s = p.restore(stage, captured);
    } catch (Throwable t) {
      warn(stage, p, "threw in restore()", WITHOUT, t);
      return null;
    }
    if (s == null) {
      warn(stage, p, "returned null from restore()", WITHOUT, null);
    }
    return s;
  }

  private static ContextPropagator.@Nullable Scope restoreBatchOne(
      ContextPropagator p, StageImpl<?> stage, List<Object> captured) {
    ContextPropagator.Scope s;
    try {
      s = p.restoreBatch(stage, java.util.Collections.unmodifiableList(captured));
    } catch (Throwable t) {
      warn(stage, p, "threw in restoreBatch()", WITHOUT, t);
      return null;
    }
    if (s == null) {
      warn(stage, p, "returned null from restoreBatch()", WITHOUT, null);
    }
    return s;
  }

  /** Worker's thread: the handler's call threw {@code error}; tells the restored scopes. */
  void failed(StageImpl<?> stage, Object restored, Throwable error) {
    if (restored instanceof ContextPropagator.Scope s) {
      failedOne(stage, requireSingle(), s, error);
    } else {
      ContextPropagator.@Nullable Scope[] scopes = (ContextPropagator.@Nullable Scope[]) restored;
      for (int i = scopes.length - 1; i >= 0; i--) {
        ContextPropagator.Scope s = scopes[i];
        if (s != null) {
          failedOne(stage, propagators[i], s, error);
        }
      }
    }
  }

  /** Worker's thread, after the handler's call and the failure policy: closes what was restored. */
  void close(StageImpl<?> stage, Object restored) {
    if (restored instanceof ContextPropagator.Scope s) {
      closeOne(stage, requireSingle(), s);
    } else {
      ContextPropagator.@Nullable Scope[] scopes = (ContextPropagator.@Nullable Scope[]) restored;
      for (int i = scopes.length - 1; i >= 0; i--) {
        ContextPropagator.Scope s = scopes[i];
        if (s != null) {
          closeOne(stage, propagators[i], s);
        }
      }
    }
  }

  private ContextPropagator requireSingle() {
    return java.util.Objects.requireNonNull(single);
  }

  private static void failedOne(
      StageImpl<?> stage, ContextPropagator p, ContextPropagator.Scope s, Throwable error) {
    try {
      s.failed(error);
    } catch (Throwable t) {
      warn(stage, p, "threw in Scope.failed()", UNAFFECTED, t);
    }
  }

  private static void closeOne(StageImpl<?> stage, ContextPropagator p, ContextPropagator.Scope s) {
    try {
      s.close();
    } catch (Throwable t) {
      warn(stage, p, "threw in Scope.close()", UNAFFECTED, t);
    }
  }

  private static final String WITHOUT = "the handler runs without its context";
  private static final String UNAFFECTED = "the event's outcome stands";

  private static void warn(
      StageImpl<?> stage,
      ContextPropagator p,
      String what,
      String consequence,
      @Nullable Throwable t) {
    stage
        .warnings()
        .warn(
            StageLog.Kind.CONTEXT_FAILED,
            "context propagator {} {} in stage '{}'; {}",
            p,
            what,
            stage.name(),
            consequence,
            t);
  }

  @Override
  public String toString() {
    return "ContextCarrier" + List.of(propagators);
  }
}
