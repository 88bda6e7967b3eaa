package org.seda4j.internal;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/*
 * The JVM's CPU use between two calls, as a fraction of all available processors: the process CPU
 * time delta (com.sun.management) over wall time x processors. Used by the sampler thread only.
 */
final class CpuMeter {
  private final com.sun.management.@org.jspecify.annotations.Nullable OperatingSystemMXBean os;
  private final int processors = Math.max(1, Runtime.getRuntime().availableProcessors());
  private long lastCpu;
  private long lastWall;

  CpuMeter() {
    OperatingSystemMXBean bean = ManagementFactory.getOperatingSystemMXBean();
    this.os = bean instanceof com.sun.management.OperatingSystemMXBean sun ? sun : null;
    this.lastCpu = cpuNanos();
    this.lastWall = System.nanoTime();
  }

  private long cpuNanos() {
    return os == null ? -1 : os.getProcessCpuTime();
  }

  /** CPU use since the last call, 0..1, or -1 if unknown. */
  double load() {
    long cpu = cpuNanos();
    long wall = System.nanoTime();
    double load = -1;
    if (cpu >= 0 && lastCpu >= 0 && wall > lastWall) {
      load = Math.min(1.0, (double) (cpu - lastCpu) / ((wall - lastWall) * (double) processors));
    }
    lastCpu = cpu;
    lastWall = wall;
    return load;
  }
}
