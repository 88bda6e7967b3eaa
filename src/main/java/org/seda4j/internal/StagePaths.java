package org.seda4j.internal;

import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.seda4j.control.AdmissionController;
import org.seda4j.control.AdmissionSample;
import org.seda4j.observe.Latency;
import org.seda4j.spi.AdmissionLimit;

/*
 * Maintainer note. A stage's part in measured paths and in response-time feedback. Owns: whether a
 * path starts here (`pathEntry`), the paths ending here, the path its feedback controller measures
 * (`feedbackPath`; a stage-scope controller measures the implicit path from the stage to itself),
 * which path entries' events this stage has queued (its membership, `knownEntries`), and the
 * sampler's last feedback figures.
 *
 * Events of a path are queued wrapped in a Tracked (their origin time and entry); what a handler
 * emits while handling one inherits the origin. The priority a feedback controller gives an event
 * is asked once, at the path's entry, and guarded: a throw or a value out of range counts as
 * priority 0 (logged, rate-limited).
 */
final class StagePaths<E> {
  private final StageImpl<E> stage;
  private final GraphServices graph;
  private final @Nullable AdmissionController<? super E> feedbackController;
  private volatile boolean pathEntry;
  private volatile PathStats[] endingHere = new PathStats[0];
  private volatile @Nullable PathStats feedbackPath;
  private volatile boolean stageScope; // the feedback path is the implicit one to itself
  private volatile long knownEntries; // bit i: a member of the paths entering at stage i (i < 64)
  private @Nullable Set<Integer> knownFarEntries; // ids >= 64; created on first use
  // Sampler thread only:
  private long lastNanos;
  private long lastAdmitted;
  private long lastRejected;
  private long lastEnded;
  private long lastBusy;

  StagePaths(
      StageImpl<E> stage,
      GraphServices graph,
      @Nullable AdmissionController<? super E> feedbackController,
      long startNanos) {
    this.stage = stage;
    this.graph = graph;
    this.feedbackController = feedbackController;
    this.lastNanos = startNanos;
  }

  /** What the stage's feedback controller wants, or null if it has none. */
  AdmissionController.@Nullable Feedback feedback() {
    AdmissionController<? super E> fb = feedbackController;
    return fb == null ? null : fb.feedback();
  }

  // ---------------------------------------------------------------- set up by the graph

  /** The graph measures a path starting here: tag events admitted from now on. */
  void startsPath() {
    pathEntry = true;
  }

  /** The graph measures {@code path}, which ends here: record its responses from now on. */
  void endsPath(PathStats path) {
    PathStats[] old = endingHere;
    PathStats[] next = Arrays.copyOf(old, old.length + 1);
    next[old.length] = path;
    endingHere = next; // one writer: the graph registers paths under its lock
  }

  /** The path the feedback controller measures; {@code self}: the stage-scope one. */
  void feedbackPath(PathStats path, boolean self) {
    stageScope = self;
    feedbackPath = path;
  }

  /** Whether this stage queued events of the paths entering at stage {@code entry}. */
  boolean queuedPathsOf(int entry) {
    if (entry < 64) {
      return (knownEntries & (1L << entry)) != 0;
    }
    Set<Integer> far = knownFarEntries;
    return far != null && far.contains(entry);
  }

  // ---------------------------------------------------------------- producers

  /**
   * What goes into the queue for {@code e}: {@code e} itself, or {@code e} with the path origin it
   * inherits, or (at a path's entry) with a new origin.
   */
  Object wrap(E e, @Nullable Tracked origin) {
    if (origin != null) {
      joinPathsOf(origin.entry());
      return origin.carry(e);
    }
    if (!pathEntry) {
      return e;
    }
    return new Tracked(e, System.nanoTime(), stage.id, priorityOf(e));
  }

  private int priorityOf(E e) {
    AdmissionController<? super E> fb = feedbackController;
    PathStats path = feedbackPath;
    if (fb == null || path == null || path.entry != stage) {
      return 0;
    }
    int p;
    try {
      p = fb.priorityOf(e);
    } catch (Throwable ex) {
      Guard.rethrowFatal(ex);
      stage
          .warnings()
          .warn(
              StageLog.Kind.CONTROLLER_FAILED,
              "priority function of the admission controller of stage '{}' threw; the event gets"
                  + " priority 0",
              stage.name(),
              ex);
      return 0;
    }
    return Math.max(0, Math.min(p, path.times.priorities() - 1));
  }

  /** Joins the paths entering at stage {@code entry} the first time. Producer's thread. */
  private void joinPathsOf(int entry) {
    if (entry < 64) {
      long bit = 1L << entry;
      if ((knownEntries & bit) == 0) {
        graph.joinPaths(entry, stage);
        knownEntries |= bit; // racy but idempotent: joining twice is harmless
      }
    } else {
      Set<Integer> far = knownFarEntries;
      if (far == null) {
        far = ConcurrentHashMap.newKeySet();
        knownFarEntries = far;
      }
      if (!far.contains(entry)) {
        graph.joinPaths(entry, stage);
        far.add(entry);
      }
    }
  }

  // ---------------------------------------------------------------- workers

  /** Whether the responses of some path are recorded here. */
  boolean recordsResponses() {
    return endingHere.length > 0;
  }

  /** Records the responses of the handled events (indices {@code handled}) ended at {@code end}. */
  void recordResponses(@Nullable Tracked[] origins, int[] handled, int count, long end) {
    PathStats[] paths = endingHere;
    for (int k = 0; k < count; k++) {
      Tracked t = origins[handled[k]];
      if (t == null) {
        continue;
      }
      for (PathStats p : paths) {
        if (p.entry.id == t.entry()) {
          p.times.record(t.priority(), end - t.originNanos());
        }
      }
    }
  }

  // ---------------------------------------------------------------- the sampler

  /** Events in the system where the feedback controller measures (its path, or this stage). */
  long inSystemWhereMeasured() {
    PathStats path = feedbackPath;
    return path != null ? path.inSystem() : stage.inSystem();
  }

  /** The stage's own response time, if its feedback controller measures one; else empty. */
  Latency ownResponseTime() {
    PathStats path = feedbackPath;
    return path != null && stageScope ? path.times.summary() : LatencyHistogram.summarize();
  }

  /**
   * Hands the response times measured since the last consumed sample to the feedback controller.
   * Sampler thread only, after every stage of the graph was sampled for the window ending at {@code
   * now} (so a path's stages report this window's state).
   */
  void updateAdmission(long now, StageBooks books, int queued, int capacity) {
    AdmissionController<? super E> fb = feedbackController;
    PathStats path = feedbackPath;
    long elapsed = now - lastNanos;
    if (fb == null || path == null || elapsed <= 0) {
      return;
    }
    long adm = books.admitted();
    long rej = books.rejectedTotal();
    long ended = books.completed.sum() + books.failed.sum();
    long busy = books.busyNanos.sum();
    if (adm == lastAdmitted && rej == lastRejected && ended == lastEnded && queued == 0) {
      // Idle: nothing offered, nothing handled. The next sample starts now, so its rates are
      // not diluted by the quiet time before traffic (re)started.
      lastNanos = now;
      return;
    }
    long meanService = ended > lastEnded ? (busy - lastBusy) / (ended - lastEnded) : 0;
    ResponseTimes times = path.times;
    AdmissionSample sample =
        new AdmissionSample(
            now,
            elapsed,
            times.currentAll(),
            times.currentByPriority(),
            adm - lastAdmitted,
            rej - lastRejected,
            queued,
            capacity,
            meanService,
            path.inSystem(),
            path.saturated(),
            path.searching());
    boolean consumed;
    long limitBefore = fb instanceof AdmissionLimit l ? l.limit() : 0;
    try {
      consumed = fb.update(sample);
    } catch (Throwable e) {
      Guard.rethrowFatal(e);
      stage
          .warnings()
          .warn(
              StageLog.Kind.CONTROLLER_FAILED,
              "admission controller of stage '{}' threw on {}; ignored",
              stage.name(),
              sample,
              e);
      consumed = true;
    }
    if (consumed) {
      times.consume();
      lastNanos = now;
      lastAdmitted = adm;
      lastRejected = rej;
      lastEnded = ended;
      lastBusy = busy;
      stage.log().debug("stage '{}' admission after {}: {}", stage.name(), sample, fb);
      if (fb instanceof AdmissionLimit l && l.limit() != limitBefore) {
        JfrEvents.decision(
            stage,
            "admission",
            JfrEvents.clamp(limitBefore),
            JfrEvents.clamp(l.limit()),
            l.toString());
      }
    }
  }
}
