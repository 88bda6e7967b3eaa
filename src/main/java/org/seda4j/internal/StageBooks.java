package org.seda4j.internal;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.seda4j.RejectionReason;

/*
 * Maintainer note. A stage's event accounting: monotone counters, each written by one side only.
 *
 * Producer side (any producer thread; LongAdder cells, so producers do not contend):
 *   offered      events that passed the graph's open check, the deadline and admission control,
 *                counted once, just before the phase is read again (the quiescence Dekker pair: a
 *                producer counts, then reads the phase; close() writes the phase, then sums).
 *   unadmitted   of those, events that were not admitted after all (closed meanwhile, queue full,
 *                timed out, interrupted): admitted = offered - unadmitted.
 *   droppedNew   admitted and dropped at once by dropNewest.
 *   droppedOld   queued events removed by dropOldest to make room.
 *   rejectedBy   every rejection by reason, including those refused before `offered` (closed,
 *                expired on arrival, admission control): what snapshots show.
 * Consumer side (workers, once per batch): completed, failed, cancelled, expired (dropped because
 *   their deadline passed while queued), busyNanos, batches. The terminator writes them too, for
 *   the batches it abandons and the events it sweeps. completed, busyNanos and batches, written by
 *   every batch, share a line per stripe (StripedLongs); the rest are LongAdders.
 *
 * Every admitted event ends exactly once: completed, failed, cancelled or dropped. So a stage is
 * settled when ends() == offered(); the graph is quiescent when that holds summed over its stages,
 * with every stage's ends read before any stage's offered (see Quiescence).
 */
final class StageBooks {
  private static final RejectionReason[] REASONS = RejectionReason.values();

  final LongAdder offered = new LongAdder();
  final LongAdder unadmitted = new LongAdder();
  final LongAdder droppedNew = new LongAdder();
  final LongAdder droppedOld = new LongAdder();
  private final LongAdder[] rejectedBy = new LongAdder[REASONS.length];

  // Written together by every batch and handed event: one line per stripe (see StripedLongs).
  private final StripedLongs ends = new StripedLongs(3);
  final StripedLongs.Counter completed = ends.counter(0);
  final StripedLongs.Counter busyNanos = ends.counter(1);
  final StripedLongs.Counter batches = ends.counter(2);
  final LongAdder failed = new LongAdder();
  final LongAdder cancelled = new LongAdder();
  final LongAdder expired = new LongAdder();

  StageBooks() {
    for (int i = 0; i < REASONS.length; i++) {
      rejectedBy[i] = new LongAdder();
    }
  }

  /** Counts {@code n} rejections for {@code reason}. */
  @SuppressWarnings("EnumOrdinal") // the array is indexed by the enum's order
  void rejected(RejectionReason reason, int n) {
    rejectedBy[reason.ordinal()].add(n);
  }

  @SuppressWarnings("EnumOrdinal")
  long rejected(RejectionReason reason) {
    return rejectedBy[reason.ordinal()].sum();
  }

  long rejectedTotal() {
    long n = 0;
    for (LongAdder a : rejectedBy) {
      n += a.sum();
    }
    return n;
  }

  /** Rejections per reason, reasons without any left out, in the enum's order. */
  Map<RejectionReason, Long> rejections() {
    Map<RejectionReason, Long> m = new EnumMap<>(RejectionReason.class);
    for (int i = 0; i < REASONS.length; i++) {
      long n = rejectedBy[i].sum();
      if (n > 0) {
        m.put(REASONS[i], n);
      }
    }
    return Collections.unmodifiableMap(m);
  }

  /**
   * Events turned away although the stage was open: demand it did not take in (queue full, timed
   * out, refused by admission control). Not closed, expired or interrupted offers.
   */
  long turnedAway() {
    return rejected(RejectionReason.QUEUE_FULL)
        + rejected(RejectionReason.TIMED_OUT)
        + rejected(RejectionReason.REFUSED)
        + rejected(RejectionReason.RATE_LIMITED)
        + rejected(RejectionReason.OVERLOADED);
  }

  long dropped() {
    return droppedNew.sum() + droppedOld.sum() + expired.sum();
  }

  /** Admitted events that ended: completed, failed, cancelled or dropped. */
  long ended() {
    return completed.sum() + failed.sum() + cancelled.sum() + dropped();
  }

  /** Every event counted in {@link #offered} that is over: ended, or not admitted after all. */
  long settled() {
    return unadmitted.sum() + ended();
  }

  /** Admitted events (offered minus unadmitted; read unadmitted first, so never under-stated). */
  long admitted() {
    long un = unadmitted.sum();
    return offered.sum() - un;
  }

  /** Changes whenever an event moves in or out (the deadlock detector's progress measure). */
  long moved() {
    return offered.sum() + rejectedTotal() + ended();
  }
}
