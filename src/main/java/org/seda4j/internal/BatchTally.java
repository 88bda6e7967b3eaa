package org.seda4j.internal;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.seda4j.UnprocessedEvent;

/*
 * Maintainer note. What one batch did: how many of its events completed, failed, were cancelled
 * or expired, which ones were handled (when path responses are recorded) and the contexts they
 * carried. One per worker (Worker.tally), written and read by that worker's thread only, reset for
 * each of its batches, so that a batch of a per-event handler allocates nothing. No lock: the
 * BatchRunner counts it into the StageBooks once, when the worker still owns its batch.
 */
final class BatchTally {
  int ok;
  int bad;
  int cancel;
  int late;
  int served; // handler calls that ended (completed or failed)
  long end;
  int @Nullable [] handled; // indices handled, when responses are recorded
  int handledCount;
  List<UnprocessedEvent> cancelled = List.of();
  boolean tracked; // some event of the batch was tracked (then the worker's origins hold them)
  boolean carried; // some event of the batch carried a context (then `contexts` holds them)
  // Per index, the context an event carried (null if none); created on first use, nulled after
  // each batch that used it.
  @Nullable Object @Nullable [] contexts;

  void reset() {
    ok = 0;
    bad = 0;
    cancel = 0;
    late = 0;
    served = 0;
    end = 0;
    handled = null;
    handledCount = 0;
    cancelled = List.of();
    tracked = false;
    carried = false;
  }

  /** The contexts array, at least {@code length} long. */
  @Nullable Object[] contexts(int length) {
    @Nullable Object[] c = contexts;
    if (c == null || c.length < length) {
      c = new Object[length];
      contexts = c;
    }
    return c;
  }

  void handled(int i) {
    int[] h = handled;
    if (h != null) {
      h[handledCount++] = i;
    }
  }

  void cancelled(UnprocessedEvent u) {
    if (cancelled.isEmpty()) {
      cancelled = new ArrayList<>();
    }
    cancelled.add(u);
  }
}
