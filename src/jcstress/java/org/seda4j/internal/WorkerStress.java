package org.seda4j.internal;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Who accounts for a worker's batch (Worker: one CAS on its word decides between the worker's
 * finish() or idle() and a forced shutdown's abandon()). The actors do what Workers/BatchRunner and
 * Termination do around those calls; the Worker is detached (no Workers owner: none of the methods
 * under test reads it).
 */
public final class WorkerStress {
  private WorkerStress() {}

  @SuppressWarnings(
      "NullAway") // a detached worker: begin/fill/finish/idle/abandon never read owner
  static Worker detached() {
    Worker w = new Worker(null);
    w.looping(); // its batch state, as a worker entering its loop creates it
    return w;
  }

  /** Abandons like the terminator (the fence takes the queue's lock); -1 if there was no batch. */
  static int abandon(Worker w, Inbox inbox) {
    Worker.Abandoned a = w.abandon(inbox::size);
    return a == null ? -1 : a.events().size();
  }

  static Inbox inboxOf(int events) {
    StageBooks books = new StageBooks();
    Inbox inbox = new Inbox(8, books);
    books.offered.add(events);
    for (int i = 0; i < events; i++) {
      inbox.offer(i);
    }
    return inbox;
  }

  /**
   * The worker ends its batch of two (finish, then its counting, then published) while the
   * terminator abandons it: exactly one of them accounts for the batch. r1: 1 if the worker won
   * finish(); r2: events the terminator took over (-1: none, the worker had it).
   */
  @JCStressTest
  @Outcome(id = "1, -1", expect = ACCEPTABLE, desc = "the worker finished; nothing abandoned")
  @Outcome(id = "0, 2", expect = ACCEPTABLE, desc = "abandoned with its two events first")
  @Outcome(expect = FORBIDDEN, desc = "both or neither account for the batch")
  @State
  public static class FinishRacingAbandon {
    final Inbox inbox = inboxOf(2);
    final Worker w = detached();

    public FinishRacingAbandon() {
      w.begin(System.nanoTime());
      w.fill(inbox, 2, false);
    }

    @Actor
    public void worker(II_Result r) {
      boolean won = w.finish();
      if (won) {
        w.published(); // after the counting; an abandon() that saw FINISHING waits for this
      }
      r.r1 = won ? 1 : 0;
    }

    @Actor
    public void terminator(II_Result r) {
      r.r2 = abandon(w, inbox);
    }
  }

  /**
   * The terminator abandons a batch while the worker is still draining it (batch size 2, three
   * events queued): the events moved into the batch before the abandon are the terminator's, the
   * rest stay queued for its sweep; the worker then must not claim the batch. r1: events the worker
   * accounted for (-1: it lost the batch); r2: events the terminator took over (-1: none); r3:
   * events left queued.
   */
  @JCStressTest
  @Outcome(id = "2, -1, 1", expect = ACCEPTABLE, desc = "drained and finished before the abandon")
  @Outcome(id = "-1, 0, 3", expect = ACCEPTABLE, desc = "abandoned before the drain moved any")
  @Outcome(id = "-1, 1, 2", expect = ACCEPTABLE, desc = "abandoned in the middle of the drain")
  @Outcome(id = "-1, 2, 1", expect = ACCEPTABLE, desc = "abandoned after the drain")
  @Outcome(expect = FORBIDDEN, desc = "an event accounted twice, or lost")
  @State
  public static class FillRacingAbandon {
    final Inbox inbox = inboxOf(3);
    final Worker w = detached();

    public FillRacingAbandon() {
      w.begin(System.nanoTime());
    }

    @Actor
    public void worker(III_Result r) {
      int n = w.fill(inbox, 2, false);
      boolean won = n > 0 ? w.finish() : w.idle();
      if (won && n > 0) {
        w.published();
      }
      r.r1 = won ? n : -1;
    }

    @Actor
    public void terminator(III_Result r) {
      r.r2 = abandon(w, inbox);
    }

    @Arbiter
    public void after(III_Result r) {
      r.r3 = inbox.size();
    }
  }

  /**
   * A worker found the queue empty and goes idle while the terminator abandons its (empty) batch:
   * exactly one wins. r1: 1 if idle() won (the worker may linger); r2: the abandoned batch's size
   * (-1: nothing to abandon).
   */
  @JCStressTest
  @Outcome(id = "1, -1", expect = ACCEPTABLE, desc = "idle first; nothing to abandon")
  @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the empty batch abandoned; the worker ends")
  @Outcome(expect = FORBIDDEN, desc = "both or neither won")
  @State
  public static class IdleRacingAbandon {
    final Inbox inbox = inboxOf(0);
    final Worker w = detached();

    public IdleRacingAbandon() {
      w.begin(System.nanoTime());
      w.fill(inbox, 2, false);
    }

    @Actor
    public void worker(II_Result r) {
      r.r1 = w.idle() ? 1 : 0;
    }

    @Actor
    public void terminator(II_Result r) {
      r.r2 = abandon(w, inbox);
    }
  }

  /**
   * A worker handed one event past the queue (Worker.Handed) ends it (finish, counting, published,
   * then clear(), which forgets the event, whether or not it won) while the terminator abandons it:
   * exactly one of them accounts for the event, and a terminator that wins takes the event itself
   * (it reads `first` between its read of the word and its CAS). r1: 1 if the worker won finish();
   * r2: events the terminator took over (-1: none), r3: 1 if the event it took is the handed one.
   */
  @JCStressTest
  @Outcome(id = "1, -1, 0", expect = ACCEPTABLE, desc = "the worker finished; nothing abandoned")
  @Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "abandoned with the handed event")
  @Outcome(expect = FORBIDDEN, desc = "both, neither, or an event lost")
  @State
  public static class HandedRacingAbandon {
    static final Object EVENT = "handed";
    final Inbox inbox = inboxOf(0);
    final Worker w = handedDetached();

    @Actor
    public void worker(III_Result r) {
      boolean won = w.finish();
      if (won) {
        w.published();
      }
      w.clear();
      r.r1 = won ? 1 : 0;
    }

    @Actor
    public void terminator(III_Result r) {
      Worker.Abandoned a = w.abandon(inbox::size);
      r.r2 = a == null ? -1 : a.events().size();
      r.r3 = a != null && a.events().size() == 1 && a.events().get(0) == EVENT ? 1 : 0;
    }

    @SuppressWarnings("NullAway") // detached: nothing under test reads the owner
    static Worker handedDetached() {
      Worker w = new Worker.Handed(null);
      w.handed(EVENT);
      return w;
    }
  }
}
