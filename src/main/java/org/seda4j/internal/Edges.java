package org.seda4j.internal;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.seda4j.observe.GraphSnapshot;

/*
 * Maintainer note. A stage's outgoing edges of the stage network, discovered from emits: the events
 * its handlers (or its dead-letter routing) got admitted by each target. A concurrent map (an edge
 * appears once) of LongAdders (written by any handler thread); no lock.
 */
final class Edges {
  private final ConcurrentHashMap<StageImpl<?>, LongAdder> emitsTo = new ConcurrentHashMap<>();

  /**
   * Counts {@code n} events emitted to {@code target} and admitted (accepted, or dropped by a drop
   * policy: the target counts those as admitted too). Hot path: one map lookup and one LongAdder
   * add once the edge exists.
   */
  void count(StageImpl<?> target, int n) {
    LongAdder a = emitsTo.get(target);
    if (a == null) {
      a = emitsTo.computeIfAbsent(target, t -> new LongAdder());
    }
    a.add(n);
  }

  /** Adds the edges from {@code source}, unordered, to {@code out}. */
  void collect(String source, List<GraphSnapshot.Edge> out) {
    emitsTo.forEach(
        (target, count) -> out.add(new GraphSnapshot.Edge(source, target.name(), count.sum())));
  }
}
