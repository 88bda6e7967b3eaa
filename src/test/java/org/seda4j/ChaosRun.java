package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.seda4j.ChaosPlan.Link;
import org.seda4j.ChaosPlan.OnFailure;
import org.seda4j.ChaosPlan.Output;
import org.seda4j.ChaosPlan.StageSpec;
import org.seda4j.observe.GraphSnapshot;
import org.seda4j.observe.ShutdownReport;
import org.seda4j.observe.StageSnapshot;

/**
 * Runs one {@link ChaosPlan} and checks the accounting of every event exactly.
 *
 * <p>Every event carries a run-unique id, and every party keeps books on it: producers and emitting
 * handlers count what each stage told them (admitted: a normal return, {@code Accepted}, {@code
 * Dropped}; not admitted: {@code Rejected}, {@code Closed} or an exception), handlers count the
 * events they returned from normally and those they threw on, drop listeners count what they were
 * handed. Besides counts the books keep a fingerprint of each set (the sum of a 64-bit hash of the
 * ids), so that the check is on which events, not only how many. After the graph terminated:
 *
 * <ul>
 *   <li>per stage: nothing queued, in flight or running; {@code admitted == completed + failed +
 *       cancelled + dropped};
 *   <li>callers' side: the stage's {@code admitted} and {@code rejected} equal what its callers
 *       were told; {@code completed} equals the handler's normal returns; {@code dropped} equals
 *       the drop listener's calls;
 *   <li>the events: admitted = completed + thrown-on + dropped + cancelled-before-the-handler, as
 *       fingerprints; events the handler threw on are exactly the failed ones plus those the report
 *       lists as cancelled after their handler started;
 *   <li>the shutdown report lists every cancelled event exactly once, per stage, and names no
 *       unstopped thread; a graceful end cancelled nothing;
 *   <li>the dead-letter stage was offered exactly one dead letter per failure of the stages routing
 *       to it;
 *   <li>no thread of the graph is alive.
 * </ul>
 */
final class ChaosRun {

  /** An event: a run-unique id, and how many more times it may go round a cycle. */
  record Ev(long id, int ttl) {}

  /** A handler's simulated failure: cheap (no stack trace). */
  static final class Boom extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Boom(String message) {
      super(message, null, false, false);
    }
  }

  /** What happened to a run, for the suite's totals. */
  record Outcome(
      ChaosPlan.Shutdown shutdown,
      boolean graphFailed,
      long entryOffered,
      long admitted,
      long completed,
      long failed,
      long cancelled,
      long dropped,
      long rejected) {}

  /** The books one stage's callers, handler and drop listener keep. */
  static final class Tally {
    final LongAdder admitted = new LongAdder();
    final LongAdder admittedFp = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder completed = new LongAdder();
    final LongAdder completedFp = new LongAdder();
    final LongAdder threw = new LongAdder();
    final LongAdder threwFp = new LongAdder();
    final LongAdder dropped = new LongAdder();
    final LongAdder droppedFp = new LongAdder();
    final Set<Long> thrownKeys = ConcurrentHashMap.newKeySet();

    void admitted(long key) {
      admitted.increment();
      admittedFp.add(key);
    }

    void count(long key, OfferResult result) {
      switch (result) {
        case OfferResult.Accepted a -> admitted(key);
        case OfferResult.Dropped d -> admitted(key);
        case OfferResult.Rejected r -> rejected.increment();
        case OfferResult.Closed c -> rejected.increment();
      }
    }

    void completed(long key) {
      completed.increment();
      completedFp.add(key);
    }

    void threw(long key) {
      threw.increment();
      threwFp.add(key);
      thrownKeys.add(key);
    }

    void dropped(long key) {
      dropped.increment();
      droppedFp.add(key);
    }
  }

  private static final Duration PATIENCE = Duration.ofSeconds(60);
  private static final long DEAD_LETTER_SALT = 0x5DEECE66DL;

  private final ChaosPlan plan;
  private final long seed;
  private final String graphName;
  private final StageGraph graph;
  private final List<Stage<Ev>> stages = new ArrayList<>();
  private final Stage<DeadLetter> deadLetters;
  private final Tally[] tallies;
  private final Tally dlqTally = new Tally();
  private final AtomicLong ids = new AtomicLong();
  private final AtomicLong entryAdmitted = new AtomicLong();
  private final AtomicLong entryOffered = new AtomicLong();
  private final CountDownLatch cut = new CountDownLatch(1);
  private final long cutAfter;
  private final ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
  private final List<Thread> producers = new ArrayList<>();
  private volatile boolean stop;

  ChaosRun(ChaosPlan plan) {
    this.plan = plan;
    this.seed = plan.seed();
    this.graphName = "chaos-" + Long.toHexString(seed);
    this.cutAfter = Math.max(1, (long) (plan.quota() * plan.cutFraction()));
    this.graph =
        StageGraph.builder(graphName)
            .interruptGrace(Duration.ofSeconds(30)) // stubborn handlers here stop within 1 ms
            .samplePeriod(plan.samplePeriod())
            .jmx(plan.jmx())
            .latencyStatistics(plan.latencyStatistics())
            .open();
    this.tallies = new Tally[plan.stages().size()];
    for (int i = 0; i < tallies.length; i++) {
      tallies[i] = new Tally();
    }
    StageSpec d = plan.deadLetters();
    Stage.Builder<DeadLetter> dlq =
        graph
            .stage(d.name(), DeadLetter.class)
            .capacity(d.capacity())
            .onFull(d.fullQueuePolicy())
            .onDrop(dl -> dlqTally.dropped(deadLetterKey(dl)));
    if (d.permits() > 0) {
      dlq.permits(d.permits());
    }
    if (d.batchSize() > 0) {
      dlq.batchSize(d.batchSize());
    }
    this.deadLetters =
        dlq.handler(
            (dl, ctx) -> {
              long key = deadLetterKey(dl);
              try {
                faults(d, ((Ev) dl.event()).id());
              } catch (Throwable t) {
                dlqTally.threw(key);
                throw t;
              }
              dlqTally.completed(key);
            });
    for (StageSpec spec : plan.stages()) {
      stages.add(build(spec));
    }
  }

  // ------------------------------------------------------------------------------ the graph

  private Stage<Ev> build(StageSpec spec) {
    Tally t = tallies[spec.index()];
    Stage.Builder<Ev> b =
        graph
            .stage(spec.name(), Ev.class)
            .capacity(spec.capacity())
            .onFull(spec.fullQueuePolicy())
            .onDrop(ev -> t.dropped(key(ev)))
            .onFailure(
                switch (spec.onFailure()) {
                  case LOG -> FailurePolicy.logAndCount();
                  case DEAD_LETTER -> FailurePolicy.deadLetter(deadLetters);
                  case FAIL_GRAPH -> FailurePolicy.failGraph();
                });
    if (spec.permits() > 0) {
      b.permits(spec.permits());
    }
    if (spec.batchSize() > 0) {
      b.batchSize(spec.batchSize());
    }
    if (spec.batchHandler()) {
      return b.batchHandler(
          (batch, ctx) -> {
            try {
              for (int i = 0; i < batch.size(); i++) {
                body(spec, batch.get(i), ctx, i == 0);
              }
            } catch (Throwable x) {
              for (Ev ev : batch) {
                t.threw(key(ev));
              }
              throw x;
            }
            for (Ev ev : batch) {
              t.completed(key(ev));
            }
          });
    }
    return b.handler(
        (ev, ctx) -> {
          try {
            body(spec, ev, ctx, true);
          } catch (Throwable x) {
            t.threw(key(ev));
            throw x;
          }
          t.completed(key(ev));
        });
  }

  /** A handler's work on one event: faults, sending on, failure. */
  private void body(StageSpec spec, Ev ev, StageContext ctx, boolean mayFail) throws Exception {
    long id = ev.id();
    faults(spec, id);
    int salt = (spec.index() + 2) * 7919;
    boolean fail = mayFail && fault(salt + 4, id, spec.failPerMille(), 1000);
    boolean failGraph =
        spec.onFailure() == OnFailure.FAIL_GRAPH
            && fault(salt + 5, id, spec.failGraphPerTenThousand(), 10_000);
    if ((fail || failGraph) && (id & 1) == 0) {
      throw new Boom(spec.name() + " fails before sending on, on event " + id);
    }
    for (Output o : spec.outputs()) {
      send(ctx, o, ev);
    }
    if (fail || failGraph) {
      throw new Boom(spec.name() + " fails after sending on, on event " + id);
    }
  }

  /** Slow, stubborn and throw-from-finally faults, decided by the seed and the event. */
  private void faults(StageSpec spec, long id) throws InterruptedException {
    int salt = (spec.index() + 2) * 7919;
    if (fault(salt + 1, id, spec.slowPerMille(), 1000)) {
      Thread.sleep(Duration.ofNanos(10_000 + Math.floorMod(mix(id ^ salt), 190_000)));
    }
    if (fault(salt + 2, id, spec.stubbornPerMille(), 1000)) {
      ignoreInterruptsFor(1_000_000);
    }
    if (fault(salt + 3, id, spec.finallyPerMille(), 1000)) {
      sleepThenThrowFromFinally(spec.name(), id);
    }
  }

  /** Waits {@code nanos}, swallowing every interrupt: the misbehaving handler under test. */
  private static void ignoreInterruptsFor(long nanos) {
    long end = System.nanoTime() + nanos;
    long left;
    while ((left = end - System.nanoTime()) > 0) {
      try {
        Thread.sleep(Duration.ofNanos(left));
      } catch (InterruptedException ignored) {
        // ignored on purpose
      }
    }
  }

  /** Sleeps, then throws from a finally block, which replaces an interrupt while sleeping. */
  @SuppressWarnings({"finally", "Finally"}) // the misbehaviour under test
  private static void sleepThenThrowFromFinally(String stage, long id) throws InterruptedException {
    try {
      Thread.sleep(Duration.ofNanos(50_000));
    } finally {
      throw new Boom(stage + " throws from a finally block on event " + id);
    }
  }

  /** Sends a new event on along {@code o}, counting what the target said. */
  private void send(StageContext ctx, Output o, Ev parent) throws InterruptedException {
    int ttl = parent.ttl();
    if (o.back()) {
      if (ttl == 0) {
        return;
      }
      ttl--;
    }
    Ev child = new Ev(ids.incrementAndGet(), ttl);
    long key = key(child);
    Stage<Ev> target = stages.get(o.target());
    Tally t = tallies[o.target()];
    if (o.link() == Link.OFFER) {
      OfferResult r;
      try {
        r = ctx.offer(target, child);
      } catch (RuntimeException e) {
        t.rejected.increment();
        expect(e);
        throw e;
      }
      t.count(key, r);
      return;
    }
    try {
      if (o.link() == Link.EMIT) {
        ctx.emit(target, child);
      } else {
        target.put(child);
      }
      t.admitted(key);
    } catch (StageRejectedException e) {
      t.rejected.increment(); // full under reject or blockFor: go on with the next output
    } catch (InterruptedException e) {
      t.rejected.increment();
      throw e;
    } catch (RuntimeException e) {
      t.rejected.increment();
      expect(e);
      throw e;
    }
  }

  private void expect(RuntimeException e) {
    if (!(e instanceof StageClosedException || e instanceof GraphFailedException)) {
      unexpected.add(e);
    }
  }

  // ------------------------------------------------------------------------------ producers

  /** Mixes put, offer, putAll and offerAll until the quota or a closed graph; adds chaos. */
  private void produce(int p) {
    Random random = new Random(mix(seed + 31L * (p + 1)));
    Tally t = tallies[0];
    Stage<Ev> entry = stages.get(0);
    int room = Math.min(64, entry.capacity());
    long backOff = 20_000;
    while (!stop && entryAdmitted.get() < plan.quota()) {
      // An interrupt from another producer that did not find this one waiting: drop it, or the
      // back-off below would not park (parkNanos returns at once while the flag is set).
      Thread.interrupted();
      int op = random.nextInt(1000);
      if (op < 20) {
        knob(random);
        continue;
      }
      if (op < 25 && producers.size() > 1) {
        producers.get(random.nextInt(producers.size())).interrupt(); // maybe itself
        continue;
      }
      if (op < 27) {
        tooMany(entry, random.nextBoolean());
        continue;
      }
      int n = op < 600 ? 1 : 1 + random.nextInt(room);
      List<Ev> events = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        events.add(new Ev(ids.incrementAndGet(), random.nextInt(plan.maxTtl() + 1)));
      }
      entryOffered.addAndGet(n);
      boolean admitted = false;
      boolean closed = false;
      try {
        if (op < 350) {
          entry.put(events.get(0));
          admitted = true;
        } else if (op < 600) {
          OfferResult r = entry.offer(events.get(0));
          admitted = r.admitted();
          closed = r instanceof OfferResult.Closed;
        } else if (op < 800) {
          entry.putAll(events);
          admitted = true;
        } else {
          OfferResult r = entry.offerAll(events);
          admitted = r.admitted();
          closed = r instanceof OfferResult.Closed;
        }
      } catch (StageRejectedException | InterruptedException e) {
        // not admitted; an interrupt here came from another producer (chaos)
      } catch (StageClosedException | GraphFailedException e) {
        closed = true;
      } catch (RuntimeException e) {
        unexpected.add(e);
        closed = true;
      }
      if (admitted) {
        for (Ev ev : events) {
          t.admitted(key(ev));
        }
        if (entryAdmitted.addAndGet(n) >= cutAfter) {
          cut.countDown();
        }
        backOff = 20_000;
      } else {
        t.rejected.add(n);
        backOff = backOff(backOff);
      }
      if (closed) {
        return;
      }
    }
  }

  /**
   * A well-behaved client's retry policy after a rejection: waits 20 us, doubling up to 1 ms while
   * rejections go on (part of the simulated workload, not a synchronisation of the test). Retrying
   * at once would let producers that spin on rejected offers (platform threads competing for the
   * two cores, or virtual threads that are never preempted) starve the stages' own threads.
   */
  private static long backOff(long nanos) {
    java.util.concurrent.locks.LockSupport.parkNanos(nanos);
    return Math.min(1_000_000, nanos * 2);
  }

  /** putAll/offerAll of more events than the capacity: refused before anything is counted. */
  private void tooMany(Stage<Ev> entry, boolean blocking) {
    List<Ev> events = new ArrayList<>();
    for (int i = 0; i <= entry.capacity(); i++) {
      events.add(new Ev(-1 - i, 0)); // never admitted, so never counted
    }
    try {
      if (blocking) {
        entry.putAll(events);
      } else {
        entry.offerAll(events);
      }
      unexpected.add(new AssertionError("putAll/offerAll over the capacity was accepted"));
    } catch (IllegalArgumentException expected) {
      // can never succeed: refused
    } catch (InterruptedException | RuntimeException e) {
      unexpected.add(e);
    }
  }

  /** Changes a random stage's permits or batch size by hand, or hands them back. */
  private void knob(Random random) {
    List<Stage<?>> all = graph.stages();
    Stage<?> s = all.get(random.nextInt(all.size()));
    switch (random.nextInt(5)) {
      case 0, 1 -> s.setPermits(1 + random.nextInt(6));
      case 2, 3 -> s.setBatchSize(random.nextBoolean() ? 1 : 1 + random.nextInt(128));
      default -> s.releaseOverrides();
    }
  }

  // ------------------------------------------------------------------------------ the run

  Outcome execute() throws Exception {
    for (int p = 0; p < plan.producers(); p++) {
      int id = p;
      Thread.Builder builder = plan.virtualProducers() ? Thread.ofVirtual() : Thread.ofPlatform();
      producers.add(builder.name(graphName + "-producer-" + p).unstarted(() -> produce(id)));
    }
    producers.forEach(Thread::start);
    try {
      return runAndCheck();
    } finally {
      stop = true;
      if (graph.state() != StageGraph.State.TERMINATED) { // the run failed: leave nothing behind
        try {
          graph.shutdownNow();
        } catch (GraphFailedException ignored) {
          // the run failed already
        }
      }
      for (Thread t : producers) {
        t.join(PATIENCE);
      }
    }
  }

  private Outcome runAndCheck() throws Exception {
    List<ShutdownReport> reports = new ArrayList<>();
    boolean graphFailed = false;
    try {
      switch (plan.shutdown()) {
        case NONE -> {
          joinProducers();
          try {
            assertThat(graph.awaitIdle(PATIENCE)).as(context("idle")).isTrue();
            GraphSnapshot idle = graph.snapshot();
            assertThat(idle.balanced()).as(context("balanced when idle") + idle).isTrue();
          } catch (GraphFailedException e) {
            // a failGraph stage failed; close() below rethrows it with the report
          }
          graph.close();
        }
        case CLOSE -> {
          awaitCut();
          graph.close();
        }
        case DEADLINE -> {
          awaitCut();
          reports.add(graph.close(plan.closeDeadline()));
        }
        case NOW -> {
          awaitCut();
          reports.add(graph.shutdownNow());
        }
        case RACE -> {
          awaitCut();
          FutureTask<ShutdownReport> now = new FutureTask<>(graph::shutdownNow);
          Thread other = Thread.ofPlatform().name(graphName + "-shutdownNow").start(now);
          ShutdownReport mine;
          try {
            mine = graph.close(plan.closeDeadline());
          } finally {
            other.join(PATIENCE);
          }
          reports.add(mine);
          try {
            // Every caller gets the termination's one report (counted once here).
            assertThat(now.get()).as(context("the racing callers' reports")).isSameAs(mine);
          } catch (ExecutionException e) {
            if (e.getCause() instanceof GraphFailedException g) {
              throw g;
            }
            throw e;
          }
        }
        case INTERRUPTED_CLOSE -> {
          awaitCut();
          FutureTask<ShutdownReport> close =
              new FutureTask<>(() -> graph.close(Duration.ofDays(1)));
          Thread closer = Thread.ofPlatform().name(graphName + "-closer").start(close);
          await()
              .atMost(PATIENCE)
              .pollDelay(Duration.ZERO)
              .pollInterval(Duration.ofMillis(1))
              .until(() -> graph.state() != StageGraph.State.OPEN);
          closer.interrupt();
          assertThat(closer.join(PATIENCE)).as(context("closer ended")).isTrue();
          try {
            reports.add(close.get());
          } catch (ExecutionException e) {
            if (e.getCause() instanceof GraphFailedException g) {
              throw g;
            }
            throw e;
          }
        }
      }
    } catch (GraphFailedException e) {
      graphFailed = true;
      reports.clear(); // every close call's exception carries the one full report
      reports.add(
          e.report().orElseThrow(() -> new AssertionError(context("no report on " + e), e)));
    }
    assertThat(graph.state()).as(context("state")).isEqualTo(StageGraph.State.TERMINATED);
    assertThat(graph.failure().isPresent()).as(context("failure")).isEqualTo(graphFailed);
    joinProducers();
    GraphSnapshot end = graph.snapshot();
    check(end, reports);
    assertThat(ThreadDump.threadsOf(graphName)).as(context("threads left")).isEmpty();
    long admitted = end.admitted();
    long completed = end.stages().stream().mapToLong(s -> s.counts().completed()).sum();
    long failed = end.stages().stream().mapToLong(s -> s.counts().failed()).sum();
    long cancelled = end.stages().stream().mapToLong(s -> s.counts().cancelled()).sum();
    long dropped = end.stages().stream().mapToLong(s -> s.counts().dropped()).sum();
    return new Outcome(
        plan.shutdown(),
        graphFailed,
        entryOffered.get(),
        admitted,
        completed,
        failed,
        cancelled,
        dropped,
        end.rejected());
  }

  private void awaitCut() throws InterruptedException {
    while (!cut.await(10, TimeUnit.MILLISECONDS)) {
      if (graph.failure().isPresent() || producers.stream().noneMatch(Thread::isAlive)) {
        return; // a failGraph failure ended the run early, or the quota was met first
      }
    }
  }

  private void joinProducers() throws InterruptedException {
    for (Thread t : producers) {
      if (!t.join(PATIENCE)) {
        throw new AssertionError(
            context(t + " did not end; it is at " + java.util.Arrays.toString(t.getStackTrace()))
                + graph.snapshot());
      }
    }
  }

  // ------------------------------------------------------------------------------ checks

  private String context(String what) {
    return "chaos seed "
        + seed
        + " (rerun: ./mvnw -B verify -Dtest=ChaosConservationTest -Dseda4j.chaos.seed="
        + seed
        + ")\n"
        + plan
        + "\n"
        + what
        + "\n";
  }

  private void check(GraphSnapshot end, List<ShutdownReport> reports) {
    String context = context("after termination") + end + "\n" + reports;
    assertThat(unexpected).as(context + "\nunexpected exceptions").isEmpty();

    boolean graceful = reports.isEmpty() || reports.stream().allMatch(ShutdownReport::graceful);
    Map<String, Long> reportedNotStarted = new HashMap<>();
    Map<String, Long> reportedStarted = new HashMap<>();
    Map<String, Long> notStartedFp = new HashMap<>();
    Set<String> distinct = new HashSet<>();
    for (ShutdownReport report : reports) {
      assertThat(report.unstoppedThreads()).as(context).isEmpty();
      for (UnprocessedEvent u : report.unprocessed()) {
        long key =
            switch (u.event()) {
              case Ev ev -> key(ev);
              case DeadLetter dl -> deadLetterKey(dl);
              default -> throw new AssertionError(context + "\nunexpected event " + u);
            };
        assertThat(distinct.add(u.stage() + "/" + key))
            .as(context + "\nreported twice: " + u)
            .isTrue();
        Tally t = tally(u.stage());
        if (u.started()) {
          reportedStarted.merge(u.stage(), 1L, Long::sum);
          assertThat(t.thrownKeys)
              .as(context + "\nreported as started, but its handler did not throw: " + u)
              .contains(key);
        } else {
          reportedNotStarted.merge(u.stage(), 1L, Long::sum);
          notStartedFp.merge(u.stage(), key, Long::sum);
        }
      }
    }

    long deadLettersExpected = 0;
    for (StageSnapshot s : end.stages()) {
      String what = context + "\nstage " + s.name() + ": ";
      Tally t = tally(s.name());
      long started = reportedStarted.getOrDefault(s.name(), 0L);
      long notStarted = reportedNotStarted.getOrDefault(s.name(), 0L);
      assertThat(s.queue().queued()).as(what + "queued").isZero();
      assertThat(s.handlers().inFlight()).as(what + "inFlight").isZero();
      assertThat(s.handlers().active()).as(what + "activeHandlers").isZero();
      assertThat(s.counts().admitted())
          .as(what + "admitted == completed + failed + cancelled + dropped")
          .isEqualTo(s.counts().finished());
      assertThat(s.counts().completed())
          .as(what + "completed == handler returns")
          .isEqualTo(t.completed.sum());
      assertThat(s.counts().dropped())
          .as(what + "dropped == drop listener calls")
          .isEqualTo(t.dropped.sum());
      assertThat(t.threw.sum())
          .as(what + "handler throws == failed + cancelled after start")
          .isEqualTo(s.counts().failed() + started);
      if (graceful) {
        assertThat(s.counts().cancelled()).as(what + "cancelled after a graceful end").isZero();
      } else {
        assertThat(started + notStarted)
            .as(what + "events in the report == cancelled")
            .isEqualTo(s.counts().cancelled());
      }
      if (s.name().equals(plan.deadLetters().name())) {
        continue; // its callers are the engine's dead-letter routing: checked below
      }
      assertThat(s.counts().admitted())
          .as(what + "admitted == callers told admitted")
          .isEqualTo(t.admitted.sum());
      assertThat(s.counts().rejected())
          .as(what + "rejected == callers told rejected")
          .isEqualTo(t.rejected.sum());
      assertThat(t.admittedFp.sum())
          .as(what + "admitted events == completed + thrown on + dropped + cancelled before start")
          .isEqualTo(
              t.completedFp.sum()
                  + t.threwFp.sum()
                  + t.droppedFp.sum()
                  + notStartedFp.getOrDefault(s.name(), 0L));
      int index = indexOf(s.name());
      if (plan.stages().get(index).onFailure() == OnFailure.DEAD_LETTER) {
        deadLettersExpected += s.counts().failed();
      }
    }
    StageSnapshot dlq = stage(end, plan.deadLetters().name());
    assertThat(dlq.counts().offered())
        .as(context + "\ndead letters offered == failures of the stages routing to them")
        .isEqualTo(deadLettersExpected);
    if (plan.topology() != ChaosPlan.Topology.CYCLE) { // else the entry has callers in the graph
      assertThat(stage(end, "entry").counts().offered())
          .as(context + "\nevents producers offered == admitted + rejected at the entry")
          .isEqualTo(entryOffered.get());
    }
  }

  private Tally tally(String stage) {
    if (stage.equals(plan.deadLetters().name())) {
      return dlqTally;
    }
    return tallies[indexOf(stage)];
  }

  private int indexOf(String stage) {
    for (StageSpec s : plan.stages()) {
      if (s.name().equals(stage)) {
        return s.index();
      }
    }
    throw new AssertionError("no stage " + stage);
  }

  private static StageSnapshot stage(GraphSnapshot snap, String name) {
    return snap.stages().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
  }

  // ------------------------------------------------------------------------------ hashing

  /**
   * Whether the fault identified by {@code salt} hits event {@code id}: {@code per} in {@code of}.
   */
  private boolean fault(int salt, long id, int per, int of) {
    return per > 0 && Math.floorMod(mix(seed ^ mix(id * 31 + salt)), of) < per;
  }

  static long key(Ev ev) {
    return mix(ev.id() * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L);
  }

  static long deadLetterKey(DeadLetter dl) {
    return mix(key((Ev) dl.event()) ^ DEAD_LETTER_SALT);
  }

  /** A 64-bit finaliser (SplitMix64): spreads a seed or an id over all bits. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
