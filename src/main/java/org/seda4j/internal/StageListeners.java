package org.seda4j.internal;

import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.seda4j.OfferResult;

/*
 * Maintainer note. A stage's reject and drop listeners (user code): called on the thread that
 * rejected or dropped the event, after the counting; a listener that throws is logged
 * (rate-limited) and ignored. No state but the stage's log.
 */
final class StageListeners<E> {
  private final StageSpec<E> spec;
  private final StageLog warnings;

  StageListeners(StageSpec<E> spec, StageLog warnings) {
    this.spec = spec;
    this.warnings = warnings;
  }

  /** Hands a rejected event to the rejection listener, if any. */
  void rejected(E e, OfferResult.Rejected r) {
    BiConsumer<? super E, ? super OfferResult.Rejected> listener = spec.rejectListener();
    if (listener == null) {
      return;
    }
    try {
      listener.accept(e, r);
    } catch (Throwable ex) {
      Guard.rethrowFatal(ex);
      warnings.warn(
          StageLog.Kind.REJECT_LISTENER_FAILED,
          "rejection listener of stage '{}' threw; ignored",
          spec.name(),
          ex);
    }
  }

  /** Logs (rate-limited; {@code total}: the stage's drops so far) and hands on a dropped event. */
  void dropped(E e, String why, long total) {
    warnings.dropped(why, total);
    Consumer<? super E> listener = spec.dropListener();
    if (listener == null) {
      return;
    }
    try {
      listener.accept(e);
    } catch (Throwable ex) {
      Guard.rethrowFatal(ex);
      warnings.warn(
          StageLog.Kind.DROP_LISTENER_FAILED,
          "drop listener of stage '{}' threw; ignored",
          spec.name(),
          ex);
    }
  }
}
