package org.seda4j.examples.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.seda4j.examples.http.RawClient.RawResponse;

/** The benchmark's baselines serve the same bytes and refuse the same traversals. */
class BaselinesTest {

  private final Path temp;

  BaselinesTest(@TempDir Path temp) {
    this.temp = temp;
  }

  @Test
  void virtualThreadBaselineServesTheSite() throws Exception {
    Path root = SampleSite.create(temp, 3);
    try (VirtualThreadHttpServer server =
        VirtualThreadHttpServer.start(ServerConfig.defaults(root).withPort(0))) {
      check(root, server.uri().getPort());
      assertThat(server.counters().connectionsAccepted()).isEqualTo(2);
    }
  }

  @Test
  void jdkBaselineServesTheSite() throws Exception {
    Path root = SampleSite.create(temp, 3);
    try (JdkHttpServerBaseline server =
        JdkHttpServerBaseline.start(ServerConfig.defaults(root).withPort(0), 4)) {
      check(root, server.uri().getPort());
    }
  }

  private static void check(Path root, int port) throws Exception {
    try (RawClient c = new RawClient(port)) {
      for (String path :
          List.of("/", "/many/00002.html", "/files/64k.html", "/files/2m.bin", "/style.css")) {
        String file = path.equals("/") ? "index.html" : path.substring(1);
        for (int round = 0; round < 2; round++) {
          RawResponse r = c.exchange(RawClient.get(path));
          assertThat(r.status()).as(path).isEqualTo(200);
          assertThat(r.body()).as(path).isEqualTo(Files.readAllBytes(root.resolve(file)));
          assertThat(r.header("content-type")).as(path).isEqualTo(Site.contentType(file));
        }
      }
      assertThat(c.exchange(RawClient.get("/missing")).status()).isEqualTo(404);
      assertThat(c.exchange(RawClient.get("/%2e%2e/x")).status()).isEqualTo(400);
    }
    try (RawClient c = new RawClient(port)) {
      RawResponse post = c.exchange("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
      assertThat(post.status()).isEqualTo(405);
      assertThat(post.header("allow")).isEqualTo("GET, HEAD");
    }
  }
}
