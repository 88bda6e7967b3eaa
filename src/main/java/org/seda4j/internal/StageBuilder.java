package org.seda4j.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.seda4j.BatchHandler;
import org.seda4j.EventHandler;
import org.seda4j.EventMapper;
import org.seda4j.FailurePolicy;
import org.seda4j.FullQueuePolicy;
import org.seda4j.OfferResult;
import org.seda4j.RejectionReason;
import org.seda4j.Stage;
import org.seda4j.StageClosedException;
import org.seda4j.StageGraph;
import org.seda4j.control.AdmissionController;
import org.seda4j.control.BatchController;
import org.seda4j.control.ConcurrencyController;

/** {@link Stage.Builder}: validates each setting, then builds the StageSpec and the stage. */
final class StageBuilder<E> implements Stage.Builder<E> {
  static final int DEFAULT_CAPACITY = 1024;
  static final int DEFAULT_MAX_BATCH = 1024;

  private final GraphImpl graph;
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

  StageBuilder(GraphImpl graph, String stageName, Class<E> type) {
    this.graph = graph;
    this.stageName = stageName;
    this.type = type;
  }

  @Override
  public Stage.Builder<E> capacity(int capacity) {
    this.capacity = Checks.requirePositive("capacity", capacity);
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
    AdmissionController.Feedback fb;
    RejectionReason reason;
    try {
      fb = controller.feedback();
      reason = controller.rejectionReason();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "admission controller "
              + controller
              + " of stage '"
              + stageName
              + "' threw when asked for its feedback() or rejectionReason(): "
              + e,
          e);
    }
    if (reason == null) {
      throw new IllegalArgumentException(
          "admission controller "
              + controller
              + " of stage '"
              + stageName
              + "' returned null from rejectionReason(); return the RejectionReason its refusals"
              + " carry (e.g. OVERLOADED)");
    }
    if (fb != null && fb.exit() != null) {
      graph.own(fb.exit());
    }
    for (AdmissionController<? super E> c : admission) {
      if (c == controller) {
        throw new IllegalArgumentException(
            "admission controller " + controller + " was added to stage '" + stageName + "' twice");
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
      graph.own(d.stage());
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
    Stage<R> target = graph.own(next);
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
    ConcurrencyController c = concurrency != null ? concurrency : ConcurrencyController.adaptive();
    BatchController b = batching != null ? batching : BatchController.adaptive(DEFAULT_MAX_BATCH);
    StageSpec<E> spec =
        new StageSpec<>(
            graph.registry.nextId(),
            stageName,
            type,
            capacity,
            policy,
            failurePolicy,
            dropListener,
            rejectListener,
            handler,
            batch,
            admission,
            c,
            b);
    StageImpl<E> stage;
    try {
      stage = new StageImpl<>(graph, spec, graph.clockNanos());
    } catch (OutOfMemoryError e) {
      // The queue is allocated up front, in one array: a capacity too large for the heap fails
      // here, before anything started.
      throw new IllegalArgumentException(
          "capacity "
              + capacity
              + " of stage '"
              + stageName
              + "' is allocated up front (one array slot per event) and the JVM could not"
              + " allocate it ("
              + e.getMessage()
              + "); choose a capacity for the backlog you mean to hold",
          e);
    }
    return register(graph, stage);
  }

  /** Throws unless {@code graph} is open for stages and has no stage named {@code stage}. */
  static void checkNew(GraphImpl graph, String stage) {
    if (graph.state() != StageGraph.State.OPEN) {
      throw new StageClosedException(
          "cannot create stage '"
              + stage
              + "': graph '"
              + graph.name()
              + "' is "
              + graph.state()
              + "; stages can be added only while the graph is OPEN");
    }
    if (graph.registry.hasName(stage)) {
      throw new IllegalArgumentException(
          "graph '"
              + graph.name()
              + "' already has a stage named '"
              + stage
              + "'; stage names are unique");
    }
  }

  /** Registers a built stage: checks name and controllers again under the graph's lock. */
  private static <E> StageImpl<E> register(GraphImpl graph, StageImpl<E> stage) {
    graph.lock.lock();
    try {
      checkNew(graph, stage.name());
      List<Object> controllers = stage.controllers();
      for (Object controller : controllers) {
        if (graph.registry.controllerInUse(controller)) {
          throw new IllegalArgumentException(
              "controller "
                  + controller
                  + " already serves another stage; controllers keep"
                  + " per-stage state, so give stage '"
                  + stage.name()
                  + "' its own instance");
        }
      }
      graph.registry.add(stage, controllers);
      AdmissionController.Feedback fb = stage.feedback();
      if (fb != null) {
        Stage<?> exit = fb.exit();
        StageImpl<?> to = exit == null ? stage : graph.own(exit);
        stage.paths().feedbackPath(graph.path(stage, to, exit == null), exit == null);
      }
      if (graph.jmx != null) {
        graph.jmx.register(stage);
      }
      return stage;
    } finally {
      graph.lock.unlock();
    }
  }
}
