package org.seda4j.observe;

import java.util.List;
import java.util.Objects;
import org.seda4j.DeadLetter;
import org.seda4j.FailurePolicy;
import org.seda4j.FullQueuePolicy;
import org.seda4j.Stage;
import org.seda4j.StageContext;
import org.seda4j.StageGraph;

/**
 * A point-in-time view of a graph: its state, one {@link StageSnapshot} per stage, in creation
 * order, the {@link Edge edges} of the stage network discovered from actual emits, and the stages
 * found {@link #deadlocked() deadlocked}, if any. {@link #toString()} renders a table meant for
 * people (jshell prints it); {@link Diagrams#mermaid(GraphSnapshot)} and {@link
 * Diagrams#dot(GraphSnapshot)} draw the network. A snapshot is immutable; all its methods are pure
 * computations that never block, and any thread may call them.
 *
 * @param graph the graph's name
 * @param state the graph's lifecycle state
 * @param stages the stages, in creation order
 * @param edges the edges that carried at least one event, ordered by source stage, then target
 *     stage, each in creation order
 * @param paths the measured paths ({@link StageGraph#measurePath}), in the order they were first
 *     measured
 * @param deadlocked the stages found deadlocked, in creation order; empty if none. A set of stages
 *     is deadlocked when every handler of each of them waits, without a bound, for room in a full
 *     queue of another of them (a blocking {@link StageContext#emit emit} or a {@link Stage#put
 *     put} under {@link FullQueuePolicy#block()} round a cycle, a stage emitting to itself
 *     included) and none of them has a free permit to drain its own queue: none can move until its
 *     permits are raised or the graph is shut down. The graph's sampler thread looks for this once
 *     per sampling period and reports a set (here, and in one WARN line naming the cycle) after two
 *     consecutive periods found it with no event moving, so within about three sampling periods of
 *     the moment it formed; the entry is cleared when the set moves again and when the graph
 *     terminates. See {@link StageGraph} ("Cycles") for the remedies.
 */
public record GraphSnapshot(
    String graph,
    StageGraph.State state,
    List<StageSnapshot> stages,
    List<Edge> edges,
    List<Path> paths,
    List<String> deadlocked) {

  /**
   * Copies the lists.
   *
   * @param graph the graph's name
   * @param state the graph's lifecycle state
   * @param stages the stages, in creation order
   * @param edges the edges that carried at least one event
   * @param paths the measured paths
   * @param deadlocked the stages found deadlocked, in creation order
   */
  public GraphSnapshot {
    stages = List.copyOf(stages);
    edges = List.copyOf(edges);
    paths = List.copyOf(paths);
    deadlocked = List.copyOf(deadlocked);
  }

  /**
   * A snapshot with no measured path and no deadlocked stage.
   *
   * @param graph the graph's name
   * @param state the graph's lifecycle state
   * @param stages the stages, in creation order
   * @param edges the edges that carried at least one event
   */
  public GraphSnapshot(
      String graph, StageGraph.State state, List<StageSnapshot> stages, List<Edge> edges) {
    this(graph, state, stages, edges, List.of(), List.of());
  }

  /**
   * The end-to-end response time of a measured path (see {@link StageGraph#measurePath}): from
   * admission at {@code entry} to the end of handling, at {@code exit}, of the events it led to. An
   * immutable value: its methods never block and any thread may call them.
   *
   * @param entry the entry stage's name
   * @param exit the exit stage's name
   * @param responseTime the response times over the recent window: the last one to two samples of
   *     the entry's response-time admission controller when it measures this path, else one to two
   *     sampling periods of activity
   */
  public record Path(String entry, String exit, Latency responseTime) {

    /**
     * Checks the arguments.
     *
     * @param entry the entry stage's name
     * @param exit the exit stage's name
     * @param responseTime the response times
     */
    public Path {
      Objects.requireNonNull(entry, "entry must not be null");
      Objects.requireNonNull(exit, "exit must not be null");
      Objects.requireNonNull(responseTime, "responseTime must not be null");
    }
  }

  /**
   * One edge of the stage network: events that stage {@code from} sent to stage {@code to} and that
   * {@code to} admitted. An edge exists once the first such event is admitted; nothing is declared
   * up front.
   *
   * <p>What counts: events emitted by a handler of {@code from} through {@link StageContext#emit}
   * or {@link StageContext#offer} (including the forwarding of a {@code map} stage), events a
   * handler of {@code from} put or offered directly on {@code to} ({@link Stage#put} and friends
   * called on a handler thread of the same graph), and {@link DeadLetter}s that the failure policy
   * {@link FailurePolicy#deadLetter} of {@code from} routed to {@code to}. An event counts when the
   * target admits it, exactly when it adds to the target's {@link StageSnapshot.Counts#admitted()}
   * (so an event shed by {@link FullQueuePolicy#dropNewest()} counts as well); events the target
   * rejected or turned away as closed do not count. Events from producers outside the graph are not
   * edges, so a stage's incoming edges sum to at most its {@code admitted}; the difference came
   * from outside.
   *
   * <p>Each count is exact; like the stage counters, the edges are read without stopping the graph,
   * so while events flow they may be a few events apart from the stage snapshots. At a quiescent
   * moment they agree. An edge is an immutable value: its methods never block and any thread may
   * call them.
   *
   * @param from the source stage's name
   * @param to the target stage's name
   * @param events events {@code to} admitted from {@code from}
   */
  public record Edge(String from, String to, long events) {

    /**
     * Checks the arguments.
     *
     * @param from the source stage's name, not {@code null}
     * @param to the target stage's name, not {@code null}
     * @param events events {@code to} admitted from {@code from}, not negative
     */
    public Edge {
      Objects.requireNonNull(from, "from must not be null");
      Objects.requireNonNull(to, "to must not be null");
      if (events < 0) {
        throw new IllegalArgumentException("events must not be negative: " + events);
      }
    }
  }

  /**
   * Sum of {@link StageSnapshot.Counts#admitted()} over all stages.
   *
   * @return events admitted by the graph's stages
   */
  public long admitted() {
    return stages.stream().mapToLong(s -> s.counts().admitted()).sum();
  }

  /**
   * Sum of {@link StageSnapshot.Counts#rejected()} over all stages.
   *
   * @return events rejected by the graph's stages
   */
  public long rejected() {
    return stages.stream().mapToLong(s -> s.counts().rejected()).sum();
  }

  /**
   * Sum of {@link StageSnapshot.Counts#finished()} over all stages.
   *
   * @return admitted events that reached an end
   */
  public long finished() {
    return stages.stream().mapToLong(s -> s.counts().finished()).sum();
  }

  /**
   * Whether every stage's accounting balances (see {@link StageSnapshot#balanced()}).
   *
   * @return whether every admitted event of the graph is accounted for
   */
  public boolean balanced() {
    return stages.stream().allMatch(StageSnapshot::balanced);
  }

  /**
   * The snapshot as a text table for people, one row per stage, followed by the stages' rejections
   * and admission state, the measured paths, and a DEADLOCK line if stages are deadlocked. The
   * layout may change between versions: read the components, not this text, in programs.
   *
   * @return the table
   */
  @Override
  public String toString() {
    return Table.render(this);
  }
}
