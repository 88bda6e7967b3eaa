package org.seda4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.seda4j.testing.Await;
import org.seda4j.testing.Background;

/**
 * The inbox's lock-free "may hold events" flag, which spares producers handing events past an empty
 * queue (and ending workers) the queue's lock: false only while the queue is empty.
 */
class InboxTest {

  private final Inbox inbox = new Inbox(4, new StageBooks());

  @Test
  void anEmptyInboxTakesHandOffsAndAQueuedEventStopsThem() {
    assertThat(inbox.mayHoldEvents()).isFalse();
    assertThat(inbox.emptyForHandOff()).isTrue();
    assertThat(inbox.offer("a")).isTrue();
    assertThat(inbox.mayHoldEvents()).isTrue();
    assertThat(inbox.emptyForHandOff()).as("no overtaking a queued event").isFalse();
  }

  @Test
  void aDrainThatEmptiesTheQueueClearsTheFlagOnlyWhenAskedTo() {
    inbox.offer("a");
    inbox.offer("b");
    List<Object> into = new ArrayList<>();
    assertThat(inbox.drain(into, 1, true)).isEqualTo(1);
    assertThat(inbox.mayHoldEvents()).as("b is still queued").isTrue();
    assertThat(inbox.drain(into, 8, false)).isEqualTo(1);
    assertThat(inbox.mayHoldEvents()).as("not asked to clear: stays set").isTrue();
    assertThat(inbox.isEmpty()).isTrue();
    assertThat(inbox.drain(into, 8, true)).isZero();
    assertThat(inbox.mayHoldEvents()).isFalse();
    assertThat(inbox.emptyForHandOff()).isTrue();
    assertThat(into).containsExactly("a", "b");
  }

  @Test
  void aDrainOfExactlyWhatWasQueuedKeepsTheFlagUntilADrainFindsLess() {
    inbox.offer("a");
    inbox.offer("b");
    List<Object> into = new ArrayList<>();
    assertThat(inbox.drain(into, 2, true)).isEqualTo(2); // as many as asked: more may be queued
    assertThat(inbox.mayHoldEvents()).isTrue();
    assertThat(inbox.drain(into, 2, true)).isZero();
    assertThat(inbox.mayHoldEvents()).isFalse();
  }

  @Test
  void everyWayInSetsTheFlag() throws Exception {
    assertThat(inbox.insert("a", false, 0, () -> true)).isEqualTo(Inbox.Outcome.INSERTED);
    assertThat(inbox.mayHoldEvents()).isTrue();
    inbox.drain(new ArrayList<>(), 8, true);
    assertThat(inbox.mayHoldEvents()).isFalse();
    assertThat(inbox.insertDroppingOldest("b")).isEmpty();
    assertThat(inbox.mayHoldEvents()).isTrue();
  }

  /**
   * A putAll that must wait for room holds the queue's next free slots; producers that may not wait
   * (offer, offerAll: a handler's offer back into a cycle, say) are told the queue is full. One
   * that arrived while the bulk still waited for the gap to empty parked until the bulk was done;
   * when the bulk then came to wait for room, nothing told it, and in a cycle the room could only
   * come from the consumers that waited for it (the long chaos suite: 1 run of 3,000).
   */
  @Test
  void producersThatMayNotWaitAreToldFullOnceABulkWaitsForRoom() throws Exception {
    StageBooks books = new StageBooks();
    Inbox in = new Inbox(2, books);
    books.offered.add(2);
    in.offer("x");
    in.offer("y"); // full
    books.offered.add(1); // a single producer in the gap: counted, not queued yet
    Background<Inbox.Outcome> bulk =
        Background.call(
            "bulk", () -> in.insertAll(List.of("a", "b"), true, Long.MAX_VALUE, () -> true));
    Await.eventually().until(() -> in.exclusive);
    books.offered.add(1);
    Background<Inbox.Outcome> single =
        Background.call("single", () -> in.insert("s", false, 0, () -> true));
    single.awaitBlocked(); // waits for the bulk, which waits for the gap
    Background<Inbox.Outcome> bulk2 =
        Background.call(
            "offerAll", () -> in.insertAll(List.of("c"), false, Long.MAX_VALUE, () -> true));
    Await.eventually()
        .until(() -> bulk2.thread().getState().compareTo(Thread.State.BLOCKED) >= 0); // parked

    books.unadmitted.increment(); // the single in the gap leaves it: the bulk finds no room

    assertThat(
            single.future().get(Await.TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS))
        .isEqualTo(Inbox.Outcome.FULL);
    assertThat(bulk2.future().get(Await.TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS))
        .isEqualTo(Inbox.Outcome.FULL);
    assertThat(bulk.future().isDone()).as("the putAll still waits for room").isFalse();
    in.drain(new ArrayList<>(), 2, false); // room for both
    assertThat(bulk.future().get(Await.TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS))
        .isEqualTo(Inbox.Outcome.INSERTED);
    assertThat(in.size()).isEqualTo(2);
  }
}
