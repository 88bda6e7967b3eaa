package org.seda4j.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/*
 * Maintainer note. A graph's registered workers, by thread (StageRegistry says when a worker
 * enters and leaves): Worker references in open-addressing tables, one per segment, the segment
 * chosen by the thread's id and guarded by its own lock (the segment is the lock). A worker costs
 * its slot (4 bytes at a load between a quarter and a half: 8–16 bytes per worker) and no node of
 * its own: a ConcurrentHashMap entry was a 32-byte node plus ~10 bytes of its table per worker,
 * about a fifth of what a blocked handler cost beyond a bare virtual thread's, and its size counter
 * was one more word every add and remove wrote from both carriers. Linear probing on the worker's
 * thread (`Worker.thread`, set before the worker is added and never changed), deletion by backward
 * shift (no tombstones); a table grows at half full and shrinks at an eighth. Every operation,
 * lookups included (a direct put from a virtual thread asks whether it is a handler), takes its
 * segment's lock: held for a probe of a few slots, uncontended but for the rare two threads of one
 * segment at once. A walk (snapshot) takes the segments' locks one after the other, so it sees each
 * segment at one moment, not the whole table.
 */
final class WorkerTable {
  private static final int SEGMENTS = 64; // a power of two
  private static final int MIN = 8; // a segment's smallest table, a power of two

  @SuppressWarnings("serial") // never serialised
  private static final class Segment extends ReentrantLock {
    @Nullable Worker @Nullable [] table;
    int size;
  }

  private final Segment[] segments = new Segment[SEGMENTS];

  WorkerTable() {
    for (int i = 0; i < SEGMENTS; i++) {
      segments[i] = new Segment();
    }
  }

  private static long id(Thread t) {
    return t.threadId();
  }

  private Segment segment(Thread t) {
    return segments[(int) id(t) & (SEGMENTS - 1)];
  }

  /** The slot a worker of thread {@code t} is looked for from, in a table of length {@code n}. */
  private static int home(Thread t, int n) {
    long h = (id(t) >>> 6) * 0x9E37_79B9_7F4A_7C15L; // the ids are sequential: spread them
    return (int) (h >>> 40) & (n - 1);
  }

  /** Adds {@code w}, whose thread is set and not registered yet. */
  void add(Worker w) {
    Segment s = segment(w.thread);
    s.lock();
    try {
      @Nullable Worker[] t = s.table;
      if (t == null) {
        t = new Worker[MIN];
        s.table = t;
      } else if ((s.size + 1) * 2 > t.length) {
        t = rehash(s, t.length * 2);
      }
      put(t, w);
      s.size++;
    } finally {
      s.unlock();
    }
  }

  /** Removes {@code w} itself (by identity) if it is registered; returns whether it was. */
  boolean remove(Worker w) {
    Segment s = segment(w.thread);
    s.lock();
    try {
      @Nullable Worker[] t = s.table;
      int i = t == null ? -1 : slot(t, w.thread, w);
      if (t == null || i < 0) {
        return false;
      }
      delete(t, i);
      s.size--;
      if (t.length > MIN && s.size * 8 < t.length) {
        rehash(s, t.length / 2);
      }
      return true;
    } finally {
      s.unlock();
    }
  }

  /** The worker registered for thread {@code thread}, or null. */
  @Nullable Worker get(Thread thread) {
    Segment s = segment(thread);
    s.lock();
    try {
      @Nullable Worker[] t = s.table;
      int i = t == null ? -1 : slot(t, thread, null);
      return t == null || i < 0 ? null : t[i];
    } finally {
      s.unlock();
    }
  }

  /** The registered workers that {@code filter} accepts (a snapshot, segment by segment). */
  List<Worker> snapshot(Predicate<Worker> filter) {
    List<Worker> out = new ArrayList<>();
    for (Segment s : segments) {
      s.lock();
      try {
        @Nullable Worker[] t = s.table;
        if (t != null) {
          for (Worker x : t) {
            if (x != null && filter.test(x)) {
              out.add(x);
            }
          }
        }
      } finally {
        s.unlock();
      }
    }
    return out;
  }

  /** Whether a registered worker is accepted by {@code filter} (terminations only: a snapshot). */
  boolean any(Predicate<Worker> filter) {
    return !snapshot(filter).isEmpty();
  }

  /** Registered workers (each segment counted at its own moment). */
  int size() {
    int n = 0;
    for (Segment s : segments) {
      s.lock();
      try {
        n += s.size;
      } finally {
        s.unlock();
      }
    }
    return n;
  }

  // ---------------------------------------------------------------- one table (segment locked)

  /**
   * The slot, probing from {@code thread}'s home, of {@code w} itself if it is not null, else of
   * the first worker of {@code thread}; -1 if there is none.
   */
  private static int slot(@Nullable Worker[] t, Thread thread, @Nullable Worker w) {
    int mask = t.length - 1;
    for (int i = home(thread, t.length); ; i = (i + 1) & mask) {
      Worker x = t[i];
      if (x == null) {
        return -1;
      }
      if (w != null ? x == w : x.thread == thread) {
        return i;
      }
    }
  }

  private static void put(@Nullable Worker[] t, Worker w) {
    int mask = t.length - 1;
    int i = home(w.thread, t.length);
    while (t[i] != null) {
      i = (i + 1) & mask;
    }
    t[i] = w;
  }

  /** Empties slot {@code i}, moving back the entries after it that would no longer be found. */
  private static void delete(@Nullable Worker[] t, int i) {
    int mask = t.length - 1;
    t[i] = null;
    for (int j = (i + 1) & mask; ; j = (j + 1) & mask) {
      Worker x = t[j];
      if (x == null) {
        return;
      }
      int k = home(x.thread, t.length);
      // x stays at j if its home slot k lies cyclically in (i, j]; else it moves to the gap at i.
      boolean stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
      if (!stays) {
        t[i] = x;
        t[j] = null;
        i = j;
      }
    }
  }

  private static @Nullable Worker[] rehash(Segment s, int length) {
    @Nullable Worker[] old = java.util.Objects.requireNonNull(s.table);
    @Nullable Worker[] t = new Worker[length];
    for (Worker x : old) {
      if (x != null) {
        put(t, x);
      }
    }
    s.table = t;
    return t;
  }
}
