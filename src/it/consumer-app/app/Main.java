package app;

import java.time.Duration;
import org.seda4j.ContextPropagator;
import org.seda4j.Stage;
import org.seda4j.StageGraph;
import org.seda4j.control.ConcurrencyController;
import org.seda4j.observe.GraphSnapshot;

/**
 * A user's first service: two stages, an emit, awaitIdle, a snapshot, the MDC carried across
 * them; one type from each API package. Prints "total 6, admitted 6" and exits 0.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    java.util.concurrent.atomic.AtomicLong total = new java.util.concurrent.atomic.AtomicLong();
    GraphSnapshot snapshot;
    try (StageGraph graph =
        StageGraph.builder("consumer").contextPropagation(ContextPropagator.mdc()).open()) {
      Stage<Integer> sum =
          graph
              .stage("sum", Integer.class)
              .concurrency(ConcurrencyController.fixed(1))
              .handler((n, ctx) -> total.addAndGet(n));
      Stage<String> parse =
          graph
              .stage("parse", String.class)
              .handler((s, ctx) -> ctx.emit(sum, Integer.parseInt(s.strip())));
      for (String s : new String[] {"1", " 2", "3 "}) {
        parse.put(s);
      }
      graph.awaitIdle(Duration.ofSeconds(10));
      snapshot = graph.snapshot();
    }
    System.out.println("total " + total.get() + ", admitted " + snapshot.admitted());
  }
}
