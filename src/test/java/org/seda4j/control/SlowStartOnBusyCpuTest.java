package org.seda4j.control;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The default concurrency controller's slow start for handlers that mostly wait (10 ms blocking
 * calls, no limit behind them, a backlog all along) when the CPU is saturated for a while, as a JVM
 * compiling at start-up keeps it: the calls then take 25 ms, and a doubling measured on those
 * windows buys nothing. Driven window by window with synthetic samples, 100 ms each.
 */
class SlowStartOnBusyCpuTest {

  private static final long WINDOW = 100_000_000L;

  private final HillClimbingConcurrency controller = new HillClimbingConcurrency(1, 16_384, 2);
  private final List<String> decisions = new ArrayList<>();
  private int permits = controller.initial();
  private long now;

  /** One window at the current permits, every permit busy, calls of {@code callMillis}. */
  private void window(double callMillis, double cpuLoad) {
    now += WINDOW;
    long completions = (long) (permits * 100.0 / callMillis);
    ControllerSample s =
        new ControllerSample(
            now,
            WINDOW,
            1024,
            1024,
            1,
            completions,
            0,
            completions,
            completions,
            permits * WINDOW,
            permits,
            permits,
            1,
            true,
            cpuLoad);
    ControllerDecision d = controller.decide(s);
    decisions.add(d.reason());
    permits = d.value();
  }

  private void rampTo(int target) {
    for (int w = 0; w < 40 && permits < target; w++) {
      window(10, 0.3);
    }
    assertThat(permits).isEqualTo(target);
  }

  @Test
  void aDoublingJudgedWhileTheCpuWasSaturatedIsJudgedAgainOnceItHasRoom() {
    rampTo(1024);
    window(10, 0.3); // 1,024 measured: doubled to 2,048
    assertThat(permits).isEqualTo(2048);
    for (int w = 0; w < 10; w++) { // 1 s of a saturated CPU: calls of 25 ms
      window(25, 1.0);
      assertThat(permits).as(decisions.get(decisions.size() - 1)).isEqualTo(2048);
    }
    assertThat(decisions.get(decisions.size() - 1)).contains("CPU was saturated", "judged again");
    window(10, 0.3); // the CPU has room: 2,048 buys +100%
    assertThat(permits).as(decisions.get(decisions.size() - 1)).isEqualTo(4096);
  }

  @Test
  void aCpuSaturatedForLongerEndsTheSlowStartAsBefore() {
    rampTo(1024);
    window(10, 0.3);
    assertThat(permits).isEqualTo(2048);
    for (int w = 0; w < 20; w++) {
      window(25, 1.0);
    }
    assertThat(permits).isEqualTo(2048);
    window(25, 1.0); // 2 s held: judged on this window, which ends the slow start
    assertThat(permits).as(decisions.get(decisions.size() - 1)).isEqualTo(1024);
    assertThat(decisions.get(decisions.size() - 1)).contains("back to 1024");
  }

  @Test
  void withRoomOnTheCpuADoublingThatBuysNothingEndsTheSlowStartAtOnce() {
    rampTo(1024);
    window(10, 0.3);
    assertThat(permits).isEqualTo(2048);
    window(20, 0.5); // a limited resource: twice the calls in flight, each twice as long
    assertThat(permits).as(decisions.get(decisions.size() - 1)).isEqualTo(1024);
  }
}
