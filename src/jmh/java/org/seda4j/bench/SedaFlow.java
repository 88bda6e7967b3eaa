package org.seda4j.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.seda4j.Stage;
import org.seda4j.StageGraph;

/**
 * seda4j: one {@link StageGraph} (default settings: latency statistics and JMX on, as a user gets
 * them), one stage per node with the queue capacity and full-queue policy {@code block()} (the
 * default). A per-event handler emits the event to every successor with {@code ctx.emit}; a sink
 * stage's handler delivers to the {@link Sink}. The producer calls {@code put}. The contender's
 * settings (permits, batch size, or the default adaptive controllers) are applied to every stage.
 */
final class SedaFlow implements Flow {
  private final StageGraph graph;
  private final Stage<Object> first;

  SedaFlow(
      Topology topology,
      Sink sink,
      String name,
      int capacity,
      UnaryOperator<Stage.Builder<Object>> settings) {
    graph = StageGraph.open(name);
    List<Stage<Object>> stages = new ArrayList<>();
    for (int i = 0; i < topology.size(); i++) {
      stages.add(null);
    }
    for (int i = topology.size() - 1; i >= 0; i--) {
      Stage.Builder<Object> b =
          settings.apply(graph.stage("s" + i, Object.class).capacity(capacity));
      Stage<Object> stage;
      if (topology.isSink(i)) {
        stage = b.handler((e, ctx) -> sink.arrive(e));
      } else {
        List<Stage<Object>> targets = new ArrayList<>();
        for (int s : topology.successors(i)) {
          targets.add(stages.get(s));
        }
        if (targets.size() == 1) {
          Stage<Object> target = targets.get(0);
          stage = b.handler((e, ctx) -> ctx.emit(target, e));
        } else {
          stage =
              b.handler(
                  (e, ctx) -> {
                    for (int k = 0, n = targets.size(); k < n; k++) {
                      ctx.emit(targets.get(k), e);
                    }
                  });
        }
      }
      stages.set(i, stage);
    }
    first = stages.get(0);
  }

  @Override
  public void feed(EventSource source, long count) throws InterruptedException {
    for (long i = 0; i < count; i++) {
      first.put(source.next());
    }
  }

  @Override
  public void stop() {
    graph.close();
  }
}
