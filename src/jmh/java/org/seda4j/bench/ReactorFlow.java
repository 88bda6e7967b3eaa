package org.seda4j.bench;

import java.util.ArrayList;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Reactor 3.8: per stage a {@code publishOn} a dedicated single-thread scheduler (queue = prefetch
 * {@link Contender#CAPACITY}) followed by the stage's {@code map}; a {@code hide()} after each map
 * stops Reactor from fusing consecutive stages (fused, every map would run on the last stage's
 * thread behind one queue: no hand-off), so every stage has its own queue and thread like the other
 * contenders. A stage with several successors is {@code publish(CAPACITY).autoConnect(n)}; a join
 * is {@code Flux.merge} of its inputs; sink stages deliver to the {@link Sink} in {@code doOnNext}.
 *
 * <p>Reactor pulls, so the producer is a {@code Flux.generate} that takes each event from the
 * {@link EventSource} (parking until its send time in the latency workload) on a dedicated producer
 * thread ({@code subscribeOn(producer, requestOnSeparateThread = true)}), which stands in for the
 * benchmark thread of the other contenders; the flow is assembled per {@link #feed} call, and
 * {@code feed} returns when it completes (everything has arrived).
 */
final class ReactorFlow implements Flow {
  private final Topology topology;
  private final Sink sink;
  private final int capacity;
  private final List<Scheduler> schedulers = new ArrayList<>();
  private final Scheduler producer;

  ReactorFlow(Topology topology, Sink sink, int capacity) {
    this.topology = topology;
    this.sink = sink;
    this.capacity = capacity;
    producer = Schedulers.newSingle("reactor-producer", true);
    for (int i = 0; i < topology.size(); i++) {
      schedulers.add(Schedulers.newSingle("reactor-" + i, true));
    }
  }

  private static Object pass(Object e) {
    return e;
  }

  @Override
  public void feed(EventSource source, long count) {
    Flux<Object> events =
        Flux.<Object, long[]>generate(
                () -> new long[1],
                (sent, out) -> {
                  if (sent[0]++ < count) {
                    try {
                      out.next(source.next());
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                      out.error(e);
                    }
                  } else {
                    out.complete();
                  }
                  return sent;
                })
            .hide() // stage 0's publishOn must not fuse with the source and poll it itself
            .subscribeOn(producer, true);
    List<Flux<Object>> nodes = new ArrayList<>();
    List<Mono<Void>> ends = new ArrayList<>();
    for (int i = 0; i < topology.size(); i++) {
      List<Integer> preds = topology.predecessors(i);
      Flux<Object> in;
      if (preds.isEmpty()) {
        in = events;
      } else if (preds.size() == 1) {
        in = nodes.get(preds.get(0));
      } else {
        List<Flux<Object>> inputs = new ArrayList<>();
        for (int p : preds) {
          inputs.add(nodes.get(p));
        }
        in = Flux.merge(Flux.fromIterable(inputs), inputs.size(), capacity);
      }
      Flux<Object> node = in.publishOn(schedulers.get(i), capacity);
      if (topology.isSink(i)) {
        ends.add(node.doOnNext(sink::arrive).then());
        nodes.add(node);
      } else {
        node = node.map(ReactorFlow::pass).hide();
        int fanOut = topology.successors(i).size();
        nodes.add(fanOut > 1 ? node.publish(capacity).autoConnect(fanOut) : node);
      }
    }
    Mono.when(ends).block();
  }

  @Override
  public void stop() {
    for (Scheduler s : schedulers) {
      s.dispose();
    }
    producer.dispose();
  }
}
