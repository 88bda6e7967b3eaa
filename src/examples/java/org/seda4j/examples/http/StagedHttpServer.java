package org.seda4j.examples.http;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.seda4j.DeadLetter;
import org.seda4j.FailurePolicy;
import org.seda4j.FullQueuePolicy;
import org.seda4j.OfferResult;
import org.seda4j.Stage;
import org.seda4j.StageClosedException;
import org.seda4j.StageContext;
import org.seda4j.StageGraph;
import org.seda4j.control.AdmissionController;
import org.seda4j.control.ResponseTarget;
import org.seda4j.examples.http.Connection.Ended;
import org.seda4j.examples.http.Connection.Head;
import org.seda4j.examples.http.Connection.Oversized;
import org.seda4j.examples.http.Connection.TimedOut;
import org.seda4j.examples.http.Events.Accepted;
import org.seda4j.examples.http.Events.Exchange;
import org.seda4j.examples.http.Events.FileGet;
import org.seda4j.examples.http.Events.Persistence;
import org.seda4j.examples.http.Events.Received;
import org.seda4j.examples.http.Events.RequestEvent;
import org.seda4j.examples.http.Events.Response;
import org.seda4j.observe.SnapshotHistory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A staged HTTP/1.1 static-file server: Haboob, the SEDA paper's web server, on seda4j.
 *
 * <pre>
 *  listener ──► accept ──► (one virtual thread per connection reads request heads)
 *                               │ offer: the admission point; a full queue is a 503 at once
 *                               ▼
 *                             parse ──► cache ──(miss)──► file ──┐
 *                               │         │                      │
 *                               └─────────┴──────► write ◄───────┘   errors (dead letters) ─► write
 * </pre>
 *
 * <ul>
 *   <li><b>accept</b>: takes each accepted socket, enforces the connection limit and starts the
 *       connection's reader (one virtual thread per connection, which parks in {@code read()} until
 *       the next request arrives: the JDK's poller does what Haboob's select loop did).
 *   <li><b>parse</b>: parses and routes a request head (an exhaustive switch over {@link
 *       HttpParser.Parsed}). Its bounded queue, with {@link FullQueuePolicy#reject()}, is the
 *       <em>admission point</em>: see {@link #admit}.
 *   <li><b>cache</b>: a bounded LRU cache of file contents; a hit goes to write, a miss to file.
 *   <li><b>file</b>: blocking file I/O on a miss (path checked against the root, symbolic links
 *       resolved); fills the cache.
 *   <li><b>write</b>: writes the response and hands the connection back to its reader (keep-alive)
 *       or closes it.
 *   <li><b>errors</b>: dead letters of parse, cache and file: a handler that threw still gets its
 *       request answered (500).
 * </ul>
 *
 * <p>Each connection has at most one request in the graph at a time (the reader waits for its
 * response before reading the next, so pipelined requests are answered in order). Hence the write
 * stage, sized to the connection limit, can never be full, and no blocking emit can close a cycle.
 * Parse, cache and file block their upstream when full (backpressure inside the graph), so overload
 * anywhere reaches the parse queue and is shed there.
 *
 * <p>Every request is accounted for: each head received ends answered (counted by status) or
 * abandoned (its connection failed first), see {@link #counters()}; the graph's own accounting
 * covers the events. {@link #close()} stops accepting, answers every admitted request, then closes
 * the connections and joins every thread.
 */
public final class StagedHttpServer implements ExampleServer {

  private static final Logger LOG = LoggerFactory.getLogger(StagedHttpServer.class);
  private static final Duration LINGER = Duration.ofSeconds(1);

  /** The Retry-After of a 503. */
  private static final Duration RETRY_AFTER = Duration.ofSeconds(1);

  /**
   * How often the pacer releases the paced 503s that are due ({@link
   * ServerConfig.Wakeups#BATCHED}): a held 503 goes out at most this much after its time.
   */
  static final Duration PACER_TICK = Duration.ofMillis(10);

  /**
   * When the pacer looks a second time for the next request after a 503 that was not held, in ticks
   * after the 503 ({@link ServerConfig.Wakeups#HANDED_OFF}): a client that asks again at once but
   * is slower than a tick (a busy machine) would otherwise have its request read only a Retry-After
   * later.
   */
  static final int SLOW_CLIENT_TICKS = 5;

  /**
   * How long the pacer's write of a 503 may take ({@link ServerConfig.Wakeups#HANDED_OFF}) before
   * the sweeper closes the connection: only a client that sends requests and reads no responses can
   * make it wait (once its socket buffers are full), and the pacer serves every shed connection.
   */
  static final Duration WRITE_STALL = Duration.ofSeconds(1);

  private static final byte[] REFUSED =
      String.join(
              "\r\n",
              "HTTP/1.1 503 Service Unavailable",
              "Content-Type: text/plain; charset=utf-8",
              "Content-Length: 29",
              "Retry-After: 1",
              "Connection: close",
              "",
              "503 too many open connections")
          .getBytes(StandardCharsets.ISO_8859_1);

  /**
   * The 503 of a shed request, built once, so that a rejection costs a write and no formatting:
   * indexed by {@link #shedAnswer}. No Date field: RFC 9110 lets an origin server leave it out of
   * 5xx responses, and it is the one field that would change every second.
   */
  private static final byte[][] SHED_ANSWERS = {
    buildShedAnswer(false, false),
    buildShedAnswer(false, true),
    buildShedAnswer(true, false),
    buildShedAnswer(true, true)
  };

  private final ServerConfig config;
  private final ServerStats stats = new ServerStats();
  private final Site site;
  private final HttpParser parser;
  private final StageGraph graph;
  private final Stage<Response> write;
  private final Stage<FileGet> file;
  private final Stage<FileGet> cache;
  private final Stage<Received> parse;
  private final Stage<Accepted> accept;
  private final ServerSocket listener;
  private final ExecutorService connectionThreads =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("http-connection-", 1).factory());
  private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicBoolean closing = new AtomicBoolean();
  private final CountDownLatch closed = new CountDownLatch(1);
  // Counted down when close() starts: readers that pace a 503 stop waiting.
  private final CountDownLatch stopSignal = new CountDownLatch(1);
  private final long startedNanos = System.nanoTime();
  private final Thread listenerThread;
  private final StatusPage statusPage;
  // Releases paced 503s in batches (Wakeups.BATCHED with a pace), else null.
  private final @Nullable Pacer pacer;
  // Closes connections idle longer than the idle timeout (Wakeups.SWEPT, BATCHED), else null.
  private final @Nullable Thread sweeper;
  private volatile boolean stopping;
  // The connection the pacer is writing a 503 to, and since when (HANDED_OFF), for the sweeper.
  private volatile @Nullable Connection pacerWriting;
  private volatile long pacerWritingSince;

  private StagedHttpServer(ServerConfig config) throws IOException {
    this.config = config;
    this.site =
        new Site(
            config.root(),
            new FileCache(config.cacheBytes()),
            config.maxCachedFileBytes(),
            config.disk());
    this.parser = new HttpParser(config.maxHeaders(), config.maxBodyBytes());
    this.graph = StageGraph.open("http");
    try {
      // Created from the end of the pipeline to its start: a handler emits only to stages that
      // exist. The status page shows them in pipeline order.
      write =
          graph
              .stage("write", Response.class)
              // One response per connection at a time: a queue slot for every connection means
              // write never blocks an emitter. One response per handler call: a slow client's
              // blocking write holds one permit, not the responses of a batch, and the default
              // concurrency controller adds permits while responses wait with every permit busy.
              // (A permit for every connection would make the stage start a thread per response.)
              .capacity(config.maxConnections())
              .batchSize(1)
              .handler(this::writeResponse);
      Stage<DeadLetter> errors =
          graph.stage("errors", DeadLetter.class).capacity(1024).handler(this::answerFailure);
      file =
          configure(graph.stage("file", FileGet.class), config.file())
              .onFailure(FailurePolicy.deadLetter(errors))
              .handler(this::readFile);
      cache =
          configure(graph.stage("cache", FileGet.class), config.cache())
              .onFailure(FailurePolicy.deadLetter(errors))
              .handler(this::lookUp);
      Stage.Builder<Received> parseBuilder =
          configure(graph.stage("parse", Received.class), config.parse())
              .onFull(FullQueuePolicy.reject())
              .onFailure(FailurePolicy.deadLetter(errors));
      if (config.responseTarget().isPositive()) {
        // Admission control: shed early, by the measured end-to-end response time (parse to the
        // response written), before queues and latency grow; the full queue stays a backstop.
        // Fair by connection: under overload the connection answered most recently is shed
        // first, so one that was just shed is not crowded out by one that comes straight back.
        parseBuilder.admission(
            AdmissionController.responseTime(
                ResponseTarget.builder(config.responseTarget())
                    .path(write)
                    .<Received>fairBy(r -> r.exchange().connection())
                    .build()));
      }
      parse = parseBuilder.handler(this::parseAndRoute);
      accept = graph.stage("accept", Accepted.class).capacity(256).handler(this::setUp);
      listener = new ServerSocket();
      listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), config.port()), 1024);
    } catch (IOException | RuntimeException e) {
      graph.close();
      connectionThreads.close();
      throw e;
    }
    this.statusPage = new StatusPage(graph, stats, site, startedNanos);
    this.pacer =
        (config.wakeups() == ServerConfig.Wakeups.BATCHED
                    || config.wakeups() == ServerConfig.Wakeups.PROBED_READS
                    || config.wakeups() == ServerConfig.Wakeups.HANDED_OFF)
                && config.shedPace().isPositive()
            ? new Pacer("http-pacer", PACER_TICK)
            : null;
    this.sweeper =
        config.wakeups() == ServerConfig.Wakeups.TIMERS
            ? null
            : Thread.ofPlatform().name("http-idle-sweeper").daemon().start(this::sweepIdle);
    this.listenerThread = Thread.ofVirtual().name("http-listener").start(this::listen);
  }

  /**
   * Starts a server: binds 127.0.0.1 on the configured port and serves until {@link #close()}.
   *
   * @param config the settings
   * @return the running server
   * @throws IOException if the root is not a directory or the port cannot be bound
   */
  public static StagedHttpServer start(ServerConfig config) throws IOException {
    return new StagedHttpServer(config);
  }

  private static <E> Stage.Builder<E> configure(
      Stage.Builder<E> builder, ServerConfig.StageSettings settings) {
    builder.capacity(settings.capacity());
    if (settings.permits() > 0) {
      builder.permits(settings.permits());
    }
    return builder;
  }

  /**
   * The port the server listens on.
   *
   * @return the port
   */
  public int port() {
    return listener.getLocalPort();
  }

  /**
   * The server's root URI, {@code http://127.0.0.1:port/}.
   *
   * @return the URI
   */
  @Override
  public URI uri() {
    return URI.create("http://127.0.0.1:" + port() + "/");
  }

  /**
   * The graph of stages, for snapshots and {@link StageGraph#awaitIdle}.
   *
   * @return the graph
   */
  public StageGraph graph() {
    return graph;
  }

  /**
   * The stage whose queue is the admission point.
   *
   * @return the parse stage
   */
  Stage<Received> admissionStage() {
    return parse;
  }

  /**
   * The request and connection accounting now.
   *
   * @return the counters
   */
  ServerStats.Counters counters() {
    return stats.snapshot();
  }

  FileCache.Stats cacheStats() {
    return site.cache().stats();
  }

  /** The status page's samples of the graph (one a second, the last minute). */
  SnapshotHistory statusHistory() {
    return statusPage.history();
  }

  // ---- accept ---------------------------------------------------------------------------------

  private void listen() {
    while (!stopping) {
      Socket socket;
      try {
        socket = listener.accept();
      } catch (IOException e) {
        if (stopping || listener.isClosed()) {
          return;
        }
        LOG.warn("accept failed: {}", e.toString());
        continue;
      }
      try {
        accept.put(new Accepted(socket, System.nanoTime()));
      } catch (StageClosedException | InterruptedException e) {
        closeQuietly(socket);
        return;
      }
    }
  }

  /** The accept stage's handler: limit, then one reader per connection. */
  private void setUp(Accepted accepted, StageContext ctx) {
    Socket socket = accepted.socket();
    boolean refused = stopping;
    if (!refused && open.incrementAndGet() > config.maxConnections()) {
      open.decrementAndGet();
      refused = true;
    }
    if (refused) {
      stats.connectionRefused();
      connectionThreads.execute(() -> refuse(socket));
      return;
    }
    Connection connection;
    try {
      connection = new Connection(socket, config.maxHeadBytes());
    } catch (IOException e) {
      open.decrementAndGet();
      closeQuietly(socket);
      return;
    }
    connections.add(connection);
    stats.connectionAccepted();
    connectionThreads.execute(() -> serve(connection));
  }

  private static void refuse(Socket socket) {
    try {
      socket.getOutputStream().write(REFUSED);
      socket.shutdownOutput();
      socket.setSoTimeout((int) LINGER.toMillis());
      socket.getInputStream().readNBytes(64 * 1024);
    } catch (IOException e) {
      // the client went away: nothing to do
    } finally {
      closeQuietly(socket);
    }
  }

  // ---- the connection's reader -----------------------------------------------------------------

  /** Runs on the connection's own virtual thread: reads request heads until the connection ends. */
  private void serve(Connection c) {
    c.readerStarts();
    // With a sweeper, the wait for the next request has no timer of its own.
    @Nullable Duration idleTimeout = sweeper == null ? config.idleTimeout() : null;
    try {
      boolean goOn = true;
      while (goOn) {
        Connection.HeadResult next =
            c.readHead(config.maxHeadBytes(), idleTimeout, config.headTimeout());
        goOn =
            switch (next) {
              case Head head -> {
                stats.received();
                yield admit(new Received(new Exchange(c, System.nanoTime()), head.text()));
              }
              case Oversized oversized -> {
                stats.received();
                answerAndClose(c, oversized.status(), "the request head is too large");
                yield false;
              }
              case TimedOut timedOut -> {
                stats.received();
                answerAndClose(c, 408, "the request head did not arrive in time");
                yield false;
              }
              case Ended ended -> false;
            };
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      c.close();
      if (connections.remove(c)) {
        open.decrementAndGet();
        stats.connectionClosed();
      }
    }
  }

  /**
   * The admission point: the one place where a request enters the graph or is shed.
   *
   * <p>A request is shed when the parse stage's admission controller refuses it ({@link
   * AdmissionController#responseTime}: the 90th percentile of the time from admission to the
   * response written is held near {@link ServerConfig#responseTarget()}), or when the parse queue
   * is full ({@link FullQueuePolicy#reject()}; {@code offer} never blocks whatever the policy).
   * Either way the rejection lands in one branch: answered 503 with Retry-After, without queueing
   * anywhere, within half a pace (spread, so that clients shed together do not come back together),
   * or a pace after the connection's previous 503 if it asks again sooner (see {@link #shed}). The
   * connection is kept when no request body can follow (HTTP/1.1, no Content-Length or
   * Transfer-Encoding, no "Connection: close"), so a shed client costs one short response, not a
   * reconnect.
   *
   * @param received the request head
   * @return whether the connection goes on to its next request
   * @throws InterruptedException if interrupted while waiting for the response to be written
   */
  private boolean admit(Received received) throws InterruptedException {
    return afterOffer(received, parse.offer(received));
  }

  /** The reader's part once a request was offered (by the reader, or by the pacer for it). */
  private boolean afterOffer(Received received, OfferResult result) throws InterruptedException {
    Connection c = received.exchange().connection();
    return switch (result) {
      case OfferResult.Accepted accepted -> {
        if (c.awaitTurn()) {
          yield true;
        }
        if (!stopping) {
          c.closeGracefully(LINGER);
        }
        yield false;
      }
      case OfferResult.Rejected rejected -> shed(received);
      // Not under reject(), but answered all the same if a drop policy is ever configured.
      case OfferResult.Dropped dropped -> shed(received);
      case OfferResult.Closed closedStage -> {
        answerAndClose(c, 503, "the server is shutting down");
        yield false;
      }
    };
  }

  /**
   * Answers a request the admission point refused: a 503 with Retry-After from bytes built once (no
   * parsing, no formatting, no response object), counted as shed and answered.
   *
   * <p><b>Pacing.</b> A client that ignores Retry-After sends its next request the moment its 503
   * arrives; with many such clients on the same cores, answering rejections at loopback speed takes
   * the CPU from the requests that were admitted, and goodput collapses. So when a connection that
   * got a 503 less than {@link ServerConfig#shedPace()} ago is shed again, its 503 waits until the
   * pace has passed since that previous 503 (a random half to whole pace, so that connections shed
   * together do not come back together). A parked virtual thread costs no CPU, and the client,
   * which waits for its response, sends nothing meanwhile: a connection that retries at once gets
   * at most two 503s per pace, and TCP does the pushing back. The request was still offered to the
   * admission point when it arrived, so a connection that comes back when there is room is admitted
   * at once, however recently it was shed; only the answer "no" is slowed down. Closing such
   * connections instead would trade each rejection for a reconnect, which costs the server more
   * than a 503.
   *
   * <p><b>Spread.</b> Any other 503 (with pacing on) waits a random part of half a Retry-After
   * ({@link #spreadWait}): clients that wait their Retry-After and were shed in the same burst
   * would otherwise come back in the same burst, again and again, and leave the stages idle in
   * between. A client that waits its Retry-After is never held for the pace.
   *
   * <p><b>Wake-ups.</b> What a 503 costs is mostly the wake-ups around it, not building it
   * (docs/http-overload.md, "Where a 503's CPU goes"), so how the reader waits is a setting of its
   * own ({@link ServerConfig#wakeups()}). By default ({@link ServerConfig.Wakeups#HANDED_OFF}) the
   * reader of a connection that stays open hands it to the pacer and parks: the pacer writes the
   * 503 when it is due ({@link #answerHandedOff}), looks for the next request a tick later and, if
   * nothing is there, a Retry-After later ({@link #probeHandedOff}), reads and offers it, and
   * answers it in turn if it is refused; the reader wakes only when a request of its connection is
   * admitted, or one comes that the pacer leaves to it. The price: a request that follows a 503 is
   * read up to two ticks ({@link #PACER_TICK}) after it arrived.
   *
   * @param received the refused request
   * @return whether the connection goes on to its next request
   */
  private boolean shed(Received received) throws InterruptedException {
    String head = received.head();
    if (HttpParser.isStatusRequest(head)) {
      // The status page is exempt: under overload is when it is needed. Rendered right here.
      return answerStatusDirectly(received);
    }
    Connection c = received.exchange().connection();
    stats.shed();
    boolean keep = !stopping && HttpParser.keepsConnectionWhenShed(head);
    byte[] answer = SHED_ANSWERS[shedAnswer(!keep, head.startsWith("HEAD "))];
    long now = System.nanoTime();
    long paced = paceWait(c, now);
    if (paced > 0) {
      stats.paced();
    }
    long wait = paced > 0 ? paced : spreadWait();
    Pacer p = pacer;
    if (keep && p != null && config.wakeups() == ServerConfig.Wakeups.HANDED_OFF) {
      c.skipNext(0);
      c.handOff();
      boolean headOnly = head.startsWith("HEAD ");
      p.at(now + wait, () -> answerHandedOff(c, headOnly, paced > 0, p));
      return resume(c);
    }
    if (wait > 0) {
      hold(now, wait);
    }
    // Stamped before the write, so that the client, which can only read the 503 after this, and
    // then waits its Retry-After, always comes back after the pace: a polite client is never held.
    c.shedAnswered(System.nanoTime());
    try {
      c.write(answer, 0, answer.length);
    } catch (IOException e) {
      c.close();
      stats.abandoned();
      return false;
    }
    stats.answered(503);
    if (keep) {
      c.skipNext(0);
      if (p != null && config.wakeups() == ServerConfig.Wakeups.PROBED_READS && !stopping) {
        pauseReading(c, p, paced > 0);
      }
      return true;
    }
    c.closeGracefully(LINGER);
    return false;
  }

  // ---- shed connections handed off to the pacer (Wakeups.HANDED_OFF) ---------------------------

  /** What the pacer hands back to a reader. */
  private sealed interface Resumption extends Connection.HandBack
      permits ReadOn, Gone, AnswerIt, Offered {}

  /** Read the next request from the socket, as after any response. */
  private record ReadOn() implements Resumption {}

  /** The connection failed while the pacer wrote to it, and is closed. */
  private record Gone() implements Resumption {}

  /**
   * The server is closing: answer the shed request yourself, and close.
   *
   * @param headOnly whether the request was a HEAD
   */
  private record AnswerIt(boolean headOnly) implements Resumption {}

  /**
   * The pacer read a request and offered it: the reader takes it from there (an admitted request,
   * or one the pacer does not answer itself).
   */
  private record Offered(Received received, OfferResult result) implements Resumption {}

  private static final ReadOn READ_ON = new ReadOn();
  private static final Gone GONE = new Gone();

  /**
   * The reader's side of a hand-off: parks until the pacer hands the connection back, then goes on
   * from there.
   *
   * @return whether the connection goes on to its next request
   */
  private boolean resume(Connection c) throws InterruptedException {
    return switch ((Resumption) c.awaitHandBack()) {
      case ReadOn readOn -> true;
      case Gone gone -> false;
      case AnswerIt answerIt -> {
        byte[] answer = SHED_ANSWERS[shedAnswer(true, answerIt.headOnly())];
        try {
          c.write(answer, 0, answer.length);
          stats.answered(503);
        } catch (IOException e) {
          stats.abandoned();
        }
        c.closeGracefully(Duration.ofMillis(1));
        yield false;
      }
      case Offered offered -> afterOffer(offered.received(), offered.result());
    };
  }

  /**
   * On the pacer's thread, when a handed-off connection's 503 is due: writes it (a few hundred
   * bytes into a socket whose client has read its previous response: the write does not wait, and
   * if a client that reads nothing ever makes it wait, the sweeper closes the connection, see
   * {@link #WRITE_STALL}), then looks for the next request a tick later.
   */
  private void answerHandedOff(Connection c, boolean headOnly, boolean paced, Pacer p) {
    pacerWritingSince = System.nanoTime();
    pacerWriting = c;
    try {
      if (stopping) {
        c.handBack(new AnswerIt(headOnly));
        return;
      }
      byte[] answer = SHED_ANSWERS[shedAnswer(false, headOnly)];
      long written = System.nanoTime();
      c.shedAnswered(written); // before the write: see shed()
      try {
        c.write(answer, 0, answer.length);
      } catch (IOException e) {
        c.close();
        stats.abandoned();
        c.handBack(GONE);
        return;
      }
      stats.answered(503);
      // A client that waited its Retry-After after its last 503 is looked for when this one's is
      // over, not at the next tick: looks that find nothing cost a system call each.
      int look = !paced && c.waitsRetryAfter() ? LOOK_AFTER_RETRY_AFTER : 0;
      p.at(written + lookDelay(look), () -> probeHandedOff(c, written, paced, look, p));
    } catch (RuntimeException e) {
      LOG.warn("the pacer failed on {}: {}", c, e.toString());
      c.close();
      stats.abandoned();
      c.handBack(GONE);
    } finally {
      pacerWriting = null;
    }
  }

  /**
   * On the pacer's thread, a tick after a handed-off connection's 503: if the next request is
   * there, reads and offers it; a refused one that can be answered here is answered when its 503 is
   * due ({@link #answerHandedOff}), anything else goes back to the reader. If nothing is there and
   * the client did not ask again at once before (its 503 was not held), it may be slow, or waiting
   * its Retry-After: looks again {@link #SLOW_CLIENT_TICKS} ticks after the 503, then a Retry-After
   * and a tick after it. Else the reader takes the connection back and waits on the socket, as
   * after any response. A client whose request came at that last look waits its Retry-After, so
   * after its next 503 only that look is made ({@link #lookDelay}): should it ask sooner after all,
   * its request is read when the Retry-After it was sent is over.
   */
  private void probeHandedOff(Connection c, long written, boolean paced, int look, Pacer p) {
    try {
      if (stopping) {
        c.handBack(READ_ON);
        return;
      }
      Connection.Head next;
      try {
        next = c.pollHead(config.maxHeadBytes());
      } catch (IOException e) {
        c.handBack(READ_ON); // the reader's read will fail too, and end the connection
        return;
      }
      if (next == null) {
        if (!c.hasBufferedInput() && !paced && look < LOOK_AFTER_RETRY_AFTER) {
          // Nothing there: the client may be slow (a busy machine), or waiting its Retry-After.
          // Look again a few ticks later, then when the Retry-After is over.
          p.at(written + lookDelay(look + 1), () -> probeHandedOff(c, written, false, look + 1, p));
        } else {
          // A head not complete yet, or too large, or still nothing: the reader's business.
          c.handBack(READ_ON);
        }
        return;
      }
      c.askedAgain(look == LOOK_AFTER_RETRY_AFTER);
      String head = next.text();
      stats.received();
      Received received = new Received(new Exchange(c, System.nanoTime()), head);
      OfferResult result = parse.offer(received);
      boolean refused =
          result instanceof OfferResult.Rejected || result instanceof OfferResult.Dropped;
      if (refused
          && !stopping
          && !HttpParser.isStatusRequest(head)
          && HttpParser.keepsConnectionWhenShed(head)) {
        stats.shed();
        boolean headOnly = head.startsWith("HEAD ");
        long now = System.nanoTime();
        long pacedWait = paceWait(c, now);
        if (pacedWait > 0) {
          stats.paced();
        }
        long wait = pacedWait > 0 ? pacedWait : spreadWait();
        p.at(now + wait, () -> answerHandedOff(c, headOnly, pacedWait > 0, p));
        return;
      }
      c.handBack(new Offered(received, result));
    } catch (RuntimeException e) {
      LOG.warn("the pacer failed on {}: {}", c, e.toString());
      c.handBack(READ_ON);
    }
  }

  /**
   * The last of the pacer's looks for the next request after a 503: when its Retry-After is over.
   */
  private static final int LOOK_AFTER_RETRY_AFTER = 2;

  /**
   * When the pacer looks for the next request after a 503 ({@link
   * ServerConfig.Wakeups#HANDED_OFF}), after the 503: look 0 a tick later (a client that asks at
   * once), 1 after {@link #SLOW_CLIENT_TICKS} ticks (one that asks at once on a busy machine),
   * {@link #LOOK_AFTER_RETRY_AFTER} a tick after the Retry-After (one that waits it).
   */
  private static long lookDelay(int look) {
    return switch (look) {
      case 0 -> PACER_TICK.toNanos();
      case 1 -> SLOW_CLIENT_TICKS * PACER_TICK.toNanos();
      default -> RETRY_AFTER.toNanos() + PACER_TICK.toNanos();
    };
  }

  /**
   * After a 503 ({@link ServerConfig.Wakeups#PROBED_READS}): parks the reader until its next read
   * will find the next request there. A tick after the 503 the pacer looks: a client that asks
   * again at once has sent it, and the reader is released to read it; otherwise the reader is
   * released a tick after the Retry-After is over, when a client that waited it has sent it. A
   * connection whose 503 was held (it asked again without waiting before) is released after the
   * first tick whatever the pacer finds: if its client was slower than a tick, the read waits for
   * it on the socket, as without probing, rather than leaving its request unread for a second.
   *
   * @param asksAtOnce whether this 503 was held by the pace
   */
  private void pauseReading(Connection c, Pacer p, boolean asksAtOnce) {
    long written = System.nanoTime();
    long tick = PACER_TICK.toNanos();
    long retryAfter = RETRY_AFTER.toNanos();
    p.hold(
        written + tick,
        release ->
            () -> {
              if (c.hasInput() || stopping || asksAtOnce) {
                // There, or due at any moment from a client that has asked again at once before
                // (this 503 was held) and is only slow: read it as soon as it comes, not a
                // Retry-After later.
                release.run();
              } else {
                p.at(written + retryAfter + tick, release);
              }
            });
  }

  /**
   * How long this connection's 503 must wait for the shed pace to have passed since its previous
   * 503: 0 if it need not.
   */
  private long paceWait(Connection c, long now) {
    long paceNanos = config.shedPace().toNanos();
    if (paceNanos == 0) {
      return 0;
    }
    // Jittered (half the pace to the whole pace): clients shed together would otherwise come back
    // together, a pace later, every pace, and leave the stages idle in between. Never longer than
    // the pace, so a client that waits its Retry-After is never held.
    long jittered = (long) (paceNanos * (0.5 + 0.5 * ThreadLocalRandom.current().nextDouble()));
    return c.nanosUntilNextShed(jittered, now);
  }

  /**
   * How long to hold a 503 that is not paced: a random part of half the Retry-After (of half the
   * pace, if that is shorter). Clients shed in the same instant (a burst that met a full system)
   * would otherwise all come back a Retry-After later in the same instant, find the system full
   * again, and leave it idle until the next such burst: the bursts go on by themselves, since the
   * clients they shed come back together again. Spread over half a Retry-After, they come back
   * spread. 0 without pacing, which answers every 503 at once.
   */
  private long spreadWait() {
    long pace = config.shedPace().toNanos();
    long half = Math.min(pace, RETRY_AFTER.toNanos()) / 2;
    return half == 0 ? 0 : (long) (half * ThreadLocalRandom.current().nextDouble());
  }

  /** Parks the reader for a paced 503. Each way returns at once when the server starts closing. */
  private void hold(long now, long wait) {
    switch (config.wakeups()) {
      case TIMERS -> {
        try {
          stopSignal.await(wait, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          // Answer now; the interrupt stays set for the reader's loop to see.
          Thread.currentThread().interrupt();
        }
      }
      case SWEPT -> {
        // A timer of this reader's own (close() unparks it), not a timed wait on a latch that
        // every held reader shares: cancelling one of a thousand waiters there walks the queue.
        long deadline = now + wait;
        long left;
        while (!stopping
            && !Thread.currentThread().isInterrupted()
            && (left = deadline - System.nanoTime()) > 0) {
          LockSupport.parkNanos(this, left);
        }
      }
      case BATCHED, PROBED_READS, HANDED_OFF -> {
        if (pacer != null && !stopping) {
          pacer.holdUntil(now + wait);
        }
      }
    }
  }

  /** The sweeper's loop: closes the connections that waited for a request too long. */
  private void sweepIdle() {
    long idleNanos = config.idleTimeout().toNanos();
    long period = Math.clamp(idleNanos / 4, 10_000_000L, 1_000_000_000L);
    try {
      while (!stopSignal.await(period, TimeUnit.NANOSECONDS)) {
        long now = System.nanoTime();
        Connection writing = pacerWriting;
        if (writing != null && now - pacerWritingSince > WRITE_STALL.toNanos()) {
          LOG.warn(
              "closing {}: the pacer's write of its 503 waits, its client reads nothing", writing);
          writing.close(); // the write fails, and the pacer goes on
        }
        for (Connection c : connections) {
          if (c.idleLongerThan(idleNanos, now)) {
            c.close(); // its reader's read fails: the connection ends as after an idle timeout
          }
        }
      }
    } catch (InterruptedException e) {
      // closing
    }
  }

  /** The index into {@link #SHED_ANSWERS}. */
  private static int shedAnswer(boolean close, boolean headOnly) {
    return (close ? 2 : 0) + (headOnly ? 1 : 0);
  }

  private static byte[] buildShedAnswer(boolean close, boolean headOnly) {
    byte[] body =
        "503 Service Unavailable\nthe server is overloaded; try again shortly\n"
            .getBytes(StandardCharsets.ISO_8859_1);
    String head =
        "HTTP/1.1 503 Service Unavailable\r\n"
            + "Server: seda4j-example\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\n"
            + "Content-Length: "
            + body.length
            + "\r\n"
            + "Retry-After: 1\r\n"
            + (close ? "Connection: close\r\n" : "")
            + "\r\n";
    byte[] headBytes = head.getBytes(StandardCharsets.ISO_8859_1);
    if (headOnly) {
      return headBytes;
    }
    byte[] all = new byte[headBytes.length + body.length];
    System.arraycopy(headBytes, 0, all, 0, headBytes.length);
    System.arraycopy(body, 0, all, headBytes.length, body.length);
    return all;
  }

  private boolean answerStatusDirectly(Received received) {
    if (!(parser.parse(received.head()) instanceof HttpParser.Status status)) {
      answerAndClose(received.exchange().connection(), 400, "malformed status request");
      return false;
    }
    Response page = statusPage.response(received.exchange(), status);
    boolean close = !page.persistence().keepAlive() || stopping;
    boolean written = Responses.write(page, close, stats);
    if (written && !close) {
      received.exchange().connection().skipNext(page.persistence().skipBytes());
      return true;
    }
    received.exchange().connection().closeGracefully(LINGER);
    return false;
  }

  /** Answers a request on the reader's thread (not admitted) and closes the connection. */
  private void answerAndClose(Connection c, int status, String detail) {
    Response response =
        Responses.error(
            new Exchange(c, System.nanoTime()), status, detail, false, Persistence.CLOSE, "");
    Responses.write(response, true, stats);
    c.closeGracefully(stopping ? Duration.ofMillis(1) : LINGER);
  }

  // ---- stages -------------------------------------------------------------------------------

  private void parseAndRoute(Received received, StageContext ctx) throws InterruptedException {
    Exchange exchange = received.exchange();
    switch (parser.parse(received.head())) {
      case HttpParser.Get get -> ctx.emit(cache, new FileGet(exchange, get.request()));
      case HttpParser.Status status -> ctx.emit(write, statusPage.response(exchange, status));
      case HttpParser.Problem problem ->
          ctx.emit(
              write,
              Responses.error(
                  exchange,
                  problem.status(),
                  problem.detail(),
                  problem.headOnly(),
                  problem.persistence(),
                  problem.extraHeaders()));
    }
  }

  private void lookUp(FileGet get, StageContext ctx) throws InterruptedException {
    Site.Ready hit = site.cached(get.request().path());
    if (hit != null) {
      ctx.emit(write, Responses.ok(get.exchange(), get.request(), hit));
    } else {
      ctx.emit(file, get);
    }
  }

  private void readFile(FileGet get, StageContext ctx) throws IOException, InterruptedException {
    HttpParser.Request request = get.request();
    Exchange exchange = get.exchange();
    Response response =
        Responses.forContent(exchange, request, site.load(request.path(), request.rawPath()));
    ctx.emit(write, response);
  }

  private void writeResponse(Response response, StageContext ctx) {
    Connection c = response.exchange().connection();
    boolean close = !response.persistence().keepAlive() || stopping;
    boolean written = false;
    try {
      written = Responses.write(response, close, stats);
    } catch (RuntimeException e) {
      c.close();
      stats.abandoned();
      throw e;
    } finally {
      // Hands the connection back to its reader: the next request, or the close.
      c.complete(written && !close, response.persistence().skipBytes());
    }
  }

  /** Dead letters: a handler of parse, cache or file threw; the request is still answered. */
  private void answerFailure(DeadLetter letter, StageContext ctx) throws InterruptedException {
    LOG.warn("stage {} failed on a request: {}", letter.stage(), letter.error().toString());
    if (!(letter.event() instanceof RequestEvent event)) {
      return;
    }
    switch (event) {
      case Received received -> ctx.emit(write, internalError(received.exchange()));
      case FileGet get -> ctx.emit(write, internalError(get.exchange()));
      case Response response -> {
        response.exchange().connection().close();
        stats.abandoned();
        response.exchange().connection().complete(false, 0);
      }
    }
  }

  private static Response internalError(Exchange exchange) {
    return Responses.error(
        exchange, 500, "the server failed on this request", false, Persistence.CLOSE, "");
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  /**
   * Blocks until the server is closed (by {@link #close()} on another thread).
   *
   * @throws InterruptedException if interrupted while waiting
   */
  public void awaitClosed() throws InterruptedException {
    closed.await();
  }

  /**
   * Stops the server: stops accepting connections, answers every request already admitted (with
   * "Connection: close"; requests arriving meanwhile get a 503), closes every connection and joins
   * every thread, the graph's included. Blocks until done; idempotent; a second caller waits for
   * the first.
   */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      awaitClosedUninterruptibly();
      return;
    }
    stopping = true;
    stopSignal.countDown();
    Connection writing = pacerWriting;
    if (writing != null) {
      writing.close(); // a pacer stuck in a write must not hold up close(); it sees stopping next
    }
    if (pacer != null) {
      pacer.close(); // releases the held 503s
    }
    for (Connection c : connections) {
      Thread reader = c.reader();
      if (reader != null) {
        LockSupport.unpark(reader); // a reader parked for a paced 503 (SWEPT) sees stopping
      }
    }
    try {
      closeQuietly(listener);
      joinUninterruptibly(listenerThread);
      graph.close();
      statusPage.close();
      for (Connection c : connections) {
        c.close();
      }
      connectionThreads.close();
      if (sweeper != null) {
        joinUninterruptibly(sweeper);
      }
    } finally {
      closed.countDown();
    }
  }

  private void awaitClosedUninterruptibly() {
    boolean interrupted = false;
    while (true) {
      try {
        closed.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private static void joinUninterruptibly(Thread thread) {
    boolean interrupted = false;
    while (true) {
      try {
        thread.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      // closing on the way out: nothing more to do
    }
  }

  /**
   * The graph's table and the request accounting.
   *
   * @return the report
   */
  @Override
  public String report() {
    ServerStats.Counters c = stats.snapshot();
    return StatusPage.inPipelineOrder(graph.snapshot())
        + String.format(
            "requests: received %d, answered %d %s, shed (503) %d (paced %d), abandoned %d,"
                + " in progress %d%n"
                + "connections: accepted %d, refused %d",
            c.received(),
            c.answered(),
            c.byStatus(),
            c.shed(),
            c.paced(),
            c.abandoned(),
            c.inProgress(),
            c.connectionsAccepted(),
            c.connectionsRefused());
  }

  @Override
  public String toString() {
    return "StagedHttpServer[" + uri() + " serving " + site.root() + "]";
  }
}
