package org.seda4j.internal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/*
 * Finds stages that can never move again because every one of their handlers waits, without a
 * bound, for room in a full queue of another stage of the same stuck set: a cycle of full BLOCK
 * queues (StageContext.emit / Stage.put from handlers), including a stage emitting to itself.
 *
 * Run by the graph's sampler thread only, once per sampling period; it reads the stages' counters
 * and never blocks or touches the hot path (the counters it reads are kept by StageImpl.awaitSpace,
 * which runs only when a queue is full).
 *
 * A stage S is stuck when, in one reading:
 *   - S has running handlers and every one of them waits without a bound for room (in awaitSpace,
 *     policy BLOCK, called by a handler of S: emit, put, putAll, dead-letter routing), and
 *   - S has no free permit (running handlers >= permits): S's dispatcher cannot start another
 *     handler, so nothing leaves S's queue, so whoever waits for room in S waits on.
 * The deadlocked set is the largest set of stuck stages all of whose waits are for stages of the
 * set (stuck stages waiting on a non-stuck stage are removed, repeatedly). Each member then waits
 * only on members that cannot drain: no member can move until someone outside changes the graph
 * (raises permits, shuts it down). Such a set always contains a cycle, which the WARN line names.
 *
 * The counters are read without stopping the graph, so one reading may be torn. A set is reported
 * only after two consecutive readings found the same set with no event admitted or ended by its
 * stages in between. Detection therefore takes two to three sampling periods.
 */
final class DeadlockDetector {

  private final String graph;
  private final Logger log;

  private List<StageImpl<?>> candidate = List.of(); // sampler thread only
  private long candidateProgress; // sampler thread only
  private volatile List<String> deadlocked = List.of();
  private volatile @Nullable String lastWarning;

  DeadlockDetector(String graph, Logger log) {
    this.graph = graph;
    this.log = log;
  }

  /** The stages found deadlocked, in creation order; empty if none. Any thread. */
  List<String> deadlocked() {
    return deadlocked;
  }

  /** The last WARN line logged (for tests). Any thread. */
  @Nullable String lastWarning() {
    return lastWarning;
  }

  /** Forgets what was found (the graph terminated). Sampler or terminating thread. */
  void clear() {
    candidate = List.of();
    deadlocked = List.of();
  }

  /** One reading; {@code stages} in creation order. Sampler thread only. */
  void check(List<StageImpl<?>> stages) {
    Set<StageImpl<?>> stuck = new LinkedHashSet<>();
    for (StageImpl<?> s : stages) {
      int running = s.runningHandlers();
      if (running > 0 && s.handlersWaitingWithoutBound() >= running && running >= s.permits()) {
        stuck.add(s);
      }
    }
    boolean removed = true;
    while (removed && !stuck.isEmpty()) {
      removed = stuck.removeIf(s -> !stuck.containsAll(s.stagesWaitedOn()));
    }
    List<StageImpl<?>> found = List.copyOf(stuck);
    long progress = 0;
    for (StageImpl<?> s : found) {
      progress += s.eventsMoved();
    }
    List<String> names = found.stream().map(StageImpl::name).toList();
    if (found.isEmpty() || !found.equals(candidate) || progress != candidateProgress) {
      candidate = found;
      candidateProgress = progress;
      if (!deadlocked.isEmpty() && !names.equals(deadlocked)) {
        log.info("graph '{}': the deadlock of stages {} is resolved", graph, deadlocked);
        deadlocked = List.of();
      }
      return;
    }
    if (names.equals(deadlocked)) {
      return; // reported already
    }
    deadlocked = names;
    String warning =
        "graph '"
            + graph
            + "' is deadlocked: every handler of stages "
            + names
            + " waits, without a bound, for room in a full queue of another of them ("
            + cycle(found)
            + "), and none of them has a free permit to drain its own queue. They stay stuck"
            + " until permits are raised or the graph is shut down (close(Duration) or"
            + " shutdownNow(); close() would wait forever). Fix: break the cycle of blocking"
            + " emits - give one stage of it a policy that does not wait for ever (blockFor,"
            + " reject, dropOldest, dropNewest), emit with StageContext.offer on the edge back,"
            + " or give it enough capacity for what the cycle can hold";
    lastWarning = warning;
    log.warn(warning);
  }

  /** One cycle of waits among {@code set}, as "a -> b -> a". */
  private static String cycle(List<StageImpl<?>> set) {
    List<StageImpl<?>> path = new ArrayList<>();
    StageImpl<?> s = set.get(0);
    while (!path.contains(s)) {
      path.add(s);
      StageImpl<?> next = null;
      for (StageImpl<?> t : set) { // creation order, so the rendering is stable
        if (s.stagesWaitedOn().contains(t)) {
          next = t;
          break;
        }
      }
      if (next == null) {
        return "waits changed while reading"; // torn reading; the next period reads again
      }
      s = next;
    }
    StringBuilder out = new StringBuilder();
    for (StageImpl<?> p : path.subList(path.indexOf(s), path.size())) {
      out.append(p.name()).append(" -> ");
    }
    return out.append(s.name()).toString();
  }
}
