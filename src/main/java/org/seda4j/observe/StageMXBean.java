package org.seda4j.observe;

import org.seda4j.FailurePolicy;
import org.seda4j.Stage;
import org.seda4j.StageGraph;

/**
 * The JMX management interface of one stage, for jconsole, VisualVM or any JMX client.
 *
 * <p>Unless disabled with {@link StageGraph.Builder#jmx(boolean)}, every stage is registered in the
 * platform MBeanServer when it is created, under the name {@code
 * org.seda4j:type=Stage,graph=<graph>,name=<stage>}, and unregistered when its graph terminates
 * (after {@link StageGraph#close()}, {@link StageGraph#close(java.time.Duration)}, {@link
 * StageGraph#shutdownNow()}, or the abort of a {@link FailurePolicy#failGraph() failed} graph).
 * Graph names need not be unique: a graph opened while another open graph of the same name holds
 * the plain names registers its stages with an extra key, {@code
 * org.seda4j:type=Stage,graph=<graph>,instance=<n>,name=<stage>}, where {@code n} is a number
 * unique in the JVM. A registration that fails is logged as a warning and never prevents the stage
 * from being created.
 *
 * <p>The read-only attributes come from {@link Stage#snapshot()}: each read takes a fresh snapshot,
 * never blocks, and keeps working on a closed stage (until the MBean is unregistered). {@code
 * Permits} and {@code BatchSize} are writable attributes: writing one calls {@link
 * Stage#setPermits(int)} or {@link Stage#setBatchSize(int)}, which pauses the stage's controller,
 * and the {@link #releaseOverrides()} operation hands control back.
 *
 * <p>seda4j implements this interface; it is public only so that JMX can introspect it and is not
 * meant to be implemented or called by applications, which use {@link Stage} directly.
 */
public interface StageMXBean {

  /**
   * The stage's name ({@link StageSnapshot#name()}). Never blocks; any thread may call it, also on
   * a closed stage.
   *
   * @return the name
   */
  String getName();

  /**
   * The queue's capacity ({@link StageSnapshot.Queue#capacity()}). Never blocks; any thread may
   * call it, also on a closed stage.
   *
   * @return the capacity
   */
  int getCapacity();

  /**
   * Events waiting in the queue ({@link StageSnapshot.Queue#queued()}, exact). Never blocks; any
   * thread may call it, also on a closed stage.
   *
   * @return the queue length
   */
  int getQueueLength();

  /**
   * The concurrency limit ({@link StageSnapshot.Handlers#permits()}). Never blocks; any thread may
   * call it, also on a closed stage.
   *
   * @return the limit, at least 1
   */
  int getPermits();

  /**
   * Sets the concurrency limit by hand, as {@link Stage#setPermits(int)} does (JMX shows it as the
   * writable attribute {@code Permits}), and pauses the concurrency controller until {@link
   * #releaseOverrides()}. Never blocks; any thread may call it; on a closed stage it only changes
   * the reported value.
   *
   * @param permits the new limit, at least 1
   * @throws IllegalArgumentException if {@code permits < 1}
   */
  void setPermits(int permits);

  /**
   * Handler invocations running now ({@link StageSnapshot.Handlers#active()}). Never blocks; any
   * thread may call it, also on a closed stage.
   *
   * @return the number of running invocations
   */
  int getActiveHandlers();

  /**
   * Events taken from the queue whose handling has not ended ({@link
   * StageSnapshot.Handlers#inFlight()}). Never blocks; any thread may call it, also on a closed
   * stage.
   *
   * @return the number of events in flight
   */
  long getInFlight();

  /**
   * The most events one handler invocation receives ({@link StageSnapshot.Handlers#batchSize()}).
   * Never blocks; any thread may call it, also on a closed stage.
   *
   * @return the batch size, at least 1
   */
  int getBatchSize();

  /**
   * Sets the batch size by hand, as {@link Stage#setBatchSize(int)} does (JMX shows it as the
   * writable attribute {@code BatchSize}), and pauses the batching controller until {@link
   * #releaseOverrides()}. Never blocks; any thread may call it; on a closed stage it only changes
   * the reported value.
   *
   * @param batchSize the new batch size, at least 1
   * @throws IllegalArgumentException if {@code batchSize < 1}
   */
  void setBatchSize(int batchSize);

  /**
   * Events admitted since the stage was created ({@link StageSnapshot.Counts#admitted()}). Never
   * blocks; any thread may call it, also on a closed stage.
   *
   * @return the count
   */
  long getAdmitted();

  /**
   * Events offered and not admitted ({@link StageSnapshot.Counts#rejected()}). Never blocks; any
   * thread may call it, also on a closed stage.
   *
   * @return the count
   */
  long getRejected();

  /**
   * Admitted events whose handler returned normally ({@link StageSnapshot.Counts#completed()}).
   * Never blocks; any thread may call it, also on a closed stage.
   *
   * @return the count
   */
  long getCompleted();

  /**
   * Admitted events whose handler threw ({@link StageSnapshot.Counts#failed()}). Never blocks; any
   * thread may call it, also on a closed stage.
   *
   * @return the count
   */
  long getFailed();

  /**
   * Admitted events cancelled by a forced shutdown ({@link StageSnapshot.Counts#cancelled()}).
   * Never blocks; any thread may call it, also on a closed stage.
   *
   * @return the count
   */
  long getCancelled();

  /**
   * Admitted events shed by a drop policy ({@link StageSnapshot.Counts#dropped()}). Never blocks;
   * any thread may call it, also on a closed stage.
   *
   * @return the count
   */
  long getDropped();

  /**
   * Events per second whose handling ended in the last sampling window ({@link
   * StageSnapshot.Handlers#throughput()}). Never blocks; any thread may call it, also on a closed
   * stage.
   *
   * @return the throughput
   */
  double getThroughput();

  /**
   * Whether the permits were set by hand and the concurrency controller is paused ({@link
   * StageSnapshot.Controllers#permitsOverridden()}). Never blocks; any thread may call it, also on
   * a closed stage.
   *
   * @return {@code true} if overridden
   */
  boolean isPermitsOverridden();

  /**
   * Whether the batch size was set by hand and the batching controller is paused ({@link
   * StageSnapshot.Controllers#batchSizeOverridden()}). Never blocks; any thread may call it, also
   * on a closed stage.
   *
   * @return {@code true} if overridden
   */
  boolean isBatchSizeOverridden();

  /**
   * The concurrency controller's last decision and its reason ({@link
   * StageSnapshot.Controllers#concurrencyDecision()}). Never blocks; any thread may call it, also
   * on a closed stage.
   *
   * @return the decision, as text
   */
  String getConcurrencyDecision();

  /**
   * The batching controller's last decision and its reason ({@link
   * StageSnapshot.Controllers#batchDecision()}). Never blocks; any thread may call it, also on a
   * closed stage.
   *
   * @return the decision, as text
   */
  String getBatchDecision();

  /**
   * The full-queue policy ({@link StageSnapshot.Queue#fullQueuePolicy()}). Never blocks; any thread
   * may call it, also on a closed stage.
   *
   * @return the policy, as text
   */
  String getFullQueuePolicy();

  /**
   * The failure policy ({@link StageSnapshot.Handlers#failurePolicy()}). Never blocks; any thread
   * may call it, also on a closed stage.
   *
   * @return the policy, as text
   */
  String getFailurePolicy();

  /**
   * Hands the permits and the batch size back to the controllers, as {@link
   * Stage#releaseOverrides()} does (a JMX operation). Never blocks; any thread may call it; does
   * nothing if nothing was set by hand, and nothing that matters on a closed stage.
   */
  void releaseOverrides();
}
