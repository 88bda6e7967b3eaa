package org.seda4j.internal;

import org.seda4j.DeadLetter;
import org.seda4j.FailurePolicy;
import org.seda4j.OfferResult;

/*
 * Maintainer note. What a handler failure does, by the stage's failure policy: log and count
 * (rate-limited WARN), route a DeadLetter to the dead-letter stage (waiting for room like an
 * emit; a failed routing is logged with the original error), or fail the graph. The caller counts
 * the event as failed. No state; runs on the worker thread.
 */
final class FailureHandling<E> {
  private final StageImpl<E> stage;
  private final GraphServices graph;
  private final FailurePolicy failurePolicy;

  FailureHandling(StageImpl<E> stage, GraphServices graph, FailurePolicy failurePolicy) {
    this.stage = stage;
    this.graph = graph;
    this.failurePolicy = failurePolicy;
  }

  /** Applies the failure policy to {@code event}, whose handler call failed with {@code error}. */
  void handle(E event, Throwable error) {
    JfrEvents.handlerFailure(stage, failurePolicy.toString(), error);
    switch (failurePolicy) {
      case FailurePolicy.LogAndCount l ->
          stage
              .warnings()
              .warn(
                  StageLog.Kind.HANDLER_FAILED,
                  "handler of stage '{}' failed on {}",
                  stage.name(),
                  describe(event),
                  error);
      case FailurePolicy.ToDeadLetter d -> toDeadLetter(d, event, error);
      case FailurePolicy.FailGraph f -> graph.fail(stage.name(), error);
    }
  }

  private void toDeadLetter(FailurePolicy.ToDeadLetter d, E event, Throwable error) {
    StageImpl<DeadLetter> target = graph.own(d.stage());
    try {
      OfferResult r = target.admit(new DeadLetter(stage.name(), event, error), true, stage, null);
      if (r.admitted()) {
        stage.countEmit(target, 1);
      } else {
        stage
            .warnings()
            .warn(
                StageLog.Kind.DEAD_LETTER_FAILED,
                "handler of stage '{}' failed on {} and dead-letter stage '{}' did not take it: {}",
                stage.name(),
                describe(event),
                target.name(),
                r,
                error);
      }
    } catch (InterruptedException | RuntimeException ex) {
      if (ex instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      error.addSuppressed(ex);
      stage
          .warnings()
          .warn(
              StageLog.Kind.DEAD_LETTER_FAILED,
              "handler of stage '{}' failed on {}; routing to dead-letter stage '{}' failed too",
              stage.name(),
              describe(event),
              target.name(),
              error);
    }
  }

  /** The event for a log message, cut at 200 characters; rendered only if the message is logged. */
  static Object describe(Object event) {
    return new Object() {
      @Override
      public String toString() {
        String s;
        try {
          s = String.valueOf(event);
        } catch (RuntimeException e) {
          s = event.getClass().getName() + " (its toString() threw " + e + ")";
        }
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
      }
    };
  }
}
