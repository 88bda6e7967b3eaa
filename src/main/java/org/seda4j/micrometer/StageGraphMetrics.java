package org.seda4j.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.lang.ref.WeakReference;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;
import org.seda4j.RejectionReason;
import org.seda4j.Stage;
import org.seda4j.StageGraph;
import org.seda4j.observe.Latency;
import org.seda4j.observe.StageSnapshot;

/**
 * Publishes the {@link StageSnapshot} of every stage of a {@link StageGraph} as Micrometer meters.
 *
 * {@snippet class=org.seda4j.readme.JavadocSnippetsTest region=micrometer}
 *
 * <h2>Meters</h2>
 *
 * <p>Every meter carries the tags {@code graph} (the graph's name) and {@code stage} (the stage's
 * name), plus the extra tags given to the constructor:
 *
 * <table class="striped">
 *   <caption>Meters per stage</caption>
 *   <thead><tr><th>name</th><th>type</th><th>value</th></tr></thead>
 *   <tbody>
 *   <tr><td>{@code seda4j.stage.queue.size}</td><td>gauge</td>
 *       <td>events waiting in the queue ({@link StageSnapshot.Queue#queued()})</td></tr>
 *   <tr><td>{@code seda4j.stage.queue.capacity}</td><td>gauge</td>
 *       <td>the queue's capacity</td></tr>
 *   <tr><td>{@code seda4j.stage.permits}</td><td>gauge</td>
 *       <td>the concurrency limit</td></tr>
 *   <tr><td>{@code seda4j.stage.active}</td><td>gauge</td>
 *       <td>handler invocations running now</td></tr>
 *   <tr><td>{@code seda4j.stage.in.flight}</td><td>gauge</td>
 *       <td>events taken from the queue whose handling has not ended</td></tr>
 *   <tr><td>{@code seda4j.stage.batch.size}</td><td>gauge</td>
 *       <td>the most events one handler invocation receives</td></tr>
 *   <tr><td>{@code seda4j.stage.blocked.producers}</td><td>gauge</td>
 *       <td>threads waiting for room in the queue</td></tr>
 *   <tr><td>{@code seda4j.stage.events}</td><td>function counter, tag {@code outcome}</td>
 *       <td>events by outcome: {@code admitted}, {@code rejected}, {@code completed},
 *       {@code failed}, {@code cancelled}, {@code dropped}</td></tr>
 *   <tr><td>{@code seda4j.stage.rejections}</td><td>function counter, tag {@code reason}</td>
 *       <td>rejected events by {@link org.seda4j.RejectionReason} (lower case: {@code
 *       queue_full}, {@code overloaded}, {@code expired}, ...); they add up to the {@code rejected}
 *       outcome</td></tr>
 *   <tr><td>{@code seda4j.stage.expired}</td><td>function counter</td>
 *       <td>admitted events dropped because their deadline passed while queued (part of the
 *       {@code dropped} outcome)</td></tr>
 *   </tbody>
 * </table>
 *
 * <p>and one meter per graph, tagged {@code graph}: {@code seda4j.graph.stages} (gauge), the number
 * of stages.
 *
 * <h2>Stages created after binding</h2>
 *
 * <p>{@link #bindTo(MeterRegistry)} registers the meters of the stages that exist at that moment.
 * Stages created later are registered the next time the registry reads {@code seda4j.graph.stages}
 * (every scrape or publication reads all gauges), so they appear in the export after the one that
 * found them.
 *
 * <h2>References</h2>
 *
 * <p>As Micrometer recommends, the meters refer to the stages and to the graph weakly: binding a
 * graph to a registry does not keep the graph alive. Once a graph is unreachable its meters report
 * {@code NaN}; a closed graph that is still referenced keeps reporting its final counters.
 *
 * <p>Reading a meter takes a {@link Stage#snapshot()}, which never blocks. This class is
 * thread-safe, and one instance may be bound to several registries.
 */
// Its API shows Micrometer types although module-info does not say `requires transitive
// micrometer.core` (an optional dependency never is): users of this class require it themselves.
@SuppressWarnings("exports")
public final class StageGraphMetrics implements MeterBinder {

  /** The {@code outcome} tags of {@code seda4j.stage.events}, with the counter each one reads. */
  private static final List<Map.Entry<String, ToLongFunction<Latency>>> QUANTILES =
      List.of(
          Map.entry("0.5", Latency::p50Nanos),
          Map.entry("0.9", Latency::p90Nanos),
          Map.entry("0.99", Latency::p99Nanos),
          Map.entry("1.0", Latency::maxNanos));

  private static final List<Map.Entry<String, ToLongFunction<StageSnapshot.Counts>>> OUTCOMES =
      List.of(
          Map.entry("admitted", StageSnapshot.Counts::admitted),
          Map.entry("rejected", StageSnapshot.Counts::rejected),
          Map.entry("completed", StageSnapshot.Counts::completed),
          Map.entry("failed", StageSnapshot.Counts::failed),
          Map.entry("cancelled", StageSnapshot.Counts::cancelled),
          Map.entry("dropped", StageSnapshot.Counts::dropped));

  private final StageGraph graph;
  private final Tags tags;

  /**
   * Metrics for every stage of {@code graph}, with the tags {@code graph} and {@code stage} only.
   *
   * @param graph the graph to observe
   */
  public StageGraphMetrics(StageGraph graph) {
    this(graph, Tags.empty());
  }

  /**
   * Metrics for every stage of {@code graph}, with extra tags on every meter.
   *
   * @param graph the graph to observe
   * @param tags tags added to every meter, besides {@code graph} and {@code stage}
   */
  public StageGraphMetrics(StageGraph graph, Iterable<Tag> tags) {
    this.graph = Objects.requireNonNull(graph, "graph");
    this.tags = Tags.concat(Objects.requireNonNull(tags, "tags"), Tags.of("graph", graph.name()));
  }

  /**
   * Registers the meters of every current stage of the graph, and the graph's {@code
   * seda4j.graph.stages} gauge, through which later stages are registered too.
   *
   * @param registry the registry to register with
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    Binding binding = new Binding(registry, graph, tags);
    binding.registerNewStages();
    // Strong reference: the binding is reachable from nothing else, and it refers to the graph
    // only weakly, so the registry keeps the binding and not the graph.
    Gauge.builder("seda4j.graph.stages", binding, Binding::scan)
        .description("Stages of the graph (reading it also registers the meters of new stages)")
        .tags(tags)
        .strongReference(true)
        .register(registry);
  }

  /** One registry's view of the graph: which stages already have meters there. */
  private static final class Binding {
    private final MeterRegistry registry;
    private final WeakReference<StageGraph> graph;
    private final Tags tags;
    private final Set<String> registered = ConcurrentHashMap.newKeySet();

    Binding(MeterRegistry registry, StageGraph graph, Tags tags) {
      this.registry = registry;
      this.graph = new WeakReference<>(graph);
      this.tags = tags;
    }

    /** The gauge's value: the number of stages, after registering meters for new ones. */
    double scan() {
      StageGraph g = graph.get();
      if (g == null) {
        return Double.NaN;
      }
      return registerNewStages(g);
    }

    void registerNewStages() {
      StageGraph g = graph.get();
      if (g != null) {
        registerNewStages(g);
      }
    }

    private int registerNewStages(StageGraph g) {
      List<Stage<?>> stages = g.stages();
      for (Stage<?> stage : stages) {
        if (registered.add(stage.name())) {
          register(stage);
        }
      }
      return stages.size();
    }

    private void register(Stage<?> stage) {
      Tags t = tags.and("stage", stage.name());
      gauge(
          "seda4j.stage.queue.size",
          "Events waiting in the stage's queue",
          t,
          stage,
          s -> s.queue().queued());
      gauge(
          "seda4j.stage.queue.capacity",
          "Capacity of the stage's queue",
          t,
          stage,
          s -> s.queue().capacity());
      gauge(
          "seda4j.stage.permits",
          "Concurrency limit of the stage",
          t,
          stage,
          s -> s.handlers().permits());
      gauge(
          "seda4j.stage.active",
          "Handler invocations running now",
          t,
          stage,
          s -> s.handlers().active());
      gauge(
          "seda4j.stage.in.flight",
          "Events taken from the queue whose handling has not ended",
          t,
          stage,
          s -> (double) s.handlers().inFlight());
      gauge(
          "seda4j.stage.batch.size",
          "Most events one handler invocation receives",
          t,
          stage,
          s -> s.handlers().batchSize());
      gauge(
          "seda4j.stage.blocked.producers",
          "Threads waiting for room in the stage's queue",
          t,
          stage,
          s -> s.queue().blockedProducers());
      gauge(
          "seda4j.stage.throughput",
          "Events per second whose handling ended in the last sampling window",
          t,
          stage,
          s -> s.handlers().throughput());
      latency("seda4j.stage.queue.wait", "Time events waited in the queue", t, stage, true);
      latency("seda4j.stage.service.time", "Handler time per event", t, stage, false);
      for (Map.Entry<String, ToLongFunction<StageSnapshot.Counts>> outcome : OUTCOMES) {
        ToLongFunction<StageSnapshot.Counts> count = outcome.getValue();
        FunctionCounter.builder(
                "seda4j.stage.events",
                stage,
                st -> (double) count.applyAsLong(st.snapshot().counts()))
            .description("Events of the stage by outcome")
            .baseUnit("events")
            .tags(t)
            .tag("outcome", outcome.getKey())
            .register(registry);
      }
      for (RejectionReason reason : RejectionReason.values()) {
        FunctionCounter.builder(
                "seda4j.stage.rejections",
                stage,
                st -> (double) st.snapshot().counts().rejected(reason))
            .description("Events the stage rejected, by reason")
            .baseUnit("events")
            .tags(t)
            .tag("reason", reason.name().toLowerCase(Locale.ROOT))
            .register(registry);
      }
      FunctionCounter.builder(
              "seda4j.stage.expired", stage, st -> (double) st.snapshot().counts().expired())
          .description("Events dropped because their deadline passed while queued")
          .baseUnit("events")
          .tags(t)
          .register(registry);
    }

    /**
     * Time gauges of the stage's recent latency percentiles, tagged {@code quantile} (0.5, 0.9,
     * 0.99, and 1.0 for the maximum); they read the stage's own histograms, so they need no
     * Micrometer timer on the hot path.
     */
    private void latency(
        String name, String description, Tags t, Stage<?> stage, boolean queueWait) {
      for (Map.Entry<String, ToLongFunction<Latency>> q : QUANTILES) {
        ToLongFunction<Latency> nanos = q.getValue();
        TimeGauge.builder(
                name,
                stage,
                TimeUnit.NANOSECONDS,
                st -> {
                  StageSnapshot snap = st.snapshot();
                  return (double)
                      nanos.applyAsLong(
                          queueWait ? snap.latency().queueWait() : snap.latency().serviceTime());
                })
            .description(description + " (recent window, see StageSnapshot)")
            .tags(t)
            .tag("quantile", q.getKey())
            .register(registry);
      }
    }

    private void gauge(
        String name,
        String description,
        Tags t,
        Stage<?> stage,
        ToDoubleFunction<StageSnapshot> value) {
      Gauge.builder(name, stage, st -> value.applyAsDouble(st.snapshot()))
          .description(description)
          .tags(t)
          .register(registry);
    }
  }
}
