package org.seda4j.internal;

import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.seda4j.control.AdmissionController;

/*
 * Maintainer note. A graph's stages, measured paths and worker threads. Owns: the stage array
 * (grown by doubling, so registering N stages costs O(N) in all; readers take a consistent prefix
 * without a lock: see below), the names, the controllers in use, the paths, and the workers by
 * thread. `lock` guards every registration (stages, paths, path members); readers need none.
 *
 * Workers: a table by thread (WorkerTable) of every worker whose thread may still run, but for the
 * handed workers (Worker.Handed), which are in a ring of their own (HandedRing: a start and an exit
 * there move fewer cache lines between the cores). A worker of the table that ends marks
 * itself exited and stays in the table, where a termination finds it (and joins its thread, which
 * still runs its last lines), until a later exit removes it: each ending worker takes the place of
 * the last one to end in its stripe of `lastExited` (by thread id) and removes that one from the
 * table if its thread has ended. One still alive then (rare: its successor ended within its last
 * lines) is left behind and counted in `leftBehind`; a pruning pass (under `pruneLock`) looks for
 * those: the sampler's, each period that left any behind, and an exiting worker's whenever as many
 * were left behind as the table holds (at least PRUNE_AT). So an exit costs one table removal and no
 * walk over the table, however many workers run (a walk per period over ten thousand blocked
 * workers was a few percent of the CPU of a stage that starts a worker per event).
 *
 * Publication: a registration stores the stage into the array, then writes `count` (volatile); a
 * reader reads `count`, then `array` (volatile): that array is the one written with the count or
 * a later, larger copy holding the same prefix, and every stage below `count` is visible.
 */
final class StageRegistry {
  final ReentrantLock lock = new ReentrantLock();
  private volatile StageImpl<?>[] array = new StageImpl<?>[8];
  private volatile int count;
  private final ConcurrentHashMap<String, StageImpl<?>> byName = new ConcurrentHashMap<>();
  private final Set<Object> controllersInUse = Collections.newSetFromMap(new IdentityHashMap<>());
  private final CopyOnWriteArrayList<PathStats> paths = new CopyOnWriteArrayList<>();
  // Workers whose thread may still run, by thread (see the note above).
  private final WorkerTable workers = new WorkerTable();
  private final HandedRing handed = new HandedRing();
  // The stages by the name their worker threads bear (Workers.threadName): handlerStage.
  private final ConcurrentHashMap<String, StageImpl<?>> byThreadName = new ConcurrentHashMap<>();
  private final ReentrantLock pruneLock = new ReentrantLock();
  private static final int PRUNE_AT = 256;
  // The last worker to exit in each stripe (by thread id): slots 16 references (64 bytes) apart,
  // so that two carriers ending workers of different stripes write different cache lines.
  private static final int EXIT_STRIPES = 8;
  private static final int EXIT_STRIDE = 16;
  private final AtomicReferenceArray<Worker> lastExited =
      new AtomicReferenceArray<>((EXIT_STRIPES + 1) * EXIT_STRIDE);
  // Exited workers found alive when their successor exited: left for a pruning pass.
  private final Isolated.Counter leftBehind = new Isolated.Counter();
  private volatile int pruneAt = PRUNE_AT;

  private final java.util.concurrent.atomic.AtomicInteger nextId =
      new java.util.concurrent.atomic.AtomicInteger();

  /** A new stage's id: its index among the stages built (paths name their entry by it). */
  int nextId() {
    return nextId.getAndIncrement();
  }

  // ---------------------------------------------------------------- stages

  /** The stages registered so far, in creation order (a snapshot). */
  List<StageImpl<?>> stages() {
    int n = count;
    return Collections.unmodifiableList(Arrays.asList(Arrays.copyOf(array, n)));
  }

  /** The stage array and how many are valid: iterate [0, n) of {@link #array()} after this. */
  int count() {
    return count;
  }

  /** The stage array (read after {@link #count()}). */
  StageImpl<?>[] array() {
    return array;
  }

  boolean hasName(String name) {
    return byName.containsKey(name);
  }

  /** Whether {@code controller} already serves a stage. Caller holds lock. */
  boolean controllerInUse(Object controller) {
    return controllersInUse.contains(controller);
  }

  /** Adds a stage. Caller holds lock and checked name and controllers. */
  void add(StageImpl<?> stage, List<Object> controllers) {
    controllersInUse.addAll(controllers);
    byName.put(stage.name(), stage);
    byThreadName.put(stage.workers().threadName, stage);
    int n = count;
    StageImpl<?>[] a = array;
    if (n == a.length) {
      a = Arrays.copyOf(a, n * 2);
      array = a;
    }
    a[n] = stage;
    count = n + 1;
  }

  // ---------------------------------------------------------------- paths

  List<PathStats> paths() {
    return paths;
  }

  /** The path from entry to exit, or null. Caller holds lock. */
  @Nullable PathStats path(StageImpl<?> entry, StageImpl<?> exit) {
    for (PathStats p : paths) {
      if (p.entry == entry && p.exit == exit) {
        return p;
      }
    }
    return null;
  }

  /**
   * The measured path from {@code entry} to {@code exit}, registered now if it is new. Its
   * priorities are those of the entry's feedback controller if that controller measures this path.
   * {@code implicit}: a stage-scope feedback controller's path, not shown in snapshots. Caller
   * holds the graph's lock.
   */
  PathStats registerPath(StageImpl<?> entry, StageImpl<?> exit, boolean implicit) {
    PathStats p = path(entry, exit);
    if (p != null) {
      if (!implicit) {
        p.implicit = false;
      }
      return p;
    }
    AdmissionController.Feedback fb = entry.feedback();
    int priorities = 1; // unless the entry's feedback controller measures this path
    if (fb != null && (fb.exit() == exit || (fb.exit() == null && entry == exit))) {
      priorities = fb.priorities();
    }
    p = new PathStats(entry, exit, priorities, implicit);
    for (StageImpl<?> s : stages()) {
      if (s.paths().queuedPathsOf(entry.id)) {
        p.addMember(s); // a stage that joined another path from this entry already
      }
    }
    exit.paths().endsPath(p); // before the entry tags events, so the first ones are recorded
    entry.paths().startsPath();
    addPath(p);
    return p;
  }

  /** {@code stage} is on every path from the entry with id {@code entry}. Caller holds the lock. */
  void joinPaths(int entry, StageImpl<?> stage) {
    for (PathStats p : paths) {
      if (p.entry.id == entry) {
        p.addMember(stage);
      }
    }
  }

  void addPath(PathStats p) {
    paths.add(p);
  }

  // ---------------------------------------------------------------- workers

  void addWorker(Worker w) {
    if (w instanceof Worker.Handed) {
      handed.add(w);
      return;
    }
    workers.add(w);
  }

  /**
   * A worker is ending: it is marked exited and stays registered until a later exit of its stripe
   * or a pruning pass finds its thread ended (its thread still runs its last lines; a termination
   * joins it meanwhile). Removes the worker it succeeds in its stripe if that one's thread ended.
   */
  void removeWorker(Worker w) {
    w.exited = true;
    if (w instanceof Worker.Handed) {
      return; // its slot in the ring is taken again once its thread ended (HandedRing)
    }
    @SuppressWarnings("NullAway") // null only if making its thread failed (Workers.trySpawn)
    Thread t = w.thread;
    if (t == null) {
      return; // never registered
    }
    int slot = (1 + (int) (t.threadId() & (EXIT_STRIPES - 1))) * EXIT_STRIDE;
    Worker previous = lastExited.getAndSet(slot, w);
    if (previous == null) {
      return;
    }
    if (!previous.thread.isAlive()) {
      workers.remove(previous);
    } else if (leftBehind.addAndGet(1) > pruneAt && pruneLock.tryLock()) {
      try {
        prune();
      } finally {
        pruneLock.unlock();
      }
    }
  }

  /** Forgets the exited workers whose thread has ended (terminations call this). */
  void pruneExited() {
    pruneLock.lock();
    try {
      prune();
    } finally {
      pruneLock.unlock();
    }
  }

  /**
   * The sampler's pass, every {@code periodNanos}: a walk over the table only if some exited worker
   * was left behind, and a part of the handed workers' ring (HandedRing.sweep), in proportion to
   * the period (SWEEP slots per 100 ms, so a short period does not sweep more per second).
   */
  void pruneLeftBehind(long periodNanos) {
    if (leftBehind.get() > 0) {
      pruneExited();
    }
    handed.sweep(Math.clamp(HandedRing.SWEEP * periodNanos / 100_000_000L, 64, 1 << 20));
  }

  /** Caller holds pruneLock. */
  private void prune() {
    leftBehind.set(0);
    handed.prune();
    for (Worker w : workers.snapshot(w -> w.exited && !w.thread.isAlive())) {
      workers.remove(w);
    }
    pruneAt = Math.max(PRUNE_AT, workers.size());
  }

  /** Workers that ended and whose thread may still be running (a snapshot). */
  List<Worker> exiting() {
    List<Worker> all = workers.snapshot(w -> w.exited);
    all.addAll(handed.snapshot(w -> w.exited && w.thread.isAlive()));
    return all;
  }

  /**
   * The stage whose handler thread {@code t} is, or null. Every worker thread of a stage bears that
   * stage's one name String (Workers.threadName), so the stage is found by that instance: no lookup
   * of the worker itself, which a handed worker (in the ring) would not allow. A worker thread
   * renamed by its handler is found only if it is a worker of the table (not a handed one).
   */
  @SuppressWarnings(
      "ReferenceEquality") // the instance, not the text: a user may name a thread alike
  @Nullable StageImpl<?> handlerStage(Thread t) {
    if (!t.isVirtual()) {
      return null;
    }
    String name = t.getName();
    StageImpl<?> s = byThreadName.get(name);
    if (s != null && s.workers().threadName == name) {
      return s;
    }
    Worker w = workers.get(t);
    return w == null || w.exited ? null : w.owner.stage();
  }

  /** The workers now registered and not exited (a snapshot). */
  List<Worker> workers() {
    List<Worker> all = workers.snapshot(w -> !w.exited);
    all.addAll(handed.snapshot(w -> !w.exited));
    return all;
  }

  boolean hasWorkers() {
    return workers.any(w -> !w.exited) || handed.any(w -> !w.exited);
  }
}
