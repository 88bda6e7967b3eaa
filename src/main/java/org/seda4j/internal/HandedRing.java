package org.seda4j.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/*
 * Maintainer note. A graph's handed workers (Worker.Handed: a worker a producer started for one
 * event, Workers.handOff), registered where a termination finds them, at about the cost of a
 * virtual thread per task. The producer that starts one stores it in the next free slot of a ring
 * (under `lock`, which only producers that hand events over and terminations take); the worker,
 * ending, marks itself `exited` in its own object (StageRegistry.removeWorker) and writes nothing
 * here. A slot is free when empty or when its worker exited and its thread has ended: a producer
 * looks at PROBES slots at most from where the last one stopped, and doubles the ring if none was
 * free (long-running handlers keep their slots; the ring holds about twice the handed workers
 * running at its busiest, and never shrinks).
 *
 * Why not the WorkerTable: there, a start and an exit each took a segment's lock and wrote its
 * table from different cores (the producer's and a carrier's), and the exit also a striped
 * successor slot and the predecessor's thread state: about six cache lines moved between the cores
 * per handed event, where a virtual thread per task moves about three. Here the carriers write no
 * line of the registry; the producer writes slots one after the other (sixteen to a cache line)
 * and reads, per start, the worker it replaces and that worker's thread (ended long before).
 * Figures: docs/benchmarks.md, "Handed workers in a ring".
 *
 * What it costs: an ended worker and its thread stay referenced until a producer takes its slot
 * again or a termination prunes the ring (at most the ring's size, about twice the busiest count).
 * Lookups by thread do not come here: a handler's stage is found by its thread's name
 * (StageRegistry.handlerStage).
 */
final class HandedRing {
  private static final int MIN = 16;
  private static final int PROBES = 8;

  private final ReentrantLock lock = new ReentrantLock();
  private @Nullable Worker[] slots = new Worker[MIN];
  private int next;

  /** Producer: registers {@code w} (its thread set, not started). */
  void add(Worker w) {
    lock.lock();
    try {
      @Nullable Worker[] s = slots;
      int mask = s.length - 1;
      for (int i = 0; i < PROBES; i++) {
        int at = (next + i) & mask;
        Worker old = s[at];
        if (old == null || (old.exited && !old.thread.isAlive())) {
          s[at] = w;
          next = at + 1;
          return;
        }
      }
      int n = s.length;
      @Nullable Worker[] grown = new Worker[n * 2];
      System.arraycopy(s, 0, grown, 0, n);
      grown[n] = w;
      next = n + 1;
      slots = grown;
    } finally {
      lock.unlock();
    }
  }

  /** The registered workers that {@code filter} accepts (a snapshot). */
  List<Worker> snapshot(Predicate<Worker> filter) {
    List<Worker> out = new ArrayList<>();
    lock.lock();
    try {
      for (Worker w : slots) {
        if (w != null && filter.test(w)) {
          out.add(w);
        }
      }
    } finally {
      lock.unlock();
    }
    return out;
  }

  /** Whether a registered worker is accepted by {@code filter}. */
  boolean any(Predicate<Worker> filter) {
    lock.lock();
    try {
      for (Worker w : slots) {
        if (w != null && filter.test(w)) {
          return true;
        }
      }
      return false;
    } finally {
      lock.unlock();
    }
  }

  /** Forgets the workers that exited and whose thread has ended. */
  void prune() {
    lock.lock();
    try {
      @Nullable Worker[] s = slots;
      for (int i = 0; i < s.length; i++) {
        Worker w = s[i];
        if (w != null && w.exited && !w.thread.isAlive()) {
          s[i] = null;
        }
      }
    } finally {
      lock.unlock();
    }
  }
}
