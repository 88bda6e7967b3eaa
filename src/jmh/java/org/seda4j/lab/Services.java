package org.seda4j.lab;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.seda4j.OfferResult;
import org.seda4j.Stage;
import org.seda4j.StageGraph;

/**
 * The request/response service of the open-loop scenarios, built several ways: a request is parsed
 * (cheap), makes one call to a {@link Resource} (the bottleneck) and is answered; a rejected
 * request is answered at once with a rejection ("503"). Every contender gets the same {@link
 * Recorder} calls, so they are measured alike.
 */
public final class Services {

  /**
   * A request through the stages.
   *
   * @param intended its intended arrival, {@link System#nanoTime()}
   * @param busy whether it is a rejection being answered
   */
  public record Request(long intended, boolean busy) {}

  /** A contender: takes arrivals without blocking the arrival thread. */
  public interface Service extends AutoCloseable {
    /**
     * A request arrives.
     *
     * @param intended its intended arrival time
     */
    void submit(long intended);

    /**
     * The stage that calls the resource, for snapshots.
     *
     * @return the stage, or {@code null} if the service has no stages
     */
    @Nullable Stage<Request> work();

    /** Stops the service at once: requests still in it get no answer. */
    @Override
    void close();
  }

  /** Builds a service around a recorder and a resource. */
  @FunctionalInterface
  public interface Factory {
    /**
     * Builds the service.
     *
     * @param recorder where its answers go
     * @param resource what its requests call
     * @return the running service
     */
    Service create(Recorder recorder, Resource resource);
  }

  private Services() {}

  /**
   * seda4j: stages parse → work → reply, {@code work} calling the resource.
   *
   * <p>With {@code sheds}, an arrival is offered to {@code parse} and {@code parse} offers it to
   * {@code work}; a rejection there (by an admission controller or a full queue) is answered by
   * work's rejection listener through {@code reply}. Without, full queues block: each arrival waits
   * for room on a virtual thread of its own (like an accept loop handing connections over) and
   * {@code parse} emits to {@code work}.
   *
   * @param name the graph's name
   * @param parse configures the parse stage (the identity for the defaults)
   * @param work configures the work stage (the identity for the defaults)
   * @param sheds whether requests are offered and rejections answered, or full queues block
   * @return the factory
   */
  public static Factory seda(
      String name,
      UnaryOperator<Stage.Builder<Request>> parse,
      UnaryOperator<Stage.Builder<Request>> work,
      boolean sheds) {
    return (rec, resource) -> {
      StageGraph graph = StageGraph.builder(name).jmx(false).open();
      Stage<Request> reply =
          graph
              .stage("reply", Request.class)
              .handler(
                  (r, ctx) -> {
                    if (r.busy()) {
                      rec.rejected(r.intended());
                    } else {
                      rec.answered(r.intended());
                    }
                  });
      Stage.Builder<Request> workBuilder = work.apply(graph.stage("work", Request.class));
      if (sheds) {
        workBuilder.onReject(
            (r, why) -> {
              if (!reply.offer(new Request(r.intended(), true)).admitted()) {
                rec.rejected(r.intended()); // the reply stage is full: answer here
              }
            });
      }
      Stage<Request> db =
          workBuilder.handler(
              (r, ctx) -> {
                resource.call(1);
                ctx.emit(reply, r);
              });
      Stage<Request> entry =
          parse
              .apply(graph.stage("parse", Request.class))
              .handler(
                  (r, ctx) -> {
                    if (sheds) {
                      ctx.offer(db, r); // a rejection is answered by work's listener
                    } else {
                      ctx.emit(db, r);
                    }
                  });
      ExecutorService waiting = Executors.newVirtualThreadPerTaskExecutor();
      return new Service() {
        @Override
        public void submit(long intended) {
          Request r = new Request(intended, false);
          if (sheds) {
            if (entry.offer(r) instanceof OfferResult.Rejected) {
              rec.rejected(intended);
            }
          } else {
            waiting.execute(
                () -> {
                  try {
                    entry.put(r);
                  } catch (InterruptedException | RuntimeException e) {
                    // the run ended: the graph was shut down
                  }
                });
          }
        }

        @Override
        public Stage<Request> work() {
          return db;
        }

        @Override
        public void close() {
          waiting.shutdownNow();
          graph.shutdownNow();
          awaitQuietly(waiting);
        }
      };
    };
  }

  /**
   * A virtual thread per request, limited only by the resource.
   *
   * @return the factory
   */
  public static Factory virtualThreads() {
    return (rec, resource) -> {
      ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor();
      return executor(exec, rec, resource);
    };
  }

  /**
   * A {@link ThreadPoolExecutor} with a bounded queue and {@link ThreadPoolExecutor.AbortPolicy}: a
   * rejected request is answered at once.
   *
   * @param threads the pool's size
   * @param queue the queue's capacity
   * @return the factory
   */
  public static Factory threadPool(int threads, int queue) {
    return (rec, resource) -> {
      ThreadPoolExecutor exec =
          new ThreadPoolExecutor(
              threads,
              threads,
              1,
              TimeUnit.MINUTES,
              new ArrayBlockingQueue<>(queue),
              new ThreadPoolExecutor.AbortPolicy());
      exec.prestartAllCoreThreads();
      return executor(exec, rec, resource);
    };
  }

  private static Service executor(ExecutorService exec, Recorder rec, Resource resource) {
    return new Service() {
      @Override
      public void submit(long intended) {
        try {
          exec.execute(
              () -> {
                try {
                  resource.call(1);
                  rec.answered(intended);
                } catch (InterruptedException e) {
                  // the run ended
                }
              });
        } catch (RejectedExecutionException e) {
          rec.rejected(intended); // answered "503" at once
        }
      }

      @Override
      public @Nullable Stage<Request> work() {
        return null;
      }

      @Override
      public void close() {
        exec.shutdownNow();
        awaitQuietly(exec);
      }
    };
  }

  private static void awaitQuietly(ExecutorService exec) {
    try {
      if (!exec.awaitTermination(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("executor did not stop");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
