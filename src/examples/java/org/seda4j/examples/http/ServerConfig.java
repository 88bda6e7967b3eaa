package org.seda4j.examples.http;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the staged server (and, where they apply, of the baselines). Immutable; change one
 * setting with a {@code with...} method. {@link #defaults(Path)} is what {@code examples/run
 * http-server} uses.
 *
 * @param root the directory served
 * @param port the TCP port on 127.0.0.1; 0 picks a free one
 * @param maxConnections open connections at most; one more is answered 503 and closed
 * @param maxHeadBytes the largest request head (request line and headers): 414 if the request line
 *     alone is longer, 431 otherwise
 * @param maxHeaders the most header fields in one request (431 above)
 * @param maxBodyBytes the largest request body announced by Content-Length (413 above); bodies are
 *     never used (only GET and HEAD are served), only skipped to keep the connection
 * @param idleTimeout how long a keep-alive connection may wait for its next request
 * @param headTimeout how long the rest of a request head may take once its first byte arrived (408)
 * @param cacheBytes the response cache's budget; 0 turns the cache off
 * @param maxCachedFileBytes files larger than this are streamed from disk and never cached
 * @param parse the parse stage, where requests are admitted (its queue is the admission point)
 * @param cache the cache stage
 * @param file the file I/O stage
 * @param disk what every file read goes through ({@link Disk#direct()} for the real disk)
 * @param responseTarget the target of the response-time admission controller on the parse stage:
 *     the 90th percentile of the time from admission to the response written ({@link
 *     org.seda4j.control.AdmissionController#responseTime}, measured on the path parse to write);
 *     {@link Duration#ZERO} for none (requests are then shed only when the parse queue is full)
 * @param shedPace the least time between two 503s on one connection: a connection that asks again
 *     sooner after a 503 (ignoring its Retry-After) and is shed again gets its next 503 only when
 *     this much time has passed since the previous one, its reader parked meanwhile; with a pace,
 *     every other 503 waits a random part of half the Retry-After (of half the pace if shorter), so
 *     that clients shed together do not come back together; {@link Duration#ZERO} answers every 503
 *     at once (staged server only)
 * @param wakeups how the staged server's connection readers wait for time to pass: for a keep-alive
 *     connection's idle timeout and for a paced 503 (staged server only; see {@link Wakeups})
 */
public record ServerConfig(
    Path root,
    int port,
    int maxConnections,
    int maxHeadBytes,
    int maxHeaders,
    long maxBodyBytes,
    Duration idleTimeout,
    Duration headTimeout,
    long cacheBytes,
    long maxCachedFileBytes,
    StageSettings parse,
    StageSettings cache,
    StageSettings file,
    Disk disk,
    Duration responseTarget,
    Duration shedPace,
    Wakeups wakeups) {

  /**
   * Queue capacity and concurrency of one stage.
   *
   * @param capacity the queue capacity, at least 1
   * @param permits fixed permits, or 0 for seda4j's default controllers (adaptive permits and batch
   *     size)
   */
  public record StageSettings(int capacity, int permits) {
    /** Checks the values. */
    public StageSettings {
      if (capacity < 1) {
        throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
      }
      if (permits < 0) {
        throw new IllegalArgumentException(
            "permits must be 0 (the default controllers) or at least 1, was " + permits);
      }
    }

    /**
     * A stage with fixed permits.
     *
     * @param capacity the queue capacity
     * @param permits the permits
     * @return the settings
     */
    public static StageSettings fixed(int capacity, int permits) {
      return new StageSettings(capacity, permits);
    }

    /**
     * A stage with seda4j's default controllers: nothing tuned by hand.
     *
     * @param capacity the queue capacity
     * @return the settings
     */
    public static StageSettings defaults(int capacity) {
      return new StageSettings(capacity, 0);
    }
  }

  /**
   * How the staged server's connection readers wait for time to pass. What a 503 costs the server
   * is mostly wake-ups (docs/http-overload.md, "Where a 503's CPU goes"): these are the ways of
   * having fewer of them, kept side by side so that they can be measured against each other.
   */
  public enum Wakeups {
    /**
     * A timer per wait, as the server had it first: each read for the next request head is a timed
     * read (the socket's SO_TIMEOUT is the idle timeout: a timer scheduled and cancelled for every
     * request), and a paced 503 waits on a timed await of one latch shared by all connections.
     */
    TIMERS,
    /**
     * No timer on the idle wait (one sweeper closes connections idle too long, a few times per idle
     * timeout), and a paced 503 parks its own reader on a timer of its own.
     */
    SWEPT,
    /**
     * As {@link #SWEPT}, and paced 503s are released in batches by one pacer thread that ticks
     * while some are held: one timer wake-up per tick for all the 503s due in it, not one per 503.
     */
    BATCHED,
    /**
     * As {@link #BATCHED}, and after a 503 on a connection that stays open the reader does not read
     * until the pacer says so: a tick after the 503, the pacer looks whether the next request is
     * there already (a client that asks again at once) and if so releases the reader to read it; if
     * not, it releases the reader when the Retry-After is over, and a tick more, when a client that
     * waited has sent it. Either way the read finds the request there: no park on the socket, no
     * poller wake-up. The price: a request of a client that asks again at once is read up to two
     * ticks after it arrived, and one of a client that waits its Retry-After up to two ticks after
     * that (if it comes later still, the read waits for it on the socket as usual).
     */
    PROBED_READS,
    /**
     * As {@link #PROBED_READS}, and the reader of a connection that is shed hands the connection to
     * the pacer until one of its requests is admitted: the pacer writes the 503 when it is due,
     * looks for the next request as above, reads it when it is there (only what the socket holds:
     * the pacer never waits for a client) and offers it; a refused one gets its 503 from the pacer
     * again. The reader wakes only for an admitted request or one the pacer leaves to it (the
     * status page, a request with a body or "Connection: close", an incomplete head, a server
     * closing). So a 503 costs no virtual-thread wake-up at all: a read, a write and a look, on one
     * thread that wakes once per tick for all the shed connections. A write of the pacer's that
     * waits (a client that reads none of its responses) is cut off by closing the connection after
     * a second.
     */
    HANDED_OFF;

    /**
     * The value named on the command line ({@code timers}, {@code swept}, {@code batched}, {@code
     * probed_reads}, {@code handed_off}; a dash may stand for the underscore).
     *
     * @param name the name, any case
     * @return the value
     * @throws IllegalArgumentException if there is none by that name
     */
    public static Wakeups named(String name) {
      return valueOf(name.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
    }
  }

  /** Checks the values. */
  public ServerConfig {
    Objects.requireNonNull(root, "root must not be null");
    Objects.requireNonNull(idleTimeout, "idleTimeout must not be null");
    Objects.requireNonNull(headTimeout, "headTimeout must not be null");
    Objects.requireNonNull(parse, "parse must not be null");
    Objects.requireNonNull(cache, "cache must not be null");
    Objects.requireNonNull(file, "file must not be null");
    Objects.requireNonNull(disk, "disk must not be null");
    Objects.requireNonNull(responseTarget, "responseTarget must not be null");
    Objects.requireNonNull(shedPace, "shedPace must not be null");
    Objects.requireNonNull(wakeups, "wakeups must not be null");
    if (shedPace.isNegative()) {
      throw new IllegalArgumentException("shedPace must be positive, or zero for no pacing");
    }
    if (responseTarget.isNegative()) {
      throw new IllegalArgumentException(
          "responseTarget must be positive, or zero for no admission controller");
    }
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port must be 0 (any free port) to 65535, was " + port);
    }
    if (maxConnections < 1) {
      throw new IllegalArgumentException(
          "maxConnections must be at least 1, was " + maxConnections);
    }
    if (maxHeadBytes < 256) {
      throw new IllegalArgumentException("maxHeadBytes must be at least 256, was " + maxHeadBytes);
    }
    if (maxHeaders < 1 || maxBodyBytes < 0 || cacheBytes < 0 || maxCachedFileBytes < 0) {
      throw new IllegalArgumentException(
          "maxHeaders must be at least 1 and the byte limits not negative");
    }
    if (idleTimeout.toMillis() < 1 || headTimeout.toMillis() < 1) {
      throw new IllegalArgumentException("timeouts must be at least 1 ms");
    }
  }

  /**
   * The settings {@code examples/run http-server} uses for a directory.
   *
   * @param root the directory to serve
   * @return port 8080, 10,000 connections, 8 KiB heads, 64 MiB of cache, a 50 ms response-time
   *     target for admission (shared fairly between connections), stages with seda4j's default
   *     controllers (nothing tuned by hand), 503s paced to one a second per connection (the
   *     Retry-After they carry), a shed connection handed to the pacer until one of its requests is
   *     admitted ({@link Wakeups#HANDED_OFF})
   */
  public static ServerConfig defaults(Path root) {
    return new ServerConfig(
        root,
        8080,
        10_000,
        8 * 1024,
        100,
        1024 * 1024,
        Duration.ofSeconds(30),
        Duration.ofSeconds(10),
        64L * 1024 * 1024,
        1024 * 1024,
        StageSettings.defaults(1024),
        StageSettings.defaults(1024),
        StageSettings.defaults(256),
        Disk.direct(),
        Duration.ofMillis(50),
        Duration.ofSeconds(1),
        Wakeups.HANDED_OFF);
  }

  /**
   * This configuration on another port.
   *
   * @param newPort the port, 0 for any free one
   * @return the new configuration
   */
  public ServerConfig withPort(int newPort) {
    return new ServerConfig(
        root,
        newPort,
        maxConnections,
        maxHeadBytes,
        maxHeaders,
        maxBodyBytes,
        idleTimeout,
        headTimeout,
        cacheBytes,
        maxCachedFileBytes,
        parse,
        cache,
        file,
        disk,
        responseTarget,
        shedPace,
        wakeups);
  }

  /**
   * This configuration with another cache budget.
   *
   * @param bytes the budget, 0 for no cache
   * @return the new configuration
   */
  public ServerConfig withCacheBytes(long bytes) {
    return new ServerConfig(
        root,
        port,
        maxConnections,
        maxHeadBytes,
        maxHeaders,
        maxBodyBytes,
        idleTimeout,
        headTimeout,
        bytes,
        maxCachedFileBytes,
        parse,
        cache,
        file,
        disk,
        responseTarget,
        shedPace,
        wakeups);
  }

  /**
   * This configuration with other stage settings.
   *
   * @param newParse the parse stage (the admission point)
   * @param newCache the cache stage
   * @param newFile the file stage
   * @return the new configuration
   */
  public ServerConfig withStages(
      StageSettings newParse, StageSettings newCache, StageSettings newFile) {
    return new ServerConfig(
        root,
        port,
        maxConnections,
        maxHeadBytes,
        maxHeaders,
        maxBodyBytes,
        idleTimeout,
        headTimeout,
        cacheBytes,
        maxCachedFileBytes,
        newParse,
        newCache,
        newFile,
        disk,
        responseTarget,
        shedPace,
        wakeups);
  }

  /**
   * This configuration with another disk.
   *
   * @param newDisk what file reads go through
   * @return the new configuration
   */
  public ServerConfig withDisk(Disk newDisk) {
    return new ServerConfig(
        root,
        port,
        maxConnections,
        maxHeadBytes,
        maxHeaders,
        maxBodyBytes,
        idleTimeout,
        headTimeout,
        cacheBytes,
        maxCachedFileBytes,
        parse,
        cache,
        file,
        newDisk,
        responseTarget,
        shedPace,
        wakeups);
  }

  /**
   * This configuration with other request limits.
   *
   * @param newMaxHeadBytes the largest request head
   * @param newMaxBodyBytes the largest announced body
   * @param newMaxConnections the most open connections
   * @return the new configuration
   */
  public ServerConfig withLimits(int newMaxHeadBytes, long newMaxBodyBytes, int newMaxConnections) {
    return new ServerConfig(
        root,
        port,
        newMaxConnections,
        newMaxHeadBytes,
        maxHeaders,
        newMaxBodyBytes,
        idleTimeout,
        headTimeout,
        cacheBytes,
        maxCachedFileBytes,
        parse,
        cache,
        file,
        disk,
        responseTarget,
        shedPace,
        wakeups);
  }

  /**
   * This configuration with another response-time target for admission control.
   *
   * @param target the 90th-percentile target, or {@link Duration#ZERO} for no admission controller
   * @return the new configuration
   */
  public ServerConfig withResponseTarget(Duration target) {
    return new ServerConfig(
        root,
        port,
        maxConnections,
        maxHeadBytes,
        maxHeaders,
        maxBodyBytes,
        idleTimeout,
        headTimeout,
        cacheBytes,
        maxCachedFileBytes,
        parse,
        cache,
        file,
        disk,
        target,
        shedPace,
        wakeups);
  }

  /**
   * This configuration with another pace for the 503s of one connection.
   *
   * @param pace the least time between two 503s on one connection, or {@link Duration#ZERO} to
   *     answer every 503 at once
   * @return the new configuration
   */
  public ServerConfig withShedPace(Duration pace) {
    return new ServerConfig(
        root,
        port,
        maxConnections,
        maxHeadBytes,
        maxHeaders,
        maxBodyBytes,
        idleTimeout,
        headTimeout,
        cacheBytes,
        maxCachedFileBytes,
        parse,
        cache,
        file,
        disk,
        responseTarget,
        pace,
        wakeups);
  }

  /**
   * This configuration with another way for the connection readers to wait.
   *
   * @param newWakeups how they wait
   * @return the new configuration
   */
  public ServerConfig withWakeups(Wakeups newWakeups) {
    return new ServerConfig(
        root,
        port,
        maxConnections,
        maxHeadBytes,
        maxHeaders,
        maxBodyBytes,
        idleTimeout,
        headTimeout,
        cacheBytes,
        maxCachedFileBytes,
        parse,
        cache,
        file,
        disk,
        responseTarget,
        shedPace,
        newWakeups);
  }

  /**
   * This configuration with another idle timeout for keep-alive connections.
   *
   * @param timeout how long a connection may wait for its next request, at least 1 ms
   * @return the new configuration
   */
  public ServerConfig withIdleTimeout(Duration timeout) {
    return new ServerConfig(
        root,
        port,
        maxConnections,
        maxHeadBytes,
        maxHeaders,
        maxBodyBytes,
        timeout,
        headTimeout,
        cacheBytes,
        maxCachedFileBytes,
        parse,
        cache,
        file,
        disk,
        responseTarget,
        shedPace,
        wakeups);
  }
}
