package org.seda4j.internal;

import java.util.List;
import org.jspecify.annotations.Nullable;
import org.seda4j.OfferResult;
import org.seda4j.RejectionReason;
import org.seda4j.control.AdmissionContext;
import org.seda4j.control.AdmissionController;
import org.seda4j.spi.Refusal;

/*
 * A stage's admission controllers, asked in order on the producer's thread (see
 * AdmissionController), and the view of the stage they read (AdmissionContext). The rejection each
 * controller causes is built once, here: a refusal allocates nothing, so shedding stays cheap under
 * heavy overload.
 */
/** The admission controllers of one stage. */
final class AdmissionGate<E> implements AdmissionContext {

  private final StageImpl<E> stage;
  private final List<AdmissionController<? super E>> controllers;
  private final OfferResult.Rejected[] results;
  private final @Nullable AdmissionController<? super E> feedback; // the one that wants feedback

  AdmissionGate(StageImpl<E> stage, List<AdmissionController<? super E>> controllers) {
    this.stage = stage;
    this.controllers = List.copyOf(controllers);
    this.results = new OfferResult.Rejected[this.controllers.size()];
    AdmissionController<? super E> fb = null;
    for (int i = 0; i < results.length; i++) {
      AdmissionController<? super E> c = this.controllers.get(i);
      RejectionReason reason = c.rejectionReason();
      results[i] =
          new OfferResult.Rejected(
              stage.name(),
              reason,
              "stage '"
                  + stage.name()
                  + "' did not admit the event: its admission controller "
                  + c.getClass().getSimpleName()
                  + " refused it ("
                  + reason
                  + "); the controller's state is in the stage snapshot's admission()");
      if (c.feedback() != null) {
        if (fb != null) {
          throw new IllegalArgumentException(
              "stage '"
                  + stage.name()
                  + "' has two admission controllers that want response-time feedback ("
                  + fb
                  + " and "
                  + c
                  + "); give it at most one");
        }
        fb = c;
      }
    }
    this.feedback = fb;
  }

  List<AdmissionController<? super E>> controllers() {
    return controllers;
  }

  boolean isEmpty() {
    return results.length == 0;
  }

  @Nullable AdmissionController<? super E> feedback() {
    return feedback;
  }

  /**
   * The rejection if a controller refuses {@code event}, else {@code null}. Producer's thread. A
   * controller of the library says why ({@link Refusal.Screening}); any other gives its {@link
   * AdmissionController#rejectionReason()}.
   */
  @SuppressWarnings("unchecked") // a Screening controller accepts the events its controller does
  OfferResult.@Nullable Rejected check(E event) {
    for (int i = 0; i < results.length; i++) {
      AdmissionController<? super E> c = controllers.get(i);
      if (c instanceof Refusal.Screening<?> screening) {
        Refusal r = ((Refusal.Screening<? super E>) screening).screen(event, this);
        if (r != null) {
          return r.rejection(stage.name());
        }
      } else if (!c.admit(event, this)) {
        return results[i];
      }
    }
    return null;
  }

  /** The controllers' current states, for snapshots; empty if none. */
  String describe() {
    if (results.length == 0) {
      return "";
    }
    StringBuilder b = new StringBuilder();
    for (AdmissionController<? super E> c : controllers) {
      if (b.length() > 0) {
        b.append("; ");
      }
      b.append(c);
    }
    return b.toString();
  }

  // ------------------------------------------------------------ AdmissionContext

  @Override
  public String stageName() {
    return stage.name();
  }

  @Override
  public int queued() {
    return stage.queueLength();
  }

  @Override
  public long inSystem() {
    return stage.inSystemWhereMeasured();
  }

  @Override
  public int capacity() {
    return stage.capacity();
  }

  @Override
  public long nanoTime() {
    return stage.graphServices().clockNanos();
  }

  @Override
  public String toString() {
    return "AdmissionContext[" + stage + "]";
  }
}
