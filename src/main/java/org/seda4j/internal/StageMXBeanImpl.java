package org.seda4j.internal;

import org.seda4j.Stage;
import org.seda4j.observe.StageMXBean;

/** The JMX view of one stage: every attribute read takes a fresh snapshot. */
final class StageMXBeanImpl implements StageMXBean {

  private final Stage<?> stage;

  StageMXBeanImpl(Stage<?> stage) {
    this.stage = stage;
  }

  @Override
  public String getName() {
    return stage.name();
  }

  @Override
  public int getCapacity() {
    return stage.capacity();
  }

  @Override
  public int getQueueLength() {
    return stage.snapshot().queue().queued();
  }

  @Override
  public int getPermits() {
    return stage.permits();
  }

  @Override
  public void setPermits(int permits) {
    stage.setPermits(permits);
  }

  @Override
  public int getActiveHandlers() {
    return stage.snapshot().handlers().active();
  }

  @Override
  public long getInFlight() {
    return stage.snapshot().handlers().inFlight();
  }

  @Override
  public int getBatchSize() {
    return stage.batchSize();
  }

  @Override
  public void setBatchSize(int batchSize) {
    stage.setBatchSize(batchSize);
  }

  @Override
  public long getAdmitted() {
    return stage.snapshot().counts().admitted();
  }

  @Override
  public long getRejected() {
    return stage.snapshot().counts().rejected();
  }

  @Override
  public long getCompleted() {
    return stage.snapshot().counts().completed();
  }

  @Override
  public long getFailed() {
    return stage.snapshot().counts().failed();
  }

  @Override
  public long getCancelled() {
    return stage.snapshot().counts().cancelled();
  }

  @Override
  public long getDropped() {
    return stage.snapshot().counts().dropped();
  }

  @Override
  public double getThroughput() {
    return stage.snapshot().handlers().throughput();
  }

  @Override
  public boolean isPermitsOverridden() {
    return stage.snapshot().controllers().permitsOverridden();
  }

  @Override
  public boolean isBatchSizeOverridden() {
    return stage.snapshot().controllers().batchSizeOverridden();
  }

  @Override
  public String getConcurrencyDecision() {
    return stage.snapshot().controllers().concurrencyDecision();
  }

  @Override
  public String getBatchDecision() {
    return stage.snapshot().controllers().batchDecision();
  }

  @Override
  public String getFullQueuePolicy() {
    return stage.snapshot().queue().fullQueuePolicy();
  }

  @Override
  public String getFailurePolicy() {
    return stage.snapshot().handlers().failurePolicy();
  }

  @Override
  public void releaseOverrides() {
    stage.releaseOverrides();
  }
}
