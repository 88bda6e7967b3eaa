package org.seda4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The padded cells behave as the atomics they replace (Workers' flow and lingering flag). */
class IsolatedTest {

  @Test
  void aCounterAddsAndReportsTheValueBeforeOrAfter() {
    Isolated.Counter c = new Isolated.Counter();
    assertThat(c.get()).isZero();
    assertThat(c.getAndAdd(Workers.TAKER)).isZero();
    assertThat(c.addAndGet(5 - Workers.TAKER)).isEqualTo(5);
    assertThat(c.getAndAdd(-5)).isEqualTo(5);
    assertThat(c.get()).isZero();
  }

  @Test
  void aFlagIsSetAndClearedOnceByCompareAndSet() {
    Isolated.Flag f = new Isolated.Flag();
    assertThat(f.get()).isFalse();
    f.set(true);
    assertThat(f.get()).isTrue();
    assertThat(f.compareAndSet(true, false)).isTrue();
    assertThat(f.compareAndSet(true, false)).isFalse(); // a second waker finds it cleared
    assertThat(f.get()).isFalse();
  }
}
