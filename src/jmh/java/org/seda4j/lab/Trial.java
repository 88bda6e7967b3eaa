package org.seda4j.lab;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.seda4j.Stage;
import org.seda4j.lab.Services.Request;
import org.seda4j.lab.Services.Service;
import org.seda4j.observe.StageSnapshot;

/**
 * One open-loop run of a fresh service: Poisson arrivals through some phases, every answer
 * recorded, and (optionally) the work stage's snapshot every sampling period.
 */
public final class Trial {

  private final Recorder recorder;
  private final long[] arrivals;
  private final long start;
  private final long end;
  private final List<Sample> samples;
  private final @Nullable StageSnapshot last;

  private Trial(
      Recorder recorder,
      long[] arrivals,
      long start,
      long end,
      List<Sample> samples,
      @Nullable StageSnapshot last) {
    this.recorder = recorder;
    this.arrivals = arrivals;
    this.start = start;
    this.end = end;
    this.samples = samples;
    this.last = last;
  }

  /**
   * The answers.
   *
   * @return the recorder
   */
  public Recorder recorder() {
    return recorder;
  }

  /**
   * The intended arrival times.
   *
   * @return them, in order (not a copy)
   */
  public long[] arrivals() {
    return arrivals;
  }

  /**
   * When the first phase started.
   *
   * @return {@link System#nanoTime()}
   */
  public long start() {
    return start;
  }

  /**
   * When the last phase ended.
   *
   * @return {@link System#nanoTime()}
   */
  public long end() {
    return end;
  }

  /**
   * The work stage's snapshots, if sampled.
   *
   * @return them, in time order
   */
  public List<Sample> samples() {
    return samples;
  }

  /**
   * The work stage's snapshot at the end, before the service stopped.
   *
   * @return the snapshot, or {@code null} for a service without stages
   */
  public @Nullable StageSnapshot last() {
    return last;
  }

  /**
   * The work stage at one moment.
   *
   * @param nanoTime when, {@link System#nanoTime()}
   * @param snapshot its snapshot
   */
  public record Sample(long nanoTime, StageSnapshot snapshot) {}

  /**
   * Runs a fresh service through the phases.
   *
   * @param factory builds the service (a cold start)
   * @param resource what its requests call
   * @param phases the arrival phases
   * @param seed the arrivals' seed
   * @param grace how long to wait for answers after the last arrival before stopping the service
   * @param samplePeriod how often to snapshot the work stage, or {@code null} for never
   * @return what happened
   * @throws InterruptedException if interrupted
   */
  public static Trial run(
      Services.Factory factory,
      Resource resource,
      List<Arrivals.Phase> phases,
      long seed,
      Duration grace,
      @Nullable Duration samplePeriod)
      throws InterruptedException {
    Recorder rec = new Recorder((int) (Arrivals.expected(phases) * 2) + 1024);
    Service service = factory.create(rec, resource);
    long start = System.nanoTime() + 20_000_000L;
    long end = start + Arrivals.nanos(phases);
    List<Sample> samples = new ArrayList<>();
    Stage<Request> work = service.work();
    Thread sampler = null;
    if (samplePeriod != null && work != null) {
      sampler =
          Thread.ofPlatform().daemon().start(() -> sample(work, start, samplePeriod, samples));
    }
    long[] arrivals;
    StageSnapshot last = null;
    try {
      arrivals = Arrivals.run(start, phases, seed, service::submit);
      long until = end + grace.toNanos();
      for (long wait = until - System.nanoTime(); wait > 0; wait = until - System.nanoTime()) {
        LockSupport.parkNanos(wait);
      }
      if (work != null) {
        last = work.snapshot();
      }
    } finally {
      if (sampler != null) {
        sampler.interrupt();
        sampler.join();
      }
      service.close();
    }
    return new Trial(rec, arrivals, start, end, List.copyOf(samples), last);
  }

  private static void sample(Stage<Request> work, long start, Duration period, List<Sample> out) {
    long p = period.toNanos();
    try {
      for (long next = start; ; next += p) {
        long wait = next - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(Duration.ofNanos(wait));
        }
        out.add(new Sample(System.nanoTime(), work.snapshot())); // read after join()
      }
    } catch (InterruptedException end) {
      // the run is over
    }
  }

  /**
   * Arrivals whose intended time is in {@code [from, to)}.
   *
   * @param from the start, {@link System#nanoTime()}
   * @param to the end
   * @return how many
   */
  public long arrivalsIn(long from, long to) {
    long n = 0;
    for (long t : arrivals) {
      if (t >= from && t < to) {
        n++;
      }
    }
    return n;
  }
}
