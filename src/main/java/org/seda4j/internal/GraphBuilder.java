package org.seda4j.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.seda4j.ContextPropagator;
import org.seda4j.StageGraph;

/** {@link StageGraph.Builder}: validates the graph's settings and opens it. */
final class GraphBuilder implements StageGraph.Builder {
  private final String name;
  private Duration grace;
  private Duration period = GraphImpl.DEFAULT_PERIOD;
  private LongSupplier clock = System::nanoTime;
  private boolean jmx = true;
  private boolean latency = true;
  private List<ContextPropagator> propagators = List.of();

  GraphBuilder(String name, Duration grace) {
    this.name = name;
    this.grace = grace;
  }

  @Override
  public StageGraph.Builder interruptGrace(Duration grace) {
    Objects.requireNonNull(grace, "grace must not be null");
    if (grace.isNegative()) {
      throw new IllegalArgumentException("interruptGrace must be zero or positive, was " + grace);
    }
    this.grace = grace;
    return this;
  }

  @Override
  public StageGraph.Builder samplePeriod(Duration period) {
    Objects.requireNonNull(period, "period");
    if (period.compareTo(Duration.ofMillis(1)) < 0 || period.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new IllegalArgumentException(
          "samplePeriod must be between 1 ms and 1 minute, was " + period);
    }
    this.period = period;
    return this;
  }

  @Override
  public StageGraph.Builder nanoClock(LongSupplier nanoClock) {
    this.clock = Objects.requireNonNull(nanoClock, "nanoClock");
    return this;
  }

  @Override
  public StageGraph.Builder jmx(boolean enabled) {
    this.jmx = enabled;
    return this;
  }

  @Override
  public StageGraph.Builder latencyStatistics(boolean enabled) {
    this.latency = enabled;
    return this;
  }

  @Override
  public StageGraph.Builder contextPropagation(ContextPropagator... propagators) {
    Objects.requireNonNull(propagators, "propagators must not be null");
    List<ContextPropagator> list = new ArrayList<>(propagators.length);
    for (int i = 0; i < propagators.length; i++) {
      ContextPropagator p = propagators[i];
      if (p == null) {
        throw new NullPointerException(
            "contextPropagation: propagator #" + i + " of " + propagators.length + " is null");
      }
      for (ContextPropagator q : list) {
        if (q == p) {
          throw new IllegalArgumentException(
              "contextPropagation: "
                  + p
                  + " is given twice (#"
                  + list.indexOf(q)
                  + " and #"
                  + i
                  + "); each propagator captures and restores its context once per hop");
        }
      }
      list.add(p);
    }
    this.propagators = List.copyOf(list);
    return this;
  }

  @Override
  public StageGraph open() {
    return new GraphImpl(name, grace, period, clock, jmx, latency, propagators, false);
  }
}
