package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.seda4j.testing.Await.TIMEOUT;
import static org.seda4j.testing.Await.eventually;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.seda4j.observe.StageSnapshot;
import org.seda4j.testing.Gate;

/**
 * {@link Stage#putAll} and {@link Stage#offerAll}: all or nothing (Sandstorm's {@code
 * enqueue_many}), in iteration order, contiguously.
 *
 * <p>As in {@link FullQueuePolicyTest}, a gated handler with one permit and batch size 1 holds the
 * first event, so the queue's content is exactly what the test put there.
 */
@Timeout(30)
class BulkEnqueueTest {

  private static Stage<String> gatedStage(
      StageGraph graph, int capacity, FullQueuePolicy policy, Gate gate, List<String> handled) {
    return gate.stage(
        graph.stage("sink", String.class).capacity(capacity).permits(1).batchSize(1).onFull(policy),
        handled);
  }

  /** Puts {@code e1} into the (blocked) handler and {@code queued} more events into the queue. */
  private static void holdOneAndQueue(Stage<String> stage, int queued) throws InterruptedException {
    stage.put("e1");
    eventually().until(() -> stage.snapshot().handlers().active() == 1);
    for (int i = 2; i < 2 + queued; i++) {
      stage.put("e" + i);
    }
    assertThat(stage.snapshot().queue().queued()).isEqualTo(queued);
  }

  private static void assertIdle(StageGraph graph) throws InterruptedException {
    assertThat(graph.awaitIdle(TIMEOUT)).as("graph quiescent").isTrue();
  }

  @Test
  void offerAllWithoutRoomForEveryEventAdmitsNoneAndLeavesTheQueueUnchanged() throws Exception {
    List<String> handled = new CopyOnWriteArrayList<>();
    try (StageGraph graph = StageGraph.open("offerall");
        Gate gate = new Gate()) {
      // given a queue of capacity 3 holding one event: room for two more
      Stage<String> stage = gatedStage(graph, 3, FullQueuePolicy.block(), gate, handled);
      holdOneAndQueue(stage, 1);

      // when three events are offered at once
      OfferResult tooMany = stage.offerAll(List.of("a", "b", "c"));

      // then all are rejected and the queue is as it was
      assertThat(tooMany)
          .isInstanceOfSatisfying(
              OfferResult.Rejected.class,
              r -> {
                assertThat(r.reason()).isEqualTo(RejectionReason.QUEUE_FULL);
                assertThat(r.stage()).isEqualTo("sink");
              });
      StageSnapshot afterReject = stage.snapshot();
      assertThat(afterReject.queue().queued()).isEqualTo(1);
      assertThat(afterReject.counts().admitted()).isEqualTo(2);
      assertThat(afterReject.counts().rejected()).isEqualTo(3);

      // when two events are offered at once, then they fit and are queued
      assertThat(stage.offerAll(List.of("x", "y"))).isEqualTo(OfferResult.accepted());
      assertThat(stage.snapshot().queue().queued()).isEqualTo(3);

      gate.open();
      assertIdle(graph);
      assertThat(handled).containsExactly("e1", "e2", "x", "y");
      StageSnapshot s = stage.snapshot();
      assertThat(s.counts().offered()).isEqualTo(7);
      assertThat(s.counts().admitted()).isEqualTo(4);
      assertThat(s.counts().rejected()).isEqualTo(3);
      assertThat(s.counts().completed()).isEqualTo(4);
      assertThat(s.balanced()).isTrue();
    }
  }

  @Test
  void putAllUnderBlockWaitsUntilThereIsRoomForEveryEventNotJustSome() throws Exception {
    List<String> handled = new CopyOnWriteArrayList<>();
    try (StageGraph graph = StageGraph.open("putall-block");
        Gate gate = new Gate()) {
      // given a queue of capacity 3 holding two events: room for one only
      Stage<String> stage = gatedStage(graph, 3, FullQueuePolicy.block(), gate, handled);
      holdOneAndQueue(stage, 2);

      // when a producer puts two events at once
      AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
      Thread producer =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      stage.putAll(List.of("a", "b"));
                    } catch (Throwable t) {
                      failure.set(t);
                    }
                  });

      // then it waits, and does not take the one free slot meanwhile
      eventually().until(() -> stage.snapshot().queue().blockedProducers() == 1);
      eventually().until(() -> producer.getState() == Thread.State.WAITING);
      assertThat(stage.snapshot().queue().queued()).isEqualTo(2);
      assertThat(stage.snapshot().counts().admitted()).isEqualTo(3);

      // when the handler drains, then both events are admitted, behind the earlier ones
      gate.open();
      eventually().until(() -> !producer.isAlive());
      assertThat(failure.get()).isNull();
      assertIdle(graph);
      assertThat(handled).containsExactly("e1", "e2", "e3", "a", "b");
      StageSnapshot s = stage.snapshot();
      assertThat(s.counts().offered()).isEqualTo(5);
      assertThat(s.counts().admitted()).isEqualTo(5);
      assertThat(s.counts().rejected()).isZero();
      assertThat(s.counts().completed()).isEqualTo(5);
      assertThat(s.balanced()).isTrue();
    }
  }

  @Test
  void putAllUnderRejectOrDropWithoutRoomForEveryEventThrowsAndAdmitsNone() throws Exception {
    for (FullQueuePolicy policy :
        List.of(
            FullQueuePolicy.reject(), FullQueuePolicy.dropNewest(), FullQueuePolicy.dropOldest())) {
      List<String> handled = new CopyOnWriteArrayList<>();
      List<String> dropped = new CopyOnWriteArrayList<>();
      try (StageGraph graph = StageGraph.open("putall-nowait");
          Gate gate = new Gate()) {
        // given a queue of capacity 3 with room for one event
        Stage<String> stage =
            gate.stage(
                graph
                    .stage("sink", String.class)
                    .capacity(3)
                    .permits(1)
                    .batchSize(1)
                    .onFull(policy)
                    .onDrop(dropped::add),
                handled);
        holdOneAndQueue(stage, 2);

        // when two events are put at once, then they are rejected together (drop policies apply
        // to single events only) and nothing is dropped
        assertThatThrownBy(() -> stage.putAll(List.of("a", "b")))
            .as("%s", policy)
            .isInstanceOfSatisfying(
                StageRejectedException.class,
                e -> {
                  assertThat(e.reason()).isEqualTo(RejectionReason.QUEUE_FULL);
                  assertThat(e.policy()).isEqualTo(policy.toString());
                  assertThat(e.capacity()).isEqualTo(3);
                });
        assertThat(dropped).as("%s", policy).isEmpty();
        assertThat(stage.snapshot().queue().queued()).as("%s", policy).isEqualTo(2);

        gate.open();
        assertIdle(graph);
        assertThat(handled).as("%s", policy).containsExactly("e1", "e2", "e3");
        StageSnapshot s = stage.snapshot();
        assertThat(s.counts().admitted()).as("%s", policy).isEqualTo(3);
        assertThat(s.counts().rejected()).as("%s", policy).isEqualTo(2);
        assertThat(s.counts().dropped()).as("%s", policy).isZero();
        assertThat(s.balanced()).as("%s", policy).isTrue();
      }
    }
  }

  @Test
  void putAllUnderBlockForTimesOutAndAdmitsNone() throws Exception {
    List<String> handled = new CopyOnWriteArrayList<>();
    try (StageGraph graph = StageGraph.open("putall-blockfor");
        Gate gate = new Gate()) {
      // given a queue of capacity 3 with room for one event, under blockFor(50 ms)
      Stage<String> stage =
          gatedStage(graph, 3, FullQueuePolicy.blockFor(Duration.ofMillis(50)), gate, handled);
      holdOneAndQueue(stage, 2);

      // when two events are put at once and nothing drains, then the call times out
      assertThatThrownBy(() -> stage.putAll(List.of("a", "b")))
          .isInstanceOfSatisfying(
              StageRejectedException.class,
              e -> assertThat(e.reason()).isEqualTo(RejectionReason.TIMED_OUT));
      assertThat(stage.snapshot().queue().queued()).isEqualTo(2);

      gate.open();
      assertIdle(graph);
      assertThat(handled).containsExactly("e1", "e2", "e3");
      StageSnapshot s = stage.snapshot();
      assertThat(s.counts().admitted()).isEqualTo(3);
      assertThat(s.counts().rejected()).isEqualTo(2);
      assertThat(s.counts().completed()).isEqualTo(3);
      assertThat(s.balanced()).isTrue();
    }
  }

  @Test
  void putAllOfMoreEventsThanTheCapacityIsRefusedAtOnce() throws Exception {
    List<String> handled = new CopyOnWriteArrayList<>();
    try (StageGraph graph = StageGraph.open("putall-too-many")) {
      // given an empty stage of capacity 2
      Stage<String> stage =
          graph.stage("sink", String.class).capacity(2).handler((e, ctx) -> handled.add(e));

      // when three events are put at once, then the call can never succeed and says so
      assertThatThrownBy(() -> stage.putAll(List.of("a", "b", "c")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'sink'")
          .hasMessageContaining("capacity is 2");

      // and nothing was admitted (the call was refused before it offered anything)
      assertIdle(graph);
      assertThat(handled).isEmpty();
      StageSnapshot s = stage.snapshot();
      assertThat(s.counts().admitted()).isZero();
      assertThat(s.queue().queued()).isZero();
      assertThat(s.balanced()).isTrue();
    }
  }

  @Test
  @SuppressWarnings("NullAway") // passes null elements on purpose
  void putAllAndOfferAllWithANullElementThrowNullPointerExceptionAndAdmitNone() throws Exception {
    List<String> handled = new CopyOnWriteArrayList<>();
    try (StageGraph graph = StageGraph.open("putall-null")) {
      // given an empty stage
      Stage<String> stage = graph.stage("sink", String.class).handler((e, ctx) -> handled.add(e));
      List<@Nullable String> withNull = Arrays.asList("a", null, "c");

      // when a collection with a null element is put or offered, then both throw
      assertThatThrownBy(() -> stage.putAll(withNull)).isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> stage.offerAll(withNull)).isInstanceOf(NullPointerException.class);
      Collection<String> nullCollection = null;
      assertThatThrownBy(() -> stage.putAll(nullCollection))
          .isInstanceOf(NullPointerException.class);

      // and not even the elements before the null were admitted
      assertIdle(graph);
      assertThat(handled).isEmpty();
      StageSnapshot s = stage.snapshot();
      assertThat(s.counts().admitted()).isZero();
      assertThat(s.queue().queued()).isZero();
      assertThat(s.balanced()).isTrue();
    }
  }

  @Test
  void putAllAndOfferAllOfNoEventsDoNothing() throws Exception {
    try (StageGraph graph = StageGraph.open("putall-empty")) {
      Stage<String> stage = graph.stage("sink", String.class).handler((e, ctx) -> {});

      stage.putAll(List.of());
      OfferResult result = stage.offerAll(List.of());

      assertThat(result).isEqualTo(OfferResult.accepted());
      assertIdle(graph);
      assertThat(stage.snapshot().counts().offered()).isZero();
    }
  }

  @Test
  void concurrentPutAllCallsQueueEachCollectionContiguouslyInIterationOrder() throws Exception {
    // Two producers put 200 events each with putAll while a third puts 200 single events, all at
    // the same moment, many rounds: each collection must appear in the queue as one unbroken run,
    // in iteration order; the single events may go anywhere between the runs, in their order.
    int rounds = 100;
    int perProducer = 200;
    for (int round = 0; round < rounds; round++) {
      List<String> handled = new CopyOnWriteArrayList<>();
      try (StageGraph graph = StageGraph.open("putall-contiguous");
          Gate gate = new Gate()) {
        // given an empty stage with room for every event, draining nothing until the gate opens
        Stage<String> stage =
            gate.stage(
                graph
                    .stage("sink", String.class)
                    .capacity(3 * perProducer)
                    .permits(1)
                    .batchSize(3 * perProducer),
                handled);
        List<String> as = numbered("a", perProducer);
        List<String> bs = numbered("b", perProducer);
        List<String> cs = numbered("c", perProducer);

        // when three producers start at the same time
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> producers =
            List.of(
                startProducer(start, () -> stage.putAll(as)),
                startProducer(start, () -> stage.putAll(bs)),
                startProducer(
                    start,
                    () -> {
                      for (String c : cs) {
                        stage.put(c);
                      }
                    }));
        start.countDown();
        for (Thread p : producers) {
          assertThat(p.join(TIMEOUT)).isTrue();
        }
        gate.open();
        assertIdle(graph);

        // then the handler (which sees queue order) sees each collection as one run
        assertThat(Arrays.asList(runs(handled).split(" ")))
            .as("round %d: runs of consecutive events", round)
            .contains("a0-a199", "b0-b199");
        assertThat(handled.stream().filter(e -> e.startsWith("c")).toList())
            .as("round %d: single puts", round)
            .isEqualTo(cs);
        assertThat(handled).hasSize(3 * perProducer);
      }
    }
  }

  @FunctionalInterface
  private interface ProducerCall {
    void run() throws InterruptedException;
  }

  private static Thread startProducer(CountDownLatch start, ProducerCall call) {
    return Thread.ofPlatform()
        .start(
            () -> {
              try {
                start.await();
                call.run();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
  }

  private static List<String> numbered(String prefix, int n) {
    List<String> events = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      events.add(prefix + i);
    }
    return events;
  }

  /** Describes a list such as [a0, a1, b0, a2] by its runs of consecutive events: "a0-a1 b0 a2". */
  private static String runs(List<String> events) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < events.size()) {
      int j = i;
      while (j + 1 < events.size() && follows(events.get(j), events.get(j + 1))) {
        j++;
      }
      out.append(out.isEmpty() ? "" : " ").append(events.get(i));
      if (j > i) {
        out.append('-').append(events.get(j));
      }
      i = j + 1;
    }
    return out.toString();
  }

  private static boolean follows(String previous, String next) {
    return previous.charAt(0) == next.charAt(0)
        && Integer.parseInt(next.substring(1)) == Integer.parseInt(previous.substring(1)) + 1;
  }
}
