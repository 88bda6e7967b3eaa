package org.seda4j;

import java.time.Duration;
import java.util.Collection;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.seda4j.control.AdmissionController;
import org.seda4j.control.BatchController;
import org.seda4j.control.ConcurrencyController;
import org.seda4j.observe.GraphSnapshot;
import org.seda4j.observe.StageSnapshot;

/**
 * A stage of a {@link StageGraph}: a bounded event queue, a handler, and a concurrency limit.
 *
 * <h2>How it runs</h2>
 *
 * <p>A stage's workers are virtual threads (named {@code seda4j-<graph>-<stage>-<n>}), at most
 * {@link #permits()} at once. Each drains up to {@link #batchSize()} events from the queue in one
 * step and runs the handler over them, then takes the next batch; a producer that queues an event
 * while every worker is busy in its handler starts another one if a permit is free, and a worker
 * that finds the queue empty ends (one stays, parked, for the next event). Events wait in the
 * queue, where they are visible, counted and subject to the {@link FullQueuePolicy}, never in
 * hidden buffers.
 *
 * <h2>Configuration and tuning</h2>
 *
 * <ul>
 *   <li><b>capacity</b> (default 1024): how many events may wait. Small queues push back early and
 *       keep latency low; large queues absorb bursts.
 *   <li><b>permits</b> (default: adaptive, see {@link ConcurrencyController#adaptive()}): how many
 *       handler invocations run at once. CPU-bound handlers gain nothing above the core count; a
 *       handler that blocks on I/O for time {@code t} needs about {@code rate x t} permits
 *       (Little's law); a handler that uses a pool of N connections should have about N. The
 *       adaptive controller finds these by measuring throughput; fix them with {@link
 *       Builder#permits(int)}, or override at run time with {@link #setPermits(int)}.
 *   <li><b>batchSize</b> (default: adaptive between 1 and 1024, see {@link
 *       BatchController#adaptive(int)}): the most events one invocation receives. Larger batches
 *       amortise the cost of dispatch (starting a virtual thread, draining, handing over) and let
 *       {@link BatchHandler}s group I/O; smaller batches lower latency, since a per-event handler
 *       runs a batch's events one after the other. Fix it with {@link Builder#batchSize(int)}, or
 *       override at run time with {@link #setBatchSize(int)}.
 *   <li><b>full-queue policy</b> (default {@link FullQueuePolicy#block()}): backpressure or
 *       explicit, counted shedding.
 *   <li><b>failure policy</b> (default {@link FailurePolicy#logAndCount()}).
 *   <li><b>admission controllers</b> (default none): overload control at the sink, see below.
 * </ul>
 *
 * <p>A stage in front of a database with a pool of four connections, inserting in batches:
 *
 * {@snippet class=org.seda4j.readme.JavadocSnippetsTest region=stage}
 *
 * <h2>Overload: admission control, deadlines and degradation</h2>
 *
 * <p>A full queue pushes back (or sheds) only once the queue is full, and a long queue means long
 * response times. To keep response time bounded when the offered load exceeds what a stage can do,
 * give the stage an {@link AdmissionController} ({@link Builder#admission}): it rejects work early
 * and cheaply at the sink, before it waits. {@link AdmissionController#responseTime} adapts a
 * token-bucket rate so that the stage's (or a path's) 90th-percentile response time stays near a
 * target (Welsh and Culler, USITS 2003); {@link AdmissionController#multiclass} cuts lower
 * priorities first. A rejected event goes back to its producer ({@link OfferResult.Rejected} with
 * the reason, or {@link StageRejectedException}), and a rejection listener ({@link
 * Builder#onReject}) can degrade the request instead, for example by sending a quick "busy" answer
 * to the stage that writes responses. Events that implement {@link Expiring} carry a deadline: one
 * that arrives late is rejected ({@link RejectionReason#EXPIRED}), one that expires in the queue is
 * dropped before its handler runs (counted in {@link StageSnapshot.Counts#expired()}).
 *
 * <h2>Producers</h2>
 *
 * <p>Any thread may call {@link #put}, {@link #offer}, {@link #putAll} and {@link #offerAll}. Each
 * event goes through three gates, in this order: the graph must admit ({@link StageClosedException}
 * or {@link OfferResult.Closed} once it is closing), the event's deadline must not have passed and
 * every admission controller must admit it ({@link RejectionReason#EXPIRED} and the controller's
 * reason otherwise), and then the full-queue policy applies. Handlers of the same graph emit
 * through {@link StageContext#emit}, which behaves like {@code put} and keeps working while the
 * graph is closing, so that close can drain the whole graph. A blocking emit inside a cycle of
 * stages whose queues are all full deadlocks, as any bounded cycle does: give one stage of the
 * cycle a non-blocking policy, emit with {@link StageContext#offer} on the edge that closes the
 * cycle, or give the cycle enough capacity for what circulates in it. {@link
 * StageSnapshot.Handlers#blockedOnEmit()} shows handlers waiting on emit; a deadlock is detected
 * within a few sampling periods and reported by {@link GraphSnapshot#deadlocked()} and a WARN line
 * (see {@link StageGraph}, "Cycles").
 *
 * <h2>Memory consistency</h2>
 *
 * <p>Actions of a thread before it hands an event to a stage happen-before the handler's processing
 * of that event, and everything a handler does happens-before {@link StageGraph#awaitIdle} returns
 * {@code true} and before {@link StageGraph#close()} returns.
 *
 * <p>Stages are created by {@link StageGraph#stage(String, Class)}; this interface is not meant to
 * be implemented outside seda4j.
 *
 * @param <E> the event type
 */
public interface Stage<E> {

  /**
   * The stage's name, unique in its graph.
   *
   * @return the name
   */
  String name();

  /**
   * The event type the stage accepts.
   *
   * @return the event class given at creation
   */
  Class<E> eventType();

  /**
   * The queue's capacity, fixed at creation.
   *
   * @return the capacity
   */
  int capacity();

  /**
   * The full-queue policy, fixed at creation.
   *
   * @return the policy
   */
  FullQueuePolicy fullQueuePolicy();

  /**
   * Hands an event to the stage, waiting for room if the queue is full and the policy says so.
   *
   * <p>Blocks only under {@link FullQueuePolicy#block()} (until there is room) and {@link
   * FullQueuePolicy#blockFor(Duration)} (at most the timeout). Under {@code reject} a full queue
   * throws at once; under the drop policies it returns at once, having dropped the new event
   * ({@code dropNewest}) or the oldest queued one ({@code dropOldest}). Any thread may call it; a
   * handler of the same graph should use {@link StageContext#emit} instead.
   *
   * @param event the event, not {@code null}, an instance of {@link #eventType()}
   * @throws InterruptedException if the calling thread is interrupted while waiting; the event was
   *     not admitted
   * @throws StageRejectedException if the queue is full and the policy rejects, or the timeout of
   *     {@code blockFor} passed; the event was not admitted
   * @throws StageClosedException if the graph is closing or closed (also while waiting)
   * @throws GraphFailedException if the graph failed (see {@link FailurePolicy#failGraph()})
   * @throws NullPointerException if {@code event} is null
   * @throws ClassCastException if {@code event} is not an instance of {@link #eventType()}
   */
  void put(E event) throws InterruptedException;

  /**
   * Offers an event without ever blocking, and says what happened.
   *
   * <p>If the queue is full: under the drop policies the policy applies ({@link
   * OfferResult.Dropped} for {@code dropNewest}, {@link OfferResult.Accepted} for {@code
   * dropOldest}); under every other policy, blocking ones included, the result is {@link
   * OfferResult.Rejected} with {@link RejectionReason#QUEUE_FULL}. On a closing or closed graph the
   * result is {@link OfferResult.Closed}. Any thread may call it; it ignores interrupts.
   *
   * @param event the event, not {@code null}, an instance of {@link #eventType()}
   * @return what happened to the event
   * @throws GraphFailedException if the graph failed
   * @throws NullPointerException if {@code event} is null
   * @throws ClassCastException if {@code event} is not an instance of {@link #eventType()}
   */
  OfferResult offer(E event);

  /**
   * Hands all events to the stage or none of them (Sandstorm's {@code enqueue_many}), waiting for
   * room for all of them if the policy blocks.
   *
   * <p>Under {@code block} it waits until the queue has room for every event; under {@code
   * blockFor} at most the timeout. Under {@code reject} and the drop policies it does not wait: if
   * the queue lacks room for all of them, none is admitted and {@link StageRejectedException} is
   * thrown (drop policies apply to single events only). The events are queued in iteration order,
   * contiguously. Any thread may call it.
   *
   * @param events the events, none {@code null}, at most {@link #capacity()} of them
   * @throws InterruptedException if interrupted while waiting; no event was admitted
   * @throws StageRejectedException if there was no room for all; no event was admitted
   * @throws StageClosedException if the graph is closing or closed; no event was admitted
   * @throws GraphFailedException if the graph failed
   * @throws IllegalArgumentException if there are more events than the capacity
   * @throws NullPointerException if the collection or an element is null
   */
  void putAll(Collection<? extends E> events) throws InterruptedException;

  /**
   * Offers all events or none of them, without blocking: the non-blocking form of {@link #putAll}.
   * Any thread may call it; it ignores interrupts. The events are queued in iteration order,
   * contiguously.
   *
   * @param events the events, none {@code null}, at most {@link #capacity()} of them
   * @return {@link OfferResult.Accepted} if all were queued; otherwise {@link OfferResult.Rejected}
   *     (not enough room, whatever the policy) or {@link OfferResult.Closed}, and none was admitted
   * @throws GraphFailedException if the graph failed
   * @throws IllegalArgumentException if there are more events than the capacity (it could never
   *     succeed)
   * @throws NullPointerException if the collection or an element is null; no event was admitted
   */
  OfferResult offerAll(Collection<? extends E> events);

  /**
   * The current concurrency limit: how many handler invocations may run at once.
   *
   * @return the limit, at least 1
   */
  int permits();

  /**
   * Sets the concurrency limit by hand while events flow, and pauses the stage's {@link
   * ConcurrencyController} until {@link #releaseOverrides()}. Never blocks; any thread may call it.
   * Raising it starts workers for the queued events at once; lowering it below the number running
   * lets their batches finish and starts no new one until fewer than {@code permits} run. Once it
   * returns, no controller decision replaces the value until {@link #releaseOverrides()}.
   *
   * @param permits the new limit, at least 1
   * @throws IllegalArgumentException if {@code permits < 1}
   */
  void setPermits(int permits);

  /**
   * The current batch size: the most events one handler invocation receives.
   *
   * @return the batch size, at least 1
   */
  int batchSize();

  /**
   * Sets the batch size by hand while events flow, and pauses the stage's {@link BatchController}
   * until {@link #releaseOverrides()}; it applies from the next batch drained. Never blocks; any
   * thread may call it.
   *
   * @param batchSize the new batch size, at least 1
   * @throws IllegalArgumentException if {@code batchSize < 1}
   */
  void setBatchSize(int batchSize);

  /**
   * Hands the permits and the batch size back to the stage's controllers after {@link
   * #setPermits(int)} or {@link #setBatchSize(int)}; from the next sampling window on they decide
   * again, starting from the values set by hand. Never blocks; any thread may call it; does nothing
   * if nothing was set by hand.
   */
  void releaseOverrides();

  /**
   * A snapshot of the stage's settings, load and counters. Never blocks; any thread may call it, at
   * any time, also after close.
   *
   * @return the snapshot
   */
  StageSnapshot snapshot();

  /**
   * Configures and creates a stage; obtained from {@link StageGraph#stage(String, Class)}. Each
   * setter validates its argument at once; {@link #handler}, {@link #batchHandler} or {@link #map}
   * creates and starts the stage. A builder is for one thread and one stage.
   *
   * @param <E> the event type
   */
  interface Builder<E> {

    /**
     * Sets the queue capacity (default 1024). The queue is an array allocated when the stage is
     * created: one slot per event, plus an 8-byte timestamp per slot while latency statistics are
     * on.
     *
     * @param capacity how many events may wait, at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code capacity < 1}
     */
    Builder<E> capacity(int capacity);

    /**
     * Fixes the concurrency limit: shorthand for {@code
     * concurrency(ConcurrencyController.fixed(permits))}. Without it (or {@link #concurrency}), the
     * stage uses {@link ConcurrencyController#adaptive()}.
     *
     * @param permits how many handler invocations may run at once, at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code permits < 1}
     */
    Builder<E> permits(int permits);

    /**
     * Fixes the batch size: shorthand for {@code batching(BatchController.fixed(batchSize))}.
     * Without it (or {@link #batching}), the stage uses {@link BatchController#adaptive(int)
     * BatchController.adaptive(1024)}.
     *
     * @param batchSize the most events one handler invocation receives, at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code batchSize < 1}
     */
    Builder<E> batchSize(int batchSize);

    /**
     * Sets the controller of the concurrency limit (default {@link
     * ConcurrencyController#adaptive()}). The instance must not be used by another stage.
     *
     * @param controller the controller; its {@link ConcurrencyController#initial()} is the starting
     *     limit
     * @return this builder
     * @throws IllegalArgumentException if the instance already serves another stage
     */
    Builder<E> concurrency(ConcurrencyController controller);

    /**
     * Sets the controller of the batch size (default {@link BatchController#adaptive(int)
     * BatchController.adaptive(1024)}). The instance must not be used by another stage.
     *
     * @param controller the controller; its {@link BatchController#initial()} is the starting size
     * @return this builder
     * @throws IllegalArgumentException if the instance already serves another stage
     */
    Builder<E> batching(BatchController controller);

    /**
     * Sets what happens when the queue is full (default {@link FullQueuePolicy#block()}).
     *
     * @param policy the policy
     * @return this builder
     */
    Builder<E> onFull(FullQueuePolicy policy);

    /**
     * Sets a listener for events dropped by a drop policy. It runs on the thread whose call caused
     * the drop (a producer or an emitting handler), so it must be quick and must not block; an
     * exception it throws is logged (rate-limited, like handler failures) and ignored. Drops
     * themselves are logged at WARN at most once per 10 seconds, with the stage's drop count.
     *
     * @param listener receives each dropped event
     * @return this builder
     */
    Builder<E> onDrop(Consumer<? super E> listener);

    /**
     * Sets what happens when the handler throws (default {@link FailurePolicy#logAndCount()}).
     *
     * @param policy the policy
     * @return this builder
     * @throws IllegalArgumentException if a dead-letter stage belongs to another graph
     */
    Builder<E> onFailure(FailurePolicy policy);

    /**
     * Adds an admission controller (default: none). Events must pass every controller added, in the
     * order added, before the full-queue policy applies; a refused event is rejected with the
     * controller's {@link AdmissionController#rejectionReason()}. At most one of them may ask for
     * response-time feedback ({@link AdmissionController#feedback()}); a path it measures must end
     * at a stage of the same graph. The instance must not guard another stage.
     *
     * @param controller the controller
     * @return this builder
     * @throws IllegalArgumentException if a second controller asks for feedback, the instance
     *     already guards another stage, or the feedback's exit stage belongs to another graph
     */
    Builder<E> admission(AdmissionController<? super E> controller);

    /**
     * Sets a listener for events this stage rejects ({@link OfferResult.Rejected}: admission
     * controllers, passed deadlines, full queues under {@code reject}/{@code blockFor}, failed
     * {@code offer}s, interrupted waits; not events turned away because the graph is closing). It
     * runs on the producer's thread before the producer gets the rejection, so it can degrade the
     * request, for example by {@link Stage#offer offering} a quick "busy" answer to the stage that
     * writes responses. It must be quick and must not block; an exception it throws is logged
     * (rate-limited) and ignored. The producer still gets the rejection: when the listener answers
     * for it, producers (and handlers, with {@link StageContext#offer}) can ignore it.
     *
     * @param listener receives each rejected event and its rejection
     * @return this builder
     */
    Builder<E> onReject(BiConsumer<? super E, ? super OfferResult.Rejected> listener);

    /**
     * Creates and starts the stage with a per-event handler.
     *
     * @param handler called once per event
     * @return the running stage
     * @throws IllegalArgumentException if a stage of this name exists already, or the queue of
     *     {@link #capacity(int) capacity} events (allocated up front) does not fit in the heap
     * @throws StageClosedException if the graph is closing or closed
     */
    Stage<E> handler(EventHandler<? super E> handler);

    /**
     * Creates and starts the stage with a per-batch handler.
     *
     * @param handler called once per drained batch
     * @return the running stage
     * @throws IllegalArgumentException if a stage of this name exists already, or the queue of
     *     {@link #capacity(int) capacity} events (allocated up front) does not fit in the heap
     * @throws StageClosedException if the graph is closing or closed
     */
    Stage<E> batchHandler(BatchHandler<E> handler);

    /**
     * Creates and starts the stage with a function whose non-null results are emitted to {@code
     * next} (honouring {@code next}'s full-queue policy), for linear pipelines.
     *
     * @param mapper maps each event
     * @param next the stage that receives the results, of the same graph
     * @param <R> the next stage's event type
     * @return the running stage
     * @throws IllegalArgumentException if a stage of this name exists already, {@code next} belongs
     *     to another graph, or the queue (allocated up front) does not fit in the heap
     * @throws StageClosedException if the graph is closing or closed
     */
    <R> Stage<E> map(EventMapper<? super E, ? extends R> mapper, Stage<R> next);
  }
}
