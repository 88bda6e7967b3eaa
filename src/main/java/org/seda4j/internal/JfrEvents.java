package org.seda4j.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Frequency;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import org.jspecify.annotations.Nullable;
import org.seda4j.control.ControllerDecision;
import org.seda4j.observe.StageSnapshot;

/*
 * JDK Flight Recorder events of seda4j (module jdk.jfr, part of every JDK; no dependency).
 *
 * Event types (all in category "seda4j", all instant events):
 * - org.seda4j.StageStatistics: one per stage per sampling period, from the graph's sampler thread.
 * - org.seda4j.ControllerDecision: a controller (or setPermits/setBatchSize) changed a setting.
 * - org.seda4j.Rejection: events not admitted (kind REJECTED or CLOSED) or dropped (kind
 *   DROPPED_NEWEST or DROPPED_OLDEST on the producer's thread; DROPPED_EXPIRED, a deadline that
 *   passed while the event was queued, on the handler's thread), at the point it happens.
 * - org.seda4j.HandlerFailure: a handler threw (once per failed event, like the `failed` counter).
 *
 * The classes live in a package the module does not export. JFR needs no access to them: it
 * instruments the bytecode of every jdk.jfr.Event subclass as it is loaded and registers the class
 * on first use; the module only has to read jdk.jfr (module-info: requires jdk.jfr).
 *
 * Cost while no recording enables them: each hook below first reads whether the Flight Recorder is
 * initialized at all (a static field; see Probes), then asks a shared, never committed
 * instance of its event class whether the type is enabled. Event.isEnabled() is an instance method
 * only in form: JFR's instrumentation compiles it to a read of static state of the event class (its
 * EventConfiguration), so a shared instance is safe from any thread and the disabled path is one
 * static call with a field read and a branch: no allocation, no string building, no snapshot. Only
 * when the type is enabled is a fresh event allocated, filled and committed (commit() applies the
 * remaining filters, such as thresholds). The JDK's own recommended pattern, `new E()` followed by
 * `if (e.shouldCommit())`, relies on escape analysis to remove the allocation, which holds only
 * where the call is inlined and compiled; the probe needs neither. Stack traces are off by default
 * for every type but Rejection (which shows the producer that was turned away); a recording can
 * change that with the "stackTrace" setting.
 */
final class JfrEvents {

  private JfrEvents() {}

  /**
   * The probes: never committed, used only for the type-level isEnabled() check (see above). In a
   * class of their own, loaded with the event classes only once the Flight Recorder is initialized
   * (a recording was started, from the command line, jcmd, JMX or code): JFR instruments an event
   * class as it is loaded, and the first such load cost a cold JVM ~200 ms on the loading thread
   * (the sampler's first pass) and ~300 ms of CPU for the JIT (2026-12-06, 2 vCPUs), whether or not
   * anything was ever recorded.
   */
  private static final class Probes {
    static final StageStatistics STATISTICS = new StageStatistics();
    static final Decision DECISION = new Decision();
    static final Rejection REJECTION = new Rejection();
    static final HandlerFailure FAILURE = new HandlerFailure();
  }

  /** Whether a recording may want events: false until the Flight Recorder is initialized. */
  private static boolean recorderUp() {
    return FlightRecorder.isInitialized();
  }

  /** Kinds of {@link Rejection} events. */
  static final String REJECTED = "REJECTED";

  static final String CLOSED = "CLOSED";
  static final String DROPPED_NEWEST = "DROPPED_NEWEST";
  static final String DROPPED_OLDEST = "DROPPED_OLDEST";
  static final String DROPPED_EXPIRED = "DROPPED_EXPIRED";

  // ---------------------------------------------------------------- hooks

  /** Periodic statistics of {@code stage}; called by the sampler thread once per window. */
  static void stageStatistics(StageImpl<?> stage) {
    if (!recorderUp() || !Probes.STATISTICS.isEnabled()) {
      return;
    }
    StageStatistics e = new StageStatistics();
    StageSnapshot s = stage.snapshot();
    e.graph = stage.graphServices().name();
    e.stage = s.name();
    e.queueLength = s.queue().queued();
    e.capacity = s.queue().capacity();
    e.permits = s.handlers().permits();
    e.activeHandlers = s.handlers().active();
    e.inFlight = s.handlers().inFlight();
    e.batchSize = s.handlers().batchSize();
    e.admitted = s.counts().admitted();
    e.rejected = s.counts().rejected();
    e.completed = s.counts().completed();
    e.failed = s.counts().failed();
    e.cancelled = s.counts().cancelled();
    e.dropped = s.counts().dropped();
    e.blockedProducers = s.queue().blockedProducers();
    e.blockedOnEmit = s.handlers().blockedOnEmit();
    e.throughput = s.handlers().throughput();
    e.permitsOverridden = s.controllers().permitsOverridden();
    e.batchSizeOverridden = s.controllers().batchSizeOverridden();
    e.commit();
  }

  /**
   * {@code controller} ("concurrency", "batching", "admission" for the response-time limit on the
   * events in the system, or "manual-permits"/"manual-batchSize" for setPermits/setBatchSize)
   * changed a setting of {@code stage} from {@code oldValue}.
   */
  static void decision(
      StageImpl<?> stage, String controller, int oldValue, int newValue, String reason) {
    if (!recorderUp() || !Probes.DECISION.isEnabled()) {
      return;
    }
    Decision e = new Decision();
    e.graph = stage.graphServices().name();
    e.stage = stage.name();
    e.controller = controller;
    e.oldValue = oldValue;
    e.newValue = newValue;
    e.reason = reason;
    e.commit();
  }

  /** A long setting (the admission limit on events in the system) as an event field. */
  static int clamp(long value) {
    return (int) Math.min(Integer.MAX_VALUE, value);
  }

  /** {@link #decision(StageImpl, String, int, int, String)} for a controller's decision. */
  static void decision(StageImpl<?> stage, String controller, int oldValue, ControllerDecision d) {
    if (recorderUp() && Probes.DECISION.isEnabled()) {
      decision(stage, controller, oldValue, d.value(), d.reason());
    }
  }

  /**
   * {@code count} events offered to {@code stage} were not admitted or were dropped.
   *
   * @param kind {@link #REJECTED}, {@link #CLOSED}, {@link #DROPPED_NEWEST}, {@link
   *     #DROPPED_OLDEST} or {@link #DROPPED_EXPIRED}
   * @param reason the {@code RejectionReason} name, or the kind for closed stages and drops
   */
  static void rejection(StageImpl<?> stage, String kind, String reason, int count, String message) {
    if (!recorderUp() || !Probes.REJECTION.isEnabled()) {
      return;
    }
    Rejection e = new Rejection();
    e.graph = stage.graphServices().name();
    e.stage = stage.name();
    e.kind = kind;
    e.reason = reason;
    e.policy = stage.fullQueuePolicy().toString();
    e.count = count;
    e.capacity = stage.capacity();
    e.message = message;
    e.commit();
  }

  /** The handler of {@code stage} failed on one event with {@code error}. */
  static void handlerFailure(StageImpl<?> stage, String failurePolicy, Throwable error) {
    if (!recorderUp() || !Probes.FAILURE.isEnabled()) {
      return;
    }
    HandlerFailure e = new HandlerFailure();
    e.graph = stage.graphServices().name();
    e.stage = stage.name();
    e.exceptionClass = error.getClass().getName();
    e.message = error.getMessage();
    e.failurePolicy = failurePolicy;
    e.commit();
  }

  // ---------------------------------------------------------------- event types

  @Name("org.seda4j.StageStatistics")
  @Label("Stage Statistics")
  @Description("Queue, concurrency and accounting of one stage, once per sampling period")
  @Category("seda4j")
  @StackTrace(false)
  static final class StageStatistics extends Event {
    @Label("Graph")
    String graph = "";

    @Label("Stage")
    String stage = "";

    @Label("Queue Length")
    int queueLength;

    @Label("Capacity")
    int capacity;

    @Label("Permits")
    @Description("Limit on concurrently running batches")
    int permits;

    @Label("Active Handlers")
    @Description("Batches running now")
    int activeHandlers;

    @Label("In Flight")
    @Description("Events taken from the queue whose handling has not ended")
    long inFlight;

    @Label("Batch Size")
    int batchSize;

    @Label("Admitted")
    long admitted;

    @Label("Rejected")
    long rejected;

    @Label("Completed")
    long completed;

    @Label("Failed")
    long failed;

    @Label("Cancelled")
    long cancelled;

    @Label("Dropped")
    long dropped;

    @Label("Blocked Producers")
    int blockedProducers;

    @Label("Handlers Blocked On Emit")
    int blockedOnEmit;

    @Label("Throughput")
    @Description("Events ended per second in the last sampling window")
    @Frequency
    double throughput;

    @Label("Permits Overridden")
    boolean permitsOverridden;

    @Label("Batch Size Overridden")
    boolean batchSizeOverridden;
  }

  @Name("org.seda4j.ControllerDecision")
  @Label("Controller Decision")
  @Description(
      "A controller, or setPermits/setBatchSize, changed the permits, the batch size or the"
          + " admission limit (Integer.MAX_VALUE: no limit)")
  @Category("seda4j")
  @StackTrace(false)
  static final class Decision extends Event {
    @Label("Graph")
    String graph = "";

    @Label("Stage")
    String stage = "";

    @Label("Controller")
    @Description("concurrency, batching, admission, manual-permits or manual-batchSize")
    String controller = "";

    @Label("Old Value")
    int oldValue;

    @Label("New Value")
    int newValue;

    @Label("Reason")
    String reason = "";
  }

  @Name("org.seda4j.Rejection")
  @Label("Rejection")
  @Description(
      "Events not admitted to a stage (REJECTED, CLOSED) or dropped by its full-queue policy")
  @Category("seda4j")
  static final class Rejection extends Event {
    @Label("Graph")
    String graph = "";

    @Label("Stage")
    String stage = "";

    @Label("Kind")
    @Description("REJECTED, CLOSED, DROPPED_NEWEST or DROPPED_OLDEST")
    String kind = "";

    @Label("Reason")
    @Description(
        "the RejectionReason for rejections (QUEUE_FULL, OVERLOADED, EXPIRED, ...); otherwise the kind")
    String reason = "";

    @Label("Full-Queue Policy")
    String policy = "";

    @Label("Count")
    @Description("Events affected by this call (putAll/offerAll are all-or-nothing)")
    int count;

    @Label("Capacity")
    int capacity;

    @Label("Message")
    String message = "";
  }

  @Name("org.seda4j.HandlerFailure")
  @Label("Handler Failure")
  @Description("A handler threw on an event (once per failed event)")
  @Category("seda4j")
  @StackTrace(false)
  static final class HandlerFailure extends Event {
    @Label("Graph")
    String graph = "";

    @Label("Stage")
    String stage = "";

    @Label("Exception Class")
    String exceptionClass = "";

    @Label("Message")
    @Nullable String message;

    @Label("Failure Policy")
    String failurePolicy = "";
  }
}
