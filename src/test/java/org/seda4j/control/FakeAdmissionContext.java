package org.seda4j.control;

/**
 * An admission context whose clock and in-system count a test sets: the admission controllers'
 * tests feed it to controllers in place of a stage. {@code queued()} is the in-system count.
 */
final class FakeAdmissionContext implements AdmissionContext {
  private final String stageName;
  private final int capacity;
  long now;
  long inSystem;

  FakeAdmissionContext(String stageName, int capacity, long now) {
    this.stageName = stageName;
    this.capacity = capacity;
    this.now = now;
  }

  @Override
  public String stageName() {
    return stageName;
  }

  @Override
  public int queued() {
    return (int) inSystem;
  }

  @Override
  public long inSystem() {
    return inSystem;
  }

  @Override
  public int capacity() {
    return capacity;
  }

  @Override
  public long nanoTime() {
    return now;
  }
}
