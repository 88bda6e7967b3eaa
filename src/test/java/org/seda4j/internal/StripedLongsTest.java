package org.seda4j.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The striped counters add exactly, whichever threads add, and are independent of each other. */
class StripedLongsTest {

  @Test
  void sumsAreExactOverManyThreadsAndTheCountersDoNotMix() throws InterruptedException {
    StripedLongs s = new StripedLongs(3);
    StripedLongs.Counter a = s.counter(0);
    StripedLongs.Counter b = s.counter(1);
    StripedLongs.Counter c = s.counter(2);
    assertThat(a.sum()).isZero(); // no cells yet: nothing allocated, nothing counted
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 50; t++) {
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    for (int i = 0; i < 1_000; i++) {
                      a.increment();
                      b.add(3);
                    }
                  }));
    }
    for (Thread t : threads) {
      t.join();
    }
    assertThat(a.sum()).isEqualTo(50_000);
    assertThat(b.sum()).isEqualTo(150_000);
    assertThat(c.sum()).isZero();
  }

  @Test
  void badShapesAreRefused() {
    assertThatThrownBy(() -> new StripedLongs(0)).hasMessageContaining("width must be 1..8");
    assertThatThrownBy(() -> new StripedLongs(2).counter(2))
        .hasMessageContaining("index must be 0..1, was 2");
  }
}
