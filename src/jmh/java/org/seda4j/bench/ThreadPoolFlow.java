package org.seda4j.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A ThreadPoolExecutor chain: per stage one {@link ThreadPoolExecutor} with one prestarted platform
 * thread (more for the memory workload's blocked handlers) and an {@link ArrayBlockingQueue} of the
 * capacity in tasks; a task runs the stage's handler on one event and {@code execute()}s a task per
 * successor on the successor's executor. A full queue blocks the submitter (a {@link
 * RejectedExecutionHandler} that {@code put()}s the task), as seda4j's {@code block()} policy does:
 * not {@code CallerRunsPolicy}, which would run a stage's work on its upstream's thread. One
 * Runnable is allocated per event per stage, as with any executor hand-off.
 */
final class ThreadPoolFlow implements Flow {
  private final List<ThreadPoolExecutor> executors = new ArrayList<>();
  private final Topology topology;
  private final Sink sink;

  /** Blocks the submitter until the stage's queue has room, instead of rejecting. */
  private static final RejectedExecutionHandler BLOCK =
      (r, executor) -> {
        if (executor.isShutdown()) {
          throw new RejectedExecutionException("stage executor shut down");
        }
        try {
          executor.getQueue().put(r);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new RejectedExecutionException(e);
        }
      };

  ThreadPoolFlow(Topology topology, Sink sink, int capacity, int threads) {
    this.topology = topology;
    this.sink = sink;
    for (int i = 0; i < topology.size(); i++) {
      String name = "tpe-" + i;
      java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
      ThreadPoolExecutor executor =
          new ThreadPoolExecutor(
              threads,
              threads,
              0,
              TimeUnit.MILLISECONDS,
              new ArrayBlockingQueue<>(capacity),
              r -> {
                Thread t = new Thread(r, name + "-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
              },
              BLOCK);
      executor.prestartAllCoreThreads(); // so a task put() straight into the queue always runs
      executors.add(executor);
    }
  }

  private void submit(int node, Object e) {
    executors.get(node).execute(() -> handle(node, e));
  }

  private void handle(int node, Object e) {
    List<Integer> next = topology.successors(node);
    if (next.isEmpty()) {
      sink.arrive(e);
    } else {
      for (int k = 0, n = next.size(); k < n; k++) {
        submit(next.get(k), e);
      }
    }
  }

  @Override
  public void feed(EventSource source, long count) throws InterruptedException {
    for (long i = 0; i < count; i++) {
      submit(0, source.next());
    }
  }

  @Override
  public void stop() throws InterruptedException {
    for (ThreadPoolExecutor executor : executors) {
      executor.shutdown();
    }
    for (ThreadPoolExecutor executor : executors) {
      if (!executor.awaitTermination(1, TimeUnit.MINUTES)) {
        throw new IllegalStateException("stage executor did not terminate");
      }
    }
  }
}
