package org.seda4j.bench;

import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.RouteDefinition;

/**
 * Apache Camel 4 {@code seda:} endpoints: per stage one route {@code from("seda:sI?size=CAPACITY
 * &blockWhenFull=true")} (Camel's bounded queue, a {@code LinkedBlockingQueue}; one consumer
 * thread, {@code concurrentConsumers=1}, the default); a stage with one successor {@code .to()}s
 * its endpoint, one with several {@code .multicast().to(...)}s them (a copy of the exchange per
 * target, sent in turn); a sink stage's {@code .process()} delivers the body to the {@link Sink}.
 * The producer is a {@link ProducerTemplate} sending InOnly to stage 0's endpoint ({@code
 * sendBody}): it returns once the exchange is queued, and blocks when the queue is full.
 */
final class CamelFlow implements Flow {
  private final CamelContext camel;
  private final ProducerTemplate template;
  private final Endpoint first;

  CamelFlow(Topology topology, Sink sink, int capacity) throws Exception {
    camel = new DefaultCamelContext();
    camel.getShutdownStrategy().setTimeout(30);
    camel.addRoutes(
        new RouteBuilder() {
          @Override
          public void configure() {
            for (int i = 0; i < topology.size(); i++) {
              RouteDefinition route = from(uri(i, capacity)).routeId("s" + i);
              List<Integer> next = topology.successors(i);
              if (next.isEmpty()) {
                route.process(exchange -> sink.arrive(exchange.getMessage().getBody()));
              } else if (next.size() == 1) {
                route.to(uri(next.get(0), capacity));
              } else {
                String[] targets = new String[next.size()];
                for (int k = 0; k < targets.length; k++) {
                  targets[k] = uri(next.get(k), capacity);
                }
                route.multicast().to(targets);
              }
            }
          }
        });
    camel.start();
    template = camel.createProducerTemplate();
    first = camel.getEndpoint(uri(0, capacity));
  }

  private static String uri(int node, int capacity) {
    return "seda:s" + node + "?size=" + capacity + "&blockWhenFull=true";
  }

  @Override
  public void feed(EventSource source, long count) throws InterruptedException {
    for (long i = 0; i < count; i++) {
      template.sendBody(first, source.next());
    }
  }

  @Override
  public void stop() throws Exception {
    template.close();
    camel.close();
  }
}
