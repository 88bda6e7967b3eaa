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
 * What it costs: an ended worker and its thread (~350 bytes) stay referenced until a producer
 * takes its slot again, the sampler's sweep (SWEEP slots per 100 ms, round the ring) finds it
 * ended, or a termination prunes the ring; at the end of a lap the sweep halves a ring that was at
 * most an eighth taken. So after a burst a quiet stage's ring lets go of its ended workers within
 * seconds, and shrinks.
 * Lookups by thread do not come here: a handler's stage is found by its thread's name
 * (StageRegistry.handlerStage).
 */
final class HandedRing {
  private static final int MIN = 16;
  private static final int PROBES = 8;

  // Slots a sweep looks at per 100 ms of sampler period: a few hundred microseconds of cold reads.
  static final int SWEEP = 4096;

  private final ReentrantLock lock = new ReentrantLock();
  private @Nullable Worker[] slots = new Worker[MIN];
  private int next;
  private int swept; // where the sampler's sweep goes on
  private int kept; // slots the sweep found taken in its current lap

  /** Producer: registers {@code w} (its thread set, not started). */
  void add(Worker w) {
    lock.lock();
    try {
      @Nullable Worker[] s = slots;
      int mask = s.length - 1;
      for (int i = 0; i < PROBES; i++) {
        int at = (next + i) & mask;
        Worker old = s[at];
        if (old == null || ended(old)) {
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

  /** The ring's length (tests). */
  int capacity() {
    lock.lock();
    try {
      return slots.length;
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

  /** Forgets every worker that exited and whose thread has ended (terminations). */
  void prune() {
    lock.lock();
    try {
      @Nullable Worker[] s = slots;
      for (int i = 0; i < s.length; i++) {
        if (ended(s[i])) {
          s[i] = null;
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * The sampler, each period: forgets the ended workers of the next {@code max} slots, so that an
   * ended worker and its thread are not kept for long by a ring no producer wraps around (a stage
   * gone quiet after a burst); at the end of each lap over the ring, halves the ring while at most
   * an eighth of it was taken (the taken slots move to the front).
   */
  void sweep(int max) {
    lock.lock();
    try {
      @Nullable Worker[] s = slots;
      int end = Math.min(s.length, swept + max);
      for (int i = swept; i < end; i++) {
        if (ended(s[i])) {
          s[i] = null;
        }
        if (s[i] != null) {
          kept++;
        }
      }
      swept = end;
      if (end == s.length) {
        if (s.length > MIN && kept * 8 <= s.length) {
          shrink(s);
        }
        swept = 0;
        kept = 0;
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Caller holds the lock: moves the taken slots of {@code s} to the front of a ring between two
   * and four times as long as they are many, if that is shorter.
   */
  private void shrink(@Nullable Worker[] s) {
    int taken = 0;
    for (Worker w : s) {
      if (w != null) {
        taken++;
      }
    }
    int n = Math.max(MIN, Integer.highestOneBit(Math.max(1, taken) * 4));
    if (n >= s.length) {
      return;
    }
    @Nullable Worker[] smaller = new Worker[n];
    int j = 0;
    for (Worker w : s) {
      if (w != null) {
        smaller[j++] = w;
      }
    }
    slots = smaller;
    next = j;
  }

  private static boolean ended(@Nullable Worker w) {
    return w != null && w.exited && !w.thread.isAlive();
  }
}
