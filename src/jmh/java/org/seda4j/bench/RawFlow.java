package org.seda4j.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * The limit: no library. Per stage one {@link ArrayBlockingQueue} of the capacity and one virtual
 * thread (the thread kind seda4j uses, so the ratio is the library's cost, not the thread kind's)
 * looping {@code take()} + {@code drainTo(up to 63 more)} and {@code put()} to each successor's
 * queue; a sink stage delivers to the {@link Sink}. Batch 64, as seda4j's batched contender.
 */
final class RawFlow implements Flow {
  static final int BATCH = 64;

  private final List<ArrayBlockingQueue<Object>> queues = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();

  RawFlow(Topology topology, Sink sink, int capacity) {
    for (int i = 0; i < topology.size(); i++) {
      queues.add(new ArrayBlockingQueue<>(capacity));
    }
    for (int i = 0; i < topology.size(); i++) {
      ArrayBlockingQueue<Object> in = queues.get(i);
      List<ArrayBlockingQueue<Object>> out = new ArrayList<>();
      for (int s : topology.successors(i)) {
        out.add(queues.get(s));
      }
      threads.add(Thread.ofVirtual().name("raw-" + i).start(() -> run(in, out, sink)));
    }
  }

  private static void run(
      ArrayBlockingQueue<Object> in, List<ArrayBlockingQueue<Object>> out, Sink sink) {
    List<Object> batch = new ArrayList<>(BATCH);
    try {
      while (true) {
        batch.add(in.take());
        in.drainTo(batch, BATCH - 1);
        for (int i = 0, n = batch.size(); i < n; i++) {
          Object e = batch.get(i);
          if (out.isEmpty()) {
            sink.arrive(e);
          } else {
            for (int k = 0, m = out.size(); k < m; k++) {
              out.get(k).put(e);
            }
          }
        }
        batch.clear();
      }
    } catch (InterruptedException stop) {
      // stop(): every event has arrived already
    }
  }

  @Override
  public void feed(EventSource source, long count) throws InterruptedException {
    ArrayBlockingQueue<Object> first = queues.get(0);
    for (long i = 0; i < count; i++) {
      first.put(source.next());
    }
  }

  @Override
  public void stop() throws InterruptedException {
    for (Thread t : threads) {
      t.interrupt();
    }
    for (Thread t : threads) {
      t.join();
    }
  }
}
