package org.seda4j.lab;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;

/** Open-loop Poisson arrivals whose rate changes by phases (a constant load, a step...). */
public final class Arrivals {

  /**
   * A stretch of constant arrival rate.
   *
   * @param seconds how long
   * @param perSecond the mean arrival rate
   */
  public record Phase(double seconds, double perSecond) {}

  private Arrivals() {}

  /**
   * How many arrivals the phases bring on average.
   *
   * @param phases the phases
   * @return the expected number of arrivals
   */
  public static double expected(List<Phase> phases) {
    return phases.stream().mapToDouble(p -> p.seconds() * p.perSecond()).sum();
  }

  /**
   * The phases' total length.
   *
   * @param phases the phases
   * @return nanoseconds
   */
  public static long nanos(List<Phase> phases) {
    return (long) (phases.stream().mapToDouble(Phase::seconds).sum() * 1e9);
  }

  /**
   * Drives the arrivals on the calling thread: each has an intended time (exponential gaps at the
   * phase's rate, from a seeded generator; the gap is drawn afresh at each phase boundary, which is
   * exact for a Poisson process), and {@code submit} is called with it as soon as it is due. A
   * submit that takes long delays the next ones, but their intended times stay: response times are
   * measured from them.
   *
   * @param start when the first phase starts, {@link System#nanoTime()}
   * @param phases the phases, in order
   * @param seed the generator's seed
   * @param submit called with each arrival's intended time
   * @return the intended times, in order
   */
  public static long[] run(long start, List<Phase> phases, long seed, LongConsumer submit) {
    Random random = new Random(seed);
    long[] times = new long[(int) (expected(phases) * 1.2) + 1024];
    int n = 0;
    long phaseStart = start;
    for (Phase phase : phases) {
      long phaseEnd = phaseStart + (long) (phase.seconds() * 1e9);
      long next = phaseStart + gap(random, phase.perSecond());
      while (next < phaseEnd) {
        long wait = next - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
          continue;
        }
        submit.accept(next);
        if (n == times.length) {
          times = Arrays.copyOf(times, n * 2);
        }
        times[n++] = next;
        next += gap(random, phase.perSecond());
      }
      phaseStart = phaseEnd;
    }
    return Arrays.copyOf(times, n);
  }

  private static long gap(Random random, double perSecond) {
    return (long) (-Math.log(1 - random.nextDouble()) / perSecond * 1e9);
  }
}
