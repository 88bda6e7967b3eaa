package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.seda4j.testing.Await.TIMEOUT;
import static org.seda4j.testing.Await.eventually;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.seda4j.observe.Diagrams;
import org.seda4j.observe.GraphSnapshot;
import org.seda4j.testing.Gate;

/**
 * The stage network as discovered from actual emits: {@link GraphSnapshot#edges()} counts the
 * events each target admitted from each source (emits, map forwarding, direct puts from handler
 * threads, dead-letter routing), and {@link Diagrams#mermaid}/{@link Diagrams#dot} render it.
 */
@Timeout(30)
class EdgesTest extends GraphTestSupport {

  /** A token travelling round a cycle; it stops when {@code remaining} reaches 0. */
  record Ball(int remaining) {}

  /** A stage created later than the handler that refers to it. */
  private static final class Later<T> {
    private final AtomicReference<@Nullable Stage<T>> stage = new AtomicReference<>();

    void set(Stage<T> s) {
      stage.set(s);
    }

    Stage<T> get() {
      return Objects.requireNonNull(stage.get(), "stage not created yet");
    }
  }

  private static GraphSnapshot.Edge edge(String from, String to, long events) {
    return new GraphSnapshot.Edge(from, to, events);
  }

  @Test
  void pipelineFanOutAndDeadLetterRouteAreCountedPerEdge() throws Exception {
    StageGraph graph = open("net");
    // given dead.letters <- sink-b (fails on odd numbers), sink-a and sink-b <- fan.out <- parse
    Stage<DeadLetter> deadLetters =
        graph.stage("dead.letters", DeadLetter.class).permits(1).handler((d, ctx) -> {});
    Stage<Integer> sinkA = graph.stage("sink-a", Integer.class).handler((i, ctx) -> {});
    Stage<Integer> sinkB =
        graph
            .stage("sink-b", Integer.class)
            .onFailure(FailurePolicy.deadLetter(deadLetters))
            .handler(
                (i, ctx) -> {
                  if (i % 2 != 0) {
                    throw new IllegalStateException("odd " + i);
                  }
                });
    Stage<Integer> fanOut =
        graph
            .stage("fan.out", Integer.class)
            .handler(
                (i, ctx) -> {
                  sinkA.put(i); // a direct put from a handler thread is an edge too
                  ctx.emit(sinkB, i);
                });
    Stage<String> parse = graph.stage("parse", String.class).map(Integer::parseInt, fanOut);

    // when ten events enter from outside
    for (int i = 0; i < 10; i++) {
      parse.put(Integer.toString(i));
    }
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();

    // then every edge carries exactly what its target admitted from its source, in creation order
    GraphSnapshot snapshot = graph.snapshot();
    assertThat(snapshot.edges())
        .containsExactly(
            edge("sink-b", "dead.letters", 5),
            edge("fan.out", "sink-a", 10),
            edge("fan.out", "sink-b", 10),
            edge("parse", "fan.out", 10));
    // and the producer outside the graph is no edge: parse has no incoming edge
    assertThat(snapshot.edges()).noneMatch(e -> e.to().equals("parse"));
    assertThat(snapshot.balanced()).isTrue();
  }

  @Test
  void cyclesAndSelfLoopsAreEdges() throws Exception {
    StageGraph graph = open("cycles");
    // given ping <-> pong, and a stage emitting to itself
    Later<Ball> pong = new Later<>();
    Stage<Ball> ping =
        graph
            .stage("ping", Ball.class)
            .handler(
                (b, ctx) -> {
                  if (b.remaining() > 0) {
                    ctx.emit(pong.get(), new Ball(b.remaining() - 1));
                  }
                });
    pong.set(
        graph
            .stage("pong", Ball.class)
            .handler((b, ctx) -> ctx.emit(ping, new Ball(b.remaining() - 1))));
    Later<Ball> loop = new Later<>();
    loop.set(
        graph
            .stage("loop", Ball.class)
            .handler(
                (b, ctx) -> {
                  if (b.remaining() > 0) {
                    OfferResult r = ctx.offer(loop.get(), new Ball(b.remaining() - 1));
                    assertThat(r.admitted()).isTrue();
                  }
                }));

    // when a ball bounces ping(6) -> pong(5) -> ... -> ping(0), and another loops 4 times
    ping.put(new Ball(6));
    loop.get().put(new Ball(4));
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();

    // then
    assertThat(graph.snapshot().edges())
        .containsExactly(edge("ping", "pong", 3), edge("pong", "ping", 3), edge("loop", "loop", 4));
  }

  @Test
  void aHandlerOnAThreadStartedForItsEventAloneIsKnownAsAHandler() throws Exception {
    StageGraph graph = open("handed");
    // given a fresh per-event stage, which hands its first event to a new worker past the queue
    Stage<Integer> sink = graph.stage("sink", Integer.class).handler((i, ctx) -> {});
    AtomicReference<@Nullable Throwable> refused = new AtomicReference<>();
    Stage<Integer> first =
        graph
            .stage("first", Integer.class)
            .handler(
                (i, ctx) -> {
                  sink.put(i); // a direct put: an edge only if this thread is known as a handler
                  try {
                    graph.close(); // refused only if this thread is known as a handler
                  } catch (IllegalStateException e) {
                    refused.set(e);
                  }
                });

    // when
    first.put(1);
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();

    // then
    assertThat(graph.snapshot().edges()).containsExactly(edge("first", "sink", 1));
    assertThat(refused.get())
        .hasMessageContaining("close() called from a handler of stage 'first'");
  }

  @Test
  void rejectedEmitsAreNoEdgeEvents() throws Exception {
    StageGraph graph = open("rejects");
    AtomicInteger admitted = new AtomicInteger();
    AtomicInteger notAdmitted = new AtomicInteger();
    try (Gate gate = new Gate()) {
      // given a target that holds its one handler and has room for one more event
      Stage<Integer> narrow =
          gate.stage(
              graph
                  .stage("narrow", Integer.class)
                  .capacity(1)
                  .permits(1)
                  .batchSize(1)
                  .onFull(FullQueuePolicy.reject()));
      Stage<Integer> source =
          graph
              .stage("source", Integer.class)
              .permits(1)
              .handler(
                  (n, ctx) -> {
                    for (int i = 0; i < n; i++) {
                      if (ctx.offer(narrow, i).admitted()) {
                        admitted.incrementAndGet();
                      } else {
                        notAdmitted.incrementAndGet();
                      }
                    }
                  });

      // when the source offers five events at once
      source.put(5);
      eventually().until(() -> admitted.get() + notAdmitted.get() == 5);
      gate.open();
      assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
    }

    // then only the admitted ones are on the edge
    GraphSnapshot snapshot = graph.snapshot();
    assertThat(notAdmitted.get()).isGreaterThanOrEqualTo(3);
    assertThat(snapshot.edges()).containsExactly(edge("source", "narrow", admitted.get()));
    assertThat(snapshot.stages().get(0).counts().admitted()).isEqualTo(admitted.get());
    assertThat(snapshot.stages().get(0).counts().rejected()).isEqualTo(notAdmitted.get());
  }

  @Test
  void rendersMermaidAndDotWithSafeIdsForDottedAndDashedNames() throws Exception {
    StageGraph graph = open("g.v-1");
    // given in.put -> out-1, and a stage no event reaches
    Stage<Integer> out =
        graph.stage("out-1", Integer.class).capacity(8).permits(1).handler((i, ctx) -> {});
    Stage<Integer> in =
        graph.stage("in.put", Integer.class).capacity(16).permits(2).map(i -> i, out);
    graph.stage("idle_stage", Integer.class).capacity(4).permits(3).handler((i, ctx) -> {});

    // when
    in.putAll(List.of(1, 2, 3));
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
    GraphSnapshot snapshot = graph.snapshot();

    // then
    assertThat(Diagrams.mermaid(snapshot))
        .isEqualTo(
            """
            flowchart LR
              %% graph g.v-1 (OPEN)
              s0["out-1<br/>queue 0/8, permits 1"]
              s1["in.put<br/>queue 0/16, permits 2"]
              s2["idle_stage<br/>queue 0/4, permits 3"]
              s1 -->|3| s0
            """);
    assertThat(Diagrams.dot(snapshot))
        .isEqualTo(
            """
            digraph "g.v-1" {
              rankdir=LR;
              node [shape=box];
              "out-1" [label="out-1\\nqueue 0/8, permits 1"];
              "in.put" [label="in.put\\nqueue 0/16, permits 2"];
              "idle_stage" [label="idle_stage\\nqueue 0/4, permits 3"];
              "in.put" -> "out-1" [label="3"];
            }
            """);
  }

  @Test
  void renderingEscapesTextAndDeclaresNodesOnlyEdgesName() {
    // a hand-made snapshot: names outside the stage-name alphabet still render validly
    GraphSnapshot snapshot =
        new GraphSnapshot(
            "a\"b", StageGraph.State.TERMINATED, List.of(), List.of(edge("x\"<y>", "z\\w", 2)));

    assertThat(Diagrams.mermaid(snapshot))
        .isEqualTo(
            """
            flowchart LR
              %% graph a#quot;b (TERMINATED)
              s0["x#quot;#lt;y#gt;"]
              s1["z\\w"]
              s0 -->|2| s1
            """);
    assertThat(Diagrams.dot(snapshot))
        .isEqualTo(
            """
            digraph "a\\"b" {
              rankdir=LR;
              node [shape=box];
              "x\\"<y>" [label="x\\"<y>"];
              "z\\\\w" [label="z\\\\w"];
              "x\\"<y>" -> "z\\\\w" [label="2"];
            }
            """);
    assertThatThrownBy(() -> edge("a", "b", -1)).isInstanceOf(IllegalArgumentException.class);
  }
}
