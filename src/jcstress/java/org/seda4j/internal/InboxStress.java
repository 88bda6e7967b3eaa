package org.seda4j.internal;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.function.BooleanSupplier;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.II_Result;
import org.openjdk.jcstress.infra.results.L_Result;

/**
 * A stage's queue (Inbox) driven directly, the actors doing what Intake does around it: count in
 * `offered` first, then insert, and count `unadmitted` for an insertion that failed (which takes
 * the producer out of the gap a bulk waits on).
 */
public final class InboxStress {
  private InboxStress() {}

  static final BooleanSupplier OPEN = () -> true;

  /** A single producer's way in, as Intake: fast path, then insert without waiting. */
  static void single(Inbox inbox, StageBooks books, Object item) {
    books.offered.increment();
    if (inbox.offer(item)) {
      return;
    }
    Inbox.Outcome o;
    try {
      o = inbox.insert(item, false, 0, OPEN);
    } catch (InterruptedException unreachable) {
      Thread.currentThread().interrupt();
      throw new AssertionError(unreachable);
    }
    if (o != Inbox.Outcome.INSERTED) {
      books.unadmitted.increment();
    }
  }

  /** offerAll's way in: all or nothing, no waiting for room. */
  static void bulk(Inbox inbox, StageBooks books, List<Object> items) {
    Inbox.Outcome o;
    try {
      o = inbox.insertAll(items, false, 0, OPEN);
    } catch (InterruptedException unreachable) {
      Thread.currentThread().interrupt();
      throw new AssertionError(unreachable);
    }
    if (o != Inbox.Outcome.INSERTED) {
      books.unadmitted.add(items.size());
    }
  }

  /** The queue's contents, oldest first, separated by spaces; "-" if empty. */
  static String contents(Inbox inbox) {
    List<Object> out = new ArrayList<>();
    inbox.sweep(out);
    if (out.isEmpty()) {
      return "-";
    }
    StringJoiner j = new StringJoiner(" ");
    out.forEach(o -> j.add(String.valueOf(o)));
    return j.toString();
  }

  /**
   * A single offer racing an offerAll of two with room for all three: the bulk's events are queued
   * together, and the single before or after them, never in between.
   */
  @JCStressTest
  @Outcome(id = "s a b", expect = ACCEPTABLE, desc = "single first, then the bulk")
  @Outcome(id = "a b s", expect = ACCEPTABLE, desc = "bulk first, then the single")
  @Outcome(expect = FORBIDDEN, desc = "the bulk was split, or an event lost or duplicated")
  @State
  public static class OfferRacingBulkWithRoom {
    final StageBooks books = new StageBooks();
    final Inbox inbox = new Inbox(3, books);

    @Actor
    public void single() {
      InboxStress.single(inbox, books, "s");
    }

    @Actor
    public void bulk() {
      InboxStress.bulk(inbox, books, List.of("a", "b"));
    }

    @Arbiter
    public void after(L_Result r) {
      r.r1 = contents(inbox);
    }
  }

  /**
   * A single offer racing an offerAll of two on a queue of two: whoever comes second finds no room.
   * The bulk goes in whole or not at all.
   */
  @JCStressTest
  @Outcome(id = "s", expect = ACCEPTABLE, desc = "single first; the bulk refused whole")
  @Outcome(id = "a b", expect = ACCEPTABLE, desc = "bulk first; the single refused")
  @Outcome(expect = FORBIDDEN, desc = "part of the bulk queued, or an event lost or duplicated")
  @State
  public static class OfferRacingBulkWithoutRoom {
    final StageBooks books = new StageBooks();
    final Inbox inbox = new Inbox(2, books);

    @Actor
    public void single() {
      InboxStress.single(inbox, books, "s");
    }

    @Actor
    public void bulk() {
      InboxStress.bulk(inbox, books, List.of("a", "b"));
    }

    @Arbiter
    public void after(L_Result r) {
      r.r1 = contents(inbox);
    }
  }

  /**
   * A forced shutdown's sweep racing a producer's retraction of the event it just queued: the event
   * is removed exactly once. r1: retracted (1/0); r2: events swept; r3: events left queued.
   */
  @JCStressTest
  @Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "retracted, then the sweep found nothing")
  @Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "swept, then the retraction found nothing")
  @Outcome(expect = FORBIDDEN, desc = "the event removed twice, or not at all")
  @State
  public static class RetractRacingSweep {
    final StageBooks books = new StageBooks();
    final Inbox inbox = new Inbox(4, books);
    final Object item = new Object();

    public RetractRacingSweep() {
      books.offered.increment();
      inbox.offer(item);
    }

    @Actor
    public void producer(III_Result r) {
      r.r1 = inbox.retract(item) ? 1 : 0;
    }

    @Actor
    public void terminator(III_Result r) {
      r.r2 = inbox.sweep(new ArrayList<>());
    }

    @Arbiter
    public void after(III_Result r) {
      r.r3 = inbox.size();
    }
  }

  /**
   * The same, with one object queued twice (two events: a user offering one object twice, or a
   * boxed value the JDK caches) and an equal but distinct object between them. The retraction takes
   * one occurrence of its own object, by identity, never the equal one. r1: retracted (1/0); r2:
   * events swept; r3: 1 if the equal object was swept or is still queued, exactly once.
   */
  @JCStressTest
  @Outcome(
      id = "1, 2, 1",
      expect = ACCEPTABLE,
      desc = "one occurrence retracted before the sweep, the other two swept")
  @Outcome(id = "0, 3, 1", expect = ACCEPTABLE, desc = "all swept before the retraction")
  @Outcome(
      expect = FORBIDDEN,
      desc = "an event removed twice or not at all, or the equal object retracted in its place")
  @State
  public static class RetractOneOccurrenceRacingSweep {
    final StageBooks books = new StageBooks();
    final Inbox inbox = new Inbox(4, books);
    final String item = "x";
    final String twin = new String("x"); // equal, not the same
    final List<Object> swept = new ArrayList<>();

    public RetractOneOccurrenceRacingSweep() {
      books.offered.add(3);
      inbox.offer(item);
      inbox.offer(twin);
      inbox.offer(item);
    }

    @Actor
    public void producer(III_Result r) {
      r.r1 = inbox.retract(item) ? 1 : 0;
    }

    @Actor
    public void terminator(III_Result r) {
      r.r2 = inbox.sweep(swept);
    }

    @Arbiter
    public void after(III_Result r) {
      List<Object> rest = new ArrayList<>(swept);
      inbox.sweep(rest);
      int twins = 0;
      for (Object o : rest) {
        if (o == twin) {
          twins++;
        }
      }
      r.r3 = twins == 1 && inbox.isEmpty() ? 1 : 0;
    }
  }

  /**
   * A bulk's insert racing a forced shutdown's last sweep (Intake.queuedAll): the producer inserts
   * two events, then reads `sealed`; if it reads true it takes back what is still queued. The
   * terminator runs the last sweep. r1: 1 if the producer read sealed; r2: events it took back; r3:
   * events the sweep took; r4: events left queued after both (nobody would ever take them).
   */
  @JCStressTest
  @Outcome(
      id = "0, 0, 2, 0",
      expect = ACCEPTABLE,
      desc = "inserted before the sweep, which took them")
  @Outcome(
      id = "1, 0, 2, 0",
      expect = ACCEPTABLE,
      desc =
          "sealed seen, but the sweep had taken them: nothing to take back (admitted, cancelled)")
  @Outcome(
      id = "1, 2, 0, 0",
      expect = ACCEPTABLE,
      desc = "inserted after the sweep: taken back whole")
  @Outcome(
      id = "1, 1, 1, 0",
      expect = ACCEPTABLE_INTERESTING,
      desc =
          "the sweep fell between the bulk's two inserts: split. The engine's sweep waits for"
              + " producers in the gap first; only a wait that gave up (the grace ended with the"
              + " bulk's thread unable to run) lets a sweep meet a bulk mid-insert")
  @Outcome(id = ".*", expect = FORBIDDEN, desc = "events left queued after the last sweep")
  @State
  public static class BulkRacingLastSweep {
    final StageBooks books = new StageBooks();
    final Inbox inbox = new Inbox(4, books);
    final List<Object> items = List.of("a", "b");
    final List<Object> swept = new ArrayList<>();

    @Actor
    public void producer(IIII_Result r) {
      bulk(inbox, books, items);
      if (inbox.sealed()) {
        r.r1 = 1;
        int back = 0;
        for (Object item : items) {
          if (inbox.retract(item)) {
            back++;
          }
        }
        r.r2 = back;
      }
    }

    @Actor
    public void terminator(IIII_Result r) {
      r.r3 = inbox.sweepLast(swept);
    }

    @Arbiter
    public void after(IIII_Result r) {
      r.r4 = inbox.size();
    }
  }

  /**
   * dropOldest on a full queue of one, by two producers at once: three events, room for one, so
   * exactly two are removed, each handed back once to be counted as dropped. r1, r2: events each
   * producer removed; r3: droppedOld; r4: 1 if the removed events and the one left queued are the
   * three events, each exactly once.
   */
  @JCStressTest
  @Outcome(id = "1, 1, 2, 1", expect = ACCEPTABLE, desc = "each producer removed the one before it")
  @Outcome(
      id = "2, 0, 2, 1",
      expect = ACCEPTABLE,
      desc = "the second producer got in between the first's removal and insertion")
  @Outcome(
      id = "0, 2, 2, 1",
      expect = ACCEPTABLE,
      desc = "the first producer got in between the second's removal and insertion")
  @Outcome(expect = FORBIDDEN, desc = "an event dropped twice, lost, or counted wrongly")
  @State
  public static class DropOldestByTwo {
    final StageBooks books = new StageBooks();
    final Inbox inbox = new Inbox(1, books);
    final Object old = "o";
    List<Object> removed1 = List.of();
    List<Object> removed2 = List.of();

    public DropOldestByTwo() {
      books.offered.increment();
      inbox.offer(old);
    }

    @Actor
    public void producer1() {
      books.offered.increment();
      removed1 = inbox.insertDroppingOldest("p");
    }

    @Actor
    public void producer2() {
      books.offered.increment();
      removed2 = inbox.insertDroppingOldest("q");
    }

    @Arbiter
    public void after(IIII_Result r) {
      r.r1 = removed1.size();
      r.r2 = removed2.size();
      r.r3 = (int) books.droppedOld.sum();
      List<Object> all = new ArrayList<>(removed1);
      all.addAll(removed2);
      inbox.sweep(all);
      r.r4 = all.size() == 3 && all.contains("o") && all.contains("p") && all.contains("q") ? 1 : 0;
    }
  }

  /**
   * dropOldest on a full queue of one racing a consumer's drain: each event is either drained,
   * dropped or still queued, exactly once. r1: removed by the producer; r2: drained; r3: left
   * queued; r4: 1 if those are the two events, each exactly once.
   */
  @JCStressTest
  @Outcome(
      id = "0, 1, 1, 1",
      expect = ACCEPTABLE,
      desc = "drained the old event; the new one went in without a drop")
  @Outcome(
      id = "1, 1, 0, 1",
      expect = ACCEPTABLE,
      desc = "the old event dropped, the new one drained")
  @Outcome(
      id = "1, 0, 1, 1",
      expect = ACCEPTABLE,
      desc = "the old event dropped; the drain came between the drop and the insertion")
  @Outcome(expect = FORBIDDEN, desc = "an event dropped and drained, lost, or counted wrongly")
  @State
  public static class DropOldestRacingDrain {
    final StageBooks books = new StageBooks();
    final Inbox inbox = new Inbox(1, books);
    final List<Object> drained = new ArrayList<>();
    List<Object> removed = List.of();

    public DropOldestRacingDrain() {
      books.offered.increment();
      inbox.offer("o");
    }

    @Actor
    public void producer() {
      books.offered.increment();
      removed = inbox.insertDroppingOldest("p");
    }

    @Actor
    public void consumer() {
      inbox.drain(drained, 1, true);
    }

    @Arbiter
    public void after(IIII_Result r) {
      r.r1 = removed.size();
      r.r2 = drained.size();
      r.r3 = inbox.size();
      List<Object> all = new ArrayList<>(removed);
      all.addAll(drained);
      inbox.sweep(all);
      boolean exact =
          all.size() == 2
              && all.contains("o")
              && all.contains("p")
              && books.droppedOld.sum() == removed.size();
      r.r4 = exact ? 1 : 0;
    }
  }

  /**
   * The "may hold events" flag that spares hand-offs the queue's lock (Inbox.mayHold): a producer's
   * offer racing a drain that empties the queue and clears the flag. The flag may stay set with the
   * queue empty (a hand-off then waits for the next clearing drain), never clear with an event
   * queued (a hand-off would overtake it, and an ending worker would not start one for it).
   */
  @JCStressTest
  @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the offer after the drain: queued, flag set")
  @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "drained and cleared after the offer's set")
  @Outcome(
      id = "0, 1",
      expect = ACCEPTABLE,
      desc = "drained; the offer set the flag after the clear")
  @Outcome(id = "1, 0", expect = FORBIDDEN, desc = "an event queued while the flag says empty")
  @Outcome(expect = FORBIDDEN, desc = "an event lost or duplicated")
  @State
  public static class OfferRacingClearingDrain {
    final Inbox inbox = new Inbox(4, new StageBooks());
    final List<Object> drained = new ArrayList<>();

    @Actor
    public void producer() {
      inbox.offer("p");
    }

    @Actor
    public void consumer() {
      inbox.drain(drained, 4, true);
    }

    @Arbiter
    public void after(II_Result r) {
      r.r1 = inbox.size() + drained.size() == 1 ? inbox.size() : 9;
      r.r2 = inbox.mayHoldEvents() ? 1 : 0;
    }
  }
}
