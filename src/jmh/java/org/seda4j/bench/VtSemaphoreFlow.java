package org.seda4j.bench;

import java.util.List;
import java.util.concurrent.Semaphore;

/**
 * Virtual thread per task, no stages: the producer acquires a {@link Semaphore} permit (as many as
 * the capacity: the same bound on outstanding events as the others' queues) and starts one virtual
 * thread per event, which runs every stage's handler in turn, depth first (for the diamond, the
 * join's handler runs once per branch, as the queued contenders' joins receive the event from both
 * branches), then releases the permit. What "thread per request" looks like with virtual threads.
 */
final class VtSemaphoreFlow implements Flow {
  private final Topology topology;
  private final Sink sink;
  private final Semaphore permits;
  private final int capacity;
  private final Thread.Builder.OfVirtual builder = Thread.ofVirtual().name("vt-task");

  VtSemaphoreFlow(Topology topology, Sink sink, int capacity) {
    this.topology = topology;
    this.capacity = capacity;
    this.permits = new Semaphore(capacity);
    this.sink = sink;
  }

  private void visit(int node, Object e) {
    List<Integer> next = topology.successors(node);
    if (next.isEmpty()) {
      sink.arrive(e);
    } else {
      for (int k = 0, n = next.size(); k < n; k++) {
        visit(next.get(k), e);
      }
    }
  }

  @Override
  public void feed(EventSource source, long count) throws InterruptedException {
    for (long i = 0; i < count; i++) {
      Object e = source.next();
      permits.acquire();
      builder.start(
          () -> {
            try {
              visit(0, e);
            } finally {
              permits.release();
            }
          });
    }
  }

  @Override
  public void stop() throws InterruptedException {
    permits.acquire(capacity); // every task has finished
    permits.release(capacity);
  }
}
