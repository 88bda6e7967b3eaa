package org.seda4j.internal;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.seda4j.observe.Latency;

/*
 * Maintainer note. A stage's latency statistics: queue wait and service time, each as two rotating
 * histogram windows (LatencyHistogram.Window). Absent (null in StageImpl) when the graph turned
 * statistics off: then nothing here is allocated and nothing on the hot path reads a clock for it.
 *
 * Queue wait is measured on a sample, so that its cost does not grow with the event rate: a
 * producer wraps the event in a Stamped (its offer time) when a random draw says so, and the
 * consumer records now - queuedNanos for each Stamped it takes. The draw keeps 1 in (mask + 1)
 * events; the sampler sets the mask once per window from the events admitted in the last one, so
 * that about 512 to 1024 events per window are stamped (every event below that), and at most
 * MAX_OUTSTANDING stamped events wait at once (memory stays bounded whatever the queue holds).
 * The sample is uniform over events within a window, so a percentile's error is that of a random
 * sample of n: the reported p90 lies between the true p(90 - d) and p(90 + d), d = 100 *
 * sqrt(0.09 / n), i.e. within p88.7 and p91.3 for a window of 512 samples (one standard deviation),
 * plus the histogram's 1/32 bucket bound; the count is the number of samples, not of events.
 * A burst larger than the outstanding cap has its later events under-sampled until stamped ones
 * leave the queue.
 *
 * Service time: one clock read per batch (the worker reads the clock at both ends anyway, for the
 * busy time the controllers need); the batch's handler time divided by its events is recorded once
 * per event. Exact at batch size 1; for larger batches the percentiles are of batch means. An event
 * handed to a worker past the queue (Workers.handOff) is recorded only if it is in the queue-wait
 * sample, with that sample's weight (mask + 1): the same uniform sample, so the same error bound
 * as the queue wait, and a stage whose events go both ways keeps the two in proportion.
 *
 * Windows: see LatencyHistogram.Window; rotate() is called by the sampler thread only.
 */
final class LatencyStats {
  static final int MAX_OUTSTANDING = 256;
  private static final int SAMPLES_PER_WINDOW = 512;

  private volatile LatencyHistogram.Window queueWait = new LatencyHistogram.Window();
  private volatile LatencyHistogram.Window serviceTime = new LatencyHistogram.Window();
  private volatile int stampMask; // 0: stamp every event
  private final AtomicInteger outstanding = new AtomicInteger();

  /** Producer: the item to queue for {@code item}, stamped if this event is in the sample. */
  Object stamp(Object item) {
    int mask = stampMask;
    if ((mask == 0 || (ThreadLocalRandom.current().nextInt() & mask) == 0)
        && outstanding.get() < MAX_OUTSTANDING) {
      outstanding.incrementAndGet();
      return new Stamped(item, System.nanoTime());
    }
    return item;
  }

  /** Consumer: records the wait of a stamped item taken at {@code now}; returns its item. */
  Object taken(Stamped s, long now) {
    outstanding.decrementAndGet();
    queueWait.current().record(now - s.queuedNanos());
    return s.item();
  }

  /** A stamped item left the queue without being handled (dropped, swept, retracted). */
  Object discarded(Stamped s) {
    outstanding.decrementAndGet();
    return s.item();
  }

  /** Consumer: {@code events} events were handled in {@code nanos} of handler time. */
  void served(long nanos, int events) {
    serviceTime.current().record(nanos / events, events);
  }

  /**
   * Consumer: a handed event in the queue-wait sample was handled in {@code nanos}: recorded with
   * the sample's weight (the events each sampled one stands for), so that it weighs in the
   * percentiles as the batches recorded by served() do.
   */
  void servedSample(long nanos) {
    serviceTime.current().record(nanos, stampMask + 1L);
  }

  /** Sampler: a window ended in which {@code admitted} events were admitted. */
  void rotate(long admitted) {
    queueWait = queueWait.rotate();
    serviceTime = serviceTime.rotate();
    long perSample = admitted / SAMPLES_PER_WINDOW;
    stampMask = perSample <= 1 ? 0 : (int) Math.min(1 << 20, Long.highestOneBit(perSample)) - 1;
  }

  Latency queueWait() {
    return queueWait.summary();
  }

  Latency serviceTime() {
    return serviceTime.summary();
  }
}
