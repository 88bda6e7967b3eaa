package org.seda4j.examples.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.seda4j.examples.http.Events.Bytes;
import org.seda4j.examples.http.Events.Exchange;
import org.seda4j.examples.http.Events.FileBody;
import org.seda4j.examples.http.Events.Persistence;
import org.seda4j.examples.http.Events.Response;

/** Building and writing responses; shared by the staged server and the virtual-thread baseline. */
final class Responses {

  private static final DateTimeFormatter IMF_FIXDATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  /** The Date header's value, formatted once per second. */
  private record DateLine(long second, String line) {}

  private static volatile DateLine date = new DateLine(-1, "");

  /** Bodies up to this size go out in the same write as the head (one packet for small files). */
  private static final int COALESCE_BYTES = 64 * 1024;

  private Responses() {}

  static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 301 -> "Moved Permanently";
      case 400 -> "Bad Request";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 408 -> "Request Timeout";
      case 413 -> "Content Too Large";
      case 414 -> "URI Too Long";
      case 431 -> "Request Header Fields Too Large";
      case 500 -> "Internal Server Error";
      case 503 -> "Service Unavailable";
      case 505 -> "HTTP Version Not Supported";
      default -> "Status " + status;
    };
  }

  /**
   * A 200 response.
   *
   * @param exchange the exchange
   * @param request the request
   * @param file the file
   * @return the response
   */
  static Response ok(Exchange exchange, HttpParser.Request request, Site.Ready file) {
    return new Response(
        exchange, 200, file.contentType(), file.body(), "", request.head(), request.persistence());
  }

  /**
   * The response for what a file path led to: 200, 301 to the directory with a '/', or 404.
   *
   * @param exchange the exchange
   * @param request the request
   * @param content what {@link Site#load} found
   * @return the response
   */
  static Response forContent(Exchange exchange, HttpParser.Request request, Site.Content content) {
    return switch (content) {
      case Site.Ready ready -> ok(exchange, request, ready);
      case Site.Redirect redirect ->
          error(
              exchange,
              301,
              "moved to " + redirect.location(),
              request.head(),
              request.persistence(),
              "Location: " + redirect.location() + "\r\n");
      case Site.NotFound notFound ->
          error(
              exchange,
              404,
              "nothing to serve at " + request.rawPath(),
              request.head(),
              request.persistence(),
              "");
    };
  }

  /**
   * An error (or redirect) response with a short text body.
   *
   * @param exchange the exchange
   * @param status the status code
   * @param detail a sentence for the body
   * @param headOnly true for a HEAD request
   * @param persistence what the connection does afterwards
   * @param extraHeaders more header lines, each ending in CRLF
   * @return the response
   */
  static Response error(
      Exchange exchange,
      int status,
      String detail,
      boolean headOnly,
      Persistence persistence,
      String extraHeaders) {
    byte[] body =
        (status + " " + reason(status) + "\n" + detail + "\n").getBytes(StandardCharsets.UTF_8);
    return new Response(
        exchange,
        status,
        "text/plain; charset=utf-8",
        new Bytes(body),
        extraHeaders,
        headOnly,
        persistence);
  }

  /**
   * The status line and header fields of a response.
   *
   * @param r the response
   * @param close whether the connection closes after it (overrides the request's wish)
   * @return the head, ending with the empty line
   */
  static byte[] head(Response r, boolean close) {
    StringBuilder h = new StringBuilder(192);
    h.append("HTTP/1.1 ").append(r.status()).append(' ').append(reason(r.status())).append("\r\n");
    h.append(dateLine());
    h.append("Server: seda4j-example\r\n");
    h.append("Content-Type: ").append(r.contentType()).append("\r\n");
    h.append("Content-Length: ").append(r.body().length()).append("\r\n");
    h.append(r.extraHeaders());
    if (close) {
      h.append("Connection: close\r\n");
    } else if (r.persistence().http10()) {
      h.append("Connection: keep-alive\r\n");
    }
    h.append("\r\n");
    return h.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  private static String dateLine() {
    long now = System.currentTimeMillis() / 1000;
    DateLine d = date;
    if (d.second() != now) {
      d = new DateLine(now, "Date: " + IMF_FIXDATE.format(Instant.ofEpochSecond(now)) + "\r\n");
      date = d;
    }
    return d.line();
  }

  /**
   * Writes a response to its connection and counts it: answered (by status) if it was written,
   * abandoned if the connection failed first (then the connection is closed). Blocks while the
   * socket's send buffer is full; on a file body, also on the file reads.
   *
   * @param r the response
   * @param close whether the connection closes afterwards (says "Connection: close")
   * @param stats where to count it
   * @return true if written
   */
  static boolean write(Response r, boolean close, ServerStats stats) {
    Connection c = r.exchange().connection();
    byte[] head = head(r, close);
    try {
      switch (r.body()) {
        case Bytes b -> {
          byte[] data = b.data();
          if (r.headOnly() || data.length == 0) {
            c.write(head, 0, head.length);
          } else if (data.length <= COALESCE_BYTES) {
            byte[] all = new byte[head.length + data.length];
            System.arraycopy(head, 0, all, 0, head.length);
            System.arraycopy(data, 0, all, head.length, data.length);
            c.write(all, 0, all.length);
          } else {
            c.write(head, 0, head.length);
            c.write(data, 0, data.length);
          }
        }
        case FileBody f -> {
          c.write(head, 0, head.length);
          if (!r.headOnly()) {
            streamFile(f, c.output());
          }
        }
      }
    } catch (IOException e) {
      c.close();
      stats.abandoned();
      return false;
    }
    stats.answered(r.status());
    return true;
  }

  /** Sends exactly the announced length; a file that shrank meanwhile fails the connection. */
  private static void streamFile(FileBody f, OutputStream out) throws IOException {
    try (InputStream in = Files.newInputStream(f.path())) {
      byte[] chunk = new byte[64 * 1024];
      long left = f.length();
      while (left > 0) {
        int n = in.read(chunk, 0, (int) Math.min(chunk.length, left));
        if (n < 0) {
          throw new IOException(f.path() + " shrank while being sent");
        }
        out.write(chunk, 0, n);
        left -= n;
      }
    }
  }
}
