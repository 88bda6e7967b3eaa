package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.seda4j.testing.Await.TIMEOUT;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.seda4j.observe.Diagrams;
import org.seda4j.observe.GraphSnapshot;
import org.seda4j.observe.Latency;
import org.seda4j.observe.SnapshotHistory;
import org.seda4j.observe.StageSnapshot;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The pictures of {@link Diagrams#svg(GraphSnapshot)} and {@link Diagrams#svg(SnapshotHistory)}:
 * well-formed SVG with one box per stage and one arrow per edge showing the snapshot's figures, and
 * sparklines whose points and rates come from the history's samples; and {@link SnapshotHistory}
 * itself: bounded, in time order, one graph.
 */
@Timeout(30)
class PicturesTest extends GraphTestSupport {

  private static final long SECOND = 1_000_000_000L;

  @Test
  void aSnapshotIsDrawnWithOneBoxPerStageAndOneArrowPerEdge() throws Exception {
    // given a graph in.put -> out-1 that carried 3 events, and an idle stage
    StageGraph graph = open("g.v-1");
    Stage<Integer> out =
        graph.stage("out-1", Integer.class).capacity(8).permits(1).handler((i, ctx) -> {});
    Stage<Integer> in =
        graph
            .stage("in.put", Integer.class)
            .capacity(16)
            .permits(2)
            .handler((i, ctx) -> ctx.emit(out, i));
    graph.stage("idle_stage", Integer.class).capacity(4).permits(3).handler((i, ctx) -> {});
    in.putAll(List.of(1, 2, 3));
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();

    // when
    Document svg = parse(Diagrams.svg(graph.snapshot()));

    // then
    assertThat(svg.getDocumentElement().getTagName()).isEqualTo("svg");
    assertThat(svg.getDocumentElement().getNamespaceURI()).isEqualTo("http://www.w3.org/2000/svg");
    assertThat(all(svg, "//*[local-name()='g'][@class='stage']/@data-stage"))
        .containsExactly("out-1", "in.put", "idle_stage");
    assertThat(text(svg, "stage", "out-1", "queue")).isEqualTo("queue 0/8");
    assertThat(text(svg, "stage", "in.put", "queue")).isEqualTo("queue 0/16");
    assertThat(text(svg, "stage", "idle_stage", "permits")).isEqualTo("permits 3 \u00b7 active 0");
    assertThat(text(svg, "stage", "idle_stage", "batch")).startsWith("batch ");
    assertThat(all(svg, "//*[local-name()='g'][@class='edge']/@data-from"))
        .containsExactly("in.put");
    assertThat(all(svg, "//*[local-name()='g'][@class='edge']/@data-to")).containsExactly("out-1");
    assertThat(all(svg, "//*[local-name()='g'][@class='edge']//*[@class='rate']"))
        .containsExactly("3");
    // a snapshot alone has no sparklines
    assertThat(all(svg, "//*[local-name()='polyline']")).isEmpty();
  }

  @Test
  void aBoxShowsTheQueueFillThePermitsSetByHandAndADeadlock() throws Exception {
    // given a stage whose queue is 95% full, permits set by hand, and found deadlocked
    GraphSnapshot snapshot =
        new GraphSnapshot(
            "g",
            StageGraph.State.OPEN,
            List.of(stage("a", 95, 100, 4, true, 1, 0, Map.of())),
            List.of(),
            List.of(),
            List.of("a"));

    // when
    Document svg = parse(Diagrams.svg(snapshot));

    // then
    assertThat(text(svg, "stage", "a", "queue")).isEqualTo("queue 95/100");
    assertThat(text(svg, "stage", "a", "permits")).isEqualTo("permits 4* \u00b7 active 0");
    assertThat(text(svg, "stage", "a", "batch")).isEqualTo("batch 1");
    Element fill = single(svg, "//*[local-name()='rect'][@class='fill']");
    Element track = single(svg, "//*[local-name()='g'][@class='stage']/*[local-name()='rect'][2]");
    double ratio =
        Double.parseDouble(fill.getAttribute("width"))
            / Double.parseDouble(track.getAttribute("width"));
    assertThat(ratio).isBetween(0.94, 0.96);
    assertThat(fill.getAttribute("fill")).isEqualTo("#c62828"); // red from 90%
    assertThat(
            single(svg, "//*[local-name()='g'][@class='stage']/*[local-name()='rect'][1]")
                .getAttribute("stroke-dasharray"))
        .isNotEmpty();
    assertThat(all(svg, "/*/*[local-name()='text'][1]").get(0)).contains("DEADLOCK: a");
  }

  @Test
  void namesAreEscapedAndNodesOnlyEdgesNameAreDrawn() throws Exception {
    // given names with markup characters, and an edge to a stage missing from the snapshot
    String odd = "x\"<y>&'z";
    GraphSnapshot snapshot =
        new GraphSnapshot(
            "a\"b<",
            StageGraph.State.TERMINATED,
            List.of(stage(odd, 0, 4, 1, false, 1, 0, Map.of())),
            List.of(new GraphSnapshot.Edge(odd, "z\\w", 2)));

    // when
    Document svg = parse(Diagrams.svg(snapshot));

    // then the document parses and carries the names as they are
    assertThat(all(svg, "//*[local-name()='g'][@class='stage']/@data-stage"))
        .containsExactly(odd, "z\\w");
    assertThat(all(svg, "//*[local-name()='g'][@class='edge']/@data-from")).containsExactly(odd);
  }

  @Test
  void cyclesAndSelfLoopsAreDrawnInsideThePicture() throws Exception {
    // given a -> b -> c -> a, c -> c, and a chain of 30 more stages
    List<StageSnapshot> stages = new ArrayList<>();
    List<GraphSnapshot.Edge> edges = new ArrayList<>();
    for (String n : List.of("a", "b", "c")) {
      stages.add(stage(n, 0, 8, 1, false, 1, 0, Map.of()));
    }
    edges.add(new GraphSnapshot.Edge("a", "b", 5));
    edges.add(new GraphSnapshot.Edge("b", "c", 5));
    edges.add(new GraphSnapshot.Edge("c", "a", 4));
    edges.add(new GraphSnapshot.Edge("c", "c", 1));
    for (int i = 0; i < 30; i++) {
      stages.add(stage("s" + i, 0, 8, 1, false, 1, 0, Map.of()));
      edges.add(new GraphSnapshot.Edge(i == 0 ? "c" : "s" + (i - 1), "s" + i, 1));
    }
    GraphSnapshot snapshot = new GraphSnapshot("g", StageGraph.State.OPEN, stages, edges);

    // when
    String text = Diagrams.svg(snapshot);
    Document svg = parse(text);

    // then every stage and edge is drawn, and every coordinate lies inside the picture
    assertThat(all(svg, "//*[local-name()='g'][@class='stage']")).hasSize(33);
    assertThat(all(svg, "//*[local-name()='g'][@class='edge']")).hasSize(34);
    assertThat(text).doesNotContain("NaN").doesNotContain("Infinity");
    double width = Double.parseDouble(svg.getDocumentElement().getAttribute("width"));
    double height = Double.parseDouble(svg.getDocumentElement().getAttribute("height"));
    double offset = translateY(svg);
    for (double[] p : pathPoints(svg)) {
      assertThat(p[0]).isBetween(0.0, width);
      assertThat(p[1] + offset).isBetween(0.0, height);
    }
    // the chain runs left to right: each stage's box is right of its predecessor's
    assertThat(boxX(svg, "s1")).isGreaterThan(boxX(svg, "s0"));
    assertThat(boxX(svg, "s29")).isGreaterThan(boxX(svg, "s28"));
    assertThat(boxX(svg, "b")).isGreaterThan(boxX(svg, "a"));
  }

  @Test
  void aHistoryShowsRatesFromConsecutiveSamplesAndSparklinesOfEverySample() throws Exception {
    // given three samples at 0 s, 1 s and 3 s: parse -> work carried 0, 100 and 500 events;
    // work finished 0, 90 and 490 events; parse rejected 0, 10 and 30 as OVERLOADED; permits 1, 2,
    // 4
    SnapshotHistory history = SnapshotHistory.ofLast(60);
    long[] times = {0, SECOND, 3 * SECOND};
    long[] carried = {0, 100, 500};
    long[] finished = {0, 90, 490};
    long[] rejected = {0, 10, 30};
    int[] permits = {1, 2, 4};
    for (int i = 0; i < 3; i++) {
      Map<RejectionReason, Long> rejections =
          rejected[i] == 0 ? Map.of() : Map.of(RejectionReason.OVERLOADED, rejected[i]);
      history.add(
          new GraphSnapshot(
              "g",
              StageGraph.State.OPEN,
              List.of(
                  stage("parse", 0, 64, 1, false, 1, carried[i], rejections),
                  stage("work", 3 * i, 64, permits[i], false, 8, finished[i], Map.of())),
              i == 0 ? List.of() : List.of(new GraphSnapshot.Edge("parse", "work", carried[i]))),
          times[i]);
    }

    // when
    Document svg = parse(Diagrams.svg(history));

    // then the arrow and the boxes show rates over the last interval (2 s)
    assertThat(all(svg, "//*[local-name()='g'][@class='edge']//*[@class='rate']"))
        .containsExactly("200/s"); // (500 - 100) / 2 s
    assertThat(text(svg, "stage", "work", "events")).isEqualTo("200/s"); // (490 - 90) / 2 s
    assertThat(text(svg, "stage", "work", "queue")).isEqualTo("queue 6/64");
    // parse rejected in the last interval: its border is red, work's is not
    assertThat(boxStroke(svg, "parse")).isEqualTo("#c62828");
    assertThat(boxStroke(svg, "work")).isNotEqualTo("#c62828");

    // and one cell of sparklines per stage and series, with a point per sample (rates: per pair)
    assertThat(all(svg, "//*[local-name()='g'][@class='spark']")).hasSize(2 * 7);
    assertThat(points(svg, "work", "permits")).hasSize(3);
    assertThat(points(svg, "work", "events/s")).hasSize(2);
    assertThat(cellNow(svg, "work", "permits")).isEqualTo("4");
    assertThat(cellNow(svg, "work", "events/s")).isEqualTo("200");
    assertThat(cellNow(svg, "work", "batch size")).isEqualTo("8");
    assertThat(cellNow(svg, "work", "queue")).isEqualTo("6/64");
    assertThat(cellNow(svg, "parse", "rejected/s")).isEqualTo("10"); // (30 - 10) / 2 s
    assertThat(cellNow(svg, "work", "rejected/s")).isEqualTo("none");
    assertThat(
            all(
                svg,
                "//*[local-name()='g'][@data-stage='parse'][@data-series='rejected/s']"
                    + "/*[local-name()='polyline']/@data-reason"))
        .containsExactly("OVERLOADED");

    // permits 1, 2, 4 on a scale from 0 to 4: the points rise, and lie at times 0, 1, 3 s of a
    // 59-interval axis (mean interval 1.5 s) with the newest at the right
    List<double[]> p = points(svg, "work", "permits");
    assertThat(p.get(0)[1]).isGreaterThan(p.get(1)[1]);
    assertThat(p.get(1)[1]).isGreaterThan(p.get(2)[1]);
    double perSecond = (p.get(2)[0] - p.get(1)[0]) / 2.0;
    assertThat(p.get(1)[0] - p.get(0)[0])
        .isCloseTo(perSecond, org.assertj.core.data.Offset.offset(0.15));
    assertThat(perSecond * 1.5 * 59).isCloseTo(124, org.assertj.core.data.Offset.offset(2.0));
  }

  @Test
  void aHistoryOfOneSampleShowsTheSnapshotsOwnFigures() throws Exception {
    // given one sample: no rate can be computed yet
    SnapshotHistory history = SnapshotHistory.ofLast(2);
    history.add(
        new GraphSnapshot(
            "g",
            StageGraph.State.OPEN,
            List.of(stage("a", 1, 8, 2, false, 1, 7, Map.of())),
            List.of(new GraphSnapshot.Edge("a", "a", 7))));

    // when
    Document svg = parse(Diagrams.svg(history));

    // then the arrow shows its event count, the box the stage's throughput (12.5 in the fixture)
    assertThat(all(svg, "//*[local-name()='g'][@class='edge']//*[@class='rate']"))
        .containsExactly("7 events");
    assertThat(text(svg, "stage", "a", "events")).isEqualTo("13/s");
    assertThat(points(svg, "a", "permits")).hasSize(1);
    assertThat(points(svg, "a", "events/s")).isEmpty();
  }

  @Test
  void anEmptyHistoryIsAClearError() {
    assertThatThrownBy(() -> Diagrams.svg(SnapshotHistory.ofLast(60)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no sample yet");
  }

  @Test
  void aHistoryKeepsTheLastSamplesInTimeOrderOfOneGraph() {
    // given a history of 3
    SnapshotHistory history = SnapshotHistory.ofLast(3);
    GraphSnapshot g = new GraphSnapshot("g", StageGraph.State.OPEN, List.of(), List.of());

    // when 5 samples are added
    for (int i = 0; i < 5; i++) {
      SnapshotHistory.Sample added = history.add(g, i * SECOND);
      assertThat(added.sequence()).isEqualTo(i);
    }

    // then the last 3 remain, oldest first
    assertThat(history.samples())
        .extracting(SnapshotHistory.Sample::sequence)
        .containsExactly(2L, 3L, 4L);
    assertThat(history.latest())
        .get()
        .extracting(SnapshotHistory.Sample::nanoTime)
        .isEqualTo(4 * SECOND);
    assertThat(history.sample(3))
        .get()
        .extracting(SnapshotHistory.Sample::nanoTime)
        .isEqualTo(3 * SECOND);
    assertThat(history.sample(1)).isEmpty();
    assertThat(history.sample(5)).isEmpty();
    assertThat(history.capacity()).isEqualTo(3);
    assertThat(history).hasToString("SnapshotHistory[graph 'g', 3 of 3 samples over 2.0 s]");

    // and what does not fit is refused with a reason
    assertThatThrownBy(() -> history.add(g, 3 * SECOND))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("time order");
    assertThatThrownBy(
            () ->
                history.add(
                    new GraphSnapshot("other", StageGraph.State.OPEN, List.of(), List.of()),
                    5 * SECOND))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("graph 'g', not 'other'");
    assertThatThrownBy(() -> SnapshotHistory.ofLast(1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("from 2 to 3600");
    assertThatThrownBy(() -> SnapshotHistory.ofLast(3601))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(SnapshotHistory.ofLast(2).latest()).isEmpty();
  }

  @Test
  void aLiveGraphSampledWhileItWorksIsDrawn() throws Exception {
    // given a real graph sampled as a user would, while events flow
    StageGraph graph = open("live");
    Stage<Integer> sink = graph.stage("sink", Integer.class).handler((i, ctx) -> {});
    Stage<Integer> source =
        graph.stage("source", Integer.class).handler((i, ctx) -> ctx.emit(sink, i));
    SnapshotHistory history = SnapshotHistory.ofLast(10);
    for (int round = 0; round < 4; round++) {
      for (int i = 0; i < 100; i++) {
        source.put(i);
      }
      assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
      history.add(graph.snapshot());
    }

    // when
    Document svg = parse(Diagrams.svg(history));

    // then
    assertThat(all(svg, "//*[local-name()='g'][@class='stage']/@data-stage"))
        .containsExactly("sink", "source");
    assertThat(points(svg, "source", "events/s")).hasSize(3);
    assertThat(points(svg, "sink", "queue")).hasSize(4);
    assertThat(all(svg, "//*[local-name()='g'][@class='edge']/@data-to")).containsExactly("sink");
  }

  // ---- fixtures and readers ---------------------------------------------------------------------

  /** A hand-made stage snapshot (throughput 12.5/s; latencies of 2 ms). */
  private static StageSnapshot stage(
      String name,
      int queued,
      int capacity,
      int permits,
      boolean permitsByHand,
      int batchSize,
      long finished,
      Map<RejectionReason, Long> rejections) {
    Latency latency = new Latency(10, 2_000_000, 2_000_000, 2_000_000, 2_000_000);
    return new StageSnapshot(
        name,
        new StageSnapshot.Queue(capacity, queued, 0, "block"),
        new StageSnapshot.Handlers(permits, 0, 0, batchSize, 0, 12.5, "logAndCount"),
        new StageSnapshot.Counts(finished + queued, finished, 0, 0, 0, 0, rejections),
        new StageSnapshot.Latencies(latency, latency, latency),
        new StageSnapshot.Controllers("", permitsByHand, "", false, ""));
  }

  private static Document parse(String svg) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setNamespaceAware(true);
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    return factory
        .newDocumentBuilder()
        .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
  }

  /** The text of every node (element or attribute) the XPath expression selects. */
  private static List<String> all(Document d, String xpath) throws Exception {
    NodeList nodes =
        (NodeList) XPathFactory.newInstance().newXPath().evaluate(xpath, d, XPathConstants.NODESET);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < nodes.getLength(); i++) {
      out.add(nodes.item(i).getTextContent());
    }
    return out;
  }

  private static Element single(Document d, String xpath) throws Exception {
    NodeList nodes =
        (NodeList) XPathFactory.newInstance().newXPath().evaluate(xpath, d, XPathConstants.NODESET);
    assertThat(nodes.getLength()).as(xpath).isEqualTo(1);
    return (Element) nodes.item(0);
  }

  /** The text of class {@code cls} inside the {@code group} element of stage {@code stage}. */
  private static String text(Document d, String group, String stage, String cls) throws Exception {
    return single(
            d,
            "//*[local-name()='g'][@class='"
                + group
                + "'][@data-stage='"
                + stage
                + "']//*[@class='"
                + cls
                + "']")
        .getTextContent();
  }

  private static String cellNow(Document d, String stage, String series) throws Exception {
    return single(
            d,
            "//*[local-name()='g'][@class='spark'][@data-stage='"
                + stage
                + "'][@data-series='"
                + series
                + "']/*[@class='now']")
        .getTextContent();
  }

  private static List<double[]> points(Document d, String stage, String series) throws Exception {
    String text =
        single(
                d,
                "//*[local-name()='g'][@class='spark'][@data-stage='"
                    + stage
                    + "'][@data-series='"
                    + series
                    + "']/*[local-name()='polyline']")
            .getAttribute("points");
    List<double[]> out = new ArrayList<>();
    Matcher m = Pattern.compile("(-?[0-9.]+),(-?[0-9.]+)").matcher(text);
    while (m.find()) {
      out.add(new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))});
    }
    return out;
  }

  private static String boxStroke(Document d, String stage) throws Exception {
    return single(
            d,
            "//*[local-name()='g'][@class='stage'][@data-stage='"
                + stage
                + "']/*[local-name()='rect'][1]")
        .getAttribute("stroke");
  }

  private static double boxX(Document d, String stage) throws Exception {
    return Double.parseDouble(
        single(
                d,
                "//*[local-name()='g'][@class='stage'][@data-stage='"
                    + stage
                    + "']/*[local-name()='rect'][1]")
            .getAttribute("x"));
  }

  private static double translateY(Document d) throws Exception {
    String transform =
        single(d, "//*[local-name()='g'][@class='network']").getAttribute("transform");
    Matcher m = Pattern.compile("translate\\(0,(-?[0-9.]+)\\)").matcher(transform);
    assertThat(m.matches()).as(transform).isTrue();
    return Double.parseDouble(m.group(1));
  }

  /** Every coordinate pair of every edge's path. */
  private static List<double[]> pathPoints(Document d) throws Exception {
    List<double[]> out = new ArrayList<>();
    for (String path : all(d, "//*[local-name()='path']/@d")) {
      Matcher m = Pattern.compile("(-?[0-9.]+),(-?[0-9.]+)").matcher(path);
      while (m.find()) {
        out.add(new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))});
      }
    }
    return out;
  }
}
