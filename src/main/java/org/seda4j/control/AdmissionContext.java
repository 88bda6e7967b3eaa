package org.seda4j.control;

import org.seda4j.StageGraph;

/**
 * What an {@link AdmissionController} may read about the stage it guards while it decides on one
 * event. Passed to {@link AdmissionController#admit}; valid only during that call.
 */
public interface AdmissionContext {

  /**
   * The name of the stage the event is offered to.
   *
   * @return the stage's name
   */
  String stageName();

  /**
   * Events waiting in the stage's queue now (exact at the moment of the call). Takes the queue's
   * lock briefly; never blocks for long.
   *
   * @return the queue length
   */
  int queued();

  /**
   * Events admitted and not yet ended where this controller measures its response time: at the
   * guarded stage (queued, or being handled), or, for a controller that measures a path ({@link
   * AdmissionController.Feedback#exit()}), summed over every stage the path's events have passed
   * through. The number a Little's-law limit compares with its limit. A few volatile reads; never
   * blocks. Not exact while events move between stages (an event in transit may be missed or, for
   * an instant, counted twice).
   *
   * @return the events in the system
   */
  long inSystem();

  /**
   * The stage's queue capacity.
   *
   * @return the capacity
   */
  int capacity();

  /**
   * The time of this admission decision from the graph's clock ({@link System#nanoTime()} unless
   * {@link StageGraph.Builder#nanoClock(java.util.function.LongSupplier)} injected another), read
   * once per decision. Controllers use it instead of reading a clock, so tests can drive them.
   *
   * @return the current time in nanoseconds
   */
  long nanoTime();
}
