package org.seda4j.examples.http;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.seda4j.examples.http.Connection.Ended;
import org.seda4j.examples.http.Connection.Head;
import org.seda4j.examples.http.Connection.Oversized;
import org.seda4j.examples.http.Connection.TimedOut;
import org.seda4j.examples.http.Events.Exchange;
import org.seda4j.examples.http.Events.Persistence;
import org.seda4j.examples.http.Events.Response;

/**
 * Baseline: one virtual thread per connection does everything (read, parse, cache, file, write),
 * with the same parser, cache, files and response writer as {@link StagedHttpServer}. No stages, no
 * queues, no admission control: what "just use virtual threads" gives.
 */
public final class VirtualThreadHttpServer implements ExampleServer {

  private static final Duration LINGER = Duration.ofSeconds(1);

  private final ServerConfig config;
  private final Site site;
  private final HttpParser parser;
  private final ServerStats stats = new ServerStats();
  private final ServerSocket listener;
  private final ExecutorService threads =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("vt-connection-", 1).factory());
  private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean closing = new AtomicBoolean();
  private final Thread listenerThread;
  private volatile boolean stopping;

  private VirtualThreadHttpServer(ServerConfig config) throws IOException {
    this.config = config;
    this.site =
        new Site(
            config.root(),
            new FileCache(config.cacheBytes()),
            config.maxCachedFileBytes(),
            config.disk());
    this.parser = new HttpParser(config.maxHeaders(), config.maxBodyBytes());
    this.listener = new ServerSocket();
    listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), config.port()), 1024);
    this.listenerThread = Thread.ofVirtual().name("vt-listener").start(this::listen);
  }

  /**
   * Starts the baseline on 127.0.0.1.
   *
   * @param config the settings (stage settings are ignored)
   * @return the running server
   * @throws IOException if the root is not a directory or the port cannot be bound
   */
  public static VirtualThreadHttpServer start(ServerConfig config) throws IOException {
    return new VirtualThreadHttpServer(config);
  }

  @Override
  public URI uri() {
    return URI.create("http://127.0.0.1:" + listener.getLocalPort() + "/");
  }

  ServerStats.Counters counters() {
    return stats.snapshot();
  }

  private void listen() {
    while (!stopping) {
      Socket socket;
      try {
        socket = listener.accept();
      } catch (IOException e) {
        if (stopping || listener.isClosed()) {
          return;
        }
        continue;
      }
      try {
        Connection c = new Connection(socket, config.maxHeadBytes());
        connections.add(c);
        stats.connectionAccepted();
        threads.execute(() -> serve(c));
      } catch (IOException e) {
        try {
          socket.close();
        } catch (IOException ignored) {
          // nothing more to do
        }
      }
    }
  }

  private void serve(Connection c) {
    try {
      boolean goOn = true;
      while (goOn && !stopping) {
        goOn =
            switch (c.readHead(config.maxHeadBytes(), config.idleTimeout(), config.headTimeout())) {
              case Head head -> {
                stats.received();
                yield handle(new Exchange(c, System.nanoTime()), head.text());
              }
              case Oversized oversized -> {
                stats.received();
                answerAndClose(c, oversized.status());
                yield false;
              }
              case TimedOut timedOut -> {
                stats.received();
                answerAndClose(c, 408);
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
        stats.connectionClosed();
      }
    }
  }

  private boolean handle(Exchange exchange, String head) throws InterruptedException {
    Response response;
    try {
      response =
          switch (parser.parse(head)) {
            case HttpParser.Get get -> {
              HttpParser.Request request = get.request();
              Site.Ready hit = site.cached(request.path());
              yield hit != null
                  ? Responses.ok(exchange, request, hit)
                  : Responses.forContent(
                      exchange, request, site.load(request.path(), request.rawPath()));
            }
            case HttpParser.Status status ->
                Responses.error(
                    exchange,
                    404,
                    "this baseline has no status page",
                    status.request().head(),
                    status.request().persistence(),
                    "");
            case HttpParser.Problem p ->
                Responses.error(
                    exchange,
                    p.status(),
                    p.detail(),
                    p.headOnly(),
                    p.persistence(),
                    p.extraHeaders());
          };
    } catch (IOException e) {
      response = Responses.error(exchange, 500, "reading failed", false, Persistence.CLOSE, "");
    }
    boolean close = !response.persistence().keepAlive() || stopping;
    if (!Responses.write(response, close, stats)) {
      return false;
    }
    if (close) {
      exchange.connection().closeGracefully(LINGER);
      return false;
    }
    exchange.connection().skipNext(response.persistence().skipBytes());
    return true;
  }

  private void answerAndClose(Connection c, int status) {
    Responses.write(
        Responses.error(
            new Exchange(c, System.nanoTime()),
            status,
            "the request head was refused",
            false,
            Persistence.CLOSE,
            ""),
        true,
        stats);
    c.closeGracefully(LINGER);
  }

  @Override
  public String report() {
    ServerStats.Counters c = stats.snapshot();
    return "virtual thread per connection: received "
        + c.received()
        + ", answered "
        + c.answered()
        + " "
        + c.byStatus()
        + ", abandoned "
        + c.abandoned();
  }

  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    stopping = true;
    try {
      listener.close();
    } catch (IOException e) {
      // closing anyway
    }
    try {
      listenerThread.join(); // no connection is added after this
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Connection c : connections) {
      c.close();
    }
    threads.close();
  }
}
