package org.seda4j.examples.http;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.seda4j.examples.http.Events.Body;
import org.seda4j.examples.http.Events.Bytes;
import org.seda4j.examples.http.Events.FileBody;

/**
 * The files served: a root directory, the cache in front of it, and the disk reads go through.
 * Shared by the staged server and both baselines, so that they serve the same bytes the same way.
 *
 * <p>Only regular files whose real path (symbolic links resolved) lies inside the root's real path
 * are served; anything else is "not found". A directory is served as its {@code index.html}; a
 * directory path without a trailing '/' is redirected to the path with one. Thread-safe.
 */
final class Site {

  /** What a path leads to. */
  sealed interface Content permits Ready, Redirect, NotFound {}

  /**
   * A file to send.
   *
   * @param body its bytes, or the file to stream
   * @param contentType its Content-Type
   */
  record Ready(Body body, String contentType) implements Content {}

  /**
   * A directory asked for without its trailing '/'.
   *
   * @param location where it is
   */
  record Redirect(String location) implements Content {}

  /** Nothing servable there. */
  record NotFound() implements Content {}

  private static final Map<String, String> TYPES =
      Map.ofEntries(
          Map.entry("html", "text/html; charset=utf-8"),
          Map.entry("htm", "text/html; charset=utf-8"),
          Map.entry("css", "text/css; charset=utf-8"),
          Map.entry("js", "text/javascript; charset=utf-8"),
          Map.entry("mjs", "text/javascript; charset=utf-8"),
          Map.entry("json", "application/json"),
          Map.entry("txt", "text/plain; charset=utf-8"),
          Map.entry("md", "text/markdown; charset=utf-8"),
          Map.entry("csv", "text/csv; charset=utf-8"),
          Map.entry("xml", "application/xml"),
          Map.entry("svg", "image/svg+xml"),
          Map.entry("png", "image/png"),
          Map.entry("jpg", "image/jpeg"),
          Map.entry("jpeg", "image/jpeg"),
          Map.entry("gif", "image/gif"),
          Map.entry("webp", "image/webp"),
          Map.entry("ico", "image/vnd.microsoft.icon"),
          Map.entry("pdf", "application/pdf"),
          Map.entry("wasm", "application/wasm"),
          Map.entry("woff2", "font/woff2"),
          Map.entry("zip", "application/zip"));

  private final Path root;
  private final FileCache cache;
  private final long maxInMemoryBytes;
  private final Disk disk;

  /**
   * A site.
   *
   * @param root the directory served
   * @param cache the cache
   * @param maxInMemoryBytes files up to this size are read into memory (and offered to the cache);
   *     larger ones are streamed
   * @param disk what reads go through
   * @throws IOException if the root does not exist
   */
  Site(Path root, FileCache cache, long maxInMemoryBytes, Disk disk) throws IOException {
    this.root = root.toRealPath();
    if (!Files.isDirectory(this.root)) {
      throw new IOException("not a directory: " + root);
    }
    this.cache = cache;
    this.maxInMemoryBytes = maxInMemoryBytes;
    this.disk = disk;
  }

  Path root() {
    return root;
  }

  FileCache cache() {
    return cache;
  }

  /**
   * The cached file for a path, if any. Never blocks (but for the cache's short lock).
   *
   * @param path a decoded path from {@link HttpParser#decodePath}
   * @return the file, or null on a miss
   */
  @Nullable Ready cached(String path) {
    FileCache.Cached hit = cache.get(path);
    return hit == null ? null : new Ready(hit.body(), hit.contentType());
  }

  /**
   * Resolves a path on disk and reads the file (through the {@link Disk}), caching it if it fits.
   * Blocks on file I/O.
   *
   * @param path a decoded path from {@link HttpParser#decodePath}
   * @param rawPath the path as sent, for a redirect
   * @return what the path leads to
   * @throws IOException if reading a file that exists fails
   * @throws InterruptedException if interrupted while waiting for the disk
   */
  Content load(String path, String rawPath) throws IOException, InterruptedException {
    Path file = root;
    try {
      for (String segment : path.split("/", -1)) {
        if (!segment.isEmpty()) {
          file = file.resolve(segment);
        }
      }
    } catch (InvalidPathException e) {
      return new NotFound();
    }
    Path real = inside(file);
    if (real == null) {
      return new NotFound();
    }
    if (Files.isDirectory(real)) {
      if (!path.endsWith("/")) {
        return new Redirect(rawPath + "/");
      }
      real = inside(real.resolve("index.html"));
      if (real == null) {
        return new NotFound();
      }
    }
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(real, BasicFileAttributes.class);
    } catch (IOException e) {
      return new NotFound();
    }
    if (!attributes.isRegularFile()) {
      return new NotFound();
    }
    String type = contentType(real.getFileName().toString());
    disk.beforeRead(real);
    if (attributes.size() > maxInMemoryBytes) {
      return new Ready(new FileBody(real, attributes.size()), type);
    }
    Bytes body = new Bytes(Files.readAllBytes(real));
    cache.put(path, new FileCache.Cached(body, type));
    return new Ready(body, type);
  }

  /** The real path of {@code file} if it exists inside the root, else null. */
  private @Nullable Path inside(Path file) {
    Path real;
    try {
      real = file.toRealPath();
    } catch (IOException e) {
      return null;
    }
    return real.startsWith(root) ? real : null;
  }

  /**
   * The Content-Type for a file name, by extension.
   *
   * @param fileName the name
   * @return the type; application/octet-stream if unknown
   */
  static String contentType(String fileName) {
    int dot = fileName.lastIndexOf('.');
    String ext = dot < 0 ? "" : fileName.substring(dot + 1).toLowerCase(Locale.ROOT);
    return TYPES.getOrDefault(ext, "application/octet-stream");
  }
}
