package org.seda4j.readme;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.seda4j.DeadLetter;
import org.seda4j.FailurePolicy;
import org.seda4j.FullQueuePolicy;
import org.seda4j.Stage;
import org.seda4j.StageGraph;
import org.seda4j.control.AdmissionController;

/**
 * The service shown in README.md ("A service"), compiled and tested here so that it cannot rot:
 * {@link ReadmeTest} checks that README.md shows the region between the {@code README service}
 * markers verbatim.
 */
class ReadmeServiceTest {

  /** The resource the service writes to: a database with a pool of four connections. */
  interface OrderStore {
    void insertAll(List<Placed> orders) throws Exception; // one round trip per call

    void cancel(long id) throws Exception;
  }

  // README service: begin
  sealed interface OrderEvent permits Placed, Cancelled {}

  record Placed(long id, String customer, long cents) implements OrderEvent {}

  record Cancelled(long id, String reason) implements OrderEvent {}

  static final class OrderService implements AutoCloseable {
    final StageGraph graph = StageGraph.open("orders");
    final List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();
    final LongAdder shed = new LongAdder(); // dropped or rejected at the door

    // Failed events (with their exception) land here instead of in a log line.
    final Stage<DeadLetter> dead =
        graph.stage("dead-letters", DeadLetter.class).handler((d, ctx) -> deadLetters.add(d));

    final Stage<Placed> store;
    final Stage<OrderEvent> intake;

    OrderService(OrderStore db) {
      store =
          graph
              .stage("store", Placed.class)
              .permits(4) // the pool has 4 connections: never more calls in flight
              .onFailure(FailurePolicy.deadLetter(dead))
              .batchHandler((orders, ctx) -> db.insertAll(orders)); // one insert per batch
      intake =
          graph
              .stage("intake", OrderEvent.class)
              .capacity(10_000)
              .onFull(FullQueuePolicy.dropOldest()) // shed the stalest order, not the newest
              .onDrop(event -> shed.increment())
              .admission(AdmissionController.responseTime(Duration.ofMillis(50)))
              .onReject((event, rejected) -> shed.increment()) // or answer "busy" at once
              .onFailure(FailurePolicy.deadLetter(dead))
              .handler(
                  (event, ctx) -> {
                    switch (event) { // exhaustive: a new event type is a compile error here
                      case Placed p when p.cents() <= 0 ->
                          throw new IllegalArgumentException("order " + p.id() + " has no amount");
                      case Placed p -> ctx.emit(store, p); // blocks while store is full
                      case Cancelled c -> db.cancel(c.id());
                    }
                  });
    }

    @Override
    public void close() {
      graph.close(); // drains every queue, then joins every thread
    }
  }

  // README service: end

  /** An in-memory stand-in for the database. */
  static final class InMemoryStore implements OrderStore {
    final Set<Long> stored = ConcurrentHashMap.newKeySet();
    final Set<Long> cancelled = ConcurrentHashMap.newKeySet();
    final LongAdder inserts = new LongAdder();

    @Override
    public void insertAll(List<Placed> orders) {
      inserts.increment();
      orders.forEach(o -> stored.add(o.id()));
    }

    @Override
    public void cancel(long id) {
      cancelled.add(id);
    }
  }

  // README test: begin
  @Test
  void ordersAreStoredInBatchesAndInvalidOnesAreDeadLettered() throws Exception {
    var db = new InMemoryStore();
    try (var service = new OrderService(db)) {
      for (long id = 1; id <= 100; id++) {
        service.intake.put(new Placed(id, "customer-" + id % 7, id % 10 == 0 ? 0 : 1_999));
      }
      service.intake.put(new Cancelled(3, "changed their mind"));

      assertThat(service.graph.awaitIdle(Duration.ofSeconds(10))).isTrue(); // no sleeps

      assertThat(db.stored).hasSize(90);
      assertThat(db.cancelled).containsExactly(3L);
      assertThat(service.deadLetters)
          .hasSize(10)
          .allSatisfy(d -> assertThat(d.error()).isInstanceOf(IllegalArgumentException.class));
      assertThat(service.shed.sum()).isZero();
      assertThat(service.graph.snapshot().balanced()).isTrue();
    }
  }

  // README test: end

  @Test
  void aFailingInsertSendsTheWholeBatchToTheDeadLetterStage() throws Exception {
    OrderStore broken =
        new OrderStore() {
          @Override
          public void insertAll(List<Placed> orders) {
            throw new IllegalStateException("database down");
          }

          @Override
          public void cancel(long id) {}
        };
    try (var service = new OrderService(broken)) {
      for (long id = 1; id <= 20; id++) {
        service.intake.put(new Placed(id, "c", 100));
      }
      assertThat(service.graph.awaitIdle(Duration.ofSeconds(10))).isTrue();

      assertThat(service.deadLetters)
          .hasSize(20)
          .allSatisfy(
              d -> {
                assertThat(d.stage()).isEqualTo("store");
                assertThat(d.error()).hasMessage("database down");
              });
    }
  }
}
