package org.seda4j.examples.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.seda4j.StageGraph;
import org.seda4j.examples.http.RawClient.RawResponse;
import org.seda4j.observe.GraphSnapshot;
import org.seda4j.observe.SnapshotHistory;
import org.seda4j.observe.StageSnapshot;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The staged server over loopback: correct responses, keep-alive, GET and HEAD, every error status,
 * path traversal refused, the status page, shutdown, and after every test the accounting: each
 * request received was answered or abandoned, and every stage balances.
 */
class StagedHttpServerTest {

  private static final String SECRET = "top secret, outside the root";

  private final Path temp;

  StagedHttpServerTest(@TempDir Path temp) {
    this.temp = temp;
  }

  private Path root;
  private StagedHttpServer server;
  private HttpClient client;

  @BeforeEach
  void start() throws IOException {
    root = SampleSite.create(temp.resolve("site"), 0);
    Path outside = Files.writeString(temp.resolve("secret.txt"), SECRET);
    Files.createSymbolicLink(root.resolve("escape.txt"), outside);
    Files.createSymbolicLink(root.resolve("escape-dir"), temp);
    Files.createSymbolicLink(root.resolve("alias.txt"), root.resolve("robots.txt"));
    server = StagedHttpServer.start(ServerConfig.defaults(root).withPort(0));
    client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  @AfterEach
  void accountingAddsUpAndServerStops() throws InterruptedException {
    client.close();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> server.counters().inProgress() == 0 && idle(server.graph()));
    ServerStats.Counters c = server.counters();
    assertThat(c.received()).isEqualTo(c.answered() + c.abandoned());
    assertThat(c.byStatus().values().stream().mapToLong(Long::longValue).sum())
        .isEqualTo(c.answered());
    GraphSnapshot snapshot = server.graph().snapshot();
    assertThat(snapshot.stages()).allMatch(StageSnapshot::balanced);
    // Every request that was admitted went through parse.
    assertThat(stage(snapshot, "parse").counts().admitted() + c.shed())
        .isLessThanOrEqualTo(c.received())
        .isGreaterThanOrEqualTo(c.received() - c.status(414) - c.status(431) - c.status(408));
    server.close();
    assertThat(server.graph().state()).isEqualTo(StageGraph.State.TERMINATED);
    assertThat(server.counters().connectionsOpen()).isZero();
  }

  private static boolean idle(StageGraph graph) throws InterruptedException {
    return graph.awaitIdle(Duration.ofSeconds(1));
  }

  private static StageSnapshot stage(GraphSnapshot snapshot, String name) {
    return snapshot.stages().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
  }

  private HttpResponse<byte[]> get(String path) throws IOException, InterruptedException {
    return client.send(
        HttpRequest.newBuilder(server.uri().resolve(path)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private RawClient raw() throws IOException {
    return new RawClient(server.port());
  }

  @Test
  void servesFilesWithLengthAndType() throws Exception {
    record Expect(String path, String file, String type) {}
    for (Expect e :
        List.of(
            new Expect("/", "index.html", "text/html; charset=utf-8"),
            new Expect("/about.html", "about.html", "text/html; charset=utf-8"),
            new Expect("/style.css", "style.css", "text/css; charset=utf-8"),
            new Expect("/app.js", "app.js", "text/javascript; charset=utf-8"),
            new Expect("/data.json", "data.json", "application/json"),
            new Expect("/logo.svg", "logo.svg", "image/svg+xml"),
            new Expect("/docs/", "docs/index.html", "text/html; charset=utf-8"),
            new Expect("/files/64k.html", "files/64k.html", "text/html; charset=utf-8"),
            new Expect("/files/2m.bin", "files/2m.bin", "application/octet-stream"),
            new Expect("/alias.txt", "robots.txt", "text/plain; charset=utf-8"),
            new Expect("/data.json?v=2", "data.json", "application/json"))) {
      byte[] expected = Files.readAllBytes(root.resolve(e.file()));
      for (int round = 0; round < 2; round++) { // a miss, then a cache hit (2m.bin: streamed twice)
        HttpResponse<byte[]> r = get(e.path());
        assertThat(r.statusCode()).as(e.path()).isEqualTo(200);
        assertThat(r.body()).as(e.path()).isEqualTo(expected);
        assertThat(r.headers().firstValue("content-type")).as(e.path()).hasValue(e.type());
        assertThat(r.headers().firstValueAsLong("content-length"))
            .as(e.path())
            .hasValue(expected.length);
      }
    }
    FileCache.Stats cache = server.cacheStats();
    assertThat(cache.hits()).isGreaterThanOrEqualTo(10);
    // Nine paths (data.json twice, with a query): all but the 2 MiB file, streamed, never cached.
    assertThat(cache.entries()).isEqualTo(9);
  }

  @Test
  void clientsThatDoNotReadHoldUpOnlyThemselves() throws Exception {
    // Given a large file (streamed, never cached) and more clients that ask for it and then stop
    // reading than the write stage starts with permits: each one's response blocks a write.
    Files.write(root.resolve("files/big.bin"), new byte[64 * 1024 * 1024]);
    int slow = 2 * Runtime.getRuntime().availableProcessors() + 2;
    List<RawClient> stalled = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < slow; i++) {
        RawClient c = new RawClient(server.port());
        c.send(RawClient.get("/files/big.bin"));
        stalled.add(c);
      }
      // When other clients ask for a small page, they are answered (the write stage gains permits
      // while responses wait with every permit held by a blocked write).
      for (int i = 0; i < 20; i++) {
        HttpResponse<byte[]> r =
            client.send(
                HttpRequest.newBuilder(server.uri().resolve("/robots.txt"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
      }
    } finally {
      for (RawClient c : stalled) {
        c.close(); // their writes fail: abandoned, as the accounting after each test expects
      }
    }
  }

  @Test
  void headHasTheHeadersOfGetAndNoBody() throws Exception {
    HttpResponse<byte[]> r =
        client.send(
            HttpRequest.newBuilder(server.uri().resolve("/files/1k.txt"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEmpty();
    assertThat(r.headers().firstValueAsLong("content-length")).hasValue(1024);
    assertThat(r.headers().firstValue("content-type")).hasValue("text/plain; charset=utf-8");

    // On a raw connection: HEAD then GET; the connection stays in sync (no body after HEAD).
    try (RawClient c = raw()) {
      RawResponse head = c.exchange("HEAD /files/2m.bin HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(head.header("content-length")).isEqualTo(String.valueOf(2 * 1024 * 1024));
      RawResponse get = c.exchange(RawClient.get("/robots.txt"));
      assertThat(get.status()).isEqualTo(200);
      assertThat(get.text()).isEqualTo(Files.readString(root.resolve("robots.txt")));
    }
  }

  @Test
  void keepAliveServesManyRequestsOnOneConnection() throws Exception {
    long before = server.counters().connectionsAccepted();
    try (RawClient c = raw()) {
      for (int i = 0; i < 5; i++) {
        RawResponse r = c.exchange(RawClient.get(i % 2 == 0 ? "/robots.txt" : "/data.json"));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("connection")).isEmpty();
      }
      // Pipelined: two requests in one write, answered in order.
      c.send(RawClient.get("/robots.txt") + RawClient.get("/files/1k.txt"));
      assertThat(c.read().body()).isEqualTo(Files.readAllBytes(root.resolve("robots.txt")));
      assertThat(c.read().body()).hasSize(1024);
      // A POST with a small body: 405, its body skipped, the connection still usable.
      c.send("POST /data.json HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
      RawResponse post = c.read();
      assertThat(post.status()).isEqualTo(405);
      assertThat(post.header("allow")).isEqualTo("GET, HEAD");
      assertThat(c.exchange(RawClient.get("/robots.txt")).status()).isEqualTo(200);
    }
    assertThat(server.counters().connectionsAccepted() - before).isEqualTo(1);
    // HttpClient reuses its connection, too.
    for (int i = 0; i < 3; i++) {
      assertThat(get("/app.js").statusCode()).isEqualTo(200);
    }
    assertThat(server.counters().connectionsAccepted() - before).isEqualTo(2);
  }

  @Test
  void http10ClosesUnlessAskedToKeepAlive() throws Exception {
    try (RawClient c = raw()) {
      RawResponse r = c.exchange("GET /robots.txt HTTP/1.0\r\n\r\n");
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("connection")).isEqualTo("close");
      assertThat(c.closedByServer()).isTrue();
    }
    try (RawClient c = raw()) {
      RawResponse r = c.exchange("GET /robots.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
      assertThat(r.header("connection")).isEqualTo("keep-alive");
      assertThat(c.exchange(RawClient.get("/robots.txt")).status()).isEqualTo(200);
    }
    try (RawClient c = raw()) {
      RawResponse r =
          c.exchange("GET /robots.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      assertThat(r.header("connection")).isEqualTo("close");
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void notFoundRedirectAndMethodNotAllowed() throws Exception {
    assertThat(get("/no-such-page").statusCode()).isEqualTo(404);
    assertThat(get("/files/").statusCode()).isEqualTo(404); // a directory without index.html
    HttpResponse<byte[]> redirect = get("/docs");
    assertThat(redirect.statusCode()).isEqualTo(301);
    assertThat(redirect.headers().firstValue("location")).hasValue("/docs/");

    for (String method : List.of("POST", "PUT", "DELETE", "OPTIONS", "PATCH")) {
      HttpResponse<byte[]> r =
          client.send(
              HttpRequest.newBuilder(server.uri().resolve("/index.html"))
                  .method(method, HttpRequest.BodyPublishers.ofString("x"))
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(r.statusCode()).as(method).isEqualTo(405);
      assertThat(r.headers().firstValue("allow")).as(method).hasValue("GET, HEAD");
    }
  }

  @Test
  void malformedRequestsGet400AndTheConnectionCloses() throws Exception {
    for (String bad :
        List.of(
            "GARBAGE\r\n\r\n",
            "GET /robots.txt\r\nHost: x\r\n\r\n", // no version
            "GET  /robots.txt HTTP/1.1\r\nHost: x\r\n\r\n", // two spaces
            "GET /robots.txt HTTP/1.1\r\n\r\n", // HTTP/1.1 without Host
            "GET /robots.txt HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
            "GET /robots.txt HTTP/1.1\r\nHost: x\r\n folded: value\r\n\r\n",
            "GET /robots.txt HTTP/1.1\r\nHost : x\r\n\r\n", // space before the colon
            "GET /robots.txt HTTP/1.1\r\nHost: x\r\nBad\rHeader: y\r\n\r\n", // bare CR
            "GET /robots.txt HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
            "GET /robots.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: c\r\n\r\n",
            "GET robots.txt HTTP/1.1\r\nHost: x\r\n\r\n", // not origin-form
            "GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n", // broken percent-encoding
            "GET /\u00e9 HTTP/1.1\r\nHost: x\r\n\r\n")) { // not ASCII
      try (RawClient c = raw()) {
        RawResponse r = c.exchange(bad);
        assertThat(r.status()).as(bad).isEqualTo(400);
        if (!bad.startsWith("GET /a%zz") && !bad.startsWith("GET /\u00e9")) {
          assertThat(r.header("connection")).as(bad).isEqualTo("close");
          assertThat(c.closedByServer()).as(bad).isTrue();
        }
      }
    }
    try (RawClient c = raw()) {
      assertThat(c.exchange("GET / HTTP/2.0\r\nHost: x\r\n\r\n").status()).isEqualTo(505);
    }
    // Bare LF line ends and an empty line before the request line are accepted (RFC 9112).
    try (RawClient c = raw()) {
      assertThat(c.exchange("\r\nGET /robots.txt HTTP/1.1\nHost: x\n\n").status()).isEqualTo(200);
    }
  }

  @Test
  void oversizedRequestsGet414Or431Or413() throws Exception {
    try (RawClient c = raw()) {
      RawResponse r = c.exchange("GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(r.status()).isEqualTo(414);
      assertThat(c.closedByServer()).isTrue();
    }
    try (RawClient c = raw()) {
      RawResponse r =
          c.exchange("GET / HTTP/1.1\r\nHost: x\r\nCookie: " + "c".repeat(9000) + "\r\n\r\n");
      assertThat(r.status()).isEqualTo(431);
      assertThat(c.closedByServer()).isTrue();
    }
    try (RawClient c = raw()) {
      StringBuilder many = new StringBuilder("GET / HTTP/1.1\r\nHost: x\r\n");
      for (int i = 0; i < 120; i++) {
        many.append("X-").append(i).append(": 1\r\n");
      }
      assertThat(c.exchange(many + "\r\n").status()).isEqualTo(431);
    }
    try (RawClient c = raw()) {
      c.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n\r\n");
      c.send("x".repeat(64 * 1024)); // the client keeps sending; the server answers anyway
      RawResponse r = c.read();
      assertThat(r.status()).isEqualTo(413);
      assertThat(r.header("connection")).isEqualTo("close");
    }
  }

  @Test
  void pathTraversalIsRefused() throws Exception {
    for (String target :
        List.of(
            "/../secret.txt",
            "/docs/../../secret.txt",
            "/%2e%2e/secret.txt",
            "/%2E%2E/%2E%2E/secret.txt",
            "/docs/%2e%2e%2f%2e%2e%2fsecret.txt",
            "/..%2fsecret.txt",
            "/..%5csecret.txt",
            "/..\\secret.txt",
            "/docs\\..\\..\\secret.txt",
            "/./secret.txt",
            "/%2e/robots.txt",
            "/robots.txt%00.html",
            "/%c0%ae%c0%ae/secret.txt", // overlong UTF-8 dots
            "/escape.txt", // a symbolic link to a file outside the root
            "/escape-dir/secret.txt", // through a symbolic link to a directory outside
            "http://localhost/../secret.txt")) {
      try (RawClient c = raw()) {
        RawResponse r = c.exchange(RawClient.get(target));
        assertThat(r.status()).as(target).isIn(400, 404);
        assertThat(r.text()).as(target).doesNotContain(SECRET);
      }
    }
  }

  @Test
  void statusPageShowsEveryStage() throws Exception {
    get("/index.html");
    HttpResponse<String> html =
        client.send(
            HttpRequest.newBuilder(server.uri().resolve("/_seda")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(html.statusCode()).isEqualTo(200);
    assertThat(html.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
    assertThat(html.body())
        .contains(">accept<", ">parse<", ">cache<", ">file<", ">write<", ">errors<")
        .contains("wait p50", "service p50", "rejected", "balanced", "events/s")
        // live: a script swaps <main> every second; without script the page reloads itself
        .contains("<main id=\"live\" data-sequence=\"", "fetch(location.href")
        .contains("<noscript><meta http-equiv=\"refresh\" content=\"2\"></noscript>");
    // The picture inline: well-formed SVG with a box per stage and a row of sparklines per stage.
    String body = html.body();
    String svg = body.substring(body.indexOf("<svg "), body.indexOf("</svg>") + "</svg>".length());
    Document picture =
        DocumentBuilderFactory.newNSInstance()
            .newDocumentBuilder()
            .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    NodeList groups = picture.getElementsByTagNameNS("http://www.w3.org/2000/svg", "g");
    List<String> stages = new ArrayList<>();
    int sparklines = 0;
    for (int i = 0; i < groups.getLength(); i++) {
      Element g = (Element) groups.item(i);
      if (g.getAttribute("class").equals("stage")) {
        stages.add(g.getAttribute("data-stage"));
      } else if (g.getAttribute("class").equals("spark")) {
        sparklines++;
      }
    }
    assertThat(stages).containsExactly("accept", "parse", "cache", "file", "write", "errors");
    assertThat(sparklines).isEqualTo(6 * 7);
    HttpResponse<String> text =
        client.send(
            HttpRequest.newBuilder(server.uri().resolve("/_seda.txt")).build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    assertThat(text.body()).contains("graph 'http'", "parse", "requests: received");
  }

  @Test
  void statusPageSamplesTheGraphEverySecondUntilTheServerCloses() {
    // The first sample is taken at start, the next ones a second apart, on the page's own thread.
    assertThat(server.statusHistory().samples()).isNotEmpty();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> server.statusHistory().samples().size() >= 3);
    List<SnapshotHistory.Sample> samples = server.statusHistory().samples();
    assertThat(samples.get(samples.size() - 1).nanoTime() - samples.get(0).nanoTime())
        .isGreaterThanOrEqualTo(Duration.ofMillis(1500).toNanos());
    assertThat(samples.get(0).snapshot().stages())
        .extracting(StageSnapshot::name)
        .containsExactly("accept", "parse", "cache", "file", "write", "errors");
    assertThat(samplerThreads()).isEqualTo(1);

    server.close();

    assertThat(samplerThreads()).as("the sampler thread was joined by close()").isZero();
  }

  private static long samplerThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("http-status-sampler") && t.isAlive())
        .count();
  }

  @Test
  void closeAnswersAndEndsIdleConnections() throws Exception {
    RawClient idle = raw();
    assertThat(idle.exchange(RawClient.get("/robots.txt")).status()).isEqualTo(200);
    server.close(); // the idle keep-alive connection must not keep it open
    assertThat(idle.closedByServer()).isTrue();
    idle.close();
    assertThat(server.graph().state()).isEqualTo(StageGraph.State.TERMINATED);
    assertThat(server.counters().connectionsOpen()).isZero();
    assertThat(server.counters().inProgress()).isZero();
  }

  @Test
  void connectionsOverTheLimitGet503() throws Exception {
    server.close();
    server =
        StagedHttpServer.start(
            ServerConfig.defaults(root).withPort(0).withLimits(8 * 1024, 1024 * 1024, 2));
    try (RawClient a = raw();
        RawClient b = raw()) {
      assertThat(a.exchange(RawClient.get("/robots.txt")).status()).isEqualTo(200);
      assertThat(b.exchange(RawClient.get("/robots.txt")).status()).isEqualTo(200);
      try (RawClient c = raw()) {
        RawResponse refused = c.send(RawClient.get("/robots.txt")).read();
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.header("retry-after")).isEqualTo("1");
        assertThat(c.closedByServer()).isTrue();
      }
    }
    await().untilAsserted(() -> assertThat(server.counters().connectionsRefused()).isEqualTo(1));
  }

  @Test
  void uriIsLoopback() {
    assertThat(server.uri()).isEqualTo(URI.create("http://127.0.0.1:" + server.port() + "/"));
  }
}
