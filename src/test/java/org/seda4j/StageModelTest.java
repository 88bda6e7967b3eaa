package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.Transformer;
import org.seda4j.observe.ShutdownReport;
import org.seda4j.observe.StageSnapshot;

/**
 * Model-based test (jqwik): random sequences of API calls on one stage, each checked against a
 * simple model of what the stage must answer.
 *
 * <p>The stage's handler passes a valve the test opens and closes, so the model knows when events
 * can end. The model tracks the events admitted, dropped (by the drop listener) and taken by a
 * handler; from them it derives an upper bound of the queue's occupancy. Where the bound proves
 * there is room, every call must admit; where it cannot tell (handlers may have taken some events),
 * the answer must be one the policy allows, and the model follows it. Counters must match the model
 * exactly after every call, {@code awaitIdle} must be true exactly when nothing can be pending, and
 * a forced shutdown must report exactly the events admitted and neither completed nor dropped.
 *
 * <p>Calls: {@code put}, {@code offer}, {@code putAll}/{@code offerAll} (empty, fitting, over the
 * capacity), {@code setPermits}/{@code setBatchSize} (valid and not), {@code awaitIdle}, {@code
 * snapshot}, {@code close()}, {@code close(Duration)}, {@code shutdownNow()}, and opening/closing
 * the valve. A failing sequence is shrunk by jqwik and printed with its seed.
 */
class StageModelTest {

  private static final Duration PATIENCE = Duration.ofSeconds(20);
  private static final ConcurrentLinkedQueue<StageGraph> GRAPHS = new ConcurrentLinkedQueue<>();

  enum Policy {
    BLOCK,
    BLOCK_FOR,
    REJECT,
    DROP_NEWEST,
    DROP_OLDEST
  }

  @Property(tries = 60)
  void everyCallAnswersAsTheModelSays(@ForAll("chains") ActionChain<Model> chain) {
    chain.run();
  }

  @AfterTry
  void shutDownWhatIsLeft() {
    StageGraph g;
    while ((g = GRAPHS.poll()) != null) {
      g.shutdownNow();
    }
  }

  @Provide
  Arbitrary<ActionChain<Model>> chains() {
    return Combinators.combine(
            Arbitraries.of(Policy.class),
            Arbitraries.integers().between(1, 6),
            Arbitraries.integers().between(1, 3),
            Arbitraries.integers().between(1, 4))
        .flatAs(
            (policy, capacity, permits, batch) ->
                ActionChain.startWith(() -> new Model(policy, capacity, permits, batch))
                    .withAction(4, new Offer())
                    .withAction(3, new Put())
                    .withAction(2, new Bulk())
                    .withAction(1, new Tune())
                    .withAction(2, new ValveAction())
                    .withAction(1, new AwaitIdle())
                    .withAction(1, new Snapshot())
                    .withAction(1, new Shutdown())
                    .withMaxTransformations(30));
  }

  // ---------------------------------------------------------------------------- actions

  static final class Offer implements Action.Independent<Model> {
    @Override
    public Arbitrary<Transformer<Model>> transformer() {
      return Arbitraries.just(Transformer.mutate("offer", Model::offer));
    }
  }

  /** put: only when it cannot wait for ever (room is certain, or the policy does not wait). */
  static final class Put implements Action.Independent<Model> {
    @Override
    public boolean precondition(Model m) {
      return m.putCannotHang(1);
    }

    @Override
    public Arbitrary<Transformer<Model>> transformer() {
      return Arbitraries.just(Transformer.mutate("put", Model::put));
    }
  }

  static final class Bulk implements Action.Dependent<Model> {
    @Override
    public Arbitrary<Transformer<Model>> transformer(Model m) {
      return Combinators.combine(
              Arbitraries.integers().between(0, m.capacity + 1), Arbitraries.of(true, false))
          .as(
              (n, blocking) ->
                  blocking && !m.putCannotHang(n)
                      ? Transformer.mutate("offerAll(" + n + ")", s -> s.bulk(n, false))
                      : Transformer.mutate(
                          (blocking ? "putAll(" : "offerAll(") + n + ")",
                          s -> s.bulk(n, blocking)));
    }
  }

  static final class Tune implements Action.Independent<Model> {
    @Override
    public Arbitrary<Transformer<Model>> transformer() {
      return Combinators.combine(Arbitraries.integers().between(-1, 5), Arbitraries.of(true, false))
          .as(
              (n, permits) ->
                  Transformer.mutate(
                      (permits ? "setPermits(" : "setBatchSize(") + n + ")",
                      s -> s.tune(permits, n)));
    }
  }

  static final class ValveAction implements Action.Independent<Model> {
    @Override
    public Arbitrary<Transformer<Model>> transformer() {
      return Arbitraries.of(true, false)
          .map(
              open ->
                  Transformer.mutate(
                      open ? "open the valve" : "close the valve", s -> s.valve(open)));
    }
  }

  static final class AwaitIdle implements Action.Independent<Model> {
    @Override
    public Arbitrary<Transformer<Model>> transformer() {
      return Arbitraries.just(Transformer.mutate("awaitIdle", Model::awaitIdle));
    }
  }

  static final class Snapshot implements Action.Independent<Model> {
    @Override
    public Arbitrary<Transformer<Model>> transformer() {
      return Arbitraries.just(Transformer.mutate("snapshot", Model::checkCounters));
    }
  }

  static final class Shutdown implements Action.Dependent<Model> {
    @Override
    public Arbitrary<Transformer<Model>> transformer(Model m) {
      List<Transformer<Model>> choices = new ArrayList<>();
      choices.add(Transformer.mutate("shutdownNow", s -> s.shutdown(0)));
      choices.add(Transformer.mutate("close(1 ms)", s -> s.shutdown(1)));
      if (m.valveOpen || m.terminated) {
        choices.add(Transformer.mutate("close", s -> s.shutdown(-1)));
      }
      return Arbitraries.of(choices);
    }
  }

  // ---------------------------------------------------------------------------- the model

  /** Handlers block here while the test keeps it closed; interruptible. */
  static final class Valve {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition opened = lock.newCondition();
    private boolean open = true;
    private int waiting; // guarded by lock

    void pass() throws InterruptedException {
      lock.lockInterruptibly();
      try {
        waiting++;
        try {
          while (!open) {
            opened.await();
          }
        } finally {
          waiting--;
        }
      } finally {
        lock.unlock();
      }
    }

    /** Handlers now held by the closed valve. */
    int waiting() {
      lock.lock();
      try {
        return open ? 0 : waiting;
      } finally {
        lock.unlock();
      }
    }

    void set(boolean open) {
      lock.lock();
      try {
        this.open = open;
        if (open) {
          opened.signalAll();
        }
      } finally {
        lock.unlock();
      }
    }
  }

  /** The stage under test and the model of it. */
  static final class Model {
    final Policy policy;
    final int capacity;
    final StageGraph graph;
    final Stage<Long> stage;
    final Valve valve = new Valve();
    // kept by the handler and the drop listener
    final Set<Long> entered = ConcurrentHashMap.newKeySet();
    final Set<Long> completed = ConcurrentHashMap.newKeySet();
    final ConcurrentLinkedQueue<Long> dropped = new ConcurrentLinkedQueue<>();
    // the model
    final Set<Long> admittedIds = new LinkedHashSet<>();
    long nextId;
    long rejected;
    int permits;
    int batchSize;
    boolean valveOpen = true;
    boolean terminated;

    Model(Policy policy, int capacity, int permits, int batchSize) {
      this.policy = policy;
      this.capacity = capacity;
      this.permits = permits;
      this.batchSize = batchSize;
      this.graph = StageGraph.builder("model").jmx(false).open();
      GRAPHS.add(graph);
      this.stage =
          graph
              .stage("s", Long.class)
              .capacity(capacity)
              .permits(permits)
              .batchSize(batchSize)
              .onFull(
                  switch (policy) {
                    case BLOCK -> FullQueuePolicy.block();
                    case BLOCK_FOR -> FullQueuePolicy.blockFor(Duration.ofMillis(1));
                    case REJECT -> FullQueuePolicy.reject();
                    case DROP_NEWEST -> FullQueuePolicy.dropNewest();
                    case DROP_OLDEST -> FullQueuePolicy.dropOldest();
                  })
              .onDrop(dropped::add)
              .handler(
                  (e, ctx) -> {
                    entered.add(e);
                    valve.pass();
                    completed.add(e);
                  });
    }

    /**
     * An upper bound of the queue's occupancy: admitted events not dropped and not yet taken by a
     * handler (a handler takes its events after their slots were freed).
     */
    long occupancyBound() {
      Set<Long> out = new HashSet<>(admittedIds);
      out.removeAll(dropped);
      out.removeAll(entered);
      return out.size();
    }

    /** Whether a blocking call for {@code n} events cannot wait for ever. */
    boolean putCannotHang(int n) {
      return terminated || valveOpen || policy != Policy.BLOCK || occupancyBound() + n <= capacity;
    }

    void offer() {
      long id = nextId++;
      boolean room = occupancyBound() < capacity;
      int drops = dropped.size();
      OfferResult r = stage.offer(id);
      if (terminated) {
        assertThat(r).isInstanceOf(OfferResult.Closed.class);
        rejected++;
        return;
      }
      if (room) {
        assertThat(r).as("room was certain").isEqualTo(OfferResult.accepted());
      }
      switch (r) {
        case OfferResult.Accepted a -> {
          admittedIds.add(id);
          if (policy == Policy.DROP_OLDEST && dropped.size() > drops) {
            checkOldestDropped(id);
          }
        }
        case OfferResult.Dropped d -> {
          assertThat(policy).isEqualTo(Policy.DROP_NEWEST);
          admittedIds.add(id);
          assertThat(List.copyOf(dropped)).last().isEqualTo(id);
        }
        case OfferResult.Rejected rej -> {
          assertThat(policy).isIn(Policy.BLOCK, Policy.BLOCK_FOR, Policy.REJECT);
          assertThat(rej.reason()).isEqualTo(RejectionReason.QUEUE_FULL);
          rejected++;
        }
        case OfferResult.Closed c -> throw new AssertionError("closed while open: " + c);
      }
      checkCounters();
    }

    /** dropOldest swapped: the event dropped was admitted, not dropped before, not in a handler. */
    private void checkOldestDropped(long newcomer) {
      Long old = List.copyOf(dropped).get(dropped.size() - 1);
      assertThat(old).isNotEqualTo(newcomer);
      assertThat(admittedIds).contains(old);
      assertThat(entered).doesNotContain(old);
    }

    void put() {
      long id = nextId++;
      boolean room = occupancyBound() < capacity;
      int drops = dropped.size();
      try {
        stage.put(id);
        assertThat(terminated).as("put on a terminated graph returned").isFalse();
        admittedIds.add(id);
        if (policy == Policy.DROP_OLDEST && dropped.size() > drops) {
          checkOldestDropped(id);
        }
      } catch (StageClosedException e) {
        assertThat(terminated).as("closed while open: " + e).isTrue();
        rejected++;
      } catch (StageRejectedException e) {
        assertThat(room).as("rejected with room certain: " + e).isFalse();
        assertThat(policy).isIn(Policy.REJECT, Policy.BLOCK_FOR);
        assertThat(e.reason())
            .isEqualTo(
                policy == Policy.REJECT ? RejectionReason.QUEUE_FULL : RejectionReason.TIMED_OUT);
        rejected++;
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
      checkCounters();
    }

    void bulk(int n, boolean blocking) {
      List<Long> events = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        events.add(nextId++);
      }
      if (n > capacity) {
        assertThatThrownBy(() -> call(events, blocking))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("can never succeed");
        checkCounters(); // nothing counted
        return;
      }
      boolean room = occupancyBound() + n <= capacity;
      boolean admitted;
      try {
        admitted = call(events, blocking);
      } catch (StageClosedException e) {
        assertThat(terminated).as("closed while open: " + e).isTrue();
        admitted = false;
      } catch (StageRejectedException e) {
        admitted = false;
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
      if (n == 0) {
        checkCounters(); // nothing offered, nothing counted
        return;
      }
      if (terminated) {
        assertThat(admitted).isFalse();
      } else if (room) {
        assertThat(admitted).as("room for all was certain").isTrue();
      }
      if (admitted) {
        admittedIds.addAll(events);
      } else {
        rejected += n;
      }
      checkCounters();
    }

    /** putAll or offerAll; returns whether the events were admitted (or throws). */
    private boolean call(List<Long> events, boolean blocking) throws InterruptedException {
      if (blocking) {
        stage.putAll(events);
        return true;
      }
      OfferResult r = stage.offerAll(events);
      if (r instanceof OfferResult.Closed c) {
        throw new StageClosedException(c.message());
      }
      return r.admitted();
    }

    void tune(boolean isPermits, int n) {
      if (n < 1) {
        assertThatThrownBy(() -> set(isPermits, n))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage((isPermits ? "permits" : "batchSize") + " must be at least 1, was " + n);
      } else {
        set(isPermits, n);
        if (isPermits) {
          permits = n;
        } else {
          batchSize = n;
        }
      }
      assertThat(stage.permits()).isEqualTo(permits);
      assertThat(stage.batchSize()).isEqualTo(batchSize);
    }

    private void set(boolean isPermits, int n) {
      if (isPermits) {
        stage.setPermits(n);
      } else {
        stage.setBatchSize(n);
      }
    }

    void valve(boolean open) {
      valveOpen = open;
      valve.set(open);
    }

    /**
     * With the valve open (or after termination) the graph must become idle, every admitted event
     * completed or dropped. With it closed, once every handler that took an event is either done or
     * held by the valve: idle exactly when no handler is held and every admitted event was taken (a
     * handler held by the valve, or an event not taken yet, can never end).
     */
    void awaitIdle() {
      try {
        if (terminated || valveOpen) {
          assertThat(graph.awaitIdle(PATIENCE)).as("idle").isTrue();
          if (!terminated) {
            assertThat(completed).hasSize(admittedIds.size() - dropped.size());
          }
        } else {
          org.awaitility.Awaitility.await()
              .atMost(PATIENCE)
              .pollDelay(Duration.ZERO)
              .pollInterval(Duration.ofMillis(1))
              .until(() -> unfinishedTaken() == valve.waiting());
          boolean stuck = valve.waiting() > 0 || occupancyBound() > 0;
          if (stuck) {
            assertThat(graph.awaitIdle(Duration.ZERO)).as("idle").isFalse();
          } else {
            assertThat(graph.awaitIdle(PATIENCE)).as("idle").isTrue();
          }
        }
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
      checkCounters();
    }

    /** Events a handler took and did not complete. */
    private int unfinishedTaken() {
      Set<Long> out = new HashSet<>(entered);
      out.removeAll(completed);
      return out.size();
    }

    /** The counters the model knows exactly, and the invariant. */
    void checkCounters() {
      StageSnapshot s = stage.snapshot();
      assertThat(s.counts().admitted()).as("admitted").isEqualTo(admittedIds.size());
      assertThat(s.counts().rejected()).as("rejected").isEqualTo(rejected);
      assertThat(s.counts().dropped()).as("dropped").isEqualTo(dropped.size());
      assertThat(s.queue().queued()).as("queued").isBetween(0, capacity);
      assertThat(s.counts().admitted())
          .as("admitted >= ended + queued + in flight")
          .isGreaterThanOrEqualTo(
              s.counts().finished() + s.queue().queued() + s.handlers().inFlight());
      assertThat(s.counts().completed())
          .as("completed <= handler completions")
          .isLessThanOrEqualTo(completed.size());
      assertThat(s.handlers().permits()).isEqualTo(permits);
      assertThat(s.handlers().batchSize()).isEqualTo(batchSize);
      assertThat(s.counts().failed()).isZero();
    }

    /** close() (-1), close(1 ms) (1) or shutdownNow() (0). */
    void shutdown(int how) {
      if (terminated) {
        ShutdownReport again =
            how < 0 ? null : how == 0 ? graph.shutdownNow() : graph.close(Duration.ofMillis(1));
        if (how < 0) {
          graph.close();
        }
        if (again != null) {
          assertThat(again)
              .as("a second shutdown returns the termination's report")
              .isEqualTo(graph.shutdownReport().orElseThrow());
        }
        return;
      }
      ShutdownReport report;
      if (how < 0) {
        graph.close();
        report = null;
      } else {
        report = how == 0 ? graph.shutdownNow() : graph.close(Duration.ofMillis(1));
      }
      terminated = true;
      assertThat(graph.state()).isEqualTo(StageGraph.State.TERMINATED);
      StageSnapshot s = stage.snapshot();
      assertThat(s.balanced()).as("balanced: " + s).isTrue();
      assertThat(s.queue().queued() + s.handlers().inFlight()).isZero();
      assertThat(s.counts().completed()).isEqualTo(completed.size());
      // Every admitted event completed, was dropped, or is in the report.
      Set<Long> unfinished = new LinkedHashSet<>(admittedIds);
      unfinished.removeAll(dropped);
      unfinished.removeAll(completed);
      if (report == null || report.graceful()) {
        assertThat(unfinished).as("a graceful close finishes everything").isEmpty();
      }
      if (report != null) {
        assertThat(report.unstoppedThreads()).isEmpty();
        Set<Long> reported = new HashSet<>();
        for (UnprocessedEvent u : report.unprocessed()) {
          assertThat(u.stage()).isEqualTo("s");
          assertThat(reported.add((Long) u.event())).as("reported once: " + u).isTrue();
          assertThat(u.started()).isEqualTo(entered.contains((Long) u.event()));
        }
        assertThat(reported).as("report == admitted - completed - dropped").isEqualTo(unfinished);
        assertThat(s.counts().cancelled()).isEqualTo(unfinished.size());
      }
      checkCounters();
    }

    @Override
    public String toString() {
      return "stage(" + policy + ", capacity " + capacity + ")";
    }
  }
}
