package org.seda4j.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A bulk insertion that polls (for another bulk's lock, or for the gap to empty) parks between its
 * polls even when its caller's interrupt flag is set, and keeps that interrupt. A pending interrupt
 * makes LockSupport.parkNanos return at once: virtual producers polling so keep their carriers, and
 * as many of them as there are carriers (two on a two-core machine, in the long chaos suite)
 * starved every other virtual thread, the bulk they waited for included, for good.
 */
@Timeout(60)
class BulkPollTest {

  /** As many virtual threads as the default scheduler has carriers. */
  private static final int CARRIERS = Runtime.getRuntime().availableProcessors();

  private static final Duration PATIENCE = Duration.ofSeconds(10);

  /**
   * Fresh virtual threads get a carrier while the pollers poll: five, one after the other (the
   * first may run while the pollers still yield, before their first park).
   */
  private static void otherVirtualThreadsStillRun() {
    for (int i = 0; i < 5; i++) {
      CountDownLatch ran = new CountDownLatch(1);
      Thread.ofVirtual().start(ran::countDown);
      await().atMost(PATIENCE).pollInterval(Duration.ofMillis(10)).until(() -> ran.getCount() == 0);
    }
  }

  @Test
  void interruptedOfferAllsWaitingForAnotherBulkLeaveTheCarriersAndKeepTheirInterrupt()
      throws InterruptedException {
    Inbox in = new Inbox(4 * CARRIERS, new StageBooks());
    AtomicInteger inserted = new AtomicInteger();
    AtomicInteger keptInterrupt = new AtomicInteger();
    CountDownLatch polling = new CountDownLatch(CARRIERS);
    List<Thread> producers = new ArrayList<>();
    in.bulkLock.lock(); // another bulk holds the queue (and does not wait for room)
    try {
      for (int i = 0; i < CARRIERS; i++) {
        producers.add(
            Thread.ofVirtual()
                .start(
                    () -> {
                      Thread.currentThread().interrupt(); // e.g. from another producer
                      polling.countDown();
                      try {
                        if (BulkInsertion.insertAll(in, List.of("a", "b"), false, 0, () -> true)
                            == Inbox.Outcome.INSERTED) {
                          inserted.incrementAndGet();
                        }
                      } catch (InterruptedException e) {
                        throw new AssertionError("an offerAll never waits interruptibly", e);
                      }
                      if (Thread.currentThread().isInterrupted()) {
                        keptInterrupt.incrementAndGet();
                      }
                    }));
      }
      polling.await();
      otherVirtualThreadsStillRun();
    } finally {
      in.bulkLock.unlock();
    }
    for (Thread p : producers) {
      p.join();
    }
    assertThat(inserted).hasValue(CARRIERS);
    assertThat(keptInterrupt).as("every interrupt is kept").hasValue(CARRIERS);
    assertThat(in.size()).isEqualTo(2 * CARRIERS);
  }

  @Test
  void interruptedBulksWaitingForTheGapLeaveTheCarriersAndKeepTheirInterrupt()
      throws InterruptedException {
    StageBooks books = new StageBooks();
    Inbox in = new Inbox(16, books);
    books.offered.increment(); // a single producer in the gap: counted, not yet queued
    AtomicInteger keptInterrupt = new AtomicInteger();
    CountDownLatch polling = new CountDownLatch(CARRIERS);
    List<Thread> bulks = new ArrayList<>();
    for (int i = 0; i < CARRIERS; i++) {
      bulks.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    Thread.currentThread().interrupt();
                    polling.countDown();
                    BulkInsertion.awaitEmptyGap(in, 0, () -> true);
                    if (Thread.currentThread().isInterrupted()) {
                      keptInterrupt.incrementAndGet();
                    }
                  }));
    }
    try {
      polling.await();
      otherVirtualThreadsStillRun();
    } finally {
      assertThat(in.offer("x")).isTrue(); // the single's event lands: the gap empties
    }
    for (Thread b : bulks) {
      b.join();
    }
    assertThat(keptInterrupt).as("every interrupt is kept").hasValue(CARRIERS);
  }
}
