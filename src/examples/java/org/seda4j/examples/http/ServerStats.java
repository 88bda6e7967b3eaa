package org.seda4j.examples.http;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A server's request and connection accounting. Every request head the server receives ends in
 * exactly one of: a response written (counted by status), or abandoned (the connection failed
 * before its response was written). So at a quiescent moment {@code received = answered +
 * abandoned}; {@link Counters#inProgress()} is the difference. Thread-safe.
 */
final class ServerStats {

  /**
   * A snapshot of the counters.
   *
   * @param connectionsAccepted connections taken on
   * @param connectionsRefused connections answered 503 at once (over the connection limit or while
   *     stopping)
   * @param connectionsOpen connections open now
   * @param received request heads received (complete or too large)
   * @param answered responses written
   * @param shed of those, 503s at the admission point (the parse stage's queue was full)
   * @param paced of the shed, those whose answer was held back because their connection asked again
   *     sooner than its previous 503 allowed
   * @param abandoned requests whose connection failed before the response was written
   * @param byStatus responses written, by status code
   */
  record Counters(
      long connectionsAccepted,
      long connectionsRefused,
      long connectionsOpen,
      long received,
      long answered,
      long shed,
      long paced,
      long abandoned,
      Map<Integer, Long> byStatus) {

    /**
     * Requests received but not yet answered or abandoned: 0 when the server is quiet.
     *
     * @return the requests in progress
     */
    long inProgress() {
      return received - answered - abandoned;
    }

    /**
     * Responses with this status.
     *
     * @param status the status code
     * @return how many were written
     */
    long status(int status) {
      return byStatus.getOrDefault(status, 0L);
    }
  }

  private final LongAdder connectionsAccepted = new LongAdder();
  private final LongAdder connectionsRefused = new LongAdder();
  private final LongAdder connectionsClosed = new LongAdder();
  private final LongAdder received = new LongAdder();
  private final LongAdder answered = new LongAdder();
  private final LongAdder shed = new LongAdder();
  private final LongAdder paced = new LongAdder();
  private final LongAdder abandoned = new LongAdder();
  private final ConcurrentHashMap<Integer, LongAdder> byStatus = new ConcurrentHashMap<>();

  void connectionAccepted() {
    connectionsAccepted.increment();
  }

  void connectionRefused() {
    connectionsRefused.increment();
  }

  void connectionClosed() {
    connectionsClosed.increment();
  }

  void received() {
    received.increment();
  }

  void shed() {
    shed.increment();
  }

  void paced() {
    paced.increment();
  }

  void answered(int status) {
    byStatus.computeIfAbsent(status, s -> new LongAdder()).increment();
    answered.increment();
  }

  void abandoned() {
    abandoned.increment();
  }

  /**
   * The counters now. The outcome counters are read before {@code received}, so a snapshot taken
   * while requests flow never shows more outcomes than requests.
   *
   * @return the counters
   */
  Counters snapshot() {
    long closed = connectionsClosed.sum();
    long ans = answered.sum();
    long aban = abandoned.sum();
    long sh = shed.sum();
    long pa = paced.sum();
    Map<Integer, Long> statuses = new TreeMap<>();
    byStatus.forEach((status, count) -> statuses.put(status, count.sum()));
    long rec = received.sum();
    long accepted = connectionsAccepted.sum();
    return new Counters(
        accepted,
        connectionsRefused.sum(),
        accepted - closed,
        rec,
        ans,
        sh,
        pa,
        aban,
        Map.copyOf(statuses));
  }
}
