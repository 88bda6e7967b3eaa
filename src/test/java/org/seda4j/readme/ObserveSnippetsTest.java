package org.seda4j.readme;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.seda4j.Stage;
import org.seda4j.StageGraph;
import org.seda4j.observe.Diagrams;
import org.seda4j.observe.GraphSnapshot;
import org.seda4j.observe.SnapshotHistory;
import org.seda4j.observe.StageSnapshot;
import org.seda4j.testing.Await;

/**
 * The examples in the Javadoc of {@code org.seda4j.observe} ({@link Diagrams}, {@link
 * SnapshotHistory}, {@link StageSnapshot}), compiled and run here; shown through {@code {@snippet
 * class=org.seda4j.readme.ObserveSnippetsTest region=...}} (see {@link JavadocSnippetsTest}).
 */
class ObserveSnippetsTest {

  /** A graph of two stages, parse emitting to store. */
  private record Shop(StageGraph graph, Stage<String> parse, Stage<String> store)
      implements AutoCloseable {

    /** Opens the graph and waits until its stages handled {@code events} events. */
    static Shop handled(int events) throws InterruptedException {
      StageGraph graph = StageGraph.open("shop");
      Stage<String> store = graph.stage("store", String.class).handler((s, ctx) -> {});
      Stage<String> parse =
          graph.stage("parse", String.class).handler((s, ctx) -> ctx.emit(store, s.strip()));
      feed(parse, events);
      assertThat(graph.awaitIdle(Await.TIMEOUT)).isTrue();
      return new Shop(graph, parse, store);
    }

    @Override
    public void close() {
      graph.close();
    }
  }

  private static void feed(Stage<String> stage, int events) throws InterruptedException {
    for (int i = 0; i < events; i++) {
      stage.put(" order " + i);
    }
  }

  private static StageSnapshot stage(GraphSnapshot snapshot, String name) {
    return snapshot.stages().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void theNetworkPictureIsAnSvgFileWithABoxPerStage(@TempDir Path dir) throws Exception {
    try (Shop shop = Shop.handled(10)) {
      Path file = dir.resolve("graph.svg");
      writeNetwork(shop.graph(), file);

      String svg = Files.readString(file);
      assertThat(svg).startsWith("<svg").endsWith("</svg>\n");
      assertThat(svg).contains("data-stage=\"parse\"", "data-stage=\"store\"");
      assertThat(svg).contains("data-from=\"parse\" data-to=\"store\"");
    }
  }

  static void writeNetwork(StageGraph graph, Path file) throws IOException {
    // @start region="svg"
    Files.writeString(file, Diagrams.svg(graph.snapshot())); // open the file in a browser
    // @end
  }

  @Test
  void thePictureOfTenStepsOfLoadHasSparklinesForEveryStage(@TempDir Path dir) throws Exception {
    try (Shop shop = Shop.handled(0)) {
      Path file = dir.resolve("history.svg");
      SnapshotHistory history = stepsOfLoad(shop.graph(), shop.parse(), file);

      assertThat(history.samples()).hasSize(10);
      assertThat(stage(history.latest().orElseThrow().snapshot(), "store").counts().completed())
          .isEqualTo(10 * 100);
      String svg = Files.readString(file);
      assertThat(svg).startsWith("<svg").endsWith("</svg>\n");
      assertThat(svg)
          .contains(
              "class=\"spark\" data-stage=\"parse\" data-series=\"events/s\"",
              "class=\"spark\" data-stage=\"store\" data-series=\"events/s\"");
    }
  }

  static SnapshotHistory stepsOfLoad(StageGraph graph, Stage<String> parse, Path file)
      throws IOException, InterruptedException {
    // @start region="svg-history"
    SnapshotHistory history = SnapshotHistory.ofLast(60);
    for (int step = 0; step < 10; step++) {
      for (int i = 0; i < 100; i++) {
        parse.put("order " + i); // a step of load
      }
      graph.awaitIdle(Duration.ofSeconds(5));
      history.add(graph.snapshot()); // a sample taken now
    }
    Files.writeString(file, Diagrams.svg(history));
    // @end
    return history;
  }

  @Test
  void theSamplerAddsASnapshotOfTheGraphEverySecond() throws Exception {
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    try (Shop shop = Shop.handled(5)) {
      Sampling sampling = sampleEverySecond(shop.graph(), sampler);
      SnapshotHistory history = sampling.history();

      // the first sample is taken at once, the next a second later
      Await.until(() -> history.latest().isPresent());
      assertThat(sampling.future().cancel(false)).isTrue();
      SnapshotHistory.Sample first = history.samples().get(0);
      assertThat(stage(first.snapshot(), "store").counts().completed()).isEqualTo(5);
      assertThat(history.capacity()).isEqualTo(60);
      assertThat(Diagrams.svg(history)).contains("data-stage=\"store\"");
    } finally {
      sampler.shutdownNow();
      assertThat(sampler.awaitTermination(Await.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
          .isTrue();
    }
  }

  record Sampling(SnapshotHistory history, ScheduledFuture<?> future) {}

  static Sampling sampleEverySecond(StageGraph graph, ScheduledExecutorService sampler) {
    // @start region="history"
    SnapshotHistory history = SnapshotHistory.ofLast(60); // the last minute at one a second
    ScheduledFuture<?> sampling =
        sampler.scheduleAtFixedRate(() -> history.add(graph.snapshot()), 0, 1, TimeUnit.SECONDS);
    // @end
    return new Sampling(history, sampling);
  }

  @Test
  void theStageSummaryPrintsTheSnapshotsFigures() throws Exception {
    try (Shop shop = Shop.handled(7)) {
      Stage<String> stage = shop.store();
      String printed = JavadocSnippetsTest.stdoutOf(() -> printSummary(stage));

      assertThat(printed)
          .matches("0/\\d+ queued, \\d+ permits, 7 completed, p99 wait \\d+ ns\\R")
          .contains("/" + stage.snapshot().queue().capacity() + " queued, ");
    }
  }

  static void printSummary(Stage<String> stage) {
    // @start region="stage-snapshot"
    StageSnapshot s = stage.snapshot();
    System.out.printf(
        "%d/%d queued, %d permits, %d completed, p99 wait %d ns%n",
        s.queue().queued(),
        s.queue().capacity(),
        s.handlers().permits(),
        s.counts().completed(),
        s.latency().queueWait().p99Nanos());
    // @end
  }
}
