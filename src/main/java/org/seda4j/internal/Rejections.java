package org.seda4j.internal;

import org.jspecify.annotations.Nullable;
import org.seda4j.FullQueuePolicy;
import org.seda4j.OfferResult;
import org.seda4j.RejectionReason;

/*
 * Maintainer note. The rejections a stage's intake hands back, with messages that say what was
 * wrong and what to do. The common ones are built on first use (an idle stage keeps no message
 * strings) and shared: racy but immutable, so a race builds one twice at worst. No lock.
 */
final class Rejections {
  private final StageImpl<?> stage;
  private final StageSpec<?> spec;
  private OfferResult.@Nullable Rejected queueFull;
  private OfferResult.@Nullable Rejected timedOut;
  private OfferResult.@Nullable Rejected interrupted;
  private OfferResult.@Nullable Rejected expiredOnArrival;

  Rejections(StageImpl<?> stage, StageSpec<?> spec) {
    this.stage = stage;
    this.spec = spec;
  }

  /** A callback failed on an event: REFUSED, naming the stage and the callback; logged. */
  OfferResult.Rejected callbackFailed(String callback, @Nullable Throwable t) {
    if (t instanceof VirtualMachineError vme) {
      throw vme; // out of memory or stack: nothing sensible to do here
    }
    String what = t == null ? "returned null" : "threw " + t;
    OfferResult.Rejected r =
        new OfferResult.Rejected(
            stage.name(),
            RejectionReason.REFUSED,
            "stage '" + stage.name() + "' did not admit the event: its " + callback + " " + what);
    stage
        .warnings()
        .warn(
            StageLog.Kind.CALLBACK_FAILED,
            "stage '{}' refused an event: {} {}",
            stage.name(),
            callback,
            what,
            t);
    return r;
  }

  OfferResult.Rejected queueFull() {
    OfferResult.Rejected r = queueFull;
    if (r == null) {
      String name = stage.name();
      int capacity = spec.capacity();
      FullQueuePolicy policy = spec.policy();
      r =
          new OfferResult.Rejected(
              name,
              RejectionReason.QUEUE_FULL,
              spec.blocks()
                  ? "stage '%s' is full (capacity %d, policy %s) and offer/offerAll never wait: use put/putAll to wait for room, or raise capacity"
                      .formatted(name, capacity, policy)
                  : "stage '%s' rejected the event(s): its queue is full (capacity %d, policy %s); use FullQueuePolicy.block() for backpressure, raise capacity to absorb bursts, or dropNewest()/dropOldest() to shed"
                      .formatted(name, capacity, policy));
      queueFull = r;
    }
    return r;
  }

  OfferResult.Rejected timedOut() {
    OfferResult.Rejected r = timedOut;
    if (r == null) {
      r =
          new OfferResult.Rejected(
              stage.name(),
              RejectionReason.TIMED_OUT,
              "stage '%s' stayed full for the whole timeout (capacity %d, policy %s): its handlers do not keep up; raise permits or capacity, or the timeout"
                  .formatted(stage.name(), spec.capacity(), spec.policy()));
      timedOut = r;
    }
    return r;
  }

  OfferResult.Rejected interruptedWaiting() {
    OfferResult.Rejected r = interrupted;
    if (r == null) {
      r =
          new OfferResult.Rejected(
              stage.name(),
              RejectionReason.INTERRUPTED,
              "interrupted while waiting for room in stage '" + stage.name() + "'");
      interrupted = r;
    }
    return r;
  }

  OfferResult.Rejected expiredOnArrival() {
    OfferResult.Rejected r = expiredOnArrival;
    if (r == null) {
      r =
          new OfferResult.Rejected(
              stage.name(),
              RejectionReason.EXPIRED,
              "stage '"
                  + stage.name()
                  + "' did not admit the event: its deadline had passed (Expiring)");
      expiredOnArrival = r;
    }
    return r;
  }
}
