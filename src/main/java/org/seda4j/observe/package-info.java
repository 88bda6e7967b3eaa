/**
 * What a running graph shows about itself: snapshots, their renderings, the shutdown report, and
 * the JMX view of a stage.
 *
 * <ul>
 *   <li>{@link org.seda4j.observe.GraphSnapshot} ({@link org.seda4j.StageGraph#snapshot()}) holds
 *       one {@link org.seda4j.observe.StageSnapshot} per stage ({@link
 *       org.seda4j.Stage#snapshot()}), the edges of the stage network and the measured paths; its
 *       {@code toString()} is a table meant for people (jshell prints it), and {@link
 *       org.seda4j.observe.Diagrams} draws the network as Mermaid, Graphviz DOT or SVG.
 *   <li>{@link org.seda4j.observe.SnapshotHistory} keeps the last snapshots a caller samples (a
 *       minute at one a second, say); {@link
 *       org.seda4j.observe.Diagrams#svg(org.seda4j.observe.SnapshotHistory)} draws them as the
 *       network plus a row of sparklines per stage.
 *   <li>A stage snapshot groups its figures in small records: the {@link
 *       org.seda4j.observe.StageSnapshot.Queue queue}, the {@link
 *       org.seda4j.observe.StageSnapshot.Handlers handlers}, the event {@link
 *       org.seda4j.observe.StageSnapshot.Counts counts} of the accounting invariant, the {@link
 *       org.seda4j.observe.StageSnapshot.Latencies latencies} and the {@link
 *       org.seda4j.observe.StageSnapshot.Controllers controllers}' state.
 *   <li>{@link org.seda4j.observe.ShutdownReport} says what a shutdown did, event by event.
 *   <li>{@link org.seda4j.observe.StageMXBean} is a stage in the platform MBeanServer: read its
 *       figures and override its permits and batch size from a JMX console.
 * </ul>
 *
 * <p>Every type here is an immutable value (except the MXBean and the history, which is
 * thread-safe): its methods never block and any thread may call them. Snapshots are taken without
 * stopping the graph; each counter is exact, and at a quiescent moment (after {@link
 * org.seda4j.StageGraph#awaitIdle(java.time.Duration)} returned {@code true}) every stage balances:
 * {@code admitted = completed + failed + cancelled + dropped + queued + inFlight}.
 *
 * <h2>Null policy</h2>
 *
 * <p>Everything in this package is null-marked: no parameter accepts {@code null} and no method
 * returns {@code null} unless the type is annotated {@code @Nullable}.
 */
@NullMarked
package org.seda4j.observe;

import org.jspecify.annotations.NullMarked;
