package org.seda4j.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.seda4j.FullQueuePolicy;
import org.seda4j.Stage;
import org.seda4j.StageGraph;

/**
 * A stage failing or dropping at full speed logs a bounded number of WARN lines. The log is read
 * where slf4j-simple (the test backend) writes it, System.err; the graph's clock is a fake one, so
 * the windows roll exactly when the test says.
 */
class RateLimitedWarningsTest {

  private static final long WINDOW = TimeUnit.SECONDS.toNanos(StageLog.WINDOW_SECONDS);

  private final AtomicLong clock = new AtomicLong();
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private final PrintStream originalErr = System.err;
  private final StageGraph graph =
      StageGraph.builder("flood").nanoClock(clock::get).samplePeriod(Duration.ofMillis(5)).open();

  @BeforeEach
  void capture() {
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    try {
      graph.shutdownNow();
    } finally {
      System.setErr(originalErr);
    }
  }

  @Test
  void tenThousandFailuresLogTenWarningsAndOneSummary() throws InterruptedException {
    Stage<Integer> boom =
        graph
            .stage("boom", Integer.class)
            .permits(4)
            .handler(
                (e, c) -> {
                  throw new IllegalStateException("failing on purpose: " + e);
                });
    for (int i = 0; i < 10_000; i++) {
      boom.put(i);
    }
    assertThat(graph.awaitIdle(Duration.ofSeconds(30))).isTrue();
    assertThat(boom.snapshot().counts().failed()).isEqualTo(10_000);

    LogLimiter<StageLog.Kind> limiter = ((StageImpl<?>) boom).warnings().failures();
    assertThat(limiter.logged()).isEqualTo(StageLog.FAILURES_PER_WINDOW);
    assertThat(limiter.suppressed()).isEqualTo(10_000 - StageLog.FAILURES_PER_WINDOW);
    assertThat(count("WARN org.seda4j.stage.flood.boom - handler of stage 'boom' failed on"))
        .isEqualTo(StageLog.FAILURES_PER_WINDOW);
    assertThat(count("failing on purpose")).isEqualTo(StageLog.FAILURES_PER_WINDOW);

    clock.addAndGet(WINDOW); // the window ends: the sampler logs the summary
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(5))
        .until(() -> count("suppressed 9990 similar messages (handler failures)") == 1);

    boom.put(-1); // a new window: logged again
    assertThat(graph.awaitIdle(Duration.ofSeconds(10))).isTrue();
    assertThat(count("handler of stage 'boom' failed on -1")).isEqualTo(1);
    assertThat(count("stage 'boom': suppressed")).isEqualTo(1);
    assertThat(count(" WARN org.seda4j.stage.flood.boom "))
        .isEqualTo(StageLog.FAILURES_PER_WINDOW + 2);
  }

  @Test
  void dropsLogOneLinePerWindowAndAThrowingDropListenerIsLimitedToo() {
    Stage<Integer> shed =
        graph
            .stage("shed", Integer.class)
            .capacity(1)
            .permits(1)
            .onFull(FullQueuePolicy.dropNewest())
            .onDrop(
                e -> {
                  throw new IllegalArgumentException("listener fails on purpose: " + e);
                })
            .handler((e, c) -> Thread.sleep(Long.MAX_VALUE));
    shed.offer(0);
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(1))
        .until(() -> shed.snapshot().handlers().active() == 1);
    for (int i = 1; i <= 1_000; i++) {
      shed.offer(i); // the first fills the queue; the others are dropped
    }
    long dropped = shed.snapshot().counts().dropped();
    assertThat(dropped).isEqualTo(999);
    assertThat(count("WARN org.seda4j.stage.flood.shed - stage 'shed' dropped events"))
        .isEqualTo(1);
    assertThat(count("(policy DROP_NEWEST), 1 so far")).isEqualTo(1);
    assertThat(count("drop listener of stage 'shed' threw; ignored"))
        .isEqualTo(StageLog.FAILURES_PER_WINDOW);

    clock.addAndGet(WINDOW);
    shed.offer(-1);
    assertThat(count("stage 'shed' dropped events")).isEqualTo(2);
    assertThat(count("(policy DROP_NEWEST), " + (dropped + 1) + " so far")).isEqualTo(1);
    // logged by this offer or by the sampler, whichever ended the window first
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(5))
        .until(
            () ->
                count("suppressed " + (dropped - 10) + " similar messages (drop listener failures)")
                    == 1);
    assertThat(count("stage 'shed': suppressed")).isEqualTo(1);
  }

  private long count(String text) {
    String log = captured.toString(StandardCharsets.UTF_8);
    return log.lines().filter(l -> l.contains(text)).count();
  }
}
