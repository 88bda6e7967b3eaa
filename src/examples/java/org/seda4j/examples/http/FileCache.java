package org.seda4j.examples.http;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * A bounded LRU cache of file contents by request path, limited by total bytes. Thread-safe: one
 * lock, held only for map operations (never while reading a file), so a handler may block elsewhere
 * without holding it.
 */
final class FileCache {

  /**
   * A cached file.
   *
   * @param body the file's bytes (shared: never modified)
   * @param contentType its Content-Type
   */
  record Cached(Events.Bytes body, String contentType) {}

  /**
   * Counters and size of the cache.
   *
   * @param entries files cached now
   * @param bytes their total size
   * @param maxBytes the budget
   * @param hits lookups that found the file
   * @param misses lookups that did not
   * @param evictions files removed to make room
   */
  record Stats(int entries, long bytes, long maxBytes, long hits, long misses, long evictions) {}

  private final long maxBytes;
  private final ReentrantLock lock = new ReentrantLock();
  private final LinkedHashMap<String, Cached> map = new LinkedHashMap<>(64, 0.75f, true);
  private long bytes;
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder evictions = new LongAdder();

  /**
   * A cache.
   *
   * @param maxBytes total bytes at most (0: caches nothing)
   */
  FileCache(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  @Nullable Cached get(String path) {
    Cached found;
    lock.lock();
    try {
      found = map.get(path);
    } finally {
      lock.unlock();
    }
    (found == null ? misses : hits).increment();
    return found;
  }

  void put(String path, Cached file) {
    long size = file.body().length();
    if (size > maxBytes || maxBytes == 0) {
      return;
    }
    lock.lock();
    try {
      Cached old = map.put(path, file);
      bytes += size - (old == null ? 0 : old.body().length());
      var eldest = map.entrySet().iterator();
      while (bytes > maxBytes && eldest.hasNext()) {
        Map.Entry<String, Cached> e = eldest.next();
        bytes -= e.getValue().body().length();
        eldest.remove();
        evictions.increment();
      }
    } finally {
      lock.unlock();
    }
  }

  Stats stats() {
    lock.lock();
    try {
      return new Stats(map.size(), bytes, maxBytes, hits.sum(), misses.sum(), evictions.sum());
    } finally {
      lock.unlock();
    }
  }
}
