package org.seda4j.examples.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FileCacheTest {

  private static FileCache.Cached file(int size) {
    return new FileCache.Cached(new Events.Bytes(new byte[size]), "text/plain");
  }

  @Test
  void evictsTheLeastRecentlyUsedWhenOverBudget() {
    FileCache cache = new FileCache(300);
    cache.put("/a", file(100));
    cache.put("/b", file(100));
    cache.put("/c", file(100));
    assertThat(cache.get("/a")).isNotNull(); // /a is now the most recently used
    cache.put("/d", file(100)); // evicts /b, the least recently used
    assertThat(cache.get("/b")).isNull();
    assertThat(cache.get("/a")).isNotNull();
    assertThat(cache.get("/c")).isNotNull();
    assertThat(cache.get("/d")).isNotNull();
    FileCache.Stats stats = cache.stats();
    assertThat(stats.entries()).isEqualTo(3);
    assertThat(stats.bytes()).isEqualTo(300);
    assertThat(stats.evictions()).isEqualTo(1);
    assertThat(stats.hits()).isEqualTo(4);
    assertThat(stats.misses()).isEqualTo(1);
  }

  @Test
  void replacingAnEntryKeepsTheByteCountAndLargeFilesAreNotCached() {
    FileCache cache = new FileCache(300);
    cache.put("/a", file(100));
    cache.put("/a", file(50));
    assertThat(cache.stats().bytes()).isEqualTo(50);
    cache.put("/big", file(301));
    assertThat(cache.get("/big")).isNull();
    assertThat(cache.stats().entries()).isEqualTo(1);
    cache.put("/b", file(251)); // needs /a's room
    assertThat(cache.stats().bytes()).isEqualTo(251);
    assertThat(cache.get("/a")).isNull();
  }

  @Test
  void aZeroBudgetCachesNothing() {
    FileCache cache = new FileCache(0);
    cache.put("/a", file(0));
    cache.put("/b", file(10));
    assertThat(cache.stats().entries()).isZero();
  }
}
