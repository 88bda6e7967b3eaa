package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.seda4j.testing.Await.TIMEOUT;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.seda4j.observe.ShutdownReport;
import org.seda4j.testing.Await;
import org.seda4j.testing.Background;
import org.seda4j.testing.Gate;

/**
 * Nothing a graph starts outlives it. Virtual threads are not in {@code
 * Thread.getAllStackTraces()}, so the tests read a JSON thread dump (the one {@code jcmd
 * Thread.dump_to_file -format=json} writes), which lists every thread of every thread container,
 * virtual ones included.
 */
class ThreadLeakTest extends GraphTestSupport {

  private static final Pattern NAME =
      Pattern.compile("\"name\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

  private final Path dumps;
  private final AtomicInteger dumpCount = new AtomicInteger();

  ThreadLeakTest(@TempDir Path dumps) {
    this.dumps = dumps;
  }

  /** The names of all live threads, virtual ones included. */
  private List<String> threadNames() throws IOException {
    Path file = dumps.resolve("threads-" + dumpCount.incrementAndGet() + ".json");
    ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
        .dumpThreads(file.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
    Matcher m = NAME.matcher(Files.readString(file));
    List<String> names = new ArrayList<>();
    while (m.find()) {
      names.add(m.group(1).replace("\\/", "/").replace("\\\"", "\"").replace("\\\\", "\\"));
    }
    return names;
  }

  /** The live threads that belong to {@code graph} by their name. */
  private List<String> threadsOf(StageGraph graph) throws IOException {
    String prefix = "seda4j-" + graph.name() + "-";
    return threadNames().stream().filter(n -> n.startsWith(prefix)).toList();
  }

  /** A stage of two permits whose handlers wait at {@code gate} (until it opens or interrupted). */
  private Stage<Integer> blockingStage(StageGraph graph, String name, Gate gate) {
    return gate.stage(graph.stage(name, Integer.class).permits(2).batchSize(1));
  }

  @Test
  void theDumpShowsTheWorkersRunningHandlersOfAnOpenGraph() throws Exception {
    Gate gate = new Gate();
    StageGraph graph = open("tl_open");
    Stage<Integer> a = blockingStage(graph, "a", gate);
    Stage<Integer> b = blockingStage(graph, "b", gate);
    a.put(1);
    a.put(2);
    b.put(3);
    gate.awaitEntered(3);

    List<String> live = threadsOf(graph);
    assertThat(live)
        .containsExactlyInAnyOrder(
            "seda4j-tl_open-sampler",
            "seda4j-tl_open-a",
            "seda4j-tl_open-a",
            "seda4j-tl_open-b"); // every worker thread of a stage bears the stage's name
    // the method sees platform threads too, so an empty result later means something
    assertThat(threadNames()).contains(Thread.currentThread().getName());

    gate.open();
    graph.close();
    assertThat(threadsOf(graph)).isEmpty();
  }

  @Test
  void noThreadSurvivesClose() throws Exception {
    StageGraph graph = open("tl_close");
    Gate gate = new Gate();
    Stage<Integer> last =
        graph
            .stage("last", Integer.class)
            .permits(3)
            .batchSize(2)
            .handler(
                (e, ctx) -> {
                  gate.pass(); // held until the dump below has seen its workers
                  Thread.sleep(1);
                });
    Stage<Integer> first =
        graph
            .stage("first", Integer.class)
            .permits(3)
            .batchSize(2)
            .handler((e, ctx) -> ctx.emit(last, e));
    for (int i = 0; i < 50; i++) {
      first.put(i);
    }
    gate.awaitEntered(1);
    // a stage's workers bear its name (first's may all have ended: a handed worker ends after its
    // event; last's wait at the gate)
    assertThat(threadsOf(graph)).contains("seda4j-tl_close-last");
    gate.open();

    graph.close();

    assertThat(threadsOf(graph)).isEmpty();
    assertThat(last.snapshot().counts().completed()).isEqualTo(50);
  }

  @Test
  void noThreadSurvivesCloseWithADeadline() throws Exception {
    Gate never = new Gate();
    StageGraph graph = open("tl_deadline");
    Stage<Integer> stage = blockingStage(graph, "s", never);
    for (int i = 0; i < 5; i++) {
      stage.put(i);
    }
    never.awaitEntered(2);
    assertThat(threadsOf(graph)).hasSize(3); // sampler + 2 workers in their handlers

    ShutdownReport report = graph.close(Duration.ofMillis(20));

    assertThat(report.graceful()).isFalse();
    assertThat(report.unstoppedThreads()).isEmpty();
    assertThat(threadsOf(graph)).isEmpty();
  }

  @Test
  void noThreadSurvivesShutdownNow() throws Exception {
    Gate never = new Gate();
    StageGraph graph = open("tl_now");
    Stage<Integer> a = blockingStage(graph, "a", never);
    Stage<Integer> b = blockingStage(graph, "b", never);
    for (int i = 0; i < 4; i++) {
      a.put(i);
      b.put(i);
    }
    never.awaitEntered(4);

    ShutdownReport report = graph.shutdownNow();

    assertThat(report.unprocessed()).hasSize(8);
    assertThat(threadsOf(graph)).isEmpty();
  }

  @Test
  void noThreadSurvivesAFailGraphFailure() throws Exception {
    Gate never = new Gate();
    StageGraph graph = open("tl_fail");
    Stage<Integer> slow = blockingStage(graph, "slow", never);
    Stage<Integer> failing =
        graph
            .stage("failing", Integer.class)
            .onFailure(FailurePolicy.failGraph())
            .handler(
                (e, ctx) -> {
                  throw new IllegalStateException("boom");
                });
    slow.put(1);
    slow.put(2);
    never.awaitEntered(2);
    failing.put(1);
    Await.until(() -> graph.failure().isPresent());

    assertThat(catchThrowable(graph::close)).isInstanceOf(GraphFailedException.class);

    // also the graph's own abort thread (seda4j-tl_fail-abort) has ended
    assertThat(threadsOf(graph)).isEmpty();
  }

  @Test
  void noThreadSurvivesInterruptedProducersAndAnInterruptedClose() throws Exception {
    Gate never = new Gate();
    StageGraph graph = open("tl_interrupts");
    Stage<Integer> stage =
        never.stage(graph.stage("s", Integer.class).capacity(1).permits(1).batchSize(1));
    stage.put(1);
    never.awaitEntered(1);
    stage.put(2);
    Background<Void> producer = Background.run("producer", () -> stage.put(3));
    Await.until(() -> stage.snapshot().queue().blockedProducers() == 1);
    producer.thread().interrupt();
    assertThat(producer.future())
        .failsWithin(TIMEOUT)
        .withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(InterruptedException.class);

    Background<Void> closer = Background.run("closer", () -> graph.close());
    Await.until(() -> graph.state() == StageGraph.State.CLOSING);
    closer.awaitBlocked();
    closer.thread().interrupt();
    assertThat(closer.future()).succeedsWithin(TIMEOUT);

    assertThat(threadsOf(graph)).isEmpty();
  }

  @Test
  void aHandlerIgnoringInterruptsIsNamedInTheReportAndIsTheOnlyThreadLeft() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    Gate release = new Gate();
    StageGraph graph =
        register(StageGraph.builder("tl_stubborn").interruptGrace(Duration.ofMillis(20)).open());
    Stage<Integer> stage =
        graph
            .stage("stubborn", Integer.class)
            .permits(1)
            .handler(
                (e, ctx) -> {
                  started.countDown();
                  while (true) {
                    try {
                      release.pass(); // ignores interrupts until the test releases it
                      return;
                    } catch (InterruptedException ignored) {
                      // keep waiting: this is the misbehaving handler under test
                    }
                  }
                });
    stage.put(1);
    Await.released(started);

    ShutdownReport report = graph.shutdownNow();

    assertThat(report.unstoppedThreads())
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .matches("seda4j-tl_stubborn-stubborn#\\d+: ignoring the interrupt.*");
    assertThat(report.unprocessed())
        .as("the event it holds is reported")
        .containsExactly(new UnprocessedEvent("stubborn", 1, true));
    assertThat(threadsOf(graph)).containsExactly("seda4j-tl_stubborn-stubborn");

    release.open();
    Await.until(() -> threadsOf(graph).isEmpty());
  }
}
