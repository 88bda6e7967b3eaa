package org.seda4j.examples.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The pacer: nothing runs before its time, everything runs at a tick after it, or at close. */
class PacerTest {

  @Test
  void aHeldThreadGoesOnNoSoonerThanItsTimeAndAtTheNextTickAfterIt() throws Exception {
    Duration tick = Duration.ofMillis(10);
    try (Pacer pacer = new Pacer("test-pacer", tick);
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      long hold = Duration.ofMillis(200).toNanos();
      List<Future<Long>> waited = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        waited.add(
            threads.submit(
                () -> {
                  long start = System.nanoTime();
                  pacer.holdUntil(start + hold);
                  return System.nanoTime() - start;
                }));
      }
      for (Future<Long> w : waited) {
        assertThat(w.get()).isGreaterThanOrEqualTo(hold);
      }
    }
  }

  @Test
  void actionsRunInTheOrderOfTheirTimesAndThoseLeftRunAtClose() throws Exception {
    List<String> ran = new CopyOnWriteArrayList<>();
    Pacer pacer = new Pacer("test-pacer", Duration.ofMillis(5));
    try {
      long now = System.nanoTime();
      pacer.at(now + Duration.ofMillis(60).toNanos(), () -> ran.add("second"));
      pacer.at(now + Duration.ofMillis(20).toNanos(), () -> ran.add("first"));
      pacer.at(now + Duration.ofMinutes(10).toNanos(), () -> ran.add("at close"));
      await().atMost(Duration.ofSeconds(10)).until(() -> ran.size() == 2);
      assertThat(ran).containsExactly("first", "second");
    } finally {
      pacer.close();
    }
    assertThat(ran).containsExactly("first", "second", "at close");
    // After close, an action runs at once, on the caller's thread; a hold returns at once.
    pacer.at(System.nanoTime() + Duration.ofMinutes(10).toNanos(), () -> ran.add("after close"));
    assertThat(ran).endsWith("after close");
    long start = System.nanoTime();
    pacer.holdUntil(start + Duration.ofMinutes(10).toNanos());
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void whileItsActionsAreDueLaterThanATickThePacerSleepsUntilTheFirstIsDue() throws Exception {
    List<String> ran = new CopyOnWriteArrayList<>();
    try (Pacer pacer = new Pacer("test-pacer", Duration.ofMillis(10))) {
      // Given an action due in 600 ms (60 ticks) ...
      long start = System.nanoTime();
      long looksBefore = pacer.looks();
      pacer.at(start + Duration.ofMillis(600).toNanos(), () -> ran.add("late"));
      // ... when one due sooner is added, the pacer wakes for it: it runs long before the first ...
      pacer.at(start + Duration.ofMillis(100).toNanos(), () -> ran.add("soon"));
      await().atMost(Duration.ofMillis(450)).until(() -> ran.contains("soon"));
      assertThat(ran).containsExactly("soon");
      await().atMost(Duration.ofSeconds(5)).until(() -> ran.size() == 2);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(600));
      // ... and it looked a few times, not once a tick for 600 ms.
      assertThat(pacer.looks() - looksBefore).isLessThan(10);
    }
  }
}
