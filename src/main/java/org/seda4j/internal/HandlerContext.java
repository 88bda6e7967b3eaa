package org.seda4j.internal;

import org.jspecify.annotations.Nullable;
import org.seda4j.OfferResult;
import org.seda4j.Stage;
import org.seda4j.StageContext;
import org.seda4j.StageGraph;

/*
 * Maintainer note. The context handed to a stage's handlers. Batches without tracked events share
 * one instance, whose `current` stays null; a batch with tracked events gets its own, whose
 * `current` is the path origin of the event being handled (written by the worker before each
 * handler call, read on the same thread), inherited by what the handler emits. No lock.
 */
final class HandlerContext implements StageContext {
  private final StageImpl<?> stage;
  private final GraphServices graph;
  @Nullable Tracked current;

  HandlerContext(StageImpl<?> stage, GraphServices graph) {
    this.stage = stage;
    this.graph = graph;
  }

  @Override
  public String stageName() {
    return stage.name();
  }

  @Override
  public StageGraph graph() {
    return graph.api();
  }

  @Override
  public <T> void emit(Stage<T> target, T event) throws InterruptedException {
    StageImpl<T> t = graph.own(target);
    OfferResult r = t.admit(event, true, stage, current);
    if (r.admitted()) {
      stage.countEmit(t, 1);
    }
    t.spec().throwIfNotAdmitted(r);
  }

  @Override
  public <T> OfferResult offer(Stage<T> target, T event) {
    StageImpl<T> t = graph.own(target);
    try {
      OfferResult r = t.admit(event, false, stage, current);
      if (r.admitted()) {
        stage.countEmit(t, 1);
      }
      return r;
    } catch (InterruptedException unreachable) {
      Thread.currentThread().interrupt();
      throw new AssertionError(unreachable);
    }
  }

  @Override
  public String toString() {
    return "StageContext[" + graph.name() + "/" + stage.name() + "]";
  }
}
