package org.seda4j.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.seda4j.ContextPropagator;
import org.seda4j.GraphFailedException;
import org.seda4j.Stage;
import org.seda4j.StageGraph;
import org.seda4j.observe.GraphSnapshot;
import org.seda4j.observe.ShutdownReport;
import org.seda4j.observe.StageSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Maintainer note. The graph: the StageGraph facade and the GraphServices its stages see. Owns the
 * lifecycle fields (`state` for users, `phase` for the engine's admission checks, `failure`), all
 * written under `lock`; the rest is in its parts:
 *   StageRegistry  stages, names, controllers in use, paths, workers by thread
 *   StageBuilder   Stage.Builder: validation, the StageSpec, registration
 *   Quiescence     awaitIdle and close's wait, without a counter written per event
 *   Sampler        the periodic (or, in tests, manual) sampling thread
 *   Termination    close, close(Duration), shutdownNow, failGraph's abort; the report
 * State machine (moves forward only):
 *   OPEN --close()--> CLOSING --quiescent--> TERMINATED
 *   OPEN/CLOSING --deadline passed / shutdownNow / interrupt / failGraph failure--> TERMINATING
 *   --> TERMINATED
 */
final class GraphImpl implements StageGraph, GraphServices {

  private static final Duration DEFAULT_GRACE = Duration.ofSeconds(1);
  static final Duration DEFAULT_PERIOD = Duration.ofMillis(100);
  private static final int PROCESSORS = Math.max(1, Runtime.getRuntime().availableProcessors());

  private final String name;
  final Duration interruptGrace;
  private final LongSupplier nanoClock;
  private final boolean latencyStatistics;
  private final @Nullable ContextCarrier contextCarrier;
  final Logger log;
  final StageRegistry registry = new StageRegistry();
  final Quiescence quiescence = new Quiescence(registry);
  final DeadlockDetector deadlocks;
  final Sampler sampler;
  final @Nullable GraphJmx jmx; // null if disabled with Builder.jmx(false)
  private final Termination termination;

  final java.util.concurrent.locks.ReentrantLock lock =
      new java.util.concurrent.locks.ReentrantLock();
  final java.util.concurrent.locks.Condition changed = lock.newCondition();
  private volatile State state = State.OPEN;
  private volatile int phase = Phase.OPEN;
  private volatile @Nullable GraphFailedException failure;

  GraphImpl(
      String name,
      Duration interruptGrace,
      Duration samplePeriod,
      LongSupplier nanoClock,
      boolean jmx,
      boolean latencyStatistics,
      List<ContextPropagator> propagators,
      boolean manualSampling) {
    this.name = name;
    this.interruptGrace = interruptGrace;
    this.nanoClock = nanoClock;
    this.latencyStatistics = latencyStatistics;
    this.contextCarrier = ContextCarrier.of(propagators);
    this.log = LoggerFactory.getLogger("org.seda4j.graph." + name);
    this.jmx = jmx ? new GraphJmx(name, log) : null;
    this.deadlocks = new DeadlockDetector(name, log);
    this.sampler =
        new Sampler(
            name, registry, deadlocks, log, samplePeriod.toNanos(), nanoClock, manualSampling);
    this.termination = new Termination(this);
    this.sampler.start();
  }

  /**
   * A graph whose sampler does not run by itself: each {@link #sampleNow()} is one sampling pass at
   * the time {@code nanoClock} gives (CPU load unknown). For tests that drive the sampler with an
   * injected clock, window by window.
   */
  static GraphImpl openManuallySampled(String name, Duration samplePeriod, LongSupplier nanoClock) {
    return new GraphImpl(
        Checks.validName("graph", name),
        DEFAULT_GRACE,
        samplePeriod,
        nanoClock,
        false,
        true,
        List.of(),
        true);
  }

  /** Entry point of {@link StageGraph#builder(String)} (see EngineProvider). */
  static StageGraph.Builder builder(String name) {
    return new GraphBuilder(Checks.validName("graph", name), DEFAULT_GRACE);
  }

  /** One sampling pass of a manually sampled graph (see openManuallySampled). Tests only. */
  void sampleNow() {
    sampler.sampleNow();
  }

  /** One quarter-period pass of a manually sampled graph (see Sampler). Tests only. */
  void sampleQuarterNow() {
    sampler.sampleQuarterNow();
  }

  // ---------------------------------------------------------------- StageGraph

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
    String n = Checks.validName("stage", name);
    Objects.requireNonNull(eventType, "eventType must not be null");
    StageBuilder.checkNew(this, n);
    return new StageBuilder<>(this, n, eventType);
  }

  @Override
  public List<Stage<?>> stages() {
    return List.copyOf(registry.stages());
  }

  @Override
  public boolean awaitIdle(Duration timeout) throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout must not be null");
    refuseFromHandler("awaitIdle");
    boolean idle = quiescence.await(Waits.nanos(timeout), () -> failure != null, null);
    throwIfFailed();
    return idle;
  }

  @Override
  public Optional<GraphFailedException> failure() {
    return Optional.ofNullable(failure);
  }

  @Override
  public Optional<ShutdownReport> shutdownReport() {
    return Optional.ofNullable(termination.report());
  }

  @Override
  public GraphSnapshot snapshot() {
    List<StageImpl<?>> all = registry.stages();
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
    List<GraphSnapshot.Path> measured = new ArrayList<>();
    for (PathStats p : registry.paths()) {
      if (!p.implicit) {
        measured.add(new GraphSnapshot.Path(p.entry.name(), p.exit.name(), p.times.summary()));
      }
    }
    return new GraphSnapshot(name, state, list, edges, measured, deadlocks.deadlocked());
  }

  @Override
  public void measurePath(Stage<?> entry, Stage<?> exit) {
    Objects.requireNonNull(entry, "entry must not be null");
    Objects.requireNonNull(exit, "exit must not be null");
    path(own(entry), own(exit), false);
  }

  /**
   * The measured path from {@code entry} to {@code exit}, registered now if it is new. Its
   * priorities are those of the entry's feedback controller if that controller measures this path.
   * {@code implicit}: a stage-scope feedback controller's path, not shown in snapshots.
   */
  PathStats path(StageImpl<?> entry, StageImpl<?> exit, boolean implicit) {
    lock.lock();
    try {
      return registry.registerPath(entry, exit, implicit);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void joinPaths(int entry, StageImpl<?> stage) {
    lock.lock();
    try {
      registry.joinPaths(entry, stage);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    termination.shutdown(Long.MAX_VALUE);
  }

  @Override
  public ShutdownReport close(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout must not be null");
    return termination.shutdown(timeout.isNegative() ? 0 : Waits.nanos(timeout));
  }

  @Override
  public ShutdownReport shutdownNow() {
    return termination.shutdown(0);
  }

  @Override
  public String toString() {
    return "StageGraph[" + name + ", " + state + ", " + registry.count() + " stages]";
  }

  // ---------------------------------------------------------------- GraphServices

  @Override
  public StageGraph api() {
    return this;
  }

  @Override
  public int phase() {
    return phase;
  }

  @Override
  public boolean admitsCaller() {
    int p = phase;
    return p == Phase.OPEN || (p == Phase.CLOSING && currentHandlerStage() != null);
  }

  @Override
  public long clockNanos() {
    return nanoClock.getAsLong();
  }

  @Override
  public boolean latencyStatistics() {
    return latencyStatistics;
  }

  @Override
  public @Nullable ContextCarrier contextCarrier() {
    return contextCarrier;
  }

  @Override
  public int processors() {
    return PROCESSORS;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> StageImpl<T> own(Stage<T> stage) {
    Objects.requireNonNull(stage, "target stage must not be null");
    if (!(stage instanceof StageImpl<?> impl) || impl.graphServices() != this) {
      throw new IllegalArgumentException(
          "stage "
              + stage
              + " does not belong to graph '"
              + name
              + "': a handler can emit only to stages of its own graph");
    }
    return (StageImpl<T>) impl;
  }

  @Override
  public @Nullable StageImpl<?> currentHandlerStage() {
    return registry.handlerStage(Thread.currentThread());
  }

  @Override
  public void fail(String stage, Throwable error) {
    termination.fail(stage, error);
  }

  @Override
  public void throwIfFailed() {
    GraphFailedException f = failure;
    if (f != null) {
      throw new GraphFailedException(name, f.stage(), Objects.requireNonNull(f.getCause()));
    }
  }

  @Override
  public boolean idleAwaited() {
    return quiescence.awaited();
  }

  @Override
  public void wakeIdleWaiters() {
    quiescence.wake();
  }

  @Override
  public void addWorker(Worker worker) {
    registry.addWorker(worker);
  }

  @Override
  public void removeWorker(Worker worker) {
    registry.removeWorker(worker);
  }

  // ---------------------------------------------------------------- for the parts

  /** Sets the state and phase. Caller holds lock. */
  void moveTo(State s, int p) {
    state = s;
    phase = Math.max(phase, p);
  }

  /** Records the first failure and makes the phase FORCING. Caller holds lock. */
  void failed(GraphFailedException f) {
    failure = f;
    phase = Math.max(phase, Phase.FORCING);
  }

  @Nullable GraphFailedException failureOrNull() {
    return failure;
  }

  /** Throws unless the calling thread is outside the graph's handlers. */
  void refuseFromHandler(String method) {
    StageImpl<?> current = currentHandlerStage();
    if (current != null) {
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

  /** The last WARN line of the deadlock detector (for tests). */
  @Nullable String lastDeadlockWarning() {
    return deadlocks.lastWarning();
  }
}
