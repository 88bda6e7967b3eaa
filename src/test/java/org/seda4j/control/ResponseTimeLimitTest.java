package org.seda4j.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.seda4j.RejectionReason;
import org.seda4j.observe.Latency;
import org.seda4j.spi.Refusal;

/**
 * The default overload controller, {@link ResponseTimeLimit}, fed synthetic samples and a sink
 * whose clock and in-system count the test sets: no threads, no sleeps.
 */
class ResponseTimeLimitTest {

  private static final long MS = 1_000_000L;
  private static final long WINDOW = 100 * MS;

  /** One 100 ms window of samples, built fluently. */
  private final class W {
    long responses = 80; // 800/s
    long p90 = 30 * MS;
    long rejected;
    long inSystem = 10;
    boolean saturated = true;
    boolean searching;

    W rate(double perSecond) {
      responses = Math.round(perSecond * WINDOW / 1e9);
      return this;
    }

    W p90(long millis) {
      p90 = millis * MS;
      return this;
    }

    W rejected(long n) {
      rejected = n;
      return this;
    }

    W inSystem(long n) {
      inSystem = n;
      return this;
    }

    W idle() {
      saturated = false;
      return this;
    }

    W searching() {
      searching = true;
      return this;
    }

    AdmissionSample sample() {
      sink.now += WINDOW;
      Latency l = new Latency(responses, p90 / 2, p90, p90 * 2, p90 * 3);
      return new AdmissionSample(
          sink.now,
          WINDOW,
          l,
          List.of(l),
          responses,
          rejected,
          0,
          10_000,
          10 * MS,
          inSystem,
          saturated,
          searching);
    }
  }

  private final FakeAdmissionContext sink = new FakeAdmissionContext("s", 10_000, 1_000_000 * MS);

  private static ResponseTimeLimit<Object> limitOf(Duration target) {
    return (ResponseTimeLimit<Object>) AdmissionController.responseTime(target);
  }

  private W w() {
    return new W();
  }

  /** Settles the controller: a saturated window at {@code rate}, then one without search. */
  private void settle(ResponseTimeLimit<?> c, double rate) {
    c.update(w().rate(rate).sample());
    c.update(w().rate(rate).sample());
  }

  /** The window {@code w}, after an event offered to {@code c} was refused by its limit. */
  private AdmissionSample refused(ResponseTimeLimit<Object> c, W w) {
    long before = sink.inSystem;
    assertThat(admits(c, Long.MAX_VALUE - 1)).isFalse();
    sink.inSystem = before;
    return w.sample();
  }

  private boolean admits(ResponseTimeLimit<Object> c, long inSystem) {
    sink.inSystem = inSystem;
    return c.admit("e", sink);
  }

  @Test
  void noBacklogNoCut() {
    ResponseTimeLimit<Object> c = limitOf(Duration.ofMillis(50));
    // Windows in which no measured stage worked at capacity: nothing is known, nothing is cut,
    // however many events are in the system.
    for (int i = 0; i < 20; i++) {
      c.update(w().idle().rate(400).inSystem(5).sample());
    }
    assertThat(c.limit()).isEqualTo(Long.MAX_VALUE);
    assertThat(admits(c, 100_000)).isTrue();
    assertThat(c.toString()).contains("no limit").contains("not worked at capacity");
  }

  @Test
  void theLimitIsTheMeasuredCapacityTimesTheTarget() {
    ResponseTimeLimit<Object> c = limitOf(Duration.ofMillis(50));
    settle(c, 800);
    // Little's law: 800/s x 50 ms = 40 events in the system.
    assertThat(c.limit()).isEqualTo(40);
    assertThat(admits(c, 39)).isTrue();
    assertThat(admits(c, 40)).isFalse();
    Refusal refusal = c.screen("e", sink);
    assertThat(refusal).isNotNull();
    assertThat(refusal.reason()).isEqualTo(RejectionReason.OVERLOADED);
    assertThat(c.toString()).contains("limit 40 in system").contains("capacity 800/s");
  }

  @Test
  void rejectionsStopAsSoonAsTheSystemHoldsLessThanTheLimit() {
    ResponseTimeLimit<Object> c = limitOf(Duration.ofMillis(50));
    settle(c, 800);
    assertThat(admits(c, 45)).isFalse();
    // No rate to climb back: one event fewer in the system and the next one is admitted, at once.
    assertThat(admits(c, 39)).isTrue();
  }

  @Test
  void theCapacityEstimateFollowsARiseAtOnceAndAFallByHalves() {
    ResponseTimeLimit<Object> c = limitOf(Duration.ofMillis(100));
    settle(c, 1000);
    c.update(w().rate(2000).sample());
    assertThat(c.capacity()).isCloseTo(2000, within(1.0));
    c.update(w().rate(1000).sample());
    assertThat(c.capacity()).isCloseTo(1500, within(1.0));
    // A window that was not at capacity says only that the stages did at least that much.
    c.update(w().idle().rate(100).sample());
    assertThat(c.capacity()).isCloseTo(1500, within(1.0));
    c.update(w().idle().rate(1800).sample());
    assertThat(c.capacity()).isCloseTo(1800, within(1.0));
  }

  @Test
  void aColdStartIsNotCutWhileTheStagesSearch() {
    ResponseTimeLimit<Object> c = limitOf(Duration.ofMillis(50));
    // A JVM that just started: the permits double window by window, capacity rises with them.
    for (double rate : new double[] {100, 200, 400}) {
      c.update(w().rate(rate).inSystem(60).searching().sample());
      assertThat(c.limit()).isEqualTo(Long.MAX_VALUE);
      assertThat(c.toString()).contains("cold start");
    }
  }

  @Test
  void aColdStartBacklogThatDrainsByItselfIsNotCut() {
    ResponseTimeLimit<Object> c = limitOf(Duration.ofMillis(50));
    c.update(w().rate(400).inSystem(90).searching().sample());
    // The search ended: 800/s means a limit of 40, but the backlog of the cold start shrinks by
    // itself (the stages do more than arrives): nothing is cut while it drains.
    c.update(w().rate(800).inSystem(80).sample());
    assertThat(c.limit()).isEqualTo(Long.MAX_VALUE);
    assertThat(c.toString()).contains("drains by itself");
    c.update(w().rate(800).inSystem(50).sample());
    assertThat(c.limit()).isEqualTo(Long.MAX_VALUE);
    c.update(w().rate(800).inSystem(20).sample());
    assertThat(c.limit()).isEqualTo(40);
    // From now on, a backlog over the limit is cut even while it shrinks.
    c.update(w().rate(800).inSystem(70).sample());
    c.update(w().rate(800).inSystem(60).sample());
    assertThat(c.limit()).isEqualTo(40);
  }

  @Test
  void aFirstBacklogThatDrainsIsNotCutEvenWithoutASearch() {
    ResponseTimeLimit<Object> c = limitOf(Duration.ofMillis(50));
    // Fixed permits never search: a burst arrives at a cold stage whose handlers are held up (a
    // JVM compiling), so the window is not saturated, then the stage drains it at its capacity.
    c.update(w().idle().rate(100).inSystem(90).sample());
    c.update(w().rate(800).inSystem(80).sample());
    assertThat(c.limit()).isEqualTo(Long.MAX_VALUE);
    assertThat(c.toString()).contains("drains by itself").contains("80 in system, 90 before");
  }

  @Test
  void aColdStartBacklogThatDoesNotDrainIsCut() {
    ResponseTimeLimit<Object> c = limitOf(Duration.ofMillis(50));
    c.update(w().rate(400).inSystem(900).searching().sample());
    c.update(w().rate(800).inSystem(1000).sample()); // overload: it grows
    assertThat(c.limit()).isEqualTo(40);
  }

  @Test
  void aSearchAfterSettlingGetsHeadroomForOneMoreDoublingNotAFreeHand() {
    ResponseTimeLimit<Object> c = limitOf(Duration.ofMillis(50));
    settle(c, 800);
    c.update(w().rate(800).inSystem(40).searching().sample());
    assertThat(c.limit()).isEqualTo(80);
    c.update(w().rate(800).inSystem(40).sample());
    assertThat(c.limit()).isEqualTo(40);
  }

  @Test
  void theGainFollowsThePercentileOnlyWhileTheLimitGoverns() {
    ResponseTimeLimit<Object> c = limitOf(Duration.ofMillis(50));
    settle(c, 800);
    // Slow responses while the limit does not refuse anything: not the limit's doing.
    for (int i = 0; i < 5; i++) {
      c.update(w().rate(800).inSystem(20).p90(200).sample());
    }
    assertThat(c.gain()).isEqualTo(1.0);
    // The limit refuses events and the system holds about the limit: after the steady windows,
    // a percentile twice the target lowers the gain (by at most STEP_DOWN per window).
    for (int i = 0; i < 4; i++) {
      c.update(refused(c, w().rate(800).inSystem(40).rejected(100).p90(100)));
    }
    assertThat(c.gain()).isLessThan(1.0).isGreaterThanOrEqualTo(ResponseTimeLimit.STEP_DOWN);
    double lowered = c.gain();
    // A backlog far over the limit (draining from before) does not move it.
    c.update(refused(c, w().rate(800).inSystem(200).rejected(100).p90(900)));
    c.update(refused(c, w().rate(800).inSystem(200).rejected(100).p90(900)));
    assertThat(c.gain()).isEqualTo(lowered);
  }

  @Test
  void theGainRisesWhenTheLimitGovernsAndResponsesAreFast() {
    ResponseTimeLimit<Object> c = limitOf(Duration.ofMillis(50));
    settle(c, 800);
    for (int i = 0; i < 20; i++) {
      long limit = c.limit();
      c.update(refused(c, w().rate(800).inSystem(limit).rejected(100).p90(10)));
    }
    assertThat(c.gain()).isGreaterThan(1.5).isLessThanOrEqualTo(ResponseTimeLimit.MAX_GAIN);
  }

  @Test
  void aTargetShorterThanTheServiceTimeDoesNotStarveTheStages() {
    // 20 ms handlers and a 10 ms target: the percentile is over the target whatever the limit.
    // Lowering the gain would only idle the stages; once throughput falls under 90% of the
    // capacity while the limit refuses, the gain goes back up.
    ResponseTimeLimit<Object> c = limitOf(Duration.ofMillis(10));
    settle(c, 800);
    double lowest = 1;
    for (int i = 0; i < 60; i++) {
      long limit = c.limit();
      // Fewer than 16 events in the system leave the 16 permits partly idle (and not saturated).
      double rate = Math.min(800, 800 * limit / 16.0);
      W window = w().rate(rate).inSystem(limit).rejected(100).p90(40);
      if (limit < 16) {
        window.idle();
      }
      c.update(refused(c, window));
      lowest = Math.min(lowest, c.gain());
    }
    // Capacity x target is 8 events; the limit settles around what keeps the 16 permits busy.
    assertThat(c.limit()).isGreaterThanOrEqualTo(12);
    assertThat(c.toString()).contains("gain");
  }

  @Test
  void measuresAPathWhenGivenAnExitAndSaysSo() {
    AdmissionController<Object> c =
        AdmissionController.responseTime(ResponseTarget.builder(Duration.ofMillis(20)).build());
    AdmissionController.Feedback feedback = c.feedback();
    assertThat(feedback).isNotNull();
    assertThat(feedback.exit()).isNull();
    assertThat(c.rejectionReason()).isEqualTo(RejectionReason.OVERLOADED);
  }

  @Test
  @SuppressWarnings("NullAway") // passing null where it is not allowed is the point
  void badTargetsAreRefusedWithWhatIsAllowed() {
    assertThatThrownBy(() -> AdmissionController.responseTime(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be positive");
    assertThatThrownBy(() -> AdmissionController.responseTime(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be positive");
    assertThatThrownBy(() -> ResponseTarget.builder(Duration.ofMillis(5)).fairBy(null).build())
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("fairness key function");
    assertThatThrownBy(() -> ResponseTarget.builder(Duration.ofMillis(5)).path(null).build())
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("exit");
  }

  // ------------------------------------------------------------------ fairness

  record Req(int client) {}

  private static ResponseTimeLimit<Req> fair(Duration target) {
    return (ResponseTimeLimit<Req>)
        AdmissionController.responseTime(
            ResponseTarget.builder(target).<Req>fairBy(Req::client).build());
  }

  @Test
  void aNearlyEmptySystemLendsToAKeyButNotWithoutEnd() {
    ResponseTimeLimit<Req> c = fair(Duration.ofMillis(50));
    settle(c, 800); // limit 40
    sink.inSystem = 3; // under a tenth of the limit: the stages must not run dry
    // One greedy client, nobody else asking: its banked admission, then two on credit.
    assertThat(c.admit(new Req(1), sink)).isTrue();
    assertThat(c.admit(new Req(1), sink)).isTrue();
    assertThat(c.admit(new Req(1), sink)).isTrue();
    assertThat(c.admit(new Req(1), sink)).isFalse();
    assertThat(c.admit(new Req(2), sink)).isTrue(); // anyone else still gets in
  }

  @Test
  void sharesAreNotInForceWhileTheSystemStaysFarUnderItsLimit() {
    ResponseTimeLimit<Req> c = fair(Duration.ofMillis(50));
    settle(c, 800); // limit 40, the shares in force
    // A thousand clients asked, then most left (a load generator's run ended, a new one opened
    // fewer connections): the ones gone still count as active for a while, so each key's share
    // is a sliver of what the few left ask.
    for (int k = 1; k <= 1000; k++) {
      c.admit(new Req(k), sink);
    }
    c.update(w().rate(800).inSystem(3).sample());
    sink.inSystem = 3;
    int admitted = 0;
    for (int i = 0; i < 10; i++) {
      admitted += c.admit(new Req(1), sink) ? 1 : 0;
    }
    assertThat(admitted).as("one quiet window: still in force").isLessThan(10);
    // Two windows under a tenth of the limit, nothing refused by it: not overload, nobody shed.
    c.update(w().rate(800).inSystem(3).sample());
    assertThat(c.toString()).contains("not in force");
    for (int i = 0; i < 100; i++) {
      assertThat(c.admit(new Req(1), sink)).isTrue();
    }
    sink.inSystem = 40;
    assertThat(c.admit(new Req(2), sink)).as("the limit itself still binds").isFalse();
    // A window that ends at a tenth of the limit or more puts them back in force at once.
    c.update(w().rate(800).inSystem(10).sample());
    assertThat(c.toString()).doesNotContain("not in force");
    sink.inSystem = 3;
    assertThat(c.admit(new Req(1), sink)).isFalse(); // it owes what it took on credit
  }

  @Test
  void anIdleSpellLeavesTheSharesOutOfForce() {
    ResponseTimeLimit<Req> c = fair(Duration.ofMillis(50));
    settle(c, 800); // limit 40
    for (int k = 1; k <= 1000; k++) {
      c.admit(new Req(k), sink); // a thousand clients ask, the system near its limit
    }
    c.update(w().rate(800).inSystem(30).sample()); // shares in force, 1,000 active keys
    // Then nothing for five seconds: a stage that offers and handles nothing gets no samples.
    sink.now += 5_000 * MS;
    sink.inSystem = 3;
    for (int i = 0; i < 50; i++) {
      assertThat(c.admit(new Req(2_000), sink)).as("a new client after the idle spell").isTrue();
    }
    // The first window after it is quiet too, and the spell counts as quiet windows.
    c.update(w().rate(800).inSystem(3).sample());
    assertThat(c.toString()).contains("not in force");
    // A window that ends at a tenth of the limit or more puts the shares back in force.
    c.update(w().rate(800).inSystem(10).sample());
    assertThat(c.toString()).doesNotContain("not in force");
  }

  @Test
  void aKeyThatUsedItsShareIsShedUntilItEarnsMore() {
    ResponseTimeLimit<Req> c = fair(Duration.ofMillis(50));
    settle(c, 800); // limit 40
    sink.inSystem = 10;
    for (int k = 1; k <= 10; k++) {
      c.admit(new Req(k), sink); // ten clients ask
    }
    // 800/s shared by 10 keys, with headroom (shares that go unused must not idle the stages):
    // 1.2 x 80/s each.
    c.update(w().rate(800).inSystem(10).sample());
    assertThat(c.toString()).contains("fair share 96.0/s for each of 10 keys");
    // Client 1 comes straight back, again and again: it banked what it earned while the window
    // passed (100 ms at 96/s: 9.6), and earns one every 10.4 ms.
    for (int i = 0; i < 9; i++) {
      assertThat(c.admit(new Req(1), sink)).isTrue();
    }
    assertThat(c.admit(new Req(1), sink)).isFalse();
    Refusal outOfShare = c.screen(new Req(1), sink);
    assertThat(outOfShare).isNotNull();
    assertThat(outOfShare.detail()).contains("its share");
    assertThat(c.admit(new Req(2), sink)).isTrue(); // another client still has its share
    sink.now += 11 * MS;
    assertThat(c.admit(new Req(1), sink)).isTrue();
    // A client that was away banks what it earned, up to two seconds of its share (the time a key
    // counts as active): one that waits out a Retry-After finds its share when it comes back.
    // Three seconds pass, the other nine clients asking and the system near its limit.
    for (int window = 0; window < 30; window++) {
      for (int k = 1; k <= 10; k++) {
        if (k != 3) {
          c.admit(new Req(k), sink);
        }
      }
      c.update(w().rate(800).inSystem(10).sample());
    }
    assertThat(c.toString()).contains("fair share 106.7/s for each of 9 keys");
    int admitted = 0;
    while (c.admit(new Req(3), sink)) {
      admitted++;
    }
    assertThat(admitted).isEqualTo(213); // two seconds of 106.7/s
    sink.inSystem = 40;
    assertThat(c.admit(new Req(4), sink)).isFalse(); // the limit binds every key
  }

  @Test
  @SuppressWarnings("NullAway") // a key function returning null is the misuse under test
  void aKeyFunctionThatThrowsOrReturnsNullRefusesThatEventAlone() {
    ResponseTimeLimit<Req> c =
        (ResponseTimeLimit<Req>)
            AdmissionController.responseTime(
                ResponseTarget.builder(Duration.ofMillis(50))
                    .<Req>fairBy(
                        r -> {
                          if (r.client() < 0) {
                            throw new IllegalStateException("no client " + r.client());
                          }
                          return r.client() == 0 ? null : r.client();
                        })
                    .build());
    Refusal threw = c.screen(new Req(-1), sink);
    assertThat(threw).isNotNull();
    assertThat(threw.reason()).isEqualTo(RejectionReason.REFUSED);
    assertThat(threw.detail()).contains("key function").contains("no client -1");
    Refusal nul = c.screen(new Req(0), sink);
    assertThat(nul).isNotNull();
    assertThat(nul.detail()).contains("returned null");
    assertThat(c.screen(new Req(7), sink)).isNull();
  }

  /**
   * Closed-loop clients, simulated deterministically: 100 clients share a service of capacity 10
   * per tick with a limit of 20 in the system; a client answered asks again at once, a client
   * refused comes back 5 to 15 ticks later (its Retry-After, jittered). Without fairness the
   * clients just answered keep the room (they come back first); with it, every client gets about
   * the same number of answers.
   */
  @Test
  void closedLoopClientsGetAboutEqualSharesWithFairness() {
    assertThat(closedLoop(true, 100, 5, 10).jain()).isGreaterThan(0.9);
    assertThat(closedLoop(false, 100, 5, 10).jain()).isLessThan(0.5);
  }

  /**
   * The same service, and 200 clients that wait a Retry-After of about a second (100 ticks, spread
   * over 50 more, as the HTTP server spreads its 503s) before they ask again: each key banks its
   * share while it waits, so the clients keep the service busy when they come back, and fairly.
   */
  @Test
  void clientsThatWaitOutARetryAfterKeepTheServiceBusyWithFairness() {
    ClosedLoop run = closedLoop(true, 200, 100, 50);
    assertThat(run.goodput()).isGreaterThan(0.95);
    assertThat(run.jain()).isGreaterThan(0.9);
  }

  /**
   * What {@link #closedLoop} measured.
   *
   * @param goodput answers per tick over the service's capacity
   * @param jain Jain's index over the clients' answers
   */
  record ClosedLoop(double goodput, double jain) {}

  /**
   * Closed-loop clients against a service of capacity 10 per tick (1,000/s) and a limit of 20 in
   * the system; a client refused comes back {@code retryTicks} plus up to {@code spreadTicks}
   * later. Measured over ticks 1,000 to 3,000.
   */
  private ClosedLoop closedLoop(boolean fairness, int clients, int retryTicks, int spreadTicks) {
    FakeAdmissionContext clock = new FakeAdmissionContext("s", 10_000, 1_000_000 * MS);
    Duration target = Duration.ofMillis(20); // 1,000/s x 20 ms: a limit of 20 in the system
    ResponseTimeLimit<Req> c =
        fairness ? fair(target) : new ResponseTimeLimit<Req>(target, null, null);
    long tick = 10 * MS;
    long[] answers = new long[clients];
    int[] backAt = new int[clients]; // tick at which the client offers again
    java.util.ArrayDeque<Integer> system = new java.util.ArrayDeque<>(); // FIFO of clients
    java.util.Random random = new java.util.Random(42);
    c.update(window(clock, 0));
    c.update(window(clock, 0));
    assertThat(c.limit()).isEqualTo(20);
    for (int t = 0; t < 3000; t++) {
      clock.now += tick;
      for (int k = 0; k < clients; k++) {
        if (backAt[k] == t) {
          clock.inSystem = system.size();
          if (c.admit(new Req(k), clock)) {
            system.add(k);
            backAt[k] = -1; // waiting for its answer
          } else {
            backAt[k] = t + retryTicks + random.nextInt(spreadTicks + 1); // its Retry-After
          }
        }
      }
      for (int served = 0; served < 10 && !system.isEmpty(); served++) {
        int k = system.poll();
        if (t >= 1000) {
          answers[k]++;
        }
        backAt[k] = t + 1;
      }
      if (t % 10 == 9) {
        c.update(window(clock, system.size()));
      }
    }
    assertThat(c.limit()).isEqualTo(20);
    double sum = 0;
    double squares = 0;
    for (long a : answers) {
      sum += a;
      squares += (double) a * a;
    }
    return new ClosedLoop(sum / (10.0 * 2000), sum * sum / (clients * squares));
  }

  /** A window of the simulated service: 100 responses (1,000/s), p90 just under the target. */
  private static AdmissionSample window(FakeAdmissionContext clock, int inSystem) {
    Latency l = new Latency(100, 10 * MS, 18 * MS, 19 * MS, 20 * MS);
    return new AdmissionSample(
        clock.now, WINDOW, l, List.of(l), 100, 1, 0, 10_000, MS, inSystem, true, false);
  }
}
