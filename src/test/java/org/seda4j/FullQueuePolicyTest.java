package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.seda4j.testing.Await.TIMEOUT;
import static org.seda4j.testing.Await.eventually;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.seda4j.observe.StageSnapshot;
import org.seda4j.testing.Background;
import org.seda4j.testing.Gate;

/**
 * What each {@link FullQueuePolicy} does to a producer when the stage's queue is full.
 *
 * <p>Every test builds the same deterministic situation: a stage with capacity 2, one permit and
 * batch size 1 whose handler waits on a gate. The first event is taken by the dispatcher into the
 * (blocked) handler, the next two fill the queue. Nothing drains until the test opens the gate.
 */
@Timeout(30)
class FullQueuePolicyTest {

  private static final int CAPACITY = 2;

  /** A stage whose handler waits at the gate, then records the event. */
  private static final class GatedStage {
    final List<String> handled = new CopyOnWriteArrayList<>();
    final List<String> droppedEvents = new CopyOnWriteArrayList<>();
    final List<Thread> dropListenerThreads = new CopyOnWriteArrayList<>();
    final Stage<String> stage;

    GatedStage(StageGraph graph, String name, FullQueuePolicy policy, Gate gate) {
      this.stage =
          gate.stage(
              graph
                  .stage(name, String.class)
                  .capacity(CAPACITY)
                  .permits(1)
                  .batchSize(1)
                  .onFull(policy)
                  .onDrop(
                      e -> {
                        droppedEvents.add(e);
                        dropListenerThreads.add(Thread.currentThread());
                      }),
              handled);
    }

    /** e1 into the blocked handler, e2 and e3 into the queue: the queue is then full. */
    void fill() throws InterruptedException {
      stage.put("e1");
      eventually().until(() -> stage.snapshot().handlers().active() == 1);
      stage.put("e2");
      stage.put("e3");
      StageSnapshot s = stage.snapshot();
      assertThat(s.queue().queued()).isEqualTo(CAPACITY);
      assertThat(s.handlers().inFlight()).isEqualTo(1);
      assertThat(s.counts().admitted()).isEqualTo(3);
    }
  }

  /** Awaitility, polling often: the conditions here become true within microseconds. */
  private static void assertIdle(StageGraph graph) throws InterruptedException {
    assertThat(graph.awaitIdle(TIMEOUT)).as("graph quiescent").isTrue();
  }

  // ------------------------------------------------------------------ BLOCK

  @Test
  void blockPolicyMakesPutWaitForRoomAndCompleteOnceTheHandlerDrains() throws Exception {
    try (StageGraph graph = StageGraph.open("block-put");
        Gate gate = new Gate()) {
      // given a full queue under BLOCK
      GatedStage g = new GatedStage(graph, "sink", FullQueuePolicy.block(), gate);
      g.fill();

      // when a producer puts one more event
      Background<Void> producer = Background.run("producer", () -> g.stage.put("e4"));

      // then it waits for room, visibly, and nothing is admitted meanwhile
      eventually().until(() -> g.stage.snapshot().queue().blockedProducers() == 1);
      eventually().until(() -> producer.thread().getState() == Thread.State.WAITING);
      assertThat(producer.thread().isAlive()).isTrue();
      assertThat(g.stage.snapshot().counts().admitted()).isEqualTo(3);
      assertThat(g.stage.snapshot().queue().queued()).isEqualTo(CAPACITY);

      // when the handler is released
      gate.open();

      // then the put completes and every event is handled in order
      producer.awaitEnd();
      assertThat(producer.failure()).isNull();
      assertIdle(graph);
      assertThat(g.handled).containsExactly("e1", "e2", "e3", "e4");
      StageSnapshot s = g.stage.snapshot();
      assertThat(s.counts().offered()).isEqualTo(4);
      assertThat(s.counts().admitted()).isEqualTo(4);
      assertThat(s.counts().rejected()).isZero();
      assertThat(s.counts().completed()).isEqualTo(4);
      assertThat(s.counts().dropped()).isZero();
      assertThat(s.queue().blockedProducers()).isZero();
      assertThat(s.queue().queued()).isZero();
      assertThat(s.handlers().inFlight()).isZero();
      assertThat(s.balanced()).isTrue();
    }
  }

  @Test
  void blockPolicyOfferOnFullQueueReturnsRejectedQueueFullWithoutWaiting() throws Exception {
    try (StageGraph graph = StageGraph.open("block-offer");
        Gate gate = new Gate()) {
      // given a full queue under BLOCK
      GatedStage g = new GatedStage(graph, "sink", FullQueuePolicy.block(), gate);
      g.fill();

      // when an event is offered (on this thread: if offer waited, the test would time out)
      OfferResult result = g.stage.offer("e4");

      // then it is rejected at once, with a reason and a message that explains it
      assertThat(result).isInstanceOf(OfferResult.Rejected.class);
      OfferResult.Rejected rejected = (OfferResult.Rejected) result;
      assertThat(rejected.admitted()).isFalse();
      assertThat(rejected.stage()).isEqualTo("sink");
      assertThat(rejected.reason()).isEqualTo(RejectionReason.QUEUE_FULL);
      assertThat(rejected.message()).contains("sink", "capacity " + CAPACITY, "BLOCK");
      assertThat(g.stage.snapshot().queue().blockedProducers()).isZero();
      assertThat(g.stage.snapshot().queue().queued()).isEqualTo(CAPACITY);

      // and after draining, the rejected event is counted and never handled
      gate.open();
      assertIdle(graph);
      assertThat(g.handled).containsExactly("e1", "e2", "e3");
      StageSnapshot s = g.stage.snapshot();
      assertThat(s.counts().offered()).isEqualTo(4);
      assertThat(s.counts().admitted()).isEqualTo(3);
      assertThat(s.counts().rejected()).isEqualTo(1);
      assertThat(s.counts().completed()).isEqualTo(3);
      assertThat(s.counts().dropped()).isZero();
      assertThat(s.balanced()).isTrue();
    }
  }

  @Test
  void blockPolicyPutInterruptedWhileWaitingThrowsInterruptedExceptionAndAdmitsNothing()
      throws Exception {
    try (StageGraph graph = StageGraph.open("block-interrupt");
        Gate gate = new Gate()) {
      // given a producer waiting for room under BLOCK
      GatedStage g = new GatedStage(graph, "sink", FullQueuePolicy.block(), gate);
      g.fill();
      Background<Void> producer = Background.run("producer", () -> g.stage.put("e4"));
      eventually().until(() -> g.stage.snapshot().queue().blockedProducers() == 1);

      // when the producer is interrupted
      producer.thread().interrupt();

      // then its put throws InterruptedException and the event is rejected, not admitted
      producer.awaitEnd();
      assertThat(producer.failure()).isInstanceOf(InterruptedException.class);
      assertThat(g.stage.snapshot().queue().blockedProducers()).isZero();
      assertThat(g.stage.snapshot().queue().queued()).isEqualTo(CAPACITY);

      gate.open();
      assertIdle(graph);
      assertThat(g.handled).containsExactly("e1", "e2", "e3");
      StageSnapshot s = g.stage.snapshot();
      assertThat(s.counts().offered()).isEqualTo(4);
      assertThat(s.counts().admitted()).isEqualTo(3);
      assertThat(s.counts().rejected()).isEqualTo(1);
      assertThat(s.counts().completed()).isEqualTo(3);
      assertThat(s.balanced()).isTrue();
    }
  }

  // ------------------------------------------------------------------ BLOCK_FOR

  @Test
  void blockForPolicyPutThrowsTimedOutWhenTheQueueStaysFullForTheTimeout() throws Exception {
    try (StageGraph graph = StageGraph.open("blockfor-timeout");
        Gate gate = new Gate()) {
      // given a full queue under blockFor(50 ms)
      FullQueuePolicy policy = FullQueuePolicy.blockFor(Duration.ofMillis(50));
      GatedStage g = new GatedStage(graph, "sink", policy, gate);
      g.fill();

      // when a put waits and nothing drains, then it is rejected with TIMED_OUT
      assertThatThrownBy(() -> g.stage.put("e4"))
          .isInstanceOfSatisfying(
              StageRejectedException.class,
              e -> {
                assertThat(e.reason()).isEqualTo(RejectionReason.TIMED_OUT);
                assertThat(e.stage()).isEqualTo("sink");
                assertThat(e.capacity()).isEqualTo(CAPACITY);
                assertThat(e.policy()).isEqualTo(policy.toString()).startsWith("BLOCK_FOR");
                assertThat(e.getMessage()).contains("sink", "capacity " + CAPACITY, "BLOCK_FOR");
              });
      assertThat(g.stage.snapshot().queue().blockedProducers()).isZero();
      assertThat(g.stage.snapshot().queue().queued()).isEqualTo(CAPACITY);

      // and after draining, exactly the timed-out event is missing and counted as rejected
      gate.open();
      assertIdle(graph);
      assertThat(g.handled).containsExactly("e1", "e2", "e3");
      StageSnapshot s = g.stage.snapshot();
      assertThat(s.counts().offered()).isEqualTo(4);
      assertThat(s.counts().admitted()).isEqualTo(3);
      assertThat(s.counts().rejected()).isEqualTo(1);
      assertThat(s.counts().completed()).isEqualTo(3);
      assertThat(s.counts().dropped()).isZero();
      assertThat(s.balanced()).isTrue();
    }
  }

  @Test
  void blockForPolicyPutSucceedsWhenRoomAppearsBeforeTheTimeout() throws Exception {
    try (StageGraph graph = StageGraph.open("blockfor-room");
        Gate gate = new Gate()) {
      // given a full queue under blockFor with a timeout far longer than the test
      GatedStage g =
          new GatedStage(graph, "sink", FullQueuePolicy.blockFor(Duration.ofMinutes(1)), gate);
      g.fill();
      Background<Void> producer = Background.run("producer", () -> g.stage.put("e4"));
      eventually().until(() -> g.stage.snapshot().queue().blockedProducers() == 1);
      eventually().until(() -> producer.thread().getState() == Thread.State.TIMED_WAITING);

      // when room appears
      gate.open();

      // then the waiting put is admitted
      producer.awaitEnd();
      assertThat(producer.failure()).isNull();
      assertIdle(graph);
      assertThat(g.handled).containsExactly("e1", "e2", "e3", "e4");
      StageSnapshot s = g.stage.snapshot();
      assertThat(s.counts().offered()).isEqualTo(4);
      assertThat(s.counts().admitted()).isEqualTo(4);
      assertThat(s.counts().rejected()).isZero();
      assertThat(s.counts().completed()).isEqualTo(4);
      assertThat(s.balanced()).isTrue();
    }
  }

  // ------------------------------------------------------------------ REJECT

  @Test
  void rejectPolicyPutThrowsAtOnceWithMessageNamingStageCapacityAndPolicy() throws Exception {
    try (StageGraph graph = StageGraph.open("reject-put");
        Gate gate = new Gate()) {
      // given a full queue under REJECT
      GatedStage g = new GatedStage(graph, "orders", FullQueuePolicy.reject(), gate);
      g.fill();

      // when an event is put, then it is rejected at once with a message naming the facts
      assertThatThrownBy(() -> g.stage.put("e4"))
          .isInstanceOfSatisfying(
              StageRejectedException.class,
              e -> {
                assertThat(e.reason()).isEqualTo(RejectionReason.QUEUE_FULL);
                assertThat(e.stage()).isEqualTo("orders");
                assertThat(e.capacity()).isEqualTo(CAPACITY);
                assertThat(e.policy()).isEqualTo("REJECT");
                assertThat(e.getMessage())
                    .contains("'orders'", "capacity " + CAPACITY, "policy REJECT");
              });
      // and offer says the same without throwing
      assertThat(g.stage.offer("e5"))
          .isInstanceOfSatisfying(
              OfferResult.Rejected.class,
              r -> {
                assertThat(r.reason()).isEqualTo(RejectionReason.QUEUE_FULL);
                assertThat(r.message()).contains("'orders'", "capacity " + CAPACITY, "REJECT");
              });
      assertThat(g.stage.snapshot().queue().blockedProducers()).isZero();

      gate.open();
      assertIdle(graph);
      assertThat(g.handled).containsExactly("e1", "e2", "e3");
      assertThat(g.droppedEvents).isEmpty();
      StageSnapshot s = g.stage.snapshot();
      assertThat(s.counts().offered()).isEqualTo(5);
      assertThat(s.counts().admitted()).isEqualTo(3);
      assertThat(s.counts().rejected()).isEqualTo(2);
      assertThat(s.counts().completed()).isEqualTo(3);
      assertThat(s.counts().dropped()).isZero();
      assertThat(s.balanced()).isTrue();
    }
  }

  // ------------------------------------------------------------------ DROP_NEWEST

  @Test
  void dropNewestPolicyDropsTheArrivingEventAndHandsItToTheDropListener() throws Exception {
    try (StageGraph graph = StageGraph.open("drop-newest");
        Gate gate = new Gate()) {
      // given a full queue under DROP_NEWEST
      GatedStage g = new GatedStage(graph, "sink", FullQueuePolicy.dropNewest(), gate);
      g.fill();

      // when one event is put and one offered
      g.stage.put("e4");
      OfferResult offered = g.stage.offer("e5");

      // then both arriving events are dropped, on the caller's thread, and the queue is unchanged
      assertThat(offered).isEqualTo(new OfferResult.Dropped("sink"));
      assertThat(offered.admitted()).isTrue();
      assertThat(g.droppedEvents).containsExactly("e4", "e5");
      assertThat(g.dropListenerThreads).containsOnly(Thread.currentThread());
      assertThat(g.stage.snapshot().queue().queued()).isEqualTo(CAPACITY);

      gate.open();
      assertIdle(graph);
      assertThat(g.handled).containsExactly("e1", "e2", "e3");
      StageSnapshot s = g.stage.snapshot();
      assertThat(s.counts().offered()).isEqualTo(5);
      assertThat(s.counts().admitted()).isEqualTo(5);
      assertThat(s.counts().rejected()).isZero();
      assertThat(s.counts().completed()).isEqualTo(3);
      assertThat(s.counts().dropped()).isEqualTo(2);
      assertThat(s.balanced()).isTrue();
    }
  }

  // ------------------------------------------------------------------ DROP_OLDEST

  @Test
  void dropOldestPolicyAdmitsTheArrivingEventAndHandsTheOldestQueuedToTheDropListener()
      throws Exception {
    try (StageGraph graph = StageGraph.open("drop-oldest");
        Gate gate = new Gate()) {
      // given a full queue [e2, e3] under DROP_OLDEST (e1 is in the handler)
      GatedStage g = new GatedStage(graph, "sink", FullQueuePolicy.dropOldest(), gate);
      g.fill();

      // when e4 is offered, then it is accepted and e2 (the oldest queued) dropped
      assertThat(g.stage.offer("e4")).isEqualTo(OfferResult.accepted());
      assertThat(g.droppedEvents).containsExactly("e2");

      // when e5 is put, then e3 is dropped
      g.stage.put("e5");
      assertThat(g.droppedEvents).containsExactly("e2", "e3");
      assertThat(g.dropListenerThreads).containsOnly(Thread.currentThread());
      assertThat(g.stage.snapshot().queue().queued()).isEqualTo(CAPACITY);

      // and the handler sees the event it already had, then the two newest ones
      gate.open();
      assertIdle(graph);
      assertThat(g.handled).containsExactly("e1", "e4", "e5");
      StageSnapshot s = g.stage.snapshot();
      assertThat(s.counts().offered()).isEqualTo(5);
      assertThat(s.counts().admitted()).isEqualTo(5);
      assertThat(s.counts().rejected()).isZero();
      assertThat(s.counts().completed()).isEqualTo(3);
      assertThat(s.counts().dropped()).isEqualTo(2);
      assertThat(s.balanced()).isTrue();
    }
  }

  @Test
  void dropOldestOfferNeverFailsOrWaitsWhileSlotsAreInTransit() throws Exception {
    // A capacity-1 queue hammered by three producers and a fast handler is often in a transient
    // state: empty, yet with no free slot (the dispatcher has drained the event and not yet
    // returned its slot, or another producer has reserved the slot and not yet inserted). offer()
    // must still neither wait nor fail there. The producers keep their interrupt flag set, which
    // turns any wait into an error: offer() ignores interrupts, so none may show.
    int producers = 3;
    int offersEach = 100_000;
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    List<OfferResult> nonAccepted = new CopyOnWriteArrayList<>();
    List<Boolean> interruptKept = new CopyOnWriteArrayList<>();
    try (StageGraph graph = StageGraph.open("drop-oldest-transit")) {
      // given a tiny DROP_OLDEST stage with a fast handler
      Stage<Integer> stage =
          graph
              .stage("sink", Integer.class)
              .capacity(1)
              .permits(2)
              .batchSize(1)
              .onFull(FullQueuePolicy.dropOldest())
              .handler((e, ctx) -> {});

      // when interrupted producers offer as fast as they can
      CountDownLatch start = new CountDownLatch(1);
      List<Thread> threads = new ArrayList<>();
      for (int p = 0; p < producers; p++) {
        threads.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      try {
                        start.await();
                      } catch (InterruptedException e) {
                        return;
                      }
                      Thread.currentThread().interrupt();
                      for (int i = 0; i < offersEach; i++) {
                        try {
                          OfferResult r = stage.offer(i);
                          if (!(r instanceof OfferResult.Accepted)) {
                            nonAccepted.add(r);
                          }
                        } catch (Throwable t) {
                          errors.add(t);
                          Thread.currentThread().interrupt();
                        }
                      }
                      interruptKept.add(Thread.interrupted());
                    }));
      }
      start.countDown();
      for (Thread t : threads) {
        assertThat(t.join(TIMEOUT)).isTrue();
      }

      // then every offer was accepted (the oldest dropped when needed), none failed
      assertThat(errors.size())
          .as("offer() threw %d times; first: %s", errors.size(), errors.stream().findFirst())
          .isZero();
      assertThat(nonAccepted.size())
          .as(
              "not accepted %d times; first: %s",
              nonAccepted.size(), nonAccepted.stream().findFirst())
          .isZero();
      assertThat(interruptKept).containsOnly(true);
      assertIdle(graph);
      StageSnapshot s = stage.snapshot();
      assertThat(s.counts().offered()).isEqualTo((long) producers * offersEach);
      assertThat(s.counts().admitted()).isEqualTo((long) producers * offersEach);
      assertThat(s.counts().rejected()).isZero();
      assertThat(s.counts().completed() + s.counts().dropped()).isEqualTo(s.counts().admitted());
      assertThat(s.balanced()).isTrue();
    }
  }

  // ------------------------------------------------------------------ every policy

  static Stream<Arguments> offerOnFullQueue() {
    return Stream.of(
        Arguments.of(FullQueuePolicy.block(), OfferResult.Rejected.class, 3, 1, 0),
        Arguments.of(
            FullQueuePolicy.blockFor(Duration.ofMinutes(1)), OfferResult.Rejected.class, 3, 1, 0),
        Arguments.of(FullQueuePolicy.reject(), OfferResult.Rejected.class, 3, 1, 0),
        Arguments.of(FullQueuePolicy.dropNewest(), OfferResult.Dropped.class, 4, 0, 1),
        Arguments.of(FullQueuePolicy.dropOldest(), OfferResult.Accepted.class, 4, 0, 1));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("offerOnFullQueue")
  void offerOnAFullQueueNeverWaitsAndKeepsTheAccountingBalanced(
      FullQueuePolicy policy,
      Class<? extends OfferResult> expected,
      long admitted,
      long rejected,
      long dropped)
      throws Exception {
    try (StageGraph graph = StageGraph.open("offer-full");
        Gate gate = new Gate()) {
      // given a full queue
      GatedStage g = new GatedStage(graph, "sink", policy, gate);
      g.fill();

      // when an event is offered (on this thread: a wait would time the test out)
      OfferResult result = g.stage.offer("e4");

      // then the policy decides the result, and no thread is left waiting
      assertThat(result).isInstanceOf(expected);
      assertThat(g.stage.snapshot().queue().blockedProducers()).isZero();
      assertThat(g.stage.snapshot().queue().queued()).isEqualTo(CAPACITY);

      gate.open();
      assertIdle(graph);
      StageSnapshot s = g.stage.snapshot();
      assertThat(s.counts().offered()).isEqualTo(4);
      assertThat(s.counts().admitted()).isEqualTo(admitted);
      assertThat(s.counts().rejected()).isEqualTo(rejected);
      assertThat(s.counts().dropped()).isEqualTo(dropped);
      assertThat(s.counts().completed()).isEqualTo(3);
      assertThat(s.counts().finished()).isEqualTo(admitted);
      assertThat(s.balanced()).isTrue();
      assertThat(g.handled).hasSize(3);
    }
  }
}
