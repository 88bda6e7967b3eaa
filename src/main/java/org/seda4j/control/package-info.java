/**
 * The controllers that tune a stage at run time, and admission control at its sink.
 *
 * <p>A stage has two resource controllers and any number of admission controllers, each installed
 * with its {@link org.seda4j.Stage.Builder} (a default when none is given):
 *
 * <ul>
 *   <li>a {@link org.seda4j.control.ConcurrencyController} sets the stage's permits, how many
 *       handler invocations run at once ({@link
 *       org.seda4j.control.ConcurrencyController#adaptive()} by default);
 *   <li>a {@link org.seda4j.control.BatchController} sets its batch size, how many events one
 *       invocation receives ({@link org.seda4j.control.BatchController#adaptive(int)} by default);
 *   <li>an {@link org.seda4j.control.AdmissionController} decides whether an arriving event may
 *       enter at all: a rule of your own, a queue threshold, a rate limit, or an overload
 *       controller that holds a target response time ({@link
 *       org.seda4j.control.AdmissionController#responseTime(java.time.Duration)}).
 * </ul>
 *
 * <p>Controllers are pure functions of the samples they are fed ({@link
 * org.seda4j.control.ControllerSample}, {@link org.seda4j.control.AdmissionSample}): the graph's
 * sampler thread calls them once per sampling period, and a test can feed them numbers and assert
 * their {@link org.seda4j.control.ControllerDecision decisions} without threads or sleeps. The
 * built-in algorithms are reached through the interfaces' static factories; their classes are not
 * part of the API.
 *
 * <h2>Null policy</h2>
 *
 * <p>Everything in this package is null-marked: no parameter accepts {@code null} and no method
 * returns {@code null} unless the type is annotated {@code @Nullable}.
 */
@NullMarked
package org.seda4j.control;

import org.jspecify.annotations.NullMarked;
