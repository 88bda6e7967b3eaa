package org.seda4j.examples.http;

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
 * completions per client, so it can report Jain's fairness index over clients. Each client is a
 * virtual thread with a keep-alive socket that sends a GET, reads the whole response, and sends the
 * next (reconnecting after "Connection: close" or an error), for a bounded time and a bounded
 * number of requests.
 *
 * <pre>
 * LoadGenerator PORT CONNECTIONS SECONDS WARMUP_SECONDS PATH[,PATH...]|many:N [retry-after]
 * </pre>
 *
 * With {@code retry-after}, a client that gets a 503 waits the Retry-After seconds before its next
 * request (a polite client); without it, it asks again at once (the worst case).
 *
 * <p>Prints one line: {@code RESULT key=value ...} with 2xx/s, 503/s, other and errors, latency
 * percentiles of 2xx and of 503 responses, and Jain's index J = (sum x)^2 / (n * sum x^2) over the
 * clients' 2xx counts in the measured window (1 = perfectly even; 1/n = one client got everything).
 *
 * <p>The generator shares the cores with the server on loopback, so it is written to cost little
 * per request: each request's bytes are built once, and responses are parsed in place from the
 * client's own buffer, without a string per line.
 */
public final class LoadGenerator {

  /** The most requests one client sends per second of its run, whatever the server answers. */
  private static final long MAX_REQUESTS_PER_CLIENT_SECOND = 100_000;

  /** How long a client waits for a response beyond the end of the run before it gives up. */
  private static final Duration GRACE = Duration.ofSeconds(5);

  private LoadGenerator() {}

  /** What a client does after a 503. */
  enum OnShed {
    /** Waits the response's Retry-After (1 s from these servers) before its next request. */
    WAIT_RETRY_AFTER("retry-after"),
    /** Sends its next request at once. */
    RETRY_AT_ONCE("retry-at-once");

    private final String id;

    OnShed(String id) {
      this.id = id;
    }

    /**
     * The name used in reports and verdict lines.
     *
     * @return {@code retry-after} or {@code retry-at-once}
     */
    String id() {
      return id;
    }
  }

  /**
   * The load's shape.
   *
   * @param port the server's port on 127.0.0.1
   * @param clients concurrent clients, each with at most one request outstanding
   * @param warmup load before the measured window, not counted
   * @param measure the measured window
   * @param paths the paths; each client walks them from a random start
   * @param onShed what a client does after a 503
   */
  record Load(
      int port, int clients, Duration warmup, Duration measure, List<String> paths, OnShed onShed) {
    Load {
      if (clients < 1 || paths.isEmpty() || !measure.isPositive() || warmup.isNegative()) {
        throw new IllegalArgumentException(
            "at least one client and one path, a positive window and a warm-up >= 0");
      }
      paths = List.copyOf(paths);
    }
  }

  /**
   * What the measured window saw: responses completed inside it.
   *
   * @param clients the clients
   * @param seconds the window's length
   * @param ok 2xx responses
   * @param shed 503 responses
   * @param other responses with any other status
   * @param errors failed connections (refused, reset, closed in the middle of a response)
   * @param okP50Millis 2xx latency, median (from the request's first byte sent to its response's
   *     last byte read)
   * @param okP99Millis 2xx latency, 99th percentile
   * @param okMaxMillis 2xx latency, the largest
   * @param shedP99Millis 503 latency, 99th percentile
   * @param jain Jain's index over the clients' 2xx counts (0 if there were none)
   * @param perClientMin the fewest 2xx one client got
   * @param perClientMax the most 2xx one client got
   * @param clientsWithoutOk clients that got no 2xx at all
   * @param topTenthShare the share of all 2xx that went to the tenth of the clients served most
   */
  record Result(
      int clients,
      double seconds,
      long ok,
      long shed,
      long other,
      long errors,
      double okP50Millis,
      double okP99Millis,
      double okMaxMillis,
      double shedP99Millis,
      double jain,
      long perClientMin,
      long perClientMax,
      int clientsWithoutOk,
      double topTenthShare) {

    double okPerSecond() {
      return ok / seconds;
    }

    double shedPerSecond() {
      return shed / seconds;
    }

    /**
     * The result as one line of {@code key=value} pairs.
     *
     * @return {@code RESULT ...}
     */
    String line() {
      return String.format(
          Locale.ROOT,
          "RESULT connections=%d seconds=%.0f ok_per_s=%.0f shed_per_s=%.0f other=%d errors=%d"
              + " ok_p50_ms=%.2f ok_p99_ms=%.2f ok_max_ms=%.2f shed_p99_ms=%.2f jain=%.3f"
              + " per_conn_min=%d per_conn_max=%d conns_without_2xx=%d top_tenth_share=%.3f",
          clients,
          seconds,
          okPerSecond(),
          shedPerSecond(),
          other,
          errors,
          okP50Millis,
          okP99Millis,
          okMaxMillis,
          shedP99Millis,
          jain,
          perClientMin,
          perClientMax,
          clientsWithoutOk,
          topTenthShare);
    }
  }

  /** Called by the generator at the edges of the measured window, on a thread of its own. */
  interface WindowListener {
    /** The measured window starts. */
    void windowStarts();

    /** The measured window ends (clients may still be finishing their last request). */
    void windowEnds();

    /** Does nothing. */
    WindowListener NONE =
        new WindowListener() {
          @Override
          public void windowStarts() {}

          @Override
          public void windowEnds() {}
        };
  }

  /** One client's results over the measured window. */
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
   * @param args PORT CONNECTIONS SECONDS WARMUP_SECONDS PATHS [retry-after]
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
    Load load =
        new Load(
            Integer.parseInt(args[0]),
            Integer.parseInt(args[1]),
            Duration.ofSeconds(Long.parseLong(args[3])),
            Duration.ofSeconds(Long.parseLong(args[2])),
            paths(args[4]),
            args.length == 6 ? OnShed.WAIT_RETRY_AFTER : OnShed.RETRY_AT_ONCE);
    System.out.println(run(load, WindowListener.NONE).line());
  }

  /**
   * The paths a {@code PATH[,PATH...]} or {@code many:N} argument names.
   *
   * @param spec the argument
   * @return the paths
   */
  static List<String> paths(String spec) {
    List<String> paths = new ArrayList<>();
    if (spec.startsWith("many:")) {
      int n = Integer.parseInt(spec.substring(5));
      for (int i = 0; i < n; i++) {
        paths.add(String.format(Locale.ROOT, "/many/%05d.html", i));
      }
    } else {
      paths.addAll(List.of(spec.split(",", -1)));
    }
    return paths;
  }

  /**
   * Runs the load against 127.0.0.1 and waits until every client has stopped.
   *
   * @param load the load
   * @param listener told when the measured window starts and ends
   * @return what the measured window saw
   * @throws InterruptedException if interrupted while waiting for the clients
   */
  static Result run(Load load, WindowListener listener) throws InterruptedException {
    List<byte[]> requests = new ArrayList<>(load.paths().size());
    for (String path : load.paths()) {
      requests.add(
          ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
    }
    long start = System.nanoTime();
    long measureFrom = start + load.warmup().toNanos();
    long deadline = measureFrom + load.measure().toNanos();
    long maxRequests =
        MAX_REQUESTS_PER_CLIENT_SECOND
            * Math.max(1, load.warmup().plus(load.measure()).toSeconds() + 1);
    Tally[] tallies = new Tally[load.clients()];
    // A platform thread keeps the window's edges on time while the clients keep the carriers busy.
    Thread clock =
        Thread.ofPlatform()
            .daemon()
            .name("load-window")
            .start(
                () -> {
                  if (sleepUntil(measureFrom)) {
                    listener.windowStarts();
                    if (sleepUntil(deadline)) {
                      listener.windowEnds();
                    }
                  }
                });
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < load.clients(); i++) {
        Tally tally = new Tally();
        tallies[i] = tally;
        threads.execute(() -> drive(load, requests, measureFrom, deadline, maxRequests, tally));
      }
    } finally {
      clock.interrupt();
      clock.join();
    }
    return summarise(tallies, load.measure().toNanos() / 1e9);
  }

  /** Sleeps until {@code nanoTime} reaches the instant; false if interrupted. */
  private static boolean sleepUntil(long instant) {
    try {
      long left;
      while ((left = instant - System.nanoTime()) > 0) {
        Thread.sleep(Duration.ofNanos(left));
      }
      return true;
    } catch (InterruptedException e) {
      return false;
    }
  }

  private static Result summarise(Tally[] tallies, double seconds) {
    long ok = 0;
    long shed = 0;
    long other = 0;
    long errors = 0;
    double sum = 0;
    double sumSquares = 0;
    long min = Long.MAX_VALUE;
    long max = 0;
    int without = 0;
    long[] perClient = new long[tallies.length];
    List<long[]> okLatencies = new ArrayList<>();
    List<long[]> shedLatencies = new ArrayList<>();
    for (int i = 0; i < tallies.length; i++) {
      Tally t = tallies[i];
      ok += t.ok;
      shed += t.shed;
      other += t.other;
      errors += t.errors;
      sum += t.ok;
      sumSquares += (double) t.ok * t.ok;
      min = Math.min(min, t.ok);
      max = Math.max(max, t.ok);
      without += t.ok == 0 ? 1 : 0;
      perClient[i] = t.ok;
      okLatencies.add(Arrays.copyOf(t.okNanos, t.okCount));
      shedLatencies.add(Arrays.copyOf(t.shedNanos, t.shedCount));
    }
    double jain = sumSquares == 0 ? 0 : (sum * sum) / (tallies.length * sumSquares);
    Arrays.sort(perClient);
    int tenth = Math.max(1, tallies.length / 10);
    long top = 0;
    for (int i = perClient.length - tenth; i < perClient.length; i++) {
      top += perClient[i];
    }
    long[] okAll = concat(okLatencies);
    long[] shedAll = concat(shedLatencies);
    return new Result(
        tallies.length,
        seconds,
        ok,
        shed,
        other,
        errors,
        percentile(okAll, 0.50),
        percentile(okAll, 0.99),
        percentile(okAll, 1.0),
        percentile(shedAll, 0.99),
        jain,
        min,
        max,
        without,
        ok == 0 ? 0 : (double) top / ok);
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
      Load load,
      List<byte[]> requests,
      long measureFrom,
      long deadline,
      long maxRequests,
      Tally tally) {
    int next = ThreadLocalRandom.current().nextInt(requests.size());
    long sentRequests = 0;
    ResponseReader reader = new ResponseReader();
    while (System.nanoTime() < deadline && sentRequests < maxRequests) {
      try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), load.port())) {
        socket.setTcpNoDelay(true);
        // No read outlives the run by more than the grace period.
        socket.setSoTimeout(
            (int) Math.max(1, (deadline - System.nanoTime() + GRACE.toNanos()) / 1_000_000));
        reader.reset(socket.getInputStream());
        OutputStream out = socket.getOutputStream();
        boolean open = true;
        while (open && System.nanoTime() < deadline && sentRequests < maxRequests) {
          byte[] request = requests.get(next);
          next = (next + 1) % requests.size();
          long sent = System.nanoTime();
          sentRequests++;
          out.write(request);
          int status = reader.read();
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
          if (code == 503 && load.onShed() == OnShed.WAIT_RETRY_AFTER) {
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

  /**
   * Reads responses from one connection into its own buffer and parses them in place: the status
   * code, Content-Length and "Connection: close"; the body is skipped. One per client, reused
   * across its connections.
   */
  static final class ResponseReader {
    private final byte[] buf = new byte[16 * 1024];
    private int start;
    private int end;
    private InputStream in = InputStream.nullInputStream();

    void reset(InputStream input) {
      this.in = input;
      start = 0;
      end = 0;
    }

    /**
     * Reads one response.
     *
     * @return its status, negated if the server closes the connection after it
     * @throws IOException on a malformed response or a failed connection
     */
    int read() throws IOException {
      int headEnd;
      while ((headEnd = endOfHead()) < 0) {
        if (start > 0) {
          System.arraycopy(buf, start, buf, 0, end - start);
          end -= start;
          start = 0;
        }
        if (end == buf.length) {
          throw new IOException("response head larger than " + buf.length + " bytes");
        }
        fill();
      }
      if (headEnd - start < 12 || !startsWith(start, "HTTP/1.")) {
        throw new IOException("bad status line");
      }
      int status = digits(start + 9, start + 12);
      long length = -1;
      boolean close = false;
      int line = nextLine(start);
      while (line < headEnd - 2) {
        int lineEnd = nextLine(line);
        if (startsWithIgnoreCase(line, "content-length:")) {
          length = number(line + 15, lineEnd);
        } else if (startsWithIgnoreCase(line, "connection:")) {
          close |= containsIgnoreCase(line + 11, lineEnd, "close");
        }
        line = lineEnd;
      }
      if (length < 0) {
        throw new IOException("no Content-Length");
      }
      start = headEnd;
      long skip = length;
      while (skip > 0) {
        if (start == end) {
          start = 0;
          end = 0;
          fill();
        }
        int n = (int) Math.min(skip, end - start);
        start += n;
        skip -= n;
      }
      return close ? -status : status;
    }

    private void fill() throws IOException {
      int n = in.read(buf, end, buf.length - end);
      if (n < 0) {
        throw new IOException("connection closed");
      }
      end += n;
    }

    /** The index after the CRLF CRLF that ends the head, or -1. */
    private int endOfHead() {
      for (int i = start + 3; i < end; i++) {
        if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r') {
          return i + 1;
        }
      }
      return -1;
    }

    /** The index after the next LF at or after {@code from}. */
    private int nextLine(int from) {
      int i = from;
      while (i < end && buf[i] != '\n') {
        i++;
      }
      return i + 1;
    }

    private boolean startsWith(int at, String prefix) {
      for (int i = 0; i < prefix.length(); i++) {
        if (at + i >= end || buf[at + i] != prefix.charAt(i)) {
          return false;
        }
      }
      return true;
    }

    private boolean startsWithIgnoreCase(int at, String lowerPrefix) {
      for (int i = 0; i < lowerPrefix.length(); i++) {
        if (at + i >= end || Character.toLowerCase((char) buf[at + i]) != lowerPrefix.charAt(i)) {
          return false;
        }
      }
      return true;
    }

    private boolean containsIgnoreCase(int from, int to, String lowerWord) {
      for (int i = from; i + lowerWord.length() <= to; i++) {
        if (startsWithIgnoreCase(i, lowerWord)) {
          return true;
        }
      }
      return false;
    }

    private int digits(int from, int to) throws IOException {
      int value = 0;
      for (int i = from; i < to; i++) {
        int d = buf[i] - '0';
        if (d < 0 || d > 9) {
          throw new IOException("bad status code");
        }
        value = value * 10 + d;
      }
      return value;
    }

    private long number(int from, int to) throws IOException {
      long value = 0;
      boolean any = false;
      for (int i = from; i < to; i++) {
        byte b = buf[i];
        if (b >= '0' && b <= '9') {
          value = value * 10 + (b - '0');
          any = true;
        } else if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
          throw new IOException("bad Content-Length");
        }
      }
      if (!any) {
        throw new IOException("empty Content-Length");
      }
      return value;
    }
  }
}
