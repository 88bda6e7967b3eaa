package org.seda4j.control;

import java.time.Duration;
import java.util.Objects;
import java.util.function.ToIntFunction;
import org.jspecify.annotations.Nullable;
import org.seda4j.FullQueuePolicy;
import org.seda4j.OfferResult;
import org.seda4j.RejectionReason;
import org.seda4j.Stage;
import org.seda4j.StageRejectedException;
import org.seda4j.observe.StageSnapshot;

/**
 * Decides at a stage's sink whether an arriving event may enter: admission control, the first line
 * of SEDA's overload management (Welsh and Culler, "Adaptive Overload Control for Busy Internet
 * Servers", USITS 2003; Sandstorm's {@code EnqueuePredicateIF}).
 *
 * <p>Installed with {@link Stage.Builder#admission(AdmissionController)}; a stage may have several,
 * asked in the order they were added, and an event must pass all of them. Admission comes before
 * the {@link FullQueuePolicy}: an event a controller admits may still wait for room, be rejected or
 * be dropped by a full queue. An event a controller refuses is not admitted: the producer gets
 * {@link OfferResult.Rejected} (or {@link StageRejectedException} from {@code put}/{@code emit})
 * with the controller's {@link #rejectionReason()}, the stage counts it per reason ({@link
 * StageSnapshot.Counts#rejections()}), and the stage's rejection handler ({@link
 * Stage.Builder#onReject}) may degrade the request, for example by sending a quick "busy" answer.
 *
 * <h2>Choosing one</h2>
 *
 * <ul>
 *   <li>A lambda: {@code (event, sink) -> sink.queued() < 100 || event.important()} — any rule of
 *       your own (Sandstorm's enqueue predicate).
 *   <li>{@link #queueThreshold(int)} — refuse while the queue is at least that long.
 *   <li>{@link #tokenBucket(double, int)} — a fixed rate limit.
 *   <li>{@link #responseTime(Duration)} — the default overload controller: a limit on the events in
 *       the system (Little's law on the measured capacity), so that the 90th-percentile response
 *       time stays near a target; {@link #responseTime(ResponseTarget)} measures a path or shares
 *       the capacity fairly by key.
 *   <li>{@link #welshCuller(ResponseTimeSettings)} — Welsh and Culler's controller: a token-bucket
 *       rate that follows the measured response time; {@link #multiclass} the same with priorities
 *       (on overload lower priorities are cut first).
 * </ul>
 *
 * <h2>Threads</h2>
 *
 * <p>{@link #admit} runs on the producer's thread (any thread, handlers included) for every event
 * offered, possibly on many threads at once: it must be thread-safe, quick, and must not block.
 * {@link #update} runs on the graph's sampler thread only, once per sampling period, never
 * concurrently with itself. One instance guards one stage.
 *
 * @param <E> the event type it understands
 */
@FunctionalInterface
public interface AdmissionController<E> {

  /**
   * Decides whether {@code event} may enter the stage's queue.
   *
   * <p>Called on the producer's thread for every event offered (each event of a {@code
   * putAll}/{@code offerAll} too: one refusal rejects them all), after the graph's state and the
   * event's deadline were checked and before the full-queue policy. Must be thread-safe and must
   * not block; an exception it throws reaches the producer, and the event is not admitted.
   *
   * @param event the event offered
   * @param sink what the controller may read about the stage
   * @return {@code true} to let the event proceed, {@code false} to reject it with {@link
   *     #rejectionReason()}
   */
  boolean admit(E event, AdmissionContext sink);

  /**
   * The reason producers are given when {@link #admit} returns {@code false}. Default {@link
   * RejectionReason#REFUSED}.
   *
   * @return the reason
   */
  default RejectionReason rejectionReason() {
    return RejectionReason.REFUSED;
  }

  /**
   * The response times this controller wants measured and passed to {@link #update}; {@code null}
   * (the default) for none, which costs nothing on the hot path.
   *
   * @return what to measure, or {@code null}
   */
  default @Nullable Feedback feedback() {
    return null;
  }

  /**
   * The priority of an event, from 0 (the lowest, cut first) to {@code feedback().priorities() -
   * 1}; the stage splits the measured response times by it. Called once per admitted event on the
   * producer's thread when the feedback has more than one priority; must be quick and thread-safe.
   * Default 0.
   *
   * @param event the event
   * @return its priority
   */
  default int priorityOf(E event) {
    return 0;
  }

  /**
   * Receives the response times measured since the last sample this controller consumed, once per
   * sampling period, on the graph's sampler thread; only called if {@link #feedback()} is not
   * {@code null}. Must not block.
   *
   * @param sample the measurements
   * @return {@code true} if the controller used the sample (the next one starts afresh), {@code
   *     false} to keep accumulating (for example until enough responses were measured)
   */
  default boolean update(AdmissionSample sample) {
    return true;
  }

  /**
   * What a controller wants measured for {@link #update}.
   *
   * @param priorities how many priorities the response times are split into, at least 1
   * @param exit {@code null} to measure the guarded stage's own response time (admission to the end
   *     of handling there); a stage to measure the path from the guarded stage to it: from
   *     admission at the guarded stage to the end of handling, at {@code exit}, of events emitted
   *     (directly or through other stages) while handling it
   */
  record Feedback(int priorities, @Nullable Stage<?> exit) {
    /**
     * Validates the feedback.
     *
     * @param priorities at least 1, at most 64
     * @param exit the exit stage, or {@code null}
     */
    public Feedback {
      if (priorities < 1 || priorities > 64) {
        throw new IllegalArgumentException(
            "priorities must be between 1 and 64, was " + priorities);
      }
    }
  }

  /**
   * Refuses events while the queue holds at least {@code threshold} events (Sandstorm's queue
   * threshold predicate): a queue shorter than its capacity, for shedding early and cheaply. Reason
   * {@link RejectionReason#OVERLOADED}.
   *
   * @param threshold the queue length from which events are refused, at least 1
   * @return a new controller
   * @throws IllegalArgumentException if {@code threshold < 1}
   */
  static AdmissionController<Object> queueThreshold(int threshold) {
    return new QueueThresholdAdmission(threshold);
  }

  /**
   * A fixed rate limit: a token bucket refilled at {@code eventsPerSecond} that holds at most
   * {@code burst} tokens; each admitted event takes one. Reason {@link
   * RejectionReason#RATE_LIMITED}. Lock-free (one compare-and-set per event).
   *
   * @param eventsPerSecond the sustained rate, positive
   * @param burst how many events may pass at once after a quiet period, at least 1
   * @return a new controller
   * @throws IllegalArgumentException if an argument is out of range
   */
  static AdmissionController<Object> tokenBucket(double eventsPerSecond, int burst) {
    return new TokenBucketAdmission(eventsPerSecond, burst);
  }

  /**
   * The default overload controller: keeps the 90th-percentile response time of the guarded stage
   * near {@code target}. See {@link #responseTime(ResponseTarget)}.
   *
   * @param target the response time to hold, positive
   * @return a new controller
   * @throws IllegalArgumentException if {@code target} is not positive
   */
  static AdmissionController<Object> responseTime(Duration target) {
    return responseTime(ResponseTarget.builder(target).build());
  }

  /**
   * The default overload controller: a limit on the events in the system derived from Little's law,
   * so that an admitted event is answered near the target response time, and an event beyond it is
   * rejected at once ({@link RejectionReason#OVERLOADED}).
   *
   * <p>While a stage where the response time is measured works at its capacity (every permit busy,
   * events waiting), the rate X at which responses end is what the stages can do, and an event
   * admitted while N events are in the system waits about N / X. So the controller admits an event
   * only while fewer than L = X × target × gain are in the system ({@link
   * AdmissionContext#inSystem()}: queued or being handled at the guarded stage, or along the
   * measured path). The comparison is made for every event, with the live count: rejections start
   * exactly when the system holds a target's worth of work, and stop as soon as it holds less
   * (there is no rate to climb back up once the load falls). The gain, from 0.25 to 2, starting at
   * 1, is trimmed by the measured 90th percentile in periods when the limit refused events: down in
   * proportion when it is above the target, up by 10% when it is below 0.8 × target.
   *
   * <p>No backlog, no cut: until a measured stage has worked at its capacity there is no limit, so
   * a cold start at low load sheds nothing. The controller also works with the stages' concurrency
   * and batching controllers instead of against them: while one of them is still raising its
   * setting ({@link ControllerDecision#searching()}), the capacity measured is a lower bound, and
   * the limit is relaxed to four times its value until the search ends. The capacity estimate
   * follows a rise at once and a fall by half per sampling period.
   *
   * <p>With {@link ResponseTarget.Builder#fairBy fairness by key}, the limit also sheds per key
   * once the system holds half the limit: an event is admitted only if its key's recent admissions
   * (a count decaying with a 1 s time constant) are at most the mean over the keys that offered
   * events in the last 2 s. The key served most recently and most often is shed first, so under
   * overload every key (a tenant, a client, a connection) gets about the same share, and a client
   * that is answered and comes straight back cannot take the room of one that was just shed.
   *
   * <p>Its state (the limit and the inputs that set it, the events in the system, the measured
   * percentile, the fair share) is in {@link StageSnapshot.Controllers#admission()} and logged at
   * DEBUG once per sampling period. Welsh and Culler's rate-based controller remains available as
   * {@link #welshCuller(ResponseTimeSettings)}.
   *
   * @param target the target and options
   * @param <E> the event type (of the fairness key function)
   * @return a new controller
   */
  static <E> AdmissionController<E> responseTime(ResponseTarget<E> target) {
    Objects.requireNonNull(target, "target must not be null");
    return new ResponseTimeLimit<>(target.target(), target.exit(), target.fairnessKey());
  }

  /**
   * The adaptive overload controller of Welsh and Culler (USITS 2003), as published plus four
   * guards: admission through a token bucket whose rate follows the measured response time.
   *
   * <p>The rate starts unlimited. Once enough responses were measured ({@link
   * ResponseTimeSettings#sampleEvents()} or {@link ResponseTimeSettings#samplePeriod()}, whichever
   * comes first), it smooths the percentile ({@link ResponseTimeSettings#percentile()}, by default
   * the 90th) with an exponentially weighted average ({@link ResponseTimeSettings#smoothing()}, by
   * default 0.7 of the old value) and then: above {@code decreaseAbove x target} (1.2) it divides
   * the rate (the first time, the measured response rate) by {@code decreaseFactor} (1.2), more the
   * further above the band it is (up to 10); below {@code increaseBelow x target} (0.9) it adds
   * {@code increment} (by default 5% of the highest response rate measured, decaying by 2% per
   * sample: an estimate of the capacity), lifting the limit above {@code maxRate} or when it is
   * more than twice what is used; in between it holds.
   *
   * <p>Measured response times lag the rate by the backlog's wait, so the published algorithm alone
   * either overshoots the target (cutting gently) or loses about half the goodput (halving) on
   * open-loop load. Four additions, read off the guarded stage's queue, make it hold the target
   * there: a queue holding more than {@code decreaseAbove x target} of work at the measured
   * response rate (Little's law) counts as overload before slow responses are measured; there is no
   * cut while the queue shrinks and no raise while it grows; a cut needs the latest sample above
   * the band too; and once the queue is empty and responses are fast again the smoothed value
   * restarts from them. On closed-loop clients (who come back as soon as they are answered, or
   * after a Retry-After) a rate limit over-sheds and is unfair; {@link #responseTime(Duration)} is
   * the default for that reason. Rejections carry {@link RejectionReason#OVERLOADED}.
   *
   * @param settings the target and tuning
   * @return a new controller
   */
  static AdmissionController<Object> welshCuller(ResponseTimeSettings settings) {
    Objects.requireNonNull(settings, "settings must not be null");
    return new ResponseTimeAdmission<>(settings, 1, e -> 0);
  }

  /**
   * The adaptive overload controller with priorities (Welsh and Culler's class-based
   * differentiation): one token bucket per priority. When the response time of some priority is
   * above its band, the lowest priority below it that is still being admitted has its rate cut
   * first; only when every lower priority is at its minimum rate is that priority itself cut. When
   * no priority is above its band, every limited priority below its band gains {@code increment}.
   * Otherwise as {@link #welshCuller(ResponseTimeSettings)}.
   *
   * @param settings the target (the same for every priority) and tuning
   * @param priorities how many priorities, from 2 to 64
   * @param priorityOf an event's priority, from 0 (lowest, cut first) to {@code priorities - 1}; a
   *     value out of range is clamped into it
   * @param <E> the event type
   * @return a new controller
   * @throws IllegalArgumentException if {@code priorities} is out of range
   */
  static <E> AdmissionController<E> multiclass(
      ResponseTimeSettings settings, int priorities, ToIntFunction<? super E> priorityOf) {
    Objects.requireNonNull(settings, "settings must not be null");
    Objects.requireNonNull(priorityOf, "priorityOf must not be null");
    if (priorities < 2 || priorities > 64) {
      throw new IllegalArgumentException(
          "multiclass needs 2 to 64 priorities, was "
              + priorities
              + "; use responseTime(...) for a single class");
    }
    return new ResponseTimeAdmission<>(settings, priorities, priorityOf);
  }
}
