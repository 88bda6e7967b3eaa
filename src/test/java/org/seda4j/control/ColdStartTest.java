package org.seda4j.control;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.seda4j.observe.Latency;

/**
 * The default concurrency and admission controllers together on a cold start (scenario S3's first
 * phase), driven window by window by a small model of the stage: no threads, no clock but the
 * windows'. The stage guards a database of 8 connections whose calls take 10 ms (800/s); requests
 * arrive at 400/s, half its capacity. A fresh stage that waited for its first request has shrunk to
 * 1 permit (the idle rule's floor): 100/s, 10 handler calls a window, too few to judge at once.
 */
class ColdStartTest {

  private static final long MS = 1_000_000L;
  private static final long WINDOW = 100 * MS;
  private static final int CONNECTIONS = 8;
  private static final int CALLS_PER_CONNECTION = 10; // in a window: 10 ms a call
  private static final int ARRIVALS = 40; // in a window: 400/s

  /** What the model saw: refusals, the permits and the decisions, window by window. */
  private record Run(long refused, int permits, List<String> decisions) {}

  /**
   * Runs {@code windows} windows from {@code permits} permits and nothing in the system. In a
   * window the stage ends min(events there, callable) calls, callable = min(permits, 8) x 10; the
   * arrivals come evenly, each offered to the admission controller with the events in the system at
   * its arrival (the calls ending evenly too).
   */
  private static Run run(int permits, int windows) {
    HillClimbingConcurrency concurrency = new HillClimbingConcurrency(1, 16_384, 2);
    ResponseTimeLimit<Object> admission =
        (ResponseTimeLimit<Object>) AdmissionController.responseTime(Duration.ofMillis(50));
    FakeAdmissionContext sink = new FakeAdmissionContext("query", 1024, 0);
    int p = permits;
    long inSystem = 0;
    long refused = 0;
    List<String> decisions = new ArrayList<>();
    for (int w = 0; w < windows; w++) {
      long callable = (long) Math.min(p, CONNECTIONS) * CALLS_PER_CONNECTION;
      long served = Math.min(inSystem + ARRIVALS, callable);
      long admitted = 0;
      long refusedNow = 0;
      for (int i = 0; i < ARRIVALS; i++) {
        sink.now = w * WINDOW + i * WINDOW / ARRIVALS;
        sink.inSystem = Math.max(0, inSystem + admitted - served * i / ARRIVALS);
        if (admission.admit("request", sink)) {
          admitted++;
        } else {
          refusedNow++;
        }
      }
      served = Math.min(inSystem + admitted, callable);
      long end = inSystem + admitted - served;
      int active = (int) Math.min(p, end);
      long busyNanos = Math.min((long) p * WINDOW, served * 10 * MS * Math.max(1, p / CONNECTIONS));
      ControllerSample cs =
          new ControllerSample(
              (w + 1) * WINDOW,
              WINDOW,
              (int) (end - active),
              1024,
              0,
              admitted,
              refusedNow,
              served,
              served,
              busyNanos,
              active,
              p,
              1,
              true,
              0.2);
      ControllerDecision d = concurrency.decide(cs);
      decisions.add(d.reason() + (d.searching() ? " (searching)" : ""));
      long p90 = 10 * MS + inSystem * 1_000 * MS / Math.max(1, callable * 10);
      Latency l = new Latency(served, p90 / 2, p90, p90 * 2, p90 * 3);
      sink.now = (w + 1) * WINDOW;
      admission.update(
          new AdmissionSample(
              (w + 1) * WINDOW,
              WINDOW,
              l,
              List.of(l),
              admitted,
              refusedNow,
              (int) (end - active),
              1024,
              10 * MS,
              end,
              cs.saturated(),
              d.searching()));
      p = d.value();
      inSystem = end;
      refused += refusedNow;
    }
    return new Run(refused, p, decisions);
  }

  @Test
  void aStageAtOnePermitMeasuringItsFirstWindowsIsSearching() {
    // 10 calls in the first window: too few to judge, but the slow start they feed is about to
    // raise the permits, so the capacity measured (100/s) is a lower bound.
    Run r = run(1, 1);
    assertThat(r.decisions().get(0)).contains("measuring").endsWith("(searching)");
  }

  @Test
  void aColdStartAtHalfTheCapacityShedsNothingFromOnePermit() {
    // Before the fix the measuring window said "not searching": the admission controller took
    // 100/s for the stage's settled capacity, set a limit of 5 in the system while 30 waited, and
    // shed a third of the arrivals of the next windows.
    Run r = run(1, 30);
    assertThat(r.refused()).as("refused; decisions: %s", r.decisions()).isZero();
    assertThat(r.permits()).as("permits; decisions: %s", r.decisions()).isBetween(4, 16);
  }

  @Test
  void aColdStartFromTheDefaultPermitsShedsNothingEither() {
    Run r = run(2, 30);
    assertThat(r.refused()).as("refused; decisions: %s", r.decisions()).isZero();
    assertThat(r.permits()).isBetween(4, 16);
  }
}
