package org.seda4j.examples.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;

/**
 * Baseline: the JDK's built-in {@code com.sun.net.httpserver.HttpServer} with a fixed pool of
 * platform threads (the classic thread-pool server), serving the same files through the same path
 * checks, cache and {@link Disk}. Deliberately a platform-thread pool: that is the design being
 * compared against.
 */
public final class JdkHttpServerBaseline implements ExampleServer {

  private final HttpServer server;
  private final ExecutorService pool;
  private final Site site;
  private final LongAdder answered = new LongAdder();

  private JdkHttpServerBaseline(ServerConfig config, int threads) throws IOException {
    this.site =
        new Site(
            config.root(),
            new FileCache(config.cacheBytes()),
            config.maxCachedFileBytes(),
            config.disk());
    this.pool = Executors.newFixedThreadPool(threads);
    this.server =
        HttpServer.create(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), config.port()), 1024);
    server.setExecutor(pool);
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            handle(exchange);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    server.start();
  }

  /**
   * Starts the baseline on 127.0.0.1.
   *
   * @param config the settings (port, root, cache and disk are used)
   * @param threads the size of the fixed thread pool
   * @return the running server
   * @throws IOException if the root is not a directory or the port cannot be bound
   */
  public static JdkHttpServerBaseline start(ServerConfig config, int threads) throws IOException {
    return new JdkHttpServerBaseline(config, threads);
  }

  private void handle(HttpExchange exchange) throws IOException, InterruptedException {
    String method = exchange.getRequestMethod();
    boolean head = method.equals("HEAD");
    if (!head && !method.equals("GET")) {
      exchange.getResponseHeaders().set("Allow", "GET, HEAD");
      text(exchange, 405, "405 Method Not Allowed\n", false);
      return;
    }
    String rawPath = exchange.getRequestURI().getRawPath();
    String path;
    try {
      path = HttpParser.decodePath(rawPath == null ? "" : rawPath);
    } catch (IllegalArgumentException e) {
      text(exchange, 400, "400 Bad Request\n" + e.getMessage() + "\n", head);
      return;
    }
    Site.Ready hit = site.cached(path);
    Site.Content content = hit != null ? hit : site.load(path, rawPath);
    switch (content) {
      case Site.Ready ready -> {
        exchange.getResponseHeaders().set("Content-Type", ready.contentType());
        long length = ready.body().length();
        exchange.sendResponseHeaders(200, head ? -1 : (length == 0 ? -1 : length));
        if (!head) {
          try (OutputStream out = exchange.getResponseBody()) {
            switch (ready.body()) {
              case Events.Bytes bytes -> out.write(bytes.data());
              case Events.FileBody file -> {
                try (InputStream in = Files.newInputStream(file.path())) {
                  in.transferTo(out);
                }
              }
            }
          }
        }
        answered.increment();
      }
      case Site.Redirect redirect -> {
        exchange.getResponseHeaders().set("Location", redirect.location());
        text(exchange, 301, "301 Moved Permanently\n", head);
      }
      case Site.NotFound notFound -> text(exchange, 404, "404 Not Found\n", head);
    }
  }

  private void text(HttpExchange exchange, int status, String body, boolean head)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
    answered.increment();
  }

  @Override
  public URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
  }

  @Override
  public String report() {
    return "JDK HttpServer: answered " + answered.sum();
  }

  @Override
  public void close() {
    server.stop(0);
    pool.close();
  }
}
