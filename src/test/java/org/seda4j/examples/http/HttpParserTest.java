package org.seda4j.examples.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.seda4j.examples.http.HttpParser.Get;
import org.seda4j.examples.http.HttpParser.Parsed;
import org.seda4j.examples.http.HttpParser.Problem;
import org.seda4j.examples.http.HttpParser.Status;

class HttpParserTest {

  private final HttpParser parser = new HttpParser(100, 1000);

  private Parsed parse(String head) {
    return parser.parse(head);
  }

  private int status(String head) {
    return switch (parse(head)) {
      case Get g -> 200;
      case Status s -> 200;
      case Problem p -> p.status();
    };
  }

  @Test
  void decodesAndNormalisesPaths() {
    assertThat(HttpParser.decodePath("/")).isEqualTo("/");
    assertThat(HttpParser.decodePath("/a/b.html")).isEqualTo("/a/b.html");
    assertThat(HttpParser.decodePath("/a//b/")).isEqualTo("/a/b/");
    assertThat(HttpParser.decodePath("/a%20b/%C3%A9.txt")).isEqualTo("/a b/\u00e9.txt");
    assertThat(HttpParser.decodePath("/...")).isEqualTo("/...");
    assertThat(HttpParser.decodePath("/a..b")).isEqualTo("/a..b");
  }

  @Test
  void refusesEveryFormOfTraversal() {
    for (String raw :
        List.of(
            "/..",
            "/../x",
            "/a/../../x",
            "/.",
            "/./x",
            "/%2e%2e/x",
            "/%2E%2e/x",
            "/%2e/x",
            "/a%2fb",
            "/a%2Fb",
            "/..%2f..%2fx",
            "/a\\b",
            "/a%5cb",
            "/a%00b",
            "/a%0ab",
            "/a%7f",
            "/a%",
            "/a%2",
            "/a%g0",
            "/%c0%ae%c0%ae/x",
            "/%ff",
            "x",
            "")) {
      assertThatThrownBy(() -> HttpParser.decodePath(raw))
          .as(raw)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void parsesGetAndHead() {
    Parsed get = parse("GET /a/b?x=1 HTTP/1.1\r\nHost: h\r\nAccept: */*\r\n\r\n");
    assertThat(get).isInstanceOf(Get.class);
    HttpParser.Request r = ((Get) get).request();
    assertThat(r.head()).isFalse();
    assertThat(r.path()).isEqualTo("/a/b");
    assertThat(r.rawPath()).isEqualTo("/a/b");
    assertThat(r.persistence().keepAlive()).isTrue();
    Parsed head = parse("HEAD http://h:8080/x%20y HTTP/1.1\r\nHost: h\r\n\r\n");
    assertThat(((Get) head).request().head()).isTrue();
    assertThat(((Get) head).request().path()).isEqualTo("/x y");
    assertThat(parse("GET /_seda HTTP/1.1\r\nHost: h\r\n\r\n")).isInstanceOf(Status.class);
  }

  @Test
  void persistenceFollowsVersionAndConnection() {
    assertThat(keepAlive("GET / HTTP/1.1\r\nHost: h\r\n\r\n")).isTrue();
    assertThat(keepAlive("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")).isFalse();
    assertThat(keepAlive("GET / HTTP/1.1\r\nHost: h\r\nConnection: Keep-Alive, Close\r\n\r\n"))
        .isFalse();
    assertThat(keepAlive("GET / HTTP/1.0\r\n\r\n")).isFalse();
    assertThat(keepAlive("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")).isTrue();
    assertThat(keepAlive("GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"))
        .isFalse();
    Parsed withBody = parse("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 12\r\n\r\n");
    assertThat(((Get) withBody).request().persistence().skipBytes()).isEqualTo(12);
  }

  private boolean keepAlive(String head) {
    return ((Get) parse(head)).request().persistence().keepAlive();
  }

  @Test
  void errorStatuses() {
    assertThat(status("POST / HTTP/1.1\r\nHost: h\r\n\r\n")).isEqualTo(405);
    Problem p = (Problem) parse("DELETE / HTTP/1.1\r\nHost: h\r\n\r\n");
    assertThat(p.extraHeaders()).isEqualTo("Allow: GET, HEAD\r\n");
    assertThat(p.persistence().keepAlive()).isTrue();
    assertThat(status("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1001\r\n\r\n")).isEqualTo(413);
    assertThat(status("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n"))
        .isEqualTo(413);
    assertThat(status("GET / HTTP/3.0\r\nHost: h\r\n\r\n")).isEqualTo(505);
    assertThat(status("GET / HTTP/1.1\r\n\r\n")).isEqualTo(400);
    assertThat(
            status("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"))
        .isEqualTo(400);
    assertThat(
            status("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n"))
        .isEqualTo(200);
    assertThat(status("GET / HTTP/1.1\r\nHost: h\r\nX: a\u0000b\r\n\r\n")).isEqualTo(400);
    assertThat(status("GET /#frag HTTP/1.1\r\nHost: h\r\n\r\n")).isEqualTo(400);
    assertThat(status("G(T / HTTP/1.1\r\nHost: h\r\n\r\n")).isEqualTo(400);
    assertThat(status("GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n")).isEqualTo(400);
    StringBuilder many = new StringBuilder("GET / HTTP/1.1\r\nHost: h\r\n");
    for (int i = 0; i < 100; i++) {
      many.append("X").append(i).append(": v\r\n");
    }
    assertThat(status(many + "\r\n")).isEqualTo(431);
  }

  @Test
  void cheapScansForShedRequests() {
    assertThat(HttpParser.mayHaveBody("GET / HTTP/1.1\r\nHost: h\r\n\r\n")).isFalse();
    assertThat(HttpParser.mayHaveBody("POST / HTTP/1.1\r\ncontent-LENGTH: 1\r\n\r\n")).isTrue();
    assertThat(HttpParser.mayHaveBody("POST / HTTP/1.1\r\nTransfer-Encoding: x\r\n\r\n")).isTrue();
    assertThat(HttpParser.wantsClose("GET /closed HTTP/1.1\r\nHost: h\r\n\r\n")).isFalse();
    assertThat(HttpParser.wantsClose("GET / HTTP/1.1\r\nConnection: close\r\n\r\n")).isTrue();
    assertThat(HttpParser.wantsClose("GET / HTTP/1.0\r\n\r\n")).isTrue();
    assertThat(HttpParser.wantsClose("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")).isFalse();
    assertThat(HttpParser.wantsClose("GET / HTTP/1.1\r\nHost: h\r\nconnection: Close\r\n\r\n"))
        .isTrue();
    assertThat(HttpParser.keepsConnectionWhenShed("GET / HTTP/1.1\r\nHost: h\r\n\r\n")).isTrue();
    assertThat(HttpParser.keepsConnectionWhenShed("GET / HTTP/1.0\r\n\r\n")).isFalse();
    assertThat(HttpParser.keepsConnectionWhenShed("GET / HTTP/1.1\nHost: h\n\n")).isFalse();
    assertThat(
            HttpParser.keepsConnectionWhenShed(
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n"))
        .isFalse();
    assertThat(
            HttpParser.keepsConnectionWhenShed(
                "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"))
        .isFalse();
    for (String status :
        List.of("GET /_seda HTTP/1.1\r\n", "HEAD /_seda?x=1 HTTP/1.1\r\n", "GET /_seda.txt ")) {
      assertThat(HttpParser.isStatusRequest(status)).as(status).isTrue();
    }
    for (String other : List.of("GET /_sedax HTTP/1.1\r\n", "POST /_seda HTTP/1.1\r\n", "GET /")) {
      assertThat(HttpParser.isStatusRequest(other)).as(other).isFalse();
    }
  }
}
