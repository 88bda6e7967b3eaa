package org.seda4j.lab;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.seda4j.Stage;
import org.seda4j.StageGraph;

/**
 * A handler that blocks 10 ms ({@code Thread.sleep}) with {@value #OUTSTANDING} events outstanding:
 * one producer thread holds a permit per event until its handler ends ({@link ClosedLoop}). Who
 * runs the handlers: {@code seda4j-default} (one stage, default controllers, configured further by
 * the caller), {@code tpe-200} (a {@code ThreadPoolExecutor} of 200 platform threads, queue 10,000)
 * or {@code vt-per-task} (a virtual thread per event).
 */
public final class BlockingWorkload implements AutoCloseable {

  /** Events kept outstanding. */
  public static final int OUTSTANDING = 10_000;

  private static final Integer EVENT = 42;
  private static final Duration DRAIN = Duration.ofMinutes(2);

  private final ClosedLoop loop = new ClosedLoop(OUTSTANDING);
  private final String who;
  private @Nullable StageGraph graph;
  private @Nullable Stage<Integer> stage;
  private @Nullable ThreadPoolExecutor pool;

  private BlockingWorkload(String who) {
    this.who = who;
  }

  /**
   * Starts the workload: the producer starts submitting at once.
   *
   * @param who {@code seda4j-default}, {@code tpe-200} or {@code vt-per-task}
   * @param stageSettings configures the seda4j stage beyond the defaults (the identity for none)
   * @return the running workload
   */
  public static BlockingWorkload start(
      String who, UnaryOperator<Stage.Builder<Integer>> stageSettings) {
    BlockingWorkload w = new BlockingWorkload(who);
    Runnable work =
        () -> {
          try {
            Thread.sleep(10);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            w.loop.done(1);
          }
        };
    ClosedLoop.Submit submit;
    switch (who) {
      case "seda4j-default" -> {
        StageGraph g = StageGraph.builder("blocking").jmx(false).open();
        Stage<Integer> s =
            stageSettings.apply(g.stage("io", Integer.class)).handler((e, ctx) -> work.run());
        w.graph = g;
        w.stage = s;
        submit = n -> s.put(EVENT);
      }
      case "tpe-200" -> {
        ThreadPoolExecutor p =
            new ThreadPoolExecutor(
                200, 200, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(OUTSTANDING));
        p.prestartAllCoreThreads();
        w.pool = p;
        submit = n -> p.execute(work);
      }
      case "vt-per-task" -> {
        Thread.Builder builder = Thread.ofVirtual().name("vt-task");
        submit = n -> builder.start(work);
      }
      default ->
          throw new IllegalArgumentException(
              "blocking: seda4j-default, tpe-200 or vt-per-task, was " + who);
    }
    w.loop.start(Thread.ofPlatform().name("producer"), 1, submit);
    return w;
  }

  /**
   * Handlers ended so far.
   *
   * @return the count
   */
  public long completed() {
    return loop.completed();
  }

  /**
   * The seda4j stage.
   *
   * @return the stage, or {@code null} for the other contenders
   */
  public @Nullable Stage<Integer> stage() {
    return stage;
  }

  /**
   * Stops the producer and checks that every event submitted completed.
   *
   * @throws InterruptedException if interrupted while waiting
   * @throws IllegalStateException if events did not complete
   */
  public void stop() throws InterruptedException {
    loop.stop();
    try {
      loop.awaitDrained(DRAIN);
    } catch (IllegalStateException e) {
      throw new IllegalStateException(who + ": " + e.getMessage(), e);
    }
  }

  /** Closes the graph or the pool. */
  @Override
  public void close() {
    if (graph != null) {
      graph.close();
    }
    if (pool != null) {
      pool.shutdown();
      try {
        if (!pool.awaitTermination(1, TimeUnit.MINUTES)) {
          throw new IllegalStateException("pool did not terminate");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
