package org.seda4j.bench;

import java.util.List;

/**
 * The stage networks of the benchmark suite, as a small DAG: node 0 receives the producer's events;
 * node i passes each event it receives on to every node of {@code successors(i)}; a node without
 * successors is a sink (it counts the event, and records its latency when the event is a {@link
 * Stamp}). Successors always have a higher index than their node, so building the nodes from the
 * last to the first creates every target before its sources.
 *
 * <p>Every handler is trivial (pass the same object on): the workloads measure the cost of moving
 * events between stages, which is all a library adds to a handler's own work.
 */
public enum Topology {
  /** One stage: producer, then a sink stage. */
  PIPE1(List.of(List.of())),
  /** Three stages in a line. */
  PIPE3(List.of(List.of(1), List.of(2), List.of())),
  /** Fan-out 1 -> 3: stage 0 sends every event to each of three sink stages. */
  FANOUT(List.of(List.of(1, 2, 3), List.of(), List.of(), List.of())),
  /** Diamond 1 -> 2 -> 1: stage 0 sends to both branches, both send to one join stage. */
  DIAMOND(List.of(List.of(1, 2), List.of(3), List.of(3), List.of()));

  @SuppressWarnings("ImmutableEnumChecker") // List.of: unmodifiable
  private final List<List<Integer>> successors;

  Topology(List<List<Integer>> successors) {
    this.successors = successors;
  }

  /** Number of stages (nodes). */
  int size() {
    return successors.size();
  }

  /** The nodes node {@code i} passes every event to; empty for a sink. */
  List<Integer> successors(int i) {
    return successors.get(i);
  }

  /** Whether node {@code i} is a sink. */
  boolean isSink(int i) {
    return successors.get(i).isEmpty();
  }

  /** The nodes that pass events to node {@code i}. */
  List<Integer> predecessors(int i) {
    List<Integer> preds = new java.util.ArrayList<>();
    for (int j = 0; j < size(); j++) {
      if (successors.get(j).contains(i)) {
        preds.add(j);
      }
    }
    return preds;
  }

  /**
   * How many times one event reaches a sink when every edge carries a copy: the number of paths
   * from node 0 to a sink (PIPE 1, FANOUT 3, DIAMOND 2: the join receives the event from both
   * branches).
   */
  int paths() {
    return paths(0);
  }

  private int paths(int node) {
    if (isSink(node)) {
      return 1;
    }
    int n = 0;
    for (int s : successors(node)) {
      n += paths(s);
    }
    return n;
  }

  /** Number of sink nodes. */
  int sinks() {
    int n = 0;
    for (int i = 0; i < size(); i++) {
      if (isSink(i)) {
        n++;
      }
    }
    return n;
  }

  /** Lower-case name used in result files. */
  String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
