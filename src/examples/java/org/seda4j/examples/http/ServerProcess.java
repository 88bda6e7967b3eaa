package org.seda4j.examples.http;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One of the example servers ({@link HttpServerMain}) in a child JVM on 127.0.0.1, started with the
 * same {@code java} and class path as this JVM, so that its CPU time is its own and can be read
 * from outside ({@link #cpuSeconds()}). Output goes to a log file. {@link #close()} stops it with
 * SIGTERM (the server answers what it admitted and prints its report), then kills it if it has not
 * ended within a bound.
 */
final class ServerProcess implements AutoCloseable {

  private static final Duration START_LIMIT = Duration.ofSeconds(30);
  private static final Duration STOP_LIMIT = Duration.ofSeconds(30);

  private final Process process;
  private final int port;
  private final Path log;

  private ServerProcess(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /**
   * Starts {@code HttpServerMain ARGS - PORT} on a free port and waits until it answers a GET of
   * the status page (which the staged server renders without touching the disk, and the baselines
   * answer 404): any complete response will do.
   *
   * @param args the server's options (e.g. {@code --server vthreads --cache-mb 0})
   * @param log where its output goes
   * @return the running server
   * @throws IOException if it cannot be started or does not answer within 30 s
   * @throws InterruptedException if interrupted while waiting for it
   */
  static ServerProcess start(List<String> args, Path log) throws IOException, InterruptedException {
    int port = freePort();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(
        List.of(
            "-Xms1g",
            "-Xmx1g",
            // Compiler threads live as long as the JVM, so that cpuSeconds() can leave them out.
            "-XX:-UseDynamicNumberOfCompilerThreads",
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
            "-cp",
            System.getProperty("java.class.path"),
            HttpServerMain.class.getName()));
    command.addAll(args);
    command.add("-");
    command.add(String.valueOf(port));
    Files.createDirectories(log.toAbsolutePath().getParent());
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    ServerProcess server = new ServerProcess(process, port, log);
    try {
      server.awaitAnswering();
    } catch (IOException | InterruptedException | RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  private static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket()) {
      probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return probe.getLocalPort();
    }
  }

  private void awaitAnswering() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + START_LIMIT.toNanos();
    IOException last = null;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException(
            "the server ended at start (exit " + process.exitValue() + "):\n" + tail());
      }
      try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
        socket.setSoTimeout(5_000);
        OutputStream out = socket.getOutputStream();
        out.write(
            "GET /_seda.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.ISO_8859_1));
        LoadGenerator.ResponseReader reader = new LoadGenerator.ResponseReader();
        reader.reset(socket.getInputStream());
        reader.read(); // any complete response
        return;
      } catch (IOException e) {
        last = e;
      }
      Thread.sleep(100);
    }
    throw new IOException("the server did not answer within " + START_LIMIT + ":\n" + tail(), last);
  }

  /**
   * The port it listens on.
   *
   * @return the port
   */
  int port() {
    return port;
  }

  /**
   * The process id.
   *
   * @return the pid
   */
  long pid() {
    return process.pid();
  }

  /**
   * The CPU time the server process has used so far for its work (user and system, all its
   * threads), without its JIT compiler threads: compiling is a warm-up cost, not a cost of the
   * requests, and a window that starts soon after the JVM does would otherwise carry it.
   *
   * <p>Read from {@code /proc/PID/task/TID/schedstat}: each thread's time on a CPU in nanoseconds,
   * summed over the threads alive now. The first version read {@code /proc/PID/stat}, whose times
   * are in clock ticks of 10 ms: a window of 5 s of rejections at 0.02 cores is 10 ticks, so one
   * tick more or less, or an idle window that saw one tick or none, moved the cost of a 503 by 10
   * to 30%. What a sum over live threads misses is the time of a thread that ended within a window;
   * the servers' carrier, poller and stage threads live as long as the JVM under these loads. Where
   * there is no schedstat, the ticks of {@code /proc/PID/stat} less those of the JIT threads; where
   * there is no {@code /proc}, the process's total as the JDK reports it.
   *
   * @return seconds of CPU
   * @throws IllegalStateException if the platform reports no CPU time for the process
   */
  double cpuSeconds() {
    Path proc = Path.of("/proc", String.valueOf(pid()));
    if (Files.isDirectory(proc.resolve("task"))) {
      try {
        return schedNanos(proc.resolve("task")) / 1e9;
      } catch (IOException | RuntimeException e) {
        // no schedstat: the ticks
      }
      try {
        return (ticks(proc.resolve("stat")) - jitTicks(proc.resolve("task"))) / TICKS_PER_SECOND;
      } catch (IOException | RuntimeException e) {
        // the process is ending or /proc is not what it seems: fall back to the total
      }
    }
    return process
            .toHandle()
            .info()
            .totalCpuDuration()
            .orElseThrow(() -> new IllegalStateException("no CPU time for process " + pid()))
            .toNanos()
        / 1e9;
  }

  /** The nanoseconds on a CPU of the threads alive now, less the JIT compiler threads'. */
  private static long schedNanos(Path tasks) throws IOException {
    long sum = 0;
    int threads = 0;
    try (var all = Files.list(tasks)) {
      for (Path task : (Iterable<Path>) all::iterator) {
        String stat;
        String name;
        try {
          stat = Files.readString(task.resolve("schedstat"));
          name = Files.readString(task.resolve("comm")).strip();
        } catch (IOException e) {
          continue; // the thread ended meanwhile (or there is no schedstat: see below)
        }
        threads++;
        if (!isJit(name)) {
          sum += Long.parseLong(stat.substring(0, stat.indexOf(' ')));
        }
      }
    }
    if (threads == 0) {
      throw new IOException("no threads in " + tasks);
    }
    return sum;
  }

  private static boolean isJit(String threadName) {
    return threadName.startsWith("C1 CompilerThre") || threadName.startsWith("C2 CompilerThre");
  }

  /** USER_HZ, the unit of the CPU times in /proc on Linux: 100 on every architecture it runs on. */
  private static final double TICKS_PER_SECOND = 100;

  /** utime + stime of a /proc stat file (fields 14 and 15; the name in field 2 may hold spaces). */
  private static long ticks(Path stat) throws IOException {
    String text = Files.readString(stat);
    String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ", -1);
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }

  /** The CPU ticks of the JIT compiler threads alive now. */
  private static long jitTicks(Path tasks) throws IOException {
    long sum = 0;
    try (var threads = Files.list(tasks)) {
      for (Path task : (Iterable<Path>) threads::iterator) {
        try {
          if (isJit(Files.readString(task.resolve("comm")).strip())) {
            sum += ticks(task.resolve("stat"));
          }
        } catch (IOException e) {
          // the thread ended meanwhile
        }
      }
    }
    return sum;
  }

  /**
   * The staged server's counts of 503s and of 503s held by pacing, read from its status page.
   *
   * @return {shed, paced}, or an empty array if the server has no such counters (a baseline) or did
   *     not answer within 5 s
   */
  long[] shedAndPaced() {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(5_000);
      socket
          .getOutputStream()
          .write(
              "GET /_seda.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                  .getBytes(StandardCharsets.ISO_8859_1));
      String page = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      Matcher m = SHED_AND_PACED.matcher(page);
      return m.find()
          ? new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))}
          : new long[0];
    } catch (IOException e) {
      return new long[0];
    }
  }

  private static final Pattern SHED_AND_PACED =
      Pattern.compile("shed 503 (\\d+) \\(paced (\\d+)\\)");

  /** Kills the server at once (SIGKILL), for a server whose requests need not be answered. */
  void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(STOP_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The CPU time this JVM (the load generator) has used so far.
   *
   * @return seconds of CPU, or NaN where the platform does not report it
   */
  static double ownCpuSeconds() {
    return ProcessHandle.current()
        .info()
        .totalCpuDuration()
        .map(d -> d.toNanos() / 1e9)
        .orElse(Double.NaN);
  }

  private String tail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /**
   * Stops the server: SIGTERM, then SIGKILL if it has not ended within 30 s. If interrupted while
   * waiting, kills it at once and keeps the interrupt.
   */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(STOP_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(STOP_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
