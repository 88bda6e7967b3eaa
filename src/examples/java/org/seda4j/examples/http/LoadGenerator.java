package org.seda4j.examples.http;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A closed-loop HTTP/1.1 load generator for loopback benchmarks that, unlike wrk, counts
 * completions per connection, so it can report Jain's fairness index over connections. Each
 * connection is a virtual thread with a keep-alive socket that sends a GET, reads the whole
 * response, and sends the next (reconnecting after "Connection: close" or an error), for a bounded
 * time.
 *
 * <pre>
 * LoadGenerator PORT CONNECTIONS SECONDS WARMUP_SECONDS PATH[,PATH...]|many:N [retry-after]
 * </pre>
 *
 * With {@code retry-after}, a connection that gets a 503 waits the Retry-After seconds before its
 * next request (a polite client); without it, it asks again at once (the worst case).
 *
 * <p>Prints one line: {@code RESULT key=value ...} with 2xx/s, 503/s, other and errors, latency
 * percentiles of 2xx and of 503 responses, and Jain's index J = (sum x)^2 / (n * sum x^2) over the
 * connections' 2xx counts (1 = perfectly even; 1/n = one connection got everything).
 */
public final class LoadGenerator {

  private LoadGenerator() {}

  /** One connection's results over the measured window. */
  private static final class Tally {
    long ok;
    long shed;
    long other;
    long errors;
    long[] okNanos = new long[1024];
    int okCount;
    long[] shedNanos = new long[256];
    int shedCount;

    void ok(long nanos) {
      ok++;
      if (okCount == okNanos.length) {
        okNanos = Arrays.copyOf(okNanos, okCount * 2);
      }
      okNanos[okCount++] = nanos;
    }

    void shed(long nanos) {
      shed++;
      if (shedCount == shedNanos.length) {
        shedNanos = Arrays.copyOf(shedNanos, shedCount * 2);
      }
      shedNanos[shedCount++] = nanos;
    }
  }

  /**
   * Runs the load and prints the result line.
   *
   * @param args PORT CONNECTIONS SECONDS WARMUP_SECONDS PATHS
   * @throws Exception if the run fails
   */
  public static void main(String[] args) throws Exception {
    if (args.length < 5
        || args.length > 6
        || (args.length == 6 && !args[5].equals("retry-after"))) {
      System.err.println(
          "usage: LoadGenerator PORT CONNECTIONS SECONDS WARMUP_SECONDS PATH[,PATH...]|many:N"
              + " [retry-after]");
      System.exit(2);
    }
    int port = Integer.parseInt(args[0]);
    int connections = Integer.parseInt(args[1]);
    Duration measure = Duration.ofSeconds(Long.parseLong(args[2]));
    Duration warmup = Duration.ofSeconds(Long.parseLong(args[3]));
    List<String> paths = new ArrayList<>();
    if (args[4].startsWith("many:")) {
      int n = Integer.parseInt(args[4].substring(5));
      for (int i = 0; i < n; i++) {
        paths.add(String.format(Locale.ROOT, "/many/%05d.html", i));
      }
    } else {
      paths.addAll(List.of(args[4].split(",", -1)));
    }
    System.out.println(run(port, connections, measure, warmup, paths, args.length == 6));
  }

  /**
   * Runs the load against 127.0.0.1 and returns the result line.
   *
   * @param port the server's port
   * @param connections concurrent connections
   * @param measure the measured window
   * @param warmup load before the window, not counted
   * @param paths the paths; each connection walks them from a random start
   * @param honourRetryAfter whether a 503 makes the connection wait its Retry-After
   * @return the {@code RESULT ...} line
   * @throws InterruptedException if interrupted while waiting for the connections
   */
  static String run(
      int port,
      int connections,
      Duration measure,
      Duration warmup,
      List<String> paths,
      boolean honourRetryAfter)
      throws InterruptedException {
    long start = System.nanoTime();
    long measureFrom = start + warmup.toNanos();
    long deadline = measureFrom + measure.toNanos();
    Tally[] tallies = new Tally[connections];
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < connections; i++) {
        Tally tally = new Tally();
        tallies[i] = tally;
        threads.execute(() -> drive(port, paths, measureFrom, deadline, honourRetryAfter, tally));
      }
    }
    double seconds = measure.toNanos() / 1e9;
    long ok = 0;
    long shed = 0;
    long other = 0;
    long errors = 0;
    double sum = 0;
    double sumSquares = 0;
    long min = Long.MAX_VALUE;
    long max = 0;
    List<long[]> okLatencies = new ArrayList<>();
    List<long[]> shedLatencies = new ArrayList<>();
    for (Tally t : tallies) {
      ok += t.ok;
      shed += t.shed;
      other += t.other;
      errors += t.errors;
      sum += t.ok;
      sumSquares += (double) t.ok * t.ok;
      min = Math.min(min, t.ok);
      max = Math.max(max, t.ok);
      okLatencies.add(Arrays.copyOf(t.okNanos, t.okCount));
      shedLatencies.add(Arrays.copyOf(t.shedNanos, t.shedCount));
    }
    double jain = sumSquares == 0 ? 0 : (sum * sum) / (connections * sumSquares);
    long[] okAll = concat(okLatencies);
    long[] shedAll = concat(shedLatencies);
    return String.format(
        Locale.ROOT,
        "RESULT connections=%d seconds=%.0f ok_per_s=%.0f shed_per_s=%.0f other=%d errors=%d"
            + " ok_p50_ms=%.2f ok_p99_ms=%.2f ok_max_ms=%.2f shed_p99_ms=%.2f jain=%.3f"
            + " per_conn_min=%d per_conn_max=%d",
        connections,
        seconds,
        ok / seconds,
        shed / seconds,
        other,
        errors,
        percentile(okAll, 0.50),
        percentile(okAll, 0.99),
        percentile(okAll, 1.0),
        percentile(shedAll, 0.99),
        jain,
        min,
        max);
  }

  private static long[] concat(List<long[]> parts) {
    long[] all = new long[parts.stream().mapToInt(p -> p.length).sum()];
    int at = 0;
    for (long[] p : parts) {
      System.arraycopy(p, 0, all, at, p.length);
      at += p.length;
    }
    Arrays.sort(all);
    return all;
  }

  private static double percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return 0;
    }
    int index = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
    return sorted[Math.max(0, index)] / 1e6;
  }

  private static void drive(
      int port,
      List<String> paths,
      long measureFrom,
      long deadline,
      boolean honourRetryAfter,
      Tally tally) {
    int next = ThreadLocalRandom.current().nextInt(paths.size());
    while (System.nanoTime() < deadline) {
      try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(30_000);
        InputStream in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
        OutputStream out = socket.getOutputStream();
        boolean open = true;
        while (open && System.nanoTime() < deadline) {
          String path = paths.get(next);
          next = (next + 1) % paths.size();
          long sent = System.nanoTime();
          out.write(
              ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
          int status = readResponse(in);
          long done = System.nanoTime();
          open = status > 0;
          int code = Math.abs(status);
          if (done >= measureFrom && done < deadline) {
            if (code >= 200 && code < 300) {
              tally.ok(done - sent);
            } else if (code == 503) {
              tally.shed(done - sent);
            } else {
              tally.other++;
            }
          }
          if (code == 503 && honourRetryAfter) {
            // The servers send "Retry-After: 1"; a polite client waits that long (not beyond the
            // end of the run).
            long wait = Math.min(1_000_000_000L, deadline - System.nanoTime());
            if (wait > 0) {
              try {
                Thread.sleep(Duration.ofNanos(wait));
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
              }
            }
          }
        }
      } catch (IOException e) {
        long now = System.nanoTime();
        if (now >= measureFrom && now < deadline) {
          tally.errors++;
        }
      }
    }
  }

  /** Reads one response; returns its status, negated if the server closes the connection. */
  private static int readResponse(InputStream in) throws IOException {
    String statusLine = readLine(in);
    if (statusLine.length() < 12 || !statusLine.startsWith("HTTP/1.")) {
      throw new IOException("bad status line: " + statusLine);
    }
    int status = Integer.parseInt(statusLine.substring(9, 12));
    long length = -1;
    boolean close = false;
    while (true) {
      String line = readLine(in);
      if (line.isEmpty()) {
        break;
      }
      String lower = line.toLowerCase(Locale.ROOT);
      if (lower.startsWith("content-length:")) {
        length = Long.parseLong(lower.substring(15).trim());
      } else if (lower.startsWith("connection:") && lower.contains("close")) {
        close = true;
      }
    }
    if (length < 0) {
      throw new IOException("no Content-Length");
    }
    in.skipNBytes(length); // EOFException if the body is short
    return close ? -status : status;
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder(64);
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed");
      }
      if (b == '\n') {
        int n = line.length();
        return n > 0 && line.charAt(n - 1) == '\r' ? line.substring(0, n - 1) : line.toString();
      }
      line.append((char) b);
    }
  }
}
