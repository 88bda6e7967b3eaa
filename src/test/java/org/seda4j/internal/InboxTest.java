package org.seda4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

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
}
