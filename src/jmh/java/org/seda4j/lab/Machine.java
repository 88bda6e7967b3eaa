package org.seda4j.lab;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.seda4j.StageGraph;

/**
 * What a results file says about where it was measured: the machine, the engine under test, the
 * load average, and how much CPU other processes took while a scenario ran (so a run on a shared
 * machine says so).
 */
public final class Machine {

  /**
   * CPU share of other processes (cores, mean over a scenario) from which a run counts as shared.
   */
  static final double SHARED_CORES = 0.10;

  private Machine() {}

  /**
   * The CPU, core count, memory and OS, in one line.
   *
   * @return the description
   */
  public static String describe() {
    String cpu = "unknown cpu";
    String mem = "";
    try {
      for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (l.startsWith("model name")) {
          cpu = l.substring(l.indexOf(':') + 1).trim();
          break;
        }
      }
      for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (l.startsWith("MemTotal")) {
          long kb = Long.parseLong(l.replaceAll("[^0-9]", ""));
          mem = String.format(Locale.ROOT, ", %.0f GiB", kb / 1024.0 / 1024.0);
          break;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: leave it unknown
    }
    return cpu
        + ", "
        + Runtime.getRuntime().availableProcessors()
        + " cpus"
        + mem
        + ", "
        + System.getProperty("os.name")
        + " "
        + System.getProperty("os.arch");
  }

  /**
   * The JDK that runs this JVM.
   *
   * @return vendor, VM name and version
   */
  public static String jdk() {
    return System.getProperty("java.vm.vendor")
        + " "
        + System.getProperty("java.vm.name")
        + " "
        + Runtime.version();
  }

  /**
   * The last commit that changed the engine (src/main) in the working directory's repository, and
   * whether src/main has changes since.
   *
   * @return {@code <hash> <date>}, with {@code + uncommitted changes} if so, or {@code unknown}
   */
  public static String engineCommit() {
    String commit = git("log", "-1", "--format=%h %cs", "--", "src/main");
    String dirty = git("status", "--porcelain", "--", "src/main");
    if (commit.isEmpty()) {
      return "unknown";
    }
    return commit + (dirty.isEmpty() ? "" : " + uncommitted changes");
  }

  /**
   * Where the engine's classes were loaded from: the first class path entry that has them.
   *
   * @return a jar or directory
   */
  static String engineSource() {
    return location(StageGraph.class);
  }

  /**
   * Whether the engine comes from another class path entry than this lab (an old engine jar put
   * first on the class path).
   *
   * @return whether the engine is not the lab's own
   */
  static boolean foreignEngine() {
    return !location(StageGraph.class).equals(location(Machine.class));
  }

  private static String location(Class<?> type) {
    CodeSource source = type.getProtectionDomain().getCodeSource();
    return source == null ? "unknown" : source.getLocation().getPath();
  }

  /**
   * The system's load averages over 1, 5 and 15 minutes.
   *
   * @return them as {@code /proc/loadavg} gives them, or {@code unknown}
   */
  static String loadAverage() {
    try {
      String[] f =
          Files.readString(Path.of("/proc/loadavg"), StandardCharsets.UTF_8).split(" ", -1);
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static String git(String... args) {
    List<String> command = new ArrayList<>();
    command.add("git");
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return p.waitFor() == 0 ? s : "";
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  /**
   * Measures, between its creation and {@link #describe(List, double)}, the CPU time of the whole
   * machine ({@code /proc/stat}), of this JVM and of helper processes this JVM started: the rest is
   * what other processes took.
   */
  static final class CpuMeter {
    private static final double JIFFY = 0.01; // USER_HZ is 100 on Linux
    private final long wall0 = System.nanoTime();
    private final double[] machine0 = machineSeconds();
    private final double self0 = selfSeconds();

    /**
     * Describes the CPU use since creation.
     *
     * @param helpers processes this JVM started that used CPU (a CPU hog), still alive
     * @param helperSeconds their CPU seconds (measured by the caller when they ended), if not alive
     * @return a sentence, which says whether the machine was shared
     */
    String describe(List<ProcessHandle> helpers, double helperSeconds) {
      double wall = (System.nanoTime() - wall0) / 1e9;
      double[] m = machineSeconds();
      double busy = m[0] - machine0[0];
      double steal = m[1] - machine0[1];
      double self = selfSeconds() - self0;
      double helper = helperSeconds;
      for (ProcessHandle h : helpers) {
        helper += cpuSeconds(h);
      }
      double others = Math.max(0, busy - self - helper);
      if (Double.isNaN(busy)) {
        return String.format(
            Locale.ROOT,
            "cpu over %.0f s: this JVM %.2f cores; other processes unknown (no /proc/stat)",
            wall,
            self / wall);
      }
      return String.format(
          Locale.ROOT,
          "cpu over %.0f s (mean cores): this JVM %.2f, helper processes %.2f, other processes"
              + " %.2f, steal %.2f; machine shared: %s",
          wall,
          self / wall,
          helper / wall,
          others / wall,
          steal / wall,
          others / wall >= SHARED_CORES ? "yes" : "no");
    }

    static double cpuSeconds(ProcessHandle h) {
      return h.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(0.0);
    }

    /** Busy (user, nice, system, irq, softirq) and steal seconds of all CPUs, or NaN. */
    private static double[] machineSeconds() {
      try {
        Optional<String> line =
            Files.readAllLines(Path.of("/proc/stat")).stream()
                .filter(l -> l.startsWith("cpu "))
                .findFirst();
        if (line.isEmpty()) {
          return new double[] {Double.NaN, Double.NaN};
        }
        String[] f = line.get().trim().split("\\s+", -1);
        long busy = 0;
        for (int i : new int[] {1, 2, 3, 6, 7}) {
          busy += Long.parseLong(f[i]);
        }
        long steal = f.length > 8 ? Long.parseLong(f[8]) : 0;
        return new double[] {busy * JIFFY, steal * JIFFY};
      } catch (IOException | RuntimeException e) {
        return new double[] {Double.NaN, Double.NaN};
      }
    }

    private static double selfSeconds() {
      if (ManagementFactory.getOperatingSystemMXBean()
          instanceof com.sun.management.OperatingSystemMXBean os) {
        return os.getProcessCpuTime() / 1e9;
      }
      return 0;
    }
  }
}
