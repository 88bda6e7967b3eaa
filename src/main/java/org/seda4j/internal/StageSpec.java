package org.seda4j.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.seda4j.BatchHandler;
import org.seda4j.EventHandler;
import org.seda4j.FailurePolicy;
import org.seda4j.FullQueuePolicy;
import org.seda4j.OfferResult;
import org.seda4j.StageClosedException;
import org.seda4j.StageRejectedException;
import org.seda4j.control.AdmissionController;
import org.seda4j.control.BatchController;
import org.seda4j.control.ConcurrencyController;

/**
 * Everything a stage is built from, as the builder validated it: the value object that replaces a
 * constructor of fifteen arguments. Exactly one of {@code eventHandler} and {@code batchHandler} is
 * set.
 *
 * @param id the stage's index in its graph (paths name their entry by it)
 * @param name the stage's name
 * @param type the event type
 * @param capacity the queue's capacity
 * @param policy the full-queue policy
 * @param failurePolicy what a handler failure does
 * @param dropListener called with each dropped event, or null
 * @param rejectListener called with each rejected event, or null
 * @param eventHandler the per-event handler, or null
 * @param batchHandler the batch handler, or null
 * @param admission the admission controllers, in order
 * @param concurrency the concurrency controller
 * @param batching the batching controller
 */
record StageSpec<E>(
    int id,
    String name,
    Class<E> type,
    int capacity,
    FullQueuePolicy policy,
    FailurePolicy failurePolicy,
    @Nullable Consumer<? super E> dropListener,
    @Nullable BiConsumer<? super E, ? super OfferResult.Rejected> rejectListener,
    @Nullable EventHandler<? super E> eventHandler,
    @Nullable BatchHandler<E> batchHandler,
    List<AdmissionController<? super E>> admission,
    ConcurrencyController concurrency,
    BatchController batching) {

  StageSpec {
    admission = List.copyOf(admission);
    if ((eventHandler == null) == (batchHandler == null)) {
      throw new IllegalArgumentException("a stage has exactly one handler");
    }
  }

  /** Whether the queue blocks producers when full (block or blockFor). */
  boolean blocks() {
    return policy instanceof FullQueuePolicy.Block || policy instanceof FullQueuePolicy.BlockFor;
  }

  // ---------------------------------------------------------------- argument checks

  /** The event, checked: not null, of the stage's type. */
  E checkEvent(@Nullable E event) {
    if (event == null) {
      throw new NullPointerException(
          "event is null; stage '" + name() + "' accepts non-null events");
    }
    if (!type().isInstance(event)) {
      throw new ClassCastException(
          "stage '"
              + name()
              + "' accepts "
              + type().getName()
              + ", not "
              + event.getClass().getName());
    }
    return event;
  }

  /** A copy of a bulk's events, checked: not null, of the stage's type, at most capacity. */
  List<E> checkEvents(Collection<? extends E> events) {
    Objects.requireNonNull(events, "events must not be null");
    if (events.size() > capacity()) {
      throw tooMany(events.size()); // before copying what may be a huge collection
    }
    List<E> list = new ArrayList<>(events.size());
    for (E e : events) {
      list.add(checkEvent(e));
    }
    if (list.size() > capacity()) {
      throw tooMany(list.size()); // its size() was stale: a collection changed concurrently
    }
    return list;
  }

  private IllegalArgumentException tooMany(int n) {
    return new IllegalArgumentException(
        "putAll/offerAll of "
            + n
            + " events to stage '"
            + name()
            + "' can never succeed: its capacity is "
            + capacity()
            + "; split the batch or raise capacity(...)");
  }

  /** put/putAll/emit: throws unless {@code result} admitted the events or dropped them. */
  void throwIfNotAdmitted(OfferResult result) {
    switch (result) {
      case OfferResult.Accepted a -> {}
      case OfferResult.Dropped d -> {}
      case OfferResult.Rejected r ->
          throw new StageRejectedException(
              name(), capacity(), policy().toString(), r.reason(), r.message());
      case OfferResult.Closed c -> throw new StageClosedException(c.message());
    }
  }
}
