package org.seda4j.internal;

import org.seda4j.BatchController;
import org.seda4j.ConcurrencyController;
import org.seda4j.ControllerDecision;
import org.seda4j.ControllerSample;

/** The trivial controller: always the same value. */
public final class FixedController implements ConcurrencyController, BatchController {
  private final ControllerDecision decision;

  /**
   * Creates the controller.
   *
   * @param what "permits" or "batchSize", for messages
   * @param value the value, at least 1
   */
  public FixedController(String what, int value) {
    Checks.requirePositive(what, value);
    this.decision = new ControllerDecision(value, "fixed " + what + " " + value);
  }

  @Override
  public ControllerDecision decide(ControllerSample sample) {
    return decision;
  }

  @Override
  public int initial() {
    return decision.value();
  }

  @Override
  public String toString() {
    return decision.reason();
  }
}
