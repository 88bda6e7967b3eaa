package org.seda4j.readme;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.OpenTelemetry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.seda4j.ContextPropagator;
import org.seda4j.DeadLetter;
import org.seda4j.FailurePolicy;
import org.seda4j.FullQueuePolicy;
import org.seda4j.Stage;
import org.seda4j.StageGraph;
import org.seda4j.opentelemetry.OpenTelemetryPropagation;

/**
 * The examples in the Javadoc of {@code org.seda4j} (its package summary, {@link StageGraph},
 * {@link StageGraph.Builder#contextPropagation}, {@link Stage}), compiled and run here. The Javadoc
 * shows the regions between the {@code @start} and {@code @end} markers through {@code {@snippet
 * class=org.seda4j.readme.JavadocSnippetsTest region=...}}; the javadoc tool finds this file
 * through {@code --snippet-path src/test/java} (pom.xml), and fails the build if a region is
 * missing.
 */
class JavadocSnippetsTest {

  /** The database of the {@link Stage} example: it records what it was asked to insert. */
  static final class OrderStore {
    final List<List<Order>> inserts = new CopyOnWriteArrayList<>();

    void insertAll(List<Order> orders) {
      inserts.add(List.copyOf(orders));
    }
  }

  record Order(long id, long cents) {}

  @Test
  void theGraphExamplePrintsItsEventAndCloses() throws Exception {
    String printed = stdoutOf(JavadocSnippetsTest::hello);

    assertThat(printed).isEqualTo("HELLO, STAGES" + System.lineSeparator());
  }

  static void hello() throws InterruptedException {
    // @start region="hello"
    try (StageGraph graph = StageGraph.open("hello")) {
      Stage<String> print =
          graph.stage("print", String.class).handler((s, ctx) -> System.out.println(s));
      Stage<String> upper =
          graph.stage("upper", String.class).map(s -> s.toUpperCase(Locale.ROOT), print);
      upper.put("hello, stages");
      graph.awaitIdle(Duration.ofSeconds(5));
    } // close(): drains every queue, then joins every thread
    // @end
  }

  @Test
  void thePackageExampleCountsEveryWord() throws Exception {
    Map<String, LongAdder> counts = wordCount();

    assertThat(counts)
        .hasSize(4)
        .hasEntrySatisfying("to", n -> assertThat(n.sum()).isEqualTo(2))
        .hasEntrySatisfying("be", n -> assertThat(n.sum()).isEqualTo(2))
        .hasEntrySatisfying("or", n -> assertThat(n.sum()).isEqualTo(1))
        .hasEntrySatisfying("not", n -> assertThat(n.sum()).isEqualTo(1));
  }

  static Map<String, LongAdder> wordCount() throws InterruptedException {
    // @start region="pipeline"
    Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    try (StageGraph graph = StageGraph.open("words")) {
      Stage<String> count =
          graph
              .stage("count", String.class)
              .handler(
                  (word, ctx) -> counts.computeIfAbsent(word, w -> new LongAdder()).increment());
      Stage<String> split =
          graph
              .stage("split", String.class)
              .handler(
                  (line, ctx) -> {
                    for (String word : line.split(" ", -1)) {
                      ctx.emit(count, word); // waits while count's queue is full: backpressure
                    }
                  });
      split.put("to be or not to be");
      graph.awaitIdle(Duration.ofSeconds(5)); // no event queued or in flight anywhere
    }
    // @end
    return counts;
  }

  @Test
  void theStageExampleInsertsEveryOrderInBatchesOfAtMost64() throws Exception {
    OrderStore db = new OrderStore();
    List<DeadLetter> failed = new CopyOnWriteArrayList<>();
    try (StageGraph graph = StageGraph.open("shop")) {
      Stage<DeadLetter> deadLetters =
          graph.stage("dead-letters", DeadLetter.class).handler((d, ctx) -> failed.add(d));
      Stage<Order> store = store(graph, db, deadLetters);
      for (long id = 0; id < 500; id++) {
        store.put(new Order(id, 100));
      }
      assertThat(graph.awaitIdle(Duration.ofSeconds(10))).isTrue();
    }

    assertThat(db.inserts.stream().mapToInt(List::size).sum()).isEqualTo(500);
    assertThat(db.inserts).allSatisfy(batch -> assertThat(batch).hasSizeBetween(1, 64));
    assertThat(failed).isEmpty();
  }

  static Stage<Order> store(StageGraph graph, OrderStore db, Stage<DeadLetter> deadLetters) {
    // @start region="stage"
    Stage<Order> store =
        graph
            .stage("store", Order.class)
            .capacity(256) // room for a burst; beyond it producers wait (backpressure)
            .permits(4) // a pool of four connections: never more calls at once
            .batchSize(64) // up to 64 orders per call
            .onFull(FullQueuePolicy.block())
            .onFailure(FailurePolicy.deadLetter(deadLetters)) // a failed batch, with its exception
            .batchHandler((orders, ctx) -> db.insertAll(orders)); // one round trip per batch
    // @end
    return store;
  }

  @Test
  void theContextPropagationExampleOpensAGraphThatRunsEvents() throws Exception {
    try (StageGraph graph = shop(OpenTelemetry.noop())) {
      List<String> handled = new CopyOnWriteArrayList<>();
      Stage<String> stage = graph.stage("s", String.class).handler((e, ctx) -> handled.add(e));
      stage.put("e");
      assertThat(graph.awaitIdle(Duration.ofSeconds(10))).isTrue();
      assertThat(handled).containsExactly("e");
    }
  }

  static StageGraph shop(OpenTelemetry openTelemetry) {
    // @start region="context-propagation"
    StageGraph graph =
        StageGraph.builder("shop")
            .contextPropagation(
                ContextPropagator.mdc(), OpenTelemetryPropagation.spans(openTelemetry))
            .open();
    // @end
    return graph;
  }

  /** What {@code body} printed to System.out (handlers look System.out up on every call). */
  private static String stdoutOf(Body body) throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream original = System.out;
    System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    try {
      body.run();
    } finally {
      System.setOut(original);
    }
    return buffer.toString(StandardCharsets.UTF_8);
  }

  @FunctionalInterface
  private interface Body {
    void run() throws Exception;
  }
}
