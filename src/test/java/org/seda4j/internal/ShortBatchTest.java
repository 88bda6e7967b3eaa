package org.seda4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Which batches make a computing worker park for a turn before it drains again (Workers, "Short
 * batches"): events had gathered, but far fewer than the batch size allows.
 */
class ShortBatchTest {

  @Test
  void aBatchOfTwoUpToAQuarterOfTheBatchSizeIsShort() {
    assertThat(Workers.shortBatch(2, 64)).isTrue();
    assertThat(Workers.shortBatch(16, 64)).isTrue();
    assertThat(Workers.shortBatch(17, 64)).isFalse();
    assertThat(Workers.shortBatch(64, 64)).isFalse();
  }

  @Test
  void aSingleEventIsNotShortAWorkerKeepingUpWithATrickleTakesNoTurn() {
    assertThat(Workers.shortBatch(1, 64)).isFalse();
    assertThat(Workers.shortBatch(0, 64)).isFalse();
  }

  @Test
  void smallBatchSizesHaveNoShortBatches() {
    for (int max = 1; max < 8; max++) {
      for (int n = 0; n <= max; n++) {
        assertThat(Workers.shortBatch(n, max)).as("n=%d max=%d", n, max).isFalse();
      }
    }
    assertThat(Workers.shortBatch(2, 8)).isTrue();
  }
}
