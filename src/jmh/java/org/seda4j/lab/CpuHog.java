package org.seda4j.lab;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A separate process that keeps one core busy: scenario S5 runs under it to see the controllers on
 * a shared CPU. It spins one thread until its standard input closes (so it ends when the process
 * that started it ends, however that ends) or a time limit passes. {@link #start} starts it with
 * this JVM's java and class path; {@link #close} kills it, and a shutdown hook does if this JVM
 * exits first.
 */
public final class CpuHog implements AutoCloseable {

  private static volatile long sink;

  private final Process process;
  private final Thread hook;
  private double cpuSeconds = Double.NaN;

  private CpuHog(Process process) {
    this.process = process;
    this.hook = new Thread(process::destroyForcibly, "cpu-hog-killer");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /**
   * Spins one thread.
   *
   * @param args the time limit in seconds
   * @throws IOException never in practice (standard input)
   */
  public static void main(String[] args) throws IOException {
    long end = System.nanoTime() + (long) (Double.parseDouble(args[0]) * 1e9);
    Thread spinner =
        Thread.ofPlatform()
            .daemon()
            .start(
                () -> {
                  long x = 1;
                  while (System.nanoTime() < end) {
                    for (int i = 0; i < 100_000; i++) {
                      x = x * 6364136223846793005L + 1442695040888963407L;
                    }
                    sink = x;
                  }
                });
    Thread.ofPlatform()
        .daemon()
        .start(
            () -> {
              try {
                while (System.in.read() >= 0) {
                  // wait for the end of input
                }
              } catch (IOException e) {
                // the parent is gone
              }
              System.exit(0);
            });
    try {
      spinner.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    System.exit(0);
  }

  /**
   * Starts a CPU hog.
   *
   * @param maxSeconds the time limit after which it ends by itself
   * @return the running hog
   * @throws IOException if it cannot be started
   */
  public static CpuHog start(double maxSeconds) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                List.of(
                    java,
                    "-Xmx64m",
                    "-cp",
                    System.getProperty("java.class.path"),
                    CpuHog.class.getName(),
                    Double.toString(maxSeconds)))
            .redirectOutput(ProcessBuilder.Redirect.INHERIT)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    return new CpuHog(p);
  }

  /**
   * The hog's process.
   *
   * @return the process handle
   */
  public ProcessHandle handle() {
    return process.toHandle();
  }

  /**
   * The CPU time the hog used, once closed.
   *
   * @return seconds, NaN before {@link #close}
   */
  public double cpuSeconds() {
    return cpuSeconds;
  }

  /** Kills the hog and waits for it to end. */
  @Override
  public void close() {
    if (process.isAlive()) {
      cpuSeconds = Machine.CpuMeter.cpuSeconds(process.toHandle());
      process.destroyForcibly();
      try {
        process.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook runs anyway
    }
  }
}
