package org.seda4j.examples.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;

/**
 * Generates the small site that {@code examples/run http-server} serves when given no directory.
 */
final class SampleSite {

  private SampleSite() {}

  /**
   * Writes the sample site into {@code dir} (created if missing).
   *
   * @param dir where to write it
   * @param manyFiles how many extra 4 KiB pages to write under {@code /many/} (for benchmarks whose
   *     working set must not fit the cache); 0 for none
   * @return {@code dir}
   * @throws IOException if writing fails
   */
  static Path create(Path dir, int manyFiles) throws IOException {
    Files.createDirectories(dir.resolve("docs"));
    Files.createDirectories(dir.resolve("files"));
    write(
        dir.resolve("index.html"),
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>seda4j sample site</title>
        <link rel="stylesheet" href="/style.css"></head>
        <body>
        <h1><img src="/logo.svg" alt="" width="32" height="32"> seda4j sample site</h1>
        <p>Served by a staged HTTP server: accept, parse, cache, file and write are seda4j stages,
        connected by bounded queues. Watch them work on the <a href="/_seda">status page</a>
        (it refreshes itself every second) while you load this site, or run
        <code>examples/http-bench</code>.</p>
        <ul>
          <li><a href="/about.html">about</a> (HTML)</li>
          <li><a href="/docs/">docs/</a> (a directory: its index.html)</li>
          <li><a href="/data.json">data.json</a>, <a href="/app.js">app.js</a>,
              <a href="/robots.txt">robots.txt</a></li>
          <li><a href="/files/1k.txt">files/1k.txt</a>, <a href="/files/64k.html">files/64k.html</a>,
              <a href="/files/2m.bin">files/2m.bin</a> (too large to cache: streamed)</li>
          <li><a href="/no-such-page">a missing page</a> (404)</li>
        </ul>
        <script src="/app.js"></script>
        </body></html>
        """);
    write(
        dir.resolve("about.html"),
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>about</title>
        <link rel="stylesheet" href="/style.css"></head>
        <body><h1>About</h1>
        <p>Haboob, the web server of the SEDA paper (Welsh, Culler and Brewer, SOSP 2001), split
        request handling into stages: socket in, parse, cache, file I/O and socket out. This server
        does the same on virtual threads, where a handler may simply block.</p>
        <p><a href="/">home</a></p></body></html>
        """);
    write(
        dir.resolve("style.css"),
        """
        body { font: 16px/1.5 system-ui, sans-serif; max-width: 44em; margin: 2em auto; }
        h1 img { vertical-align: middle; }
        code { background: #f3f3f3; padding: 0 .2em; }
        """);
    write(
        dir.resolve("app.js"),
        "document.title += ' (' + new Date().toISOString().slice(11, 19) + ')';\n");
    write(dir.resolve("data.json"), "{\"name\": \"seda4j\", \"stages\": 6, \"haboob\": true}\n");
    write(dir.resolve("robots.txt"), "User-agent: *\nDisallow:\n");
    write(
        dir.resolve("logo.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 32 32\">"
            + "<rect x=\"1\" y=\"10\" width=\"8\" height=\"12\" fill=\"#4a7\"/>"
            + "<rect x=\"12\" y=\"10\" width=\"8\" height=\"12\" fill=\"#4a7\"/>"
            + "<rect x=\"23\" y=\"10\" width=\"8\" height=\"12\" fill=\"#4a7\"/></svg>\n");
    write(
        dir.resolve("docs/index.html"),
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>docs</title></head>"
            + "<body><h1>docs</h1><p><a href=\"guide.txt\">guide.txt</a></p></body></html>\n");
    write(
        dir.resolve("docs/guide.txt"),
        "GET and HEAD are served; other methods get 405 with an Allow header.\n");
    write(dir.resolve("files/1k.txt"), filler(1024, "seda4j "));
    write(dir.resolve("files/64k.html"), "<!doctype html><pre>\n" + filler(65_536 - 21, "stage "));
    Files.write(dir.resolve("files/2m.bin"), new byte[2 * 1024 * 1024]);
    if (manyFiles > 0) {
      Path many = Files.createDirectories(dir.resolve("many"));
      for (int i = 0; i < manyFiles; i++) {
        write(
            many.resolve(String.format(Locale.ROOT, "%05d.html", i)),
            "<!doctype html><pre>" + i + "\n" + filler(4096 - 30, "page " + i + " "));
      }
    }
    return dir;
  }

  /**
   * Deletes a directory tree (the temporary sample site).
   *
   * @param dir the tree
   * @throws IOException if deleting fails
   */
  static void delete(Path dir) throws IOException {
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
            Files.delete(d);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  private static String filler(int length, String word) {
    StringBuilder s = new StringBuilder(length);
    while (s.length() < length) {
      s.append(word);
      if (s.length() % 72 < word.length()) {
        s.append('\n');
      }
    }
    s.setLength(length);
    return s.toString();
  }

  private static void write(Path file, String text) throws IOException {
    Files.writeString(file, text, StandardCharsets.UTF_8);
  }
}
