package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.seda4j.testing.Await.TIMEOUT;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Set;
import javax.management.Attribute;
import javax.management.JMX;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;
import org.junit.jupiter.api.Test;
import org.seda4j.observe.StageMXBean;
import org.seda4j.observe.StageSnapshot;
import org.seda4j.testing.Await;
import org.seda4j.testing.Gate;

/** Each stage is a StageMXBean in the platform MBeanServer while its graph lives. */
class JmxTest extends GraphTestSupport {

  private static final MBeanServer SERVER = ManagementFactory.getPlatformMBeanServer();

  private static ObjectName name(String graph, String stage) throws Exception {
    return new ObjectName("org.seda4j:type=Stage,graph=" + graph + ",name=" + stage);
  }

  private static Set<ObjectName> namesOf(String graph) throws Exception {
    return SERVER.queryNames(new ObjectName("org.seda4j:type=Stage,graph=" + graph + ",*"), null);
  }

  @Test
  void attributesComeFromTheSnapshot() throws Exception {
    StageGraph graph = open("jmxAttrs");
    Stage<Integer> work =
        graph
            .stage("work", Integer.class)
            .capacity(16)
            .permits(2)
            .batchSize(4)
            .handler(
                (event, ctx) -> {
                  if (event < 0) {
                    throw new IllegalStateException("negative");
                  }
                });
    for (int i = 0; i < 10; i++) {
      work.put(i);
    }
    work.put(-1);
    work.put(-2);
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();

    ObjectName on = name("jmxAttrs", "work");
    assertThat(SERVER.getMBeanInfo(on).getDescriptor().getFieldValue("interfaceClassName"))
        .isEqualTo(StageMXBean.class.getName());
    assertThat(SERVER.getMBeanInfo(on).getDescriptor().getFieldValue("mxbean")).isEqualTo("true");
    assertThat(SERVER.getAttribute(on, "Name")).isEqualTo("work");
    assertThat(SERVER.getAttribute(on, "Capacity")).isEqualTo(16);
    assertThat(SERVER.getAttribute(on, "Permits")).isEqualTo(2);
    assertThat(SERVER.getAttribute(on, "BatchSize")).isEqualTo(4);
    assertThat(SERVER.getAttribute(on, "QueueLength")).isEqualTo(0);
    assertThat(SERVER.getAttribute(on, "ActiveHandlers")).isEqualTo(0);
    assertThat(SERVER.getAttribute(on, "InFlight")).isEqualTo(0L);
    assertThat(SERVER.getAttribute(on, "Admitted")).isEqualTo(12L);
    assertThat(SERVER.getAttribute(on, "Completed")).isEqualTo(10L);
    assertThat(SERVER.getAttribute(on, "Failed")).isEqualTo(2L);
    assertThat(SERVER.getAttribute(on, "Rejected")).isEqualTo(0L);
    assertThat(SERVER.getAttribute(on, "Cancelled")).isEqualTo(0L);
    assertThat(SERVER.getAttribute(on, "Dropped")).isEqualTo(0L);
    assertThat(SERVER.getAttribute(on, "Throughput")).isInstanceOf(Double.class);
    assertThat(SERVER.getAttribute(on, "PermitsOverridden")).isEqualTo(false);
    assertThat(SERVER.getAttribute(on, "BatchSizeOverridden")).isEqualTo(false);
    StageSnapshot snapshot = work.snapshot();
    assertThat(SERVER.getAttribute(on, "FullQueuePolicy"))
        .isEqualTo(snapshot.queue().fullQueuePolicy());
    assertThat(SERVER.getAttribute(on, "FailurePolicy"))
        .isEqualTo(snapshot.handlers().failurePolicy());
    assertThat(SERVER.getAttribute(on, "ConcurrencyDecision")).isInstanceOf(String.class);
    assertThat(SERVER.getAttribute(on, "BatchDecision")).isInstanceOf(String.class);

    // A typed proxy, as a JMX client would use it.
    StageMXBean proxy = JMX.newMXBeanProxy(SERVER, on, StageMXBean.class);
    assertThat(proxy.getCompleted()).isEqualTo(10L);
  }

  @Test
  void loadAttributesWhileAHandlerIsHeld() throws Exception {
    StageGraph graph = open("jmxLoad");
    try (Gate gate = new Gate()) {
      Stage<Integer> shed =
          gate.stage(
              graph
                  .stage("shed", Integer.class)
                  .capacity(1)
                  .permits(1)
                  .batchSize(1)
                  .onFull(FullQueuePolicy.reject()));
      ObjectName on = name("jmxLoad", "shed");
      shed.put(1);
      Await.until(() -> SERVER.getAttribute(on, "ActiveHandlers").equals(1));
      assertThat(shed.offer(2)).isInstanceOf(OfferResult.Accepted.class);
      assertThat(shed.offer(3)).isInstanceOf(OfferResult.Rejected.class);

      assertThat(SERVER.getAttribute(on, "InFlight")).isEqualTo(1L);
      assertThat(SERVER.getAttribute(on, "QueueLength")).isEqualTo(1);
      assertThat(SERVER.getAttribute(on, "Admitted")).isEqualTo(2L);
      assertThat(SERVER.getAttribute(on, "Rejected")).isEqualTo(1L);
      gate.open();
      assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
      assertThat(SERVER.getAttribute(on, "Completed")).isEqualTo(2L);
    }
  }

  @Test
  void permitsAndBatchSizeAreWritableAndReleaseOverridesIsAnOperation() throws Exception {
    StageGraph graph = open("jmxOps");
    Stage<Integer> work = graph.stage("work", Integer.class).handler((event, ctx) -> {});
    ObjectName on = name("jmxOps", "work");
    for (MBeanAttributeInfo a : SERVER.getMBeanInfo(on).getAttributes()) {
      assertThat(a.isWritable())
          .as(a.getName())
          .isEqualTo(a.getName().equals("Permits") || a.getName().equals("BatchSize"));
    }

    SERVER.setAttribute(on, new Attribute("Permits", 5));
    SERVER.setAttribute(on, new Attribute("BatchSize", 3));
    assertThat(work.permits()).isEqualTo(5);
    assertThat(work.batchSize()).isEqualTo(3);
    assertThat(work.snapshot().controllers().permitsOverridden()).isTrue();
    assertThat(work.snapshot().controllers().batchSizeOverridden()).isTrue();
    assertThat(SERVER.getAttribute(on, "PermitsOverridden")).isEqualTo(true);
    assertThat(SERVER.getAttribute(on, "BatchSizeOverridden")).isEqualTo(true);

    SERVER.invoke(on, "releaseOverrides", new Object[0], new String[0]);
    assertThat(work.snapshot().controllers().permitsOverridden()).isFalse();
    assertThat(work.snapshot().controllers().batchSizeOverridden()).isFalse();
    assertThat(SERVER.getAttribute(on, "PermitsOverridden")).isEqualTo(false);

    assertThatThrownBy(() -> SERVER.setAttribute(on, new Attribute("Permits", 0)))
        .isInstanceOf(RuntimeMBeanException.class)
        .hasCauseInstanceOf(IllegalArgumentException.class);
    assertThat(work.snapshot().controllers().permitsOverridden()).isFalse();
  }

  @Test
  void closeUnregisters() throws Exception {
    StageGraph graph = open("jmxClose");
    graph.stage("a", Integer.class).handler((event, ctx) -> {});
    graph.stage("b", Integer.class).handler((event, ctx) -> {});
    assertThat(namesOf("jmxClose"))
        .containsExactlyInAnyOrder(name("jmxClose", "a"), name("jmxClose", "b"));
    graph.close();
    assertThat(namesOf("jmxClose")).isEmpty();
  }

  @Test
  void closeWithTimeoutUnregisters() throws Exception {
    StageGraph graph = open("jmxCloseTimeout");
    graph.stage("a", Integer.class).handler((event, ctx) -> {});
    assertThat(namesOf("jmxCloseTimeout")).hasSize(1);
    graph.close(Duration.ofSeconds(5));
    assertThat(namesOf("jmxCloseTimeout")).isEmpty();
  }

  @Test
  void shutdownNowUnregisters() throws Exception {
    StageGraph graph = open("jmxShutdownNow");
    try (Gate gate = new Gate()) {
      Stage<Integer> a = gate.stage(graph.stage("a", Integer.class).permits(1));
      a.put(1);
      a.put(2);
      assertThat(namesOf("jmxShutdownNow")).hasSize(1);
      graph.shutdownNow();
      assertThat(namesOf("jmxShutdownNow")).isEmpty();
    }
  }

  @Test
  void failedGraphUnregisters() throws Exception {
    StageGraph graph = open("jmxFailed");
    Stage<Integer> a =
        graph
            .stage("a", Integer.class)
            .onFailure(FailurePolicy.failGraph())
            .handler(
                (event, ctx) -> {
                  throw new IllegalStateException("boom");
                });
    assertThat(namesOf("jmxFailed")).hasSize(1);
    a.put(1);
    Await.until(() -> namesOf("jmxFailed").isEmpty());
  }

  @Test
  void jmxFalseRegistersNothing() throws Exception {
    StageGraph graph = register(StageGraph.builder("jmxOff").jmx(false).open());
    Stage<Integer> a = graph.stage("a", Integer.class).handler((event, ctx) -> {});
    a.put(1);
    assertThat(graph.awaitIdle(TIMEOUT)).isTrue();
    assertThat(namesOf("jmxOff")).isEmpty();
    graph.close();
    assertThat(namesOf("jmxOff")).isEmpty();
  }

  @Test
  void aSecondGraphOfTheSameNameGetsAnInstanceKey() throws Exception {
    StageGraph first = open("jmxTwin");
    first.stage("a", Integer.class).handler((event, ctx) -> {});
    StageGraph second = open("jmxTwin");
    Stage<Integer> secondA = second.stage("a", Integer.class).handler((event, ctx) -> {});
    secondA.put(1);
    assertThat(second.awaitIdle(TIMEOUT)).isTrue();

    Set<ObjectName> both = namesOf("jmxTwin");
    assertThat(both).hasSize(2).contains(name("jmxTwin", "a"));
    ObjectName other =
        both.stream().filter(n -> n.getKeyProperty("instance") != null).findFirst().orElseThrow();
    assertThat(other.getKeyProperty("name")).isEqualTo("a");
    assertThat(SERVER.getAttribute(other, "Completed")).isEqualTo(1L);
    assertThat(SERVER.getAttribute(name("jmxTwin", "a"), "Completed")).isEqualTo(0L);

    // The first graph's plain names go with it; the second keeps its instance key.
    first.close();
    assertThat(namesOf("jmxTwin")).containsExactly(other);

    // A graph opened after the first one terminated takes the plain names again.
    StageGraph third = open("jmxTwin");
    third.stage("a", Integer.class).handler((event, ctx) -> {});
    assertThat(namesOf("jmxTwin")).containsExactlyInAnyOrder(other, name("jmxTwin", "a"));
    second.close();
    third.close();
    assertThat(namesOf("jmxTwin")).isEmpty();
  }
}
