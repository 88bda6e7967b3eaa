package org.seda4j.bench;

/**
 * The contenders of the suite. Every one is built for a {@link Topology} with the same queue
 * capacity (the bound on events waiting in front of a stage), receives its events from the calling
 * thread (Reactor: from its own producer thread), runs the same trivial handlers, and delivers to
 * the same {@link Sink}, which holds it to exactly the expected number of arrivals. How each is
 * built is in the Javadoc of its Flow class.
 */
public enum Contender {
  /** The limit: ArrayBlockingQueue + take/drainTo(64) loop, one virtual thread per stage. */
  RAW("raw ABQ+drainTo (the limit)") {
    @Override
    Flow build(Topology topology, Sink sink, int capacity) {
      return new RawFlow(topology, sink, capacity);
    }
  },
  /**
   * seda4j per event: batch size 1 (one virtual thread per event), permits = the capacity (the same
   * bound as VT_SEMAPHORE's semaphore).
   */
  SEDA_EVENT("seda4j per-event (batch 1)") {
    @Override
    Flow build(Topology topology, Sink sink, int capacity) {
      return new SedaFlow(
          topology, sink, "bench-event", capacity, b -> b.batchSize(1).permits(capacity));
    }
  },
  /** seda4j batched: fixed batch 64 (as RAW), 1 permit per stage (as RAW's one thread). */
  SEDA_BATCHED("seda4j batched (batch 64, 1 permit)") {
    @Override
    Flow build(Topology topology, Sink sink, int capacity) {
      return new SedaFlow(
          topology, sink, "bench-batched", capacity, b -> b.batchSize(RawFlow.BATCH).permits(1));
    }
  },
  /** seda4j with its defaults: adaptive concurrency and batching controllers. */
  SEDA_DEFAULT("seda4j default (adaptive controllers)") {
    @Override
    Flow build(Topology topology, Sink sink, int capacity) {
      return new SedaFlow(topology, sink, "bench-default", capacity, b -> b);
    }
  },
  /** One single-thread ThreadPoolExecutor per stage, bounded queue, blocking submit. */
  THREAD_POOL("ThreadPoolExecutor chain") {
    @Override
    Flow build(Topology topology, Sink sink, int capacity) {
      return new ThreadPoolFlow(topology, sink, capacity, 1);
    }
  },
  /** One virtual thread per event running every stage's handler, Semaphore(capacity). */
  VT_SEMAPHORE("virtual thread per task + Semaphore") {
    @Override
    Flow build(Topology topology, Sink sink, int capacity) {
      return new VtSemaphoreFlow(topology, sink, capacity);
    }
  },
  /** LMAX Disruptor 4, BlockingWaitStrategy, one handler thread per stage. */
  DISRUPTOR("LMAX Disruptor 4 (BlockingWaitStrategy)") {
    @Override
    Flow build(Topology topology, Sink sink, int capacity) {
      return new DisruptorFlow(topology, sink, capacity);
    }

    @Override
    int arrivalsPerEvent(Topology topology) {
      return topology.sinks(); // every handler sees each event once: the join is a barrier
    }
  },
  /** jox 1.0.1 buffered channels, one virtual thread per stage. */
  JOX("jox channels 1.0.1") {
    @Override
    Flow build(Topology topology, Sink sink, int capacity) {
      return new JoxFlow(topology, sink, capacity);
    }
  },
  /** Reactor 3.8, publishOn a single-thread scheduler per stage. */
  REACTOR("Reactor 3.8 (publishOn per stage)") {
    @Override
    Flow build(Topology topology, Sink sink, int capacity) {
      return new ReactorFlow(topology, sink, capacity);
    }
  },
  /** Apache Camel 4 seda: endpoints, one consumer per endpoint. */
  CAMEL("Apache Camel 4 seda:") {
    @Override
    Flow build(Topology topology, Sink sink, int capacity) throws Exception {
      return new CamelFlow(topology, sink, capacity);
    }
  };

  /** Queue capacity of every stage of every contender (seda4j's default; a power of two). */
  static final int CAPACITY = 1024;

  private final String description;

  Contender(String description) {
    this.description = description;
  }

  /**
   * Builds and starts this contender for a topology.
   *
   * @param topology the stage network
   * @param sink where the sink stages deliver
   * @param capacity the bound on queued events per stage (power of two, for the Disruptor)
   * @return the running flow
   * @throws Exception if it cannot start
   */
  abstract Flow build(Topology topology, Sink sink, int capacity) throws Exception;

  /** How many arrivals at the sink one event makes (paths from stage 0 to a sink by default). */
  int arrivalsPerEvent(Topology topology) {
    return topology.paths();
  }

  /** Human-readable description. */
  String description() {
    return description;
  }

  /** Short name used in result files. */
  String label() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }

  /** Whether this is one of seda4j's contenders. */
  boolean isSeda() {
    return name().startsWith("SEDA");
  }
}
