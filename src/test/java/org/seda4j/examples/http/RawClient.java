package org.seda4j.examples.http;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** A raw HTTP/1.1 client for requests that java.net.http.HttpClient refuses to send. */
final class RawClient implements AutoCloseable {

  /**
   * A response.
   *
   * @param status the status code
   * @param headers header fields, names in lower case
   * @param body the body
   */
  @SuppressWarnings("ArrayRecordComponent") // a test value, compared by content where it matters
  record RawResponse(int status, Map<String, String> headers, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    String header(String name) {
      return headers.getOrDefault(name.toLowerCase(Locale.ROOT), "");
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  RawClient(int port) throws IOException {
    socket = new Socket(InetAddress.getLoopbackAddress(), port);
    socket.setSoTimeout(20_000);
    in = new BufferedInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  RawClient send(String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    return this;
  }

  /** Reads one response; {@code head} says it answers a HEAD request (no body follows). */
  RawResponse read(boolean head) throws IOException {
    String statusLine = line();
    if (!statusLine.startsWith("HTTP/1.1 ")) {
      throw new IOException("bad status line: " + statusLine);
    }
    int status = Integer.parseInt(statusLine.substring(9, 12));
    Map<String, String> headers = new LinkedHashMap<>();
    while (true) {
      String line = line();
      if (line.isEmpty()) {
        break;
      }
      int colon = line.indexOf(':');
      headers.put(
          line.substring(0, colon).toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
    }
    int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
    byte[] body = head ? new byte[0] : in.readNBytes(length);
    if (body.length != (head ? 0 : length)) {
      throw new IOException("short body: " + body.length + " of " + length);
    }
    return new RawResponse(status, headers, body);
  }

  RawResponse read() throws IOException {
    return read(false);
  }

  RawResponse exchange(String request) throws IOException {
    return send(request).read(request.startsWith("HEAD "));
  }

  /** True if the server closed the connection (end of stream, or reset, after any pending data). */
  boolean closedByServer() {
    try {
      return in.read() < 0;
    } catch (IOException e) {
      return true;
    }
  }

  private String line() throws IOException {
    StringBuilder line = new StringBuilder();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed after: " + line);
      }
      if (b == '\n') {
        int n = line.length();
        return n > 0 && line.charAt(n - 1) == '\r' ? line.substring(0, n - 1) : line.toString();
      }
      line.append((char) b);
    }
  }

  static String get(String target) {
    return "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
