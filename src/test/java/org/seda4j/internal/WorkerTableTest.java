package org.seda4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The graph's table of workers by thread: every added worker is found by its thread until it is
 * removed, then never, whatever the order of adds and removes (deletions shift entries back in
 * their probe sequences; the tables grow and shrink), alone or from several threads at once.
 */
@Timeout(60)
class WorkerTableTest {

  @SuppressWarnings("NullAway") // no owner: the table reads only the thread
  private static Worker worker(Thread t) {
    Worker w = new Worker(null);
    w.thread = t;
    return w;
  }

  private static Thread thread() {
    return Thread.ofVirtual().unstarted(() -> {});
  }

  @Test
  void findsEveryAddedWorkerUntilItIsRemovedInAnyOrder() {
    SplittableRandom random = new SplittableRandom(20261206L);
    WorkerTable table = new WorkerTable();
    Map<Thread, Worker> model = new HashMap<>();
    List<Worker> live = new ArrayList<>();
    List<Thread> gone = new ArrayList<>();
    for (int step = 0; step < 200_000; step++) {
      // Phases of growth and of decline, so that tables grow past and shrink back below the
      // smallest size many times.
      boolean grow = (step / 20_000) % 2 == 0;
      if (live.isEmpty() || random.nextInt(100) < (grow ? 70 : 30)) {
        Worker w = worker(thread());
        table.add(w);
        model.put(w.thread, w);
        live.add(w);
      } else {
        Worker w = live.remove(random.nextInt(live.size()));
        assertThat(table.remove(w)).isTrue();
        assertThat(table.remove(w)).as("a second removal").isFalse();
        model.remove(w.thread);
        gone.add(w.thread);
      }
      if (step % 997 == 0) {
        for (Map.Entry<Thread, Worker> e : model.entrySet()) {
          assertThat(table.get(e.getKey())).isSameAs(e.getValue());
        }
        for (Thread t : gone) {
          assertThat(table.get(t)).isNull();
        }
        gone.clear();
        assertThat(table.size()).isEqualTo(model.size());
        List<Worker> snapshot = table.snapshot(w -> true);
        assertThat(snapshot).hasSize(model.size());
        assertThat(new HashSet<>(snapshot)).isEqualTo(new HashSet<>(model.values()));
      }
    }
    for (Worker w : live) {
      assertThat(table.remove(w)).isTrue();
    }
    assertThat(table.size()).isZero();
    assertThat(table.snapshot(w -> true)).isEmpty();
    assertThat(table.any(w -> true)).isFalse();
  }

  @Test
  void aWorkerOfAnotherThreadIsNotFoundAndAnotherWorkerOfTheSameThreadIsNotRemoved() {
    WorkerTable table = new WorkerTable();
    Thread t = thread();
    Worker w = worker(t);
    Worker other = worker(t);
    table.add(w);
    assertThat(table.get(thread())).isNull();
    assertThat(table.remove(other)).isFalse(); // by identity, not by thread
    assertThat(table.get(t)).isSameAs(w);
  }

  @Test
  void concurrentAddsAndRemovesLoseNoWorker() throws InterruptedException {
    WorkerTable table = new WorkerTable();
    int threads = 4;
    int each = 20_000;
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger misses = new AtomicInteger();
    List<List<Worker>> kept = new ArrayList<>();
    List<Thread> runners = new ArrayList<>();
    for (int k = 0; k < threads; k++) {
      List<Worker> mine = new ArrayList<>();
      kept.add(mine);
      runners.add(
          Thread.ofPlatform() // platform threads: the OS interleaves them at any instruction
              .start(
                  () -> {
                    try {
                      start.await();
                    } catch (InterruptedException e) {
                      return;
                    }
                    List<Worker> pending = new ArrayList<>();
                    for (int i = 0; i < each; i++) {
                      Worker w = worker(thread());
                      table.add(w);
                      pending.add(w);
                      if (i % 3 == 2) { // remove two of every three, keep the third
                        for (int j = 0; j < 2; j++) {
                          Worker r = pending.remove(0);
                          if (table.get(r.thread) != r || !table.remove(r)) {
                            misses.incrementAndGet();
                          }
                        }
                        mine.add(pending.remove(0));
                      }
                    }
                    mine.addAll(pending);
                  }));
    }
    start.countDown();
    for (Thread r : runners) {
      r.join();
    }
    assertThat(misses).hasValue(0);
    List<Worker> all = new ArrayList<>();
    kept.forEach(all::addAll);
    assertThat(table.size()).isEqualTo(all.size());
    List<Worker> snapshot = table.snapshot(w -> true);
    assertThat(snapshot).hasSize(all.size());
    assertThat(new HashSet<>(snapshot)).isEqualTo(new HashSet<>(all));
    for (Worker w : all) {
      assertThat(table.get(w.thread)).isSameAs(w);
    }
  }
}
