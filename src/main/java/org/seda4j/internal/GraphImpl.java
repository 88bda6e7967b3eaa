package org.seda4j.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.seda4j.AdmissionController;
import org.seda4j.BatchController;
import org.seda4j.BatchHandler;
import org.seda4j.ConcurrencyController;
import org.seda4j.EventHandler;
import org.seda4j.EventMapper;
import org.seda4j.FailurePolicy;
import org.seda4j.FullQueuePolicy;
import org.seda4j.GraphFailedException;
import org.seda4j.GraphSnapshot;
import org.seda4j.OfferResult;
import org.seda4j.ShutdownReport;
import org.seda4j.Stage;
import org.seda4j.StageClosedException;
import org.seda4j.StageGraph;
import org.seda4j.StageSnapshot;
import org.seda4j.UnprocessedEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * The graph: owner of stages, quiescence detection, and the structured lifecycle.
 *
 * State machine (volatile `state`, moves forward only):
 *   OPEN --close()--> CLOSING --quiescent--> TERMINATED
 *   OPEN/CLOSING --deadline passed / shutdownNow / failGraph failure--> TERMINATING --> TERMINATED
 *
 * Quiescence: `pending` counts admitted events that have not ended, graph-wide. It is raised before
 * an event becomes visible (StageImpl.admit) and lowered after its end has been counted
 * (StageImpl.runBatch / cancel / drop). A handler's emits are counted before its own event ends, so
 * pending cannot touch zero while work remains anywhere, cycles included. pending == 0 is exactly
 * "all queues empty and nothing in flight".
 *
 * Waiting for quiescence: waiters register in `idleWaiters` and re-check under `lock`; the thread
 * that lowers pending to zero signals under `lock` only if someone waits (a Dekker pair of atomics:
 * one side always sees the other).
 *
 * Termination is done by exactly one thread (`terminator`, under `lock`); other callers of close
 * wait on `terminated`. Handler threads are recognised by a ThreadLocal (CURRENT) set at the start
 * of each batch: close()/awaitIdle() from a handler would wait for itself and are refused, and a
 * plain Stage.put() from a handler counts as an emit while the graph drains.
 */
public final class GraphImpl implements StageGraph {

  static final ThreadLocal<@Nullable StageImpl<?>> CURRENT = new ThreadLocal<>();

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  private static final Duration DEFAULT_GRACE = Duration.ofSeconds(1);
  private static final Duration DEFAULT_PERIOD = Duration.ofMillis(100);
  private static final int DEFAULT_CAPACITY = 1024;
  private static final int DEFAULT_MAX_BATCH = 1024;

  private final String name;
  private final Duration interruptGrace;
  private static final int PROCESSORS = Math.max(1, Runtime.getRuntime().availableProcessors());
  private final long samplePeriodNanos;
  private final LongSupplier nanoClock;
  private final boolean latencyStatistics;
  private final Logger log;
  private final Thread sampler;
  private final boolean manualSampling; // tests: sampleNow() instead of the periodic loop
  private boolean samplerStop; // guarded by lock
  private final Condition samplerWake;
  private final Set<Object> controllersInUse = Collections.newSetFromMap(new IdentityHashMap<>());

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final AtomicLong pending = new AtomicLong();
  private final AtomicInteger idleWaiters = new AtomicInteger();
  private volatile State state = State.OPEN;

  private final CopyOnWriteArrayList<StageImpl<?>> stages = new CopyOnWriteArrayList<>();
  private final AtomicInteger nextStageId = new AtomicInteger();
  private final CopyOnWriteArrayList<PathStats> paths = new CopyOnWriteArrayList<>();
  private final ConcurrentHashMap<String, StageImpl<?>> byName = new ConcurrentHashMap<>();

  private final @Nullable GraphJmx jmx; // null if disabled with Builder.jmx(false)
  private final DeadlockDetector deadlocks;
  private volatile @Nullable GraphFailedException failure;
  private @Nullable Thread terminator; // guarded by lock
  private @Nullable Thread aborter; // guarded by lock
  private boolean forcedTermination; // guarded by lock
  private volatile @Nullable ShutdownReport terminationReport; // set once, by the terminator

  private GraphImpl(
      String name,
      Duration interruptGrace,
      Duration samplePeriod,
      LongSupplier nanoClock,
      boolean jmx,
      boolean latencyStatistics,
      boolean manualSampling) {
    this.name = name;
    this.manualSampling = manualSampling;
    this.latencyStatistics = latencyStatistics;
    this.interruptGrace = interruptGrace;
    this.samplePeriodNanos = samplePeriod.toNanos();
    this.nanoClock = nanoClock;
    this.log = LoggerFactory.getLogger("org.seda4j.graph." + name);
    this.jmx = jmx ? new GraphJmx(name, log) : null;
    this.deadlocks = new DeadlockDetector(name, log);
    this.samplerWake = lock.newCondition();
    this.sampler =
        Thread.ofPlatform()
            .daemon(true)
            .name("seda4j-" + name + "-sampler")
            .unstarted(this::sampleLoop);
    this.sampler.start();
  }

  /**
   * A graph whose sampler does not run by itself: each {@link #sampleNow()} is one sampling pass at
   * the time {@code nanoClock} gives (CPU load unknown). For tests that drive the sampler with an
   * injected clock, window by window.
   */
  static GraphImpl openManuallySampled(String name, Duration samplePeriod, LongSupplier nanoClock) {
    return new GraphImpl(
        validName("graph", name), DEFAULT_GRACE, samplePeriod, nanoClock, false, true, true);
  }

  /** Entry point of {@link StageGraph#builder(String)}. */
  public static StageGraph.Builder builder(String name) {
    String n = validName("graph", name);
    return new StageGraph.Builder() {
      private Duration grace = DEFAULT_GRACE;
      private Duration period = DEFAULT_PERIOD;
      private LongSupplier clock = System::nanoTime;
      private boolean jmx = true;
      private boolean latency = true;

      @Override
      public StageGraph.Builder interruptGrace(Duration grace) {
        Objects.requireNonNull(grace, "grace must not be null");
        if (grace.isNegative()) {
          throw new IllegalArgumentException(
              "interruptGrace must be zero or positive, was " + grace);
        }
        this.grace = grace;
        return this;
      }

      @Override
      public StageGraph.Builder samplePeriod(Duration period) {
        Objects.requireNonNull(period, "period");
        if (period.compareTo(Duration.ofMillis(1)) < 0
            || period.compareTo(Duration.ofMinutes(1)) > 0) {
          throw new IllegalArgumentException(
              "samplePeriod must be between 1 ms and 1 minute, was " + period);
        }
        this.period = period;
        return this;
      }

      @Override
      public StageGraph.Builder nanoClock(LongSupplier nanoClock) {
        this.clock = Objects.requireNonNull(nanoClock, "nanoClock");
        return this;
      }

      @Override
      public StageGraph.Builder jmx(boolean enabled) {
        this.jmx = enabled;
        return this;
      }

      @Override
      public StageGraph.Builder latencyStatistics(boolean enabled) {
        this.latency = enabled;
        return this;
      }

      @Override
      public StageGraph open() {
        return new GraphImpl(n, grace, period, clock, jmx, latency, false);
      }
    };
  }

  static String validName(String what, @Nullable String name) {
    if (name == null) {
      throw new NullPointerException(what + " name is null");
    }
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          what
              + " name '"
              + name
              + "' is not allowed: use 1 to 64 characters of letters, digits, '_', '.' and '-'"
              + " (it becomes part of thread and logger names)");
    }
    return name;
  }

  /**
   * {@code d} in nanoseconds, saturated: a duration too long for a {@code long} of nanoseconds
   * (about 292 years, e.g. {@code ChronoUnit.FOREVER.getDuration()}) means "no bound", {@code
   * Long.MAX_VALUE}, which every wait here treats as forever. {@link Duration#toNanos()} would
   * throw {@code ArithmeticException} instead, in the middle of an admission or a shutdown.
   */
  static long nanos(Duration d) {
    if (d.isNegative()) {
      return d.compareTo(Duration.ofNanos(Long.MIN_VALUE)) <= 0 ? Long.MIN_VALUE : d.toNanos();
    }
    return d.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : d.toNanos();
  }

  /** The {@link System#nanoTime()} deadline {@code nanos} from now; Long.MAX_VALUE = none. */
  static long deadlineAfter(long nanos) {
    if (nanos == Long.MAX_VALUE) {
      return Long.MAX_VALUE;
    }
    long now = System.nanoTime();
    long deadline = now + nanos;
    return nanos > 0 && deadline < now ? Long.MAX_VALUE : deadline; // overflow: no bound
  }

  static int requirePositive(String what, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(what + " must be at least 1, was " + value);
    }
    return value;
  }

  // ---------------------------------------------------------------- API

  @Override
  public String name() {
    return name;
  }

  @Override
  public State state() {
    return state;
  }

  @Override
  public <E> Stage.Builder<E> stage(String name, Class<E> eventType) {
    String n = validName("stage", name);
    Objects.requireNonNull(eventType, "eventType must not be null");
    checkOpenForStages(n);
    if (byName.containsKey(n)) {
      throw duplicate(n);
    }
    return new StageBuilder<>(n, eventType);
  }

  @Override
  public List<Stage<?>> stages() {
    return List.copyOf(stages);
  }

  @Override
  public boolean awaitIdle(Duration timeout) throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout must not be null");
    refuseFromHandler("awaitIdle");
    boolean idle = awaitQuiescence(nanos(timeout), false);
    throwIfFailed();
    return idle;
  }

  @Override
  public Optional<GraphFailedException> failure() {
    return Optional.ofNullable(failure);
  }

  @Override
  public GraphSnapshot snapshot() {
    List<StageImpl<?>> all = List.copyOf(stages);
    List<StageSnapshot> list = new ArrayList<>(all.size());
    List<String> order = new ArrayList<>(all.size());
    List<GraphSnapshot.Edge> edges = new ArrayList<>();
    for (StageImpl<?> s : all) {
      list.add(s.snapshot());
      order.add(s.name());
      s.collectEdges(edges);
    }
    // Source stage in creation order, then target stage in creation order. A target created after
    // the copy above is left out (its node is not in this snapshot either).
    edges.removeIf(e -> !order.contains(e.to()));
    edges.sort(
        Comparator.comparingInt((GraphSnapshot.Edge e) -> order.indexOf(e.from()))
            .thenComparingInt(e -> order.indexOf(e.to())));
    List<GraphSnapshot.Path> measured = new ArrayList<>(paths.size());
    for (PathStats p : paths) {
      measured.add(new GraphSnapshot.Path(p.entry.name(), p.exit.name(), p.times.summary()));
    }
    return new GraphSnapshot(name, state, list, edges, measured, deadlocks.deadlocked());
  }

  @Override
  public void measurePath(Stage<?> entry, Stage<?> exit) {
    Objects.requireNonNull(entry, "entry must not be null");
    Objects.requireNonNull(exit, "exit must not be null");
    path(own(entry), own(exit));
  }

  /**
   * The measured path from {@code entry} to {@code exit}, registered now if it is new. Its
   * priorities are those of the entry's feedback controller if that controller measures this path.
   */
  private PathStats path(StageImpl<?> entry, StageImpl<?> exit) {
    lock.lock();
    try {
      for (PathStats p : paths) {
        if (p.entry == entry && p.exit == exit) {
          return p;
        }
      }
      AdmissionController.Feedback fb = entry.feedback();
      int priorities = fb != null && fb.exit() == exit ? fb.priorities() : 1;
      PathStats p = new PathStats(entry, exit, priorities);
      for (StageImpl<?> s : stages) {
        if (s.queuedPathsOf(entry.id)) {
          p.addMember(s); // a stage that joined another path from this entry already
        }
      }
      exit.endsPath(p); // before the entry tags events, so the first ones are recorded
      entry.startsPath();
      paths.add(p);
      return p;
    } finally {
      lock.unlock();
    }
  }

  /**
   * {@code stage} is about to queue an event of the paths entering at the stage with id {@code
   * entry}: it becomes a member of those paths (see PathStats). Idempotent.
   */
  void joinPaths(int entry, StageImpl<?> stage) {
    lock.lock();
    try {
      for (PathStats p : paths) {
        if (p.entry.id == entry) {
          p.addMember(stage);
        }
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    shutdown(Long.MAX_VALUE);
  }

  @Override
  public ShutdownReport close(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout must not be null");
    return shutdown(timeout.isNegative() ? 0 : nanos(timeout));
  }

  @Override
  public ShutdownReport shutdownNow() {
    return shutdown(0);
  }

  @Override
  public String toString() {
    return "StageGraph[" + name + ", " + state + ", " + stages.size() + " stages]";
  }

  // ---------------------------------------------------------------- engine hooks

  /**
   * Whether the graph is being shut down forcibly. A failGraph failure counts from the moment it is
   * recorded, not only once the abort thread has moved the state to TERMINATING: otherwise the
   * failing handler runs the rest of its batch, producers are admitted and later exceptions are
   * counted as failures in the window between the two.
   */
  boolean isForcing() {
    return failure != null || state.compareTo(State.TERMINATING) >= 0;
  }

  boolean latencyStatistics() {
    return latencyStatistics;
  }

  boolean isOwnHandlerThread() {
    return currentHandlerStage() != null;
  }

  /** The stage whose handler runs on the calling thread, if it belongs to this graph. */
  @Nullable StageImpl<?> currentHandlerStage() {
    StageImpl<?> current = CURRENT.get();
    return current != null && current.graph == this ? current : null;
  }

  void eventsPending(int n) {
    pending.addAndGet(n);
  }

  void eventsEnded(int n) {
    if (pending.addAndGet(-n) == 0 && idleWaiters.get() > 0) {
      signalChange();
    }
  }

  @SuppressWarnings("unchecked")
  <T> StageImpl<T> own(Stage<T> stage) {
    Objects.requireNonNull(stage, "target stage must not be null");
    if (!(stage instanceof StageImpl<?> impl) || impl.graph != this) {
      throw new IllegalArgumentException(
          "stage "
              + stage
              + " does not belong to graph '"
              + name
              + "': a handler can emit only to stages of its own graph");
    }
    return (StageImpl<T>) impl;
  }

  void throwIfFailed() {
    GraphFailedException f = failure;
    if (f != null) {
      throw new GraphFailedException(name, f.stage(), Objects.requireNonNull(f.getCause()));
    }
  }

  /** A handler of a failGraph stage failed: record the first failure and abort the graph. */
  void fail(String stage, Throwable error) {
    lock.lock();
    try {
      GraphFailedException first = failure;
      if (first != null) {
        Throwable cause = Objects.requireNonNull(first.getCause());
        // A failed batch reports its one exception for every event, and a handler may rethrow a
        // shared instance: Throwable refuses to suppress itself, and a repeat adds nothing.
        if (error != cause && !List.of(cause.getSuppressed()).contains(error)) {
          cause.addSuppressed(error);
        }
        return;
      }
      failure = new GraphFailedException(name, stage, error);
      log.error(
          "graph '{}' fails: handler of stage '{}' threw; cancelling all work", name, stage, error);
      if (terminator == null) {
        Thread t =
            Thread.ofVirtual()
                .name("seda4j-" + name + "-abort")
                .unstarted(() -> terminate(0, System.nanoTime()));
        aborter = t;
        t.start();
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------- sampler

  /* One thread per graph: every period, each stage measures its window and asks its controllers.
   * It never holds the lock while sampling; it stops when termination begins. A platform thread
   * (daemon), not a virtual one: the controllers must run when they matter most, while CPU-bound
   * handlers keep every carrier thread busy. */
  private void sampleLoop() {
    CpuMeter cpuMeter = new CpuMeter();
    long next = System.nanoTime() + samplePeriodNanos;
    while (true) {
      lock.lock();
      try {
        while (!samplerStop && (manualSampling || next - System.nanoTime() > 0)) {
          if (manualSampling) {
            samplerWake.await();
          } else {
            samplerWake.awaitNanos(next - System.nanoTime());
          }
        }
        if (samplerStop) {
          return;
        }
      } catch (InterruptedException e) {
        return;
      } finally {
        lock.unlock();
      }
      samplePass(nanoClock.getAsLong(), cpuMeter.load());
      next += samplePeriodNanos;
      long late = System.nanoTime() - next;
      if (late > 0) {
        next += (late / samplePeriodNanos + 1) * samplePeriodNanos; // skip missed windows
      }
    }
  }

  /** One sampling pass of a manually sampled graph (see openManuallySampled). Tests only. */
  void sampleNow() {
    if (!manualSampling) {
      throw new IllegalStateException("graph '" + name + "' samples by itself");
    }
    samplePass(nanoClock.getAsLong(), -1);
  }

  /** Every stage's window ending at {@code now}, then their admission controllers, then cycles. */
  private void samplePass(long now, double cpu) {
    for (StageImpl<?> s : stages) {
      try {
        s.sample(now, samplePeriodNanos, cpu);
      } catch (RuntimeException e) {
        log.warn("sampling stage '{}' failed; its settings stay as they are", s.name(), e);
      }
    }
    // Admission after every stage's window: a controller measuring a path reads the state of
    // the path's stages in the window that just ended.
    for (StageImpl<?> s : stages) {
      try {
        s.updateAdmission(now);
      } catch (RuntimeException e) {
        log.warn("admission update of stage '{}' failed", s.name(), e);
      }
    }
    try {
      deadlocks.check(stages);
    } catch (RuntimeException e) {
      log.warn("deadlock detection failed", e);
    }
  }

  /**
   * Tells the sampler to stop, and interrupts it, so that a controller that blocks (which it must
   * not) cannot hold a shutdown: the sampler then ends as soon as the controller returns.
   */
  private void requestSamplerStop() {
    lock.lock();
    try {
      samplerStop = true;
      samplerWake.signalAll();
    } finally {
      lock.unlock();
    }
    sampler.interrupt();
  }

  /** The deadlock detector's last WARN line (for tests). */
  @Nullable String lastDeadlockWarning() {
    return deadlocks.lastWarning();
  }

  long clockNanos() {
    return nanoClock.getAsLong();
  }

  /** The processors the JVM may use (CPU loads are fractions of these). */
  int processors() {
    return PROCESSORS;
  }

  // ---------------------------------------------------------------- lifecycle

  private ShutdownReport shutdown(long gracefulNanos) {
    refuseFromHandler("close");
    long start = System.nanoTime();
    lock.lock();
    try {
      if (state == State.OPEN) {
        state = State.CLOSING;
        log.debug("graph '{}' closing", name);
      }
    } finally {
      lock.unlock();
    }
    wakeAllProducers(); // external producers waiting for room must see CLOSING and leave
    boolean interrupted = false;
    long forceAfter;
    try {
      boolean idle = awaitQuiescence(gracefulNanos, true);
      forceAfter = idle ? Long.MAX_VALUE : 0;
    } catch (InterruptedException ie) {
      interrupted = true;
      forceAfter = 0;
    }
    ShutdownReport report = terminate(forceAfter, start);
    GraphFailedException f = failure;
    ShutdownReport full = terminationReport;
    Thread a;
    lock.lock();
    try {
      a = aborter;
    } finally {
      lock.unlock();
    }
    if (a != null && a != Thread.currentThread()) {
      joinUninterruptibly(a);
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (f != null) {
      // The abort thread did the forced shutdown: hand its report (the cancelled events) over.
      throw new GraphFailedException(
          name, f.stage(), Objects.requireNonNull(f.getCause()), full != null ? full : report);
    }
    return report;
  }

  /**
   * Waits until pending == 0, or the timeout, or (if {@code stopOnForce}) a forced shutdown or
   * failure began. Returns whether the graph is quiescent.
   */
  private boolean awaitQuiescence(long nanos, boolean stopOnForce) throws InterruptedException {
    if (pending.get() == 0) {
      return true;
    }
    long remaining = nanos;
    lock.lockInterruptibly();
    try {
      idleWaiters.incrementAndGet();
      try {
        while (pending.get() != 0) {
          if (failure != null || (stopOnForce && isForcing())) {
            return false;
          }
          if (remaining <= 0) {
            return false;
          }
          if (remaining == Long.MAX_VALUE) {
            changed.await();
          } else {
            remaining = changed.awaitNanos(remaining);
          }
        }
        return true;
      } finally {
        idleWaiters.decrementAndGet();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stops every stage. {@code forceAfter} is 0 for a forced shutdown, Long.MAX_VALUE for a graceful
   * one (the graph is quiescent). Exactly one thread does the work; others wait for it.
   */
  private ShutdownReport terminate(long forceAfter, long start) {
    boolean forced = forceAfter == 0;
    lock.lock();
    try {
      if (terminator != null) {
        // Another thread terminates the graph; its waits are bounded (a graceful one starts only
        // at quiescence, a forced one waits at most the interrupt grace).
        while (state != State.TERMINATED) {
          changed.awaitUninterruptibly();
        }
        return new ShutdownReport(!forcedTermination, elapsed(start), List.of(), List.of());
      }
      terminator = Thread.currentThread();
      forcedTermination = forced;
      if (forced) {
        state = State.TERMINATING;
        changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
    // A forced shutdown ends within the interrupt grace from here, whatever handlers do; a
    // graceful one has nothing left to wait for but the threads' ends. Either way a controller
    // that blocks (which it must not) is given the grace, then named.
    long graceDeadline = deadlineAfter(nanos(interruptGrace));
    long deadline = forced ? graceDeadline : Long.MAX_VALUE;
    requestSamplerStop();
    List<StageImpl<?>> all = List.copyOf(stages);
    if (forced) {
      log.info("graph '{}' shutting down forcibly: interrupting handlers, cancelling queues", name);
      wakeAllProducers();
    }
    for (StageImpl<?> s : all) {
      s.stopDispatcher();
    }
    if (forced) {
      for (StageImpl<?> s : all) {
        s.interruptHandlers();
        s.cancelQueued();
      }
    }
    List<String> unstopped = new ArrayList<>();
    for (StageImpl<?> s : all) {
      if (!s.awaitHandlers(deadline)) {
        // Handlers ignoring the interrupt past the grace: their events are cancelled and
        // reported now, and the threads named.
        List<String> stubborn = s.abandonRunning();
        unstopped.addAll(stubborn);
        if (stubborn.isEmpty() && s.runningHandlers() > 0) {
          unstopped.add(
              "seda4j-"
                  + name
                  + "-"
                  + s.name()
                  + ": "
                  + s.runningHandlers()
                  + " handler thread(s) still finishing");
        }
      }
      s.cancelQueued(); // events emitted by handlers that were still finishing
    }
    if (!joinUntil(sampler, graceDeadline)) {
      unstopped.add(sampler.getName() + ": a controller of the graph has not returned");
    }
    deadlocks.clear(); // a terminated graph holds nothing any more
    List<UnprocessedEvent> unprocessed = new ArrayList<>();
    for (StageImpl<?> s : all) {
      unprocessed.addAll(s.takeUnprocessed());
    }
    if (jmx != null) {
      jmx.unregisterAll();
    }
    // Published before TERMINATED: callers waiting for TERMINATED hand this report over (the
    // exception of a close that raced a failGraph abort carries it).
    ShutdownReport report = new ShutdownReport(!forced, elapsed(start), unprocessed, unstopped);
    terminationReport = report;
    lock.lock();
    try {
      state = State.TERMINATED;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    wakeAllProducers(); // nobody may wait for room in a terminated graph
    if (forced || !unstopped.isEmpty()) {
      log.warn("graph '{}' terminated: {}", name, report);
    } else {
      log.debug("graph '{}' terminated: {}", name, report);
    }
    return report;
  }

  private static Duration elapsed(long start) {
    return Duration.ofNanos(System.nanoTime() - start);
  }

  private void signalChange() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void wakeAllProducers() {
    for (StageImpl<?> s : stages) {
      s.wakeProducers();
    }
  }

  private void refuseFromHandler(String method) {
    StageImpl<?> current = CURRENT.get();
    if (current != null && current.graph == this) {
      throw new IllegalStateException(
          method
              + "() called from a handler of stage '"
              + current.name()
              + "' of graph '"
              + name
              + "': it would wait for that handler itself and never return; call it from"
              + " outside the graph (e.g. the thread that created it)");
    }
  }

  /**
   * Joins {@code t} until the {@link System#nanoTime()} {@code deadline}; returns whether it ended.
   * Keeps (does not throw) an interrupt that arrives meanwhile.
   */
  static boolean joinUntil(Thread t, long deadline) {
    if (deadline == Long.MAX_VALUE) {
      joinUninterruptibly(t);
      return true;
    }
    boolean interrupted = false;
    try {
      while (t.isAlive()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        try {
          t.join(Duration.ofNanos(left));
        } catch (InterruptedException ie) {
          interrupted = true;
        }
      }
      return true;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Joins {@code t}, keeping (not throwing) an interrupt that arrives meanwhile. */
  static void joinUninterruptibly(Thread t) {
    boolean interrupted = false;
    while (true) {
      try {
        t.join();
        break;
      } catch (InterruptedException ie) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void checkOpenForStages(String stage) {
    if (state != State.OPEN) {
      throw new StageClosedException(
          "cannot create stage '"
              + stage
              + "': graph '"
              + name
              + "' is "
              + state
              + "; stages can be added only while the graph is OPEN");
    }
  }

  private IllegalArgumentException duplicate(String stage) {
    return new IllegalArgumentException(
        "graph '" + name + "' already has a stage named '" + stage + "'; stage names are unique");
  }

  private <E> StageImpl<E> register(StageImpl<E> stage) {
    lock.lock();
    try {
      checkOpenForStages(stage.name());
      if (byName.containsKey(stage.name())) {
        throw duplicate(stage.name());
      }
      for (Object controller : stage.controllers()) {
        if (controllersInUse.contains(controller)) {
          throw new IllegalArgumentException(
              "controller "
                  + controller
                  + " already serves another stage; controllers keep per-stage state, so give"
                  + " stage '"
                  + stage.name()
                  + "' its own instance");
        }
      }
      controllersInUse.addAll(stage.controllers());
      byName.put(stage.name(), stage);
      stages.add(stage);
      AdmissionController.Feedback fb = stage.feedback();
      if (fb != null && fb.exit() != null) {
        stage.feedbackPath(path(stage, own(fb.exit())));
      }
      stage.start();
      if (jmx != null) {
        jmx.register(stage);
      }
      return stage;
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------- stage builder

  private final class StageBuilder<E> implements Stage.Builder<E> {
    private final String stageName;
    private final Class<E> type;
    private int capacity = DEFAULT_CAPACITY;
    private @Nullable ConcurrencyController concurrency;
    private @Nullable BatchController batching;
    private FullQueuePolicy policy = FullQueuePolicy.block();
    private FailurePolicy failurePolicy = FailurePolicy.logAndCount();
    private @Nullable Consumer<? super E> dropListener;
    private @Nullable BiConsumer<? super E, ? super OfferResult.Rejected> rejectListener;
    private final List<AdmissionController<? super E>> admission = new ArrayList<>();
    private boolean built;

    StageBuilder(String stageName, Class<E> type) {
      this.stageName = stageName;
      this.type = type;
    }

    @Override
    public Stage.Builder<E> capacity(int capacity) {
      this.capacity = requirePositive("capacity", capacity);
      return this;
    }

    @Override
    public Stage.Builder<E> permits(int permits) {
      this.concurrency = ConcurrencyController.fixed(permits);
      return this;
    }

    @Override
    public Stage.Builder<E> batchSize(int batchSize) {
      this.batching = BatchController.fixed(batchSize);
      return this;
    }

    @Override
    public Stage.Builder<E> concurrency(ConcurrencyController controller) {
      this.concurrency = Objects.requireNonNull(controller, "controller");
      return this;
    }

    @Override
    public Stage.Builder<E> batching(BatchController controller) {
      this.batching = Objects.requireNonNull(controller, "controller");
      return this;
    }

    @Override
    public Stage.Builder<E> onFull(FullQueuePolicy policy) {
      this.policy = Objects.requireNonNull(policy, "policy must not be null");
      return this;
    }

    @Override
    public Stage.Builder<E> onDrop(Consumer<? super E> listener) {
      this.dropListener = Objects.requireNonNull(listener, "listener must not be null");
      return this;
    }

    @Override
    public Stage.Builder<E> admission(AdmissionController<? super E> controller) {
      Objects.requireNonNull(controller, "controller must not be null");
      AdmissionController.Feedback fb = controller.feedback();
      if (fb != null && fb.exit() != null) {
        own(fb.exit());
      }
      for (AdmissionController<? super E> c : admission) {
        if (c == controller) {
          throw new IllegalArgumentException(
              "admission controller "
                  + controller
                  + " was added to stage '"
                  + stageName
                  + "' twice");
        }
      }
      admission.add(controller);
      return this;
    }

    @Override
    public Stage.Builder<E> onReject(BiConsumer<? super E, ? super OfferResult.Rejected> listener) {
      this.rejectListener = Objects.requireNonNull(listener, "listener must not be null");
      return this;
    }

    @Override
    public Stage.Builder<E> onFailure(FailurePolicy policy) {
      Objects.requireNonNull(policy, "policy must not be null");
      if (policy instanceof FailurePolicy.ToDeadLetter d) {
        own(d.stage());
      }
      this.failurePolicy = policy;
      return this;
    }

    @Override
    public Stage<E> handler(EventHandler<? super E> handler) {
      Objects.requireNonNull(handler, "handler must not be null");
      return build(handler, null);
    }

    @Override
    public Stage<E> batchHandler(BatchHandler<E> handler) {
      Objects.requireNonNull(handler, "handler must not be null");
      return build(null, handler);
    }

    @Override
    public <R> Stage<E> map(EventMapper<? super E, ? extends R> mapper, Stage<R> next) {
      Objects.requireNonNull(mapper, "mapper must not be null");
      Stage<R> target = own(next);
      return build(
          (event, ctx) -> {
            R result = mapper.apply(event);
            if (result != null) {
              ctx.emit(target, result);
            }
          },
          null);
    }

    private Stage<E> build(
        @Nullable EventHandler<? super E> handler, @Nullable BatchHandler<E> batch) {
      if (built) {
        throw new IllegalStateException(
            "this builder already created stage '" + stageName + "'; call graph.stage(...) again");
      }
      built = true;
      ConcurrencyController c =
          concurrency != null ? concurrency : ConcurrencyController.adaptive();
      BatchController b = batching != null ? batching : BatchController.adaptive(DEFAULT_MAX_BATCH);
      StageImpl<E> stage;
      try {
        stage =
            new StageImpl<>(
                GraphImpl.this,
                nextStageId.getAndIncrement(),
                stageName,
                type,
                capacity,
                c,
                b,
                clockNanos(),
                policy,
                failurePolicy,
                dropListener,
                handler,
                batch,
                admission,
                rejectListener);
      } catch (OutOfMemoryError e) {
        // The queue (and the ring of enqueue times) is allocated up front, in one array each:
        // a capacity too large for the heap fails here, before anything started.
        throw new IllegalArgumentException(
            "capacity "
                + capacity
                + " of stage '"
                + stageName
                + "' is allocated up front (one array slot per event, plus an 8-byte timestamp"
                + " with latency statistics) and the JVM could not allocate it ("
                + e.getMessage()
                + "); choose a capacity for the backlog you mean to hold",
            e);
      }
      return register(stage);
    }
  }
}
