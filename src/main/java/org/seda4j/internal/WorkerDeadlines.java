package org.seda4j.internal;

import org.jspecify.annotations.Nullable;
import org.seda4j.Deadline;
import org.seda4j.Expiring;

/*
 * Maintainer note. The worker's check of a queued Expiring event's deadline, guarded: deadline() is
 * user code and may throw or return null on any call, and then the event fails with an error that
 * names the stage and the callback (it never kills the worker or leaves the event uncounted).
 */
final class WorkerDeadlines {
  private WorkerDeadlines() {}

  /** Whether {@code x}'s deadline passed; DeadlineFailure if deadline() threw or returned null. */
  static boolean expired(Expiring x, String stage, long now) throws DeadlineFailure {
    Deadline d;
    try {
      d = x.deadline();
    } catch (RuntimeException | Error e) {
      throw new DeadlineFailure(
          "Expiring.deadline() threw on an event of stage '"
              + stage
              + "' when its worker checked it; the event counts as failed",
          e);
    }
    if (d == null) {
      throw new DeadlineFailure(
          "Expiring.deadline() returned null on an event of stage '"
              + stage
              + "' when its worker checked it; the event counts as failed",
          null);
    }
    return d.expiredAt(now);
  }

  /** A failing Expiring.deadline(): the error an event fails with. */
  static final class DeadlineFailure extends Exception {
    private static final long serialVersionUID = 1L;

    DeadlineFailure(String message, @Nullable Throwable cause) {
      super(message, cause);
    }
  }
}
