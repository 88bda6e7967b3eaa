/**
 * seda4j: services as networks of stages (SEDA, the Staged Event-Driven Architecture) on Java 21
 * virtual threads.
 *
 * <p>A {@link org.seda4j.StageGraph} owns {@link org.seda4j.Stage stages}. Each stage is a bounded
 * queue, a handler written as an ordinary blocking lambda ({@link org.seda4j.EventHandler}, {@link
 * org.seda4j.BatchHandler} or an {@link org.seda4j.EventMapper}), and a concurrency limit: at most
 * {@link org.seda4j.Stage#permits()} handler invocations run at once, each on its own virtual
 * thread, each over a batch of at most {@link org.seda4j.Stage#batchSize()} events drained from the
 * queue. Handlers emit events to other stages through their {@link org.seda4j.StageContext}:
 *
 * {@snippet class=org.seda4j.readme.JavadocSnippetsTest region=pipeline}
 *
 * <h2>Null policy</h2>
 *
 * <p>Everything in this package is null-marked: no parameter accepts {@code null} and no method
 * returns {@code null} unless the type is annotated {@code @Nullable}. Passing {@code null} where
 * it is not allowed throws {@link java.lang.NullPointerException} with a message naming the
 * parameter, before anything else happens.
 *
 * <h2>Event accounting</h2>
 *
 * <p>Every event offered to a stage is either <em>admitted</em> or <em>rejected</em> (handed back
 * to the caller as an {@link org.seda4j.OfferResult} or an exception). Every admitted event ends
 * exactly once as <em>completed</em>, <em>failed</em>, <em>cancelled</em> or <em>dropped</em>;
 * until then it is <em>queued</em> or <em>in flight</em>. {@link org.seda4j.observe.StageSnapshot}
 * exposes these counters, and at every quiescent moment (see {@link
 * org.seda4j.StageGraph#awaitIdle(java.time.Duration)}) {@code admitted = completed + failed +
 * cancelled + dropped + queued + inFlight} holds exactly, per stage and for the graph.
 */
@NullMarked
package org.seda4j;

import org.jspecify.annotations.NullMarked;
