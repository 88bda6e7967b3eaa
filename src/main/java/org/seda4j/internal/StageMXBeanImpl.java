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
    return stage.snapshot().queued();
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
    return stage.snapshot().activeHandlers();
  }

  @Override
  public long getInFlight() {
    return stage.snapshot().inFlight();
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
    return stage.snapshot().admitted();
  }

  @Override
  public long getRejected() {
    return stage.snapshot().rejected();
  }

  @Override
  public long getCompleted() {
    return stage.snapshot().completed();
  }

  @Override
  public long getFailed() {
    return stage.snapshot().failed();
  }

  @Override
  public long getCancelled() {
    return stage.snapshot().cancelled();
  }

  @Override
  public long getDropped() {
    return stage.snapshot().dropped();
  }

  @Override
  public double getThroughput() {
    return stage.snapshot().throughput();
  }

  @Override
  public boolean isPermitsOverridden() {
    return stage.snapshot().permitsOverridden();
  }

  @Override
  public boolean isBatchSizeOverridden() {
    return stage.snapshot().batchSizeOverridden();
  }

  @Override
  public String getConcurrencyDecision() {
    return stage.snapshot().concurrencyDecision();
  }

  @Override
  public String getBatchDecision() {
    return stage.snapshot().batchDecision();
  }

  @Override
  public String getFullQueuePolicy() {
    return stage.snapshot().fullQueuePolicy();
  }

  @Override
  public String getFailurePolicy() {
    return stage.snapshot().failurePolicy();
  }

  @Override
  public void releaseOverrides() {
    stage.releaseOverrides();
  }
}
