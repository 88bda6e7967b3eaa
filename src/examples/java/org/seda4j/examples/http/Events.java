package org.seda4j.examples.http;

import java.net.Socket;
import java.nio.file.Path;

/**
 * The events of the staged server. Every request's events carry its {@link Exchange}; they form the
 * sealed {@link RequestEvent} hierarchy, so a stage (and the dead-letter stage, which receives any
 * of them) routes them with an exhaustive {@code switch}.
 */
final class Events {

  private Events() {}

  /**
   * A connection the listener accepted, on its way to the accept stage.
   *
   * @param socket the client socket
   * @param acceptedNanos {@link System#nanoTime()} at accept
   */
  record Accepted(Socket socket, long acceptedNanos) {}

  /**
   * Where a request came from and when it arrived; travels with every event of the request.
   *
   * @param connection the client connection, which the response goes back to
   * @param receivedNanos {@link System#nanoTime()} when the head was complete
   */
  record Exchange(Connection connection, long receivedNanos) {}

  /** An event that belongs to one request. */
  sealed interface RequestEvent permits Received, FileGet, Response {
    /**
     * The request's exchange.
     *
     * @return the exchange
     */
    Exchange exchange();
  }

  /**
   * A complete request head, not yet parsed: what the parse stage admits.
   *
   * @param exchange the exchange
   * @param head the head as ISO-8859-1 text
   */
  record Received(Exchange exchange, String head) implements RequestEvent {}

  /**
   * A valid GET or HEAD of a file path: what the cache stage and, on a miss, the file stage
   * receive.
   *
   * @param exchange the exchange
   * @param request the parsed request
   */
  record FileGet(Exchange exchange, HttpParser.Request request) implements RequestEvent {}

  /**
   * A response on its way to the write stage.
   *
   * @param exchange the exchange
   * @param status the status code
   * @param contentType the Content-Type
   * @param body the body (its length is the Content-Length, also for HEAD)
   * @param extraHeaders further header lines, each ending in CRLF (Allow, Location, Retry-After)
   * @param headOnly true for a HEAD request: headers only
   * @param persistence whether and how the connection goes on
   */
  record Response(
      Exchange exchange,
      int status,
      String contentType,
      Body body,
      String extraHeaders,
      boolean headOnly,
      Persistence persistence)
      implements RequestEvent {}

  /**
   * What the connection does after a response.
   *
   * @param keepAlive whether it stays open
   * @param http10 whether the request was HTTP/1.0 (keep-alive must then be said explicitly)
   * @param skipBytes request body bytes to skip before the next request
   */
  record Persistence(boolean keepAlive, boolean http10, long skipBytes) {
    /** Close after the response. */
    static final Persistence CLOSE = new Persistence(false, false, 0);
  }

  /** A response body. */
  sealed interface Body permits Bytes, FileBody {
    /**
     * The body's length in bytes: the Content-Length.
     *
     * @return the length
     */
    long length();
  }

  /** A body in memory (cached files, small files, error and status pages). */
  static final class Bytes implements Body {
    private final byte[] data;

    Bytes(byte[] data) {
      this.data = data;
    }

    /** The bytes; callers must not change them (cached bodies are shared). */
    byte[] data() {
      return data;
    }

    @Override
    public long length() {
      return data.length;
    }
  }

  /**
   * A file too large to cache, streamed from disk by the write stage.
   *
   * @param path the file (already resolved inside the root)
   * @param length its length when it was resolved
   */
  record FileBody(Path path, long length) implements Body {}
}
