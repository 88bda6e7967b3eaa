package org.seda4j.examples.http;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.seda4j.examples.http.Events.Persistence;

/**
 * Parses an HTTP/1.1 request head (RFC 9112) and routes it: a file GET/HEAD, the status page, or a
 * problem with its status code. Strict where leniency would be a risk: bare CR, obs-fold, space
 * before a colon, a Content-Length with Transfer-Encoding (request smuggling), and every form of
 * path traversal are refused. Pure and thread-safe.
 */
final class HttpParser {

  /** The status page, as HTML that refreshes itself. */
  static final String STATUS_PATH = "/_seda";

  /** The status page as the plain text table of {@code GraphSnapshot.toString()}. */
  static final String STATUS_TEXT_PATH = "/_seda.txt";

  /** The result of parsing one head. */
  sealed interface Parsed permits Get, Status, Problem {}

  /**
   * A GET or HEAD of a file.
   *
   * @param request the request
   */
  record Get(Request request) implements Parsed {}

  /**
   * A GET or HEAD of the status page.
   *
   * @param request the request
   * @param text true for the text form
   */
  record Status(Request request, boolean text) implements Parsed {}

  /**
   * A request answered with an error status.
   *
   * @param status the status code (400, 405, 413, 431, 505)
   * @param detail what was wrong, for the response body
   * @param headOnly true if the request was a HEAD
   * @param persistence whether the connection survives it
   * @param extraHeaders header lines to add (Allow for 405), each ending in CRLF
   */
  record Problem(
      int status, String detail, boolean headOnly, Persistence persistence, String extraHeaders)
      implements Parsed {
    static Problem closing(int status, String detail) {
      return new Problem(status, detail, false, Persistence.CLOSE, "");
    }
  }

  /**
   * A valid GET or HEAD request.
   *
   * @param head true for HEAD
   * @param rawPath the path as sent (percent-encoded), for redirects
   * @param path the decoded path: starts with '/', no empty, "." or ".." segments, no encoded '/'
   * @param persistence what the connection does after the response
   */
  record Request(boolean head, String rawPath, String path, Persistence persistence) {}

  private final int maxHeaders;
  private final long maxBodyBytes;

  HttpParser(int maxHeaders, long maxBodyBytes) {
    this.maxHeaders = maxHeaders;
    this.maxBodyBytes = maxBodyBytes;
  }

  /**
   * Parses a complete head.
   *
   * @param text the head as ISO-8859-1 text, ending with an empty line
   * @return what to do with it
   */
  Parsed parse(String text) {
    List<String> lines = lines(text);
    if (lines.isEmpty()) {
      return Problem.closing(400, "empty request");
    }
    for (String line : lines) {
      if (line.indexOf('\r') >= 0) {
        return Problem.closing(400, "bare CR in the request head");
      }
    }
    String requestLine = lines.get(0);
    int sp1 = requestLine.indexOf(' ');
    int sp2 = sp1 < 0 ? -1 : requestLine.indexOf(' ', sp1 + 1);
    if (sp1 <= 0 || sp2 < 0 || requestLine.indexOf(' ', sp2 + 1) >= 0) {
      return Problem.closing(400, "the request line must be: METHOD SP target SP HTTP-version");
    }
    String method = requestLine.substring(0, sp1);
    String target = requestLine.substring(sp1 + 1, sp2);
    String version = requestLine.substring(sp2 + 1);
    if (!isToken(method)) {
      return Problem.closing(400, "the method is not a token");
    }
    if (target.isEmpty() || !isVisibleAscii(target)) {
      return Problem.closing(400, "the request target must be visible ASCII");
    }
    boolean http10;
    if (version.equals("HTTP/1.1")) {
      http10 = false;
    } else if (version.equals("HTTP/1.0")) {
      http10 = true;
    } else if (version.matches("HTTP/[0-9]\\.[0-9]")) {
      return Problem.closing(505, "only HTTP/1.0 and HTTP/1.1 are served");
    } else {
      return Problem.closing(400, "malformed HTTP version");
    }

    int hosts = 0;
    int fields = 0;
    long contentLength = -1;
    boolean transferEncoding = false;
    boolean connectionClose = false;
    boolean connectionKeepAlive = false;
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isEmpty()) {
        break;
      }
      if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
        return Problem.closing(400, "obsolete line folding is not accepted");
      }
      int colon = line.indexOf(':');
      if (colon <= 0 || !isToken(line.substring(0, colon))) {
        return Problem.closing(400, "malformed header field");
      }
      if (++fields > maxHeaders) {
        return Problem.closing(431, "more than " + maxHeaders + " header fields");
      }
      String name = line.substring(0, colon).toLowerCase(Locale.ROOT);
      String value = trimOws(line.substring(colon + 1));
      for (int c = 0; c < value.length(); c++) {
        char ch = value.charAt(c);
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
          return Problem.closing(400, "control character in header " + name);
        }
      }
      switch (name) {
        case "host" -> hosts++;
        case "content-length" -> {
          if (value.isEmpty() || !value.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            return Problem.closing(400, "Content-Length must be digits");
          }
          long length = value.length() > 18 ? Long.MAX_VALUE : Long.parseLong(value);
          if (contentLength >= 0 && contentLength != length) {
            return Problem.closing(400, "conflicting Content-Length fields");
          }
          contentLength = length;
        }
        case "transfer-encoding" -> transferEncoding = true;
        case "connection" -> {
          for (String option : value.split(",", -1)) {
            String o = trimOws(option).toLowerCase(Locale.ROOT);
            connectionClose |= o.equals("close");
            connectionKeepAlive |= o.equals("keep-alive");
          }
        }
        default -> {}
      }
    }
    if (hosts > 1 || (!http10 && hosts == 0)) {
      return Problem.closing(400, "an HTTP/1.1 request needs exactly one Host header");
    }
    if (transferEncoding && (contentLength >= 0 || http10)) {
      return Problem.closing(400, "Transfer-Encoding with Content-Length or in HTTP/1.0");
    }
    if (contentLength > maxBodyBytes) {
      return Problem.closing(413, "request bodies are limited to " + maxBodyBytes + " bytes");
    }
    // A chunked body cannot be skipped without decoding it: such a connection closes after the
    // response.
    boolean keepAlive =
        !transferEncoding && (http10 ? connectionKeepAlive && !connectionClose : !connectionClose);
    Persistence persistence =
        new Persistence(keepAlive, http10, Math.max(0, keepAlive ? contentLength : 0));
    boolean head = method.equals("HEAD");
    if (!head && !method.equals("GET")) {
      return new Problem(
          405, method + " is not allowed here", false, persistence, "Allow: GET, HEAD\r\n");
    }

    String rawPath = target;
    if (startsWithIgnoreCase(target, "http://") || startsWithIgnoreCase(target, "https://")) {
      int authority = target.indexOf("//") + 2;
      int slash = target.indexOf('/', authority);
      rawPath = slash < 0 ? "/" : target.substring(slash);
    } else if (target.charAt(0) != '/') {
      return new Problem(400, "the request target must be a path", head, Persistence.CLOSE, "");
    }
    if (rawPath.indexOf('#') >= 0) {
      return new Problem(400, "a fragment is not part of a request", head, Persistence.CLOSE, "");
    }
    int query = rawPath.indexOf('?');
    if (query >= 0) {
      rawPath = rawPath.substring(0, query);
    }
    String path;
    try {
      path = decodePath(rawPath);
    } catch (IllegalArgumentException e) {
      return new Problem(400, String.valueOf(e.getMessage()), head, persistence, "");
    }
    Request request = new Request(head, rawPath, path, persistence);
    if (path.equals(STATUS_PATH)) {
      return new Status(request, false);
    }
    if (path.equals(STATUS_TEXT_PATH)) {
      return new Status(request, true);
    }
    return new Get(request);
  }

  /**
   * Decodes and checks a request path. Refuses (with the reason) a path that does not start with
   * '/', a backslash, a malformed or non-UTF-8 percent-encoding, an encoded '/' or '\', NUL or any
   * other control character, and "." or ".." segments, whether written plainly or percent-encoded.
   * Empty segments ("//") are dropped; a trailing '/' is kept.
   *
   * @param rawPath the path as sent, without the query
   * @return the decoded path
   * @throws IllegalArgumentException naming what was refused
   */
  static String decodePath(String rawPath) {
    if (rawPath.isEmpty() || rawPath.charAt(0) != '/') {
      throw new IllegalArgumentException("a path must start with '/'");
    }
    if (rawPath.indexOf('\\') >= 0) {
      throw new IllegalArgumentException("backslashes are not allowed in paths");
    }
    StringBuilder path = new StringBuilder();
    String[] segments = rawPath.substring(1).split("/", -1);
    for (String raw : segments) {
      if (raw.isEmpty()) {
        continue;
      }
      String segment = decodeSegment(raw);
      if (segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException("'.' and '..' path segments are refused");
      }
      for (int i = 0; i < segment.length(); i++) {
        char c = segment.charAt(i);
        if (c == '/' || c == '\\') {
          throw new IllegalArgumentException("encoded '/' or '\\' in a path is refused");
        }
        if (c < 0x20 || c == 0x7f) {
          throw new IllegalArgumentException("control characters (NUL included) are refused");
        }
      }
      path.append('/').append(segment);
    }
    if (path.isEmpty() || rawPath.endsWith("/")) {
      path.append('/');
    }
    return path.toString();
  }

  private static String decodeSegment(String raw) {
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    ByteBuffer bytes = ByteBuffer.allocate(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        int hi = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
        int lo = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 2), 16) : -1;
        if (hi < 0 || lo < 0) {
          throw new IllegalArgumentException("malformed percent-encoding in the path");
        }
        bytes.put((byte) (hi * 16 + lo));
        i += 2;
      } else {
        bytes.put((byte) c);
      }
    }
    bytes.flip();
    try {
      CharBuffer chars =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(bytes);
      return chars.toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("the path is not UTF-8", e);
    }
  }

  /**
   * Whether a head may be followed by a body (it has a Content-Length or Transfer-Encoding field).
   * A scan in place, without allocating, used when a request is shed before parsing: only a
   * connection without a body in flight can be kept.
   *
   * @param head the head text
   * @return true if the head names a body
   */
  static boolean mayHaveBody(String head) {
    for (int lf = head.indexOf('\n'); lf >= 0; lf = head.indexOf('\n', lf + 1)) {
      if (head.regionMatches(true, lf + 1, "content-length", 0, 14)
          || head.regionMatches(true, lf + 1, "transfer-encoding", 0, 17)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether a head asks for HTTP/1.0 without keep-alive or says "Connection: close": then a shed
   * request's connection closes. A scan in place, like {@link #mayHaveBody}.
   *
   * @param head the head text
   * @return true if the client wants the connection closed after the response
   */
  static boolean wantsClose(String head) {
    if (head.isEmpty()) {
      return true;
    }
    boolean http10 = false;
    boolean close = false;
    boolean keepAlive = false;
    int from = 0;
    boolean first = true;
    while (from < head.length()) {
      int lf = head.indexOf('\n', from);
      int to = lf < 0 ? head.length() : lf;
      int stop = to > from && head.charAt(to - 1) == '\r' ? to - 1 : to;
      if (first) {
        http10 = stop - from >= 9 && head.startsWith(" HTTP/1.0", stop - 9);
        first = false;
      } else if (head.regionMatches(true, from, "connection:", 0, 11)) {
        close |= containsIgnoreCase(head, from + 11, stop, "close");
        keepAlive |= containsIgnoreCase(head, from + 11, stop, "keep-alive");
      }
      from = to + 1;
    }
    return close || (http10 && !keepAlive);
  }

  /**
   * Whether a shed request's connection may stay open after its 503: an HTTP/1.1 request with no
   * body that might follow and no wish to close. A scan in place, without allocating.
   *
   * @param head the head text
   * @return true to keep the connection
   */
  static boolean keepsConnectionWhenShed(String head) {
    return head.contains(" HTTP/1.1\r\n") && !mayHaveBody(head) && !wantsClose(head);
  }

  /**
   * Whether a head asks for the status page (GET or HEAD of {@link #STATUS_PATH} or {@link
   * #STATUS_TEXT_PATH}, with or without a query). A prefix check in place; the head is still
   * parsed.
   *
   * @param head the head text
   * @return true for a status page request
   */
  static boolean isStatusRequest(String head) {
    int target = head.startsWith("GET ") ? 4 : head.startsWith("HEAD ") ? 5 : -1;
    if (target < 0) {
      return false;
    }
    if (head.startsWith(STATUS_TEXT_PATH, target)) {
      return true;
    }
    int after = target + STATUS_PATH.length();
    return head.startsWith(STATUS_PATH, target)
        && after < head.length()
        && (head.charAt(after) == ' ' || head.charAt(after) == '?');
  }

  /** Whether {@code word} (lower case) occurs in {@code s} between {@code from} and {@code to}. */
  private static boolean containsIgnoreCase(String s, int from, int to, String word) {
    for (int i = from; i + word.length() <= to; i++) {
      if (s.regionMatches(true, i, word, 0, word.length())) {
        return true;
      }
    }
    return false;
  }

  private static List<String> lines(String head) {
    List<String> lines = new ArrayList<>();
    int from = 0;
    while (from < head.length()) {
      int lf = head.indexOf('\n', from);
      int to = lf < 0 ? head.length() : lf;
      int stop = to > from && head.charAt(to - 1) == '\r' ? to - 1 : to;
      lines.add(head.substring(from, stop));
      from = to + 1;
    }
    return lines;
  }

  private static String trimOws(String s) {
    int b = 0;
    int e = s.length();
    while (b < e && (s.charAt(b) == ' ' || s.charAt(b) == '\t')) {
      b++;
    }
    while (e > b && (s.charAt(e - 1) == ' ' || s.charAt(e - 1) == '\t')) {
      e--;
    }
    return s.substring(b, e);
  }

  private static boolean isToken(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static boolean isVisibleAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }

  private static boolean startsWithIgnoreCase(String s, String prefix) {
    return s.regionMatches(true, 0, prefix, 0, prefix.length());
  }
}
