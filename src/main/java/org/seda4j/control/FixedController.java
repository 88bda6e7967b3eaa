package org.seda4j.control;

/** The trivial controller: always the same value. */
final class FixedController implements ConcurrencyController, BatchController {
  private final ControllerDecision decision;

  /**
   * Creates the controller.
   *
   * @param what "permits" or "batchSize", for messages
   * @param value the value, at least 1
   */
  FixedController(String what, int value) {
    Bounds.requirePositive(what, value);
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
