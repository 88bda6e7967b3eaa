package org.seda4j.internal;

import org.jspecify.annotations.Nullable;
import org.seda4j.observe.StageSnapshot;

/*
 * Maintainer note. Reads a stage's snapshot from its parts: the counters (StageBooks), the queue
 * (Inbox), the workers, the tuning, the latency statistics and the paths. Owns nothing mutable and
 * takes no lock: every figure is one read of a counter its part owns, in the order below, so that
 * a snapshot taken under load may miss an event in transit but never counts one twice.
 */
final class StageSnapshots {
  private final StageSpec<?> spec;
  private final StageBooks books;
  private final Inbox inbox;
  private final Workers<?> workers;
  private final Tuning tuning;
  private final @Nullable LatencyStats stats;
  private final StagePaths<?> paths;
  private final AdmissionGate<?> gate;
  private final EmitWaits emitWaits;

  StageSnapshots(
      StageSpec<?> spec,
      StageBooks books,
      Inbox inbox,
      Workers<?> workers,
      Tuning tuning,
      @Nullable LatencyStats stats,
      StagePaths<?> paths,
      AdmissionGate<?> gate,
      EmitWaits emitWaits) {
    this.spec = spec;
    this.books = books;
    this.inbox = inbox;
    this.workers = workers;
    this.tuning = tuning;
    this.stats = stats;
    this.paths = paths;
    this.gate = gate;
    this.emitWaits = emitWaits;
  }

  StageSnapshot take() {
    // Read in the reverse of the order events move (ended <- in flight <- queued <- admitted).
    // Every move lowers the count an event leaves before raising the one it enters (in flight is
    // lowered before the ends are counted; the queue shrinks before in flight grows), so a
    // snapshot can miss an event in transit but never count one twice: under load admitted >=
    // ended + inFlight + queued in every snapshot, with equality at quiescence.
    long completed = books.completed.sum();
    long failed = books.failed.sum();
    long cancelled = books.cancelled.sum();
    long dropped = books.dropped();
    long inFlight = workers.inFlight();
    int queued = inbox.size();
    // Producers move from `offered` to parked to queued or `unadmitted`: read those in reverse.
    long unadmitted = books.unadmitted.sum();
    long parked = inbox.parkedEvents();
    long admitted = books.offered.sum() - unadmitted - parked;
    return new StageSnapshot(
        spec.name(),
        new StageSnapshot.Queue(spec.capacity(), queued, inbox.parked(), spec.policy().toString()),
        new StageSnapshot.Handlers(
            workers.permits.limit(),
            workers.active(),
            inFlight,
            workers.batchSize,
            emitWaits.waiting(),
            tuning.throughput(),
            spec.failurePolicy().toString()),
        new StageSnapshot.Counts(
            admitted,
            completed,
            failed,
            cancelled,
            dropped,
            books.expired.sum(),
            books.rejections()),
        new StageSnapshot.Latencies(
            stats != null ? stats.queueWait() : LatencyHistogram.summarize(),
            stats != null ? stats.serviceTime() : LatencyHistogram.summarize(),
            paths.ownResponseTime()),
        new StageSnapshot.Controllers(
            tuning.concurrencyDecision(),
            tuning.permitsPinned(),
            tuning.batchDecision(),
            tuning.batchSizePinned(),
            gate.describe()));
  }
}
