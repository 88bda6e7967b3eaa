package org.seda4j.testing;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import org.jspecify.annotations.Nullable;

/**
 * The tests' background call: a call run on its own platform thread, so a test can watch it block,
 * interrupt it, and read its outcome.
 *
 * @param thread the thread running the call
 * @param future the call's outcome
 * @param <T> what the call returns
 */
public record Background<T>(Thread thread, FutureTask<T> future) {

  /**
   * Starts {@code call} on a new daemon platform thread.
   *
   * @param name the thread's name
   * @param call what to run
   * @return the running call
   */
  public static <T> Background<T> call(String name, Callable<T> call) {
    FutureTask<T> task = new FutureTask<>(call);
    Thread thread = Thread.ofPlatform().name(name).daemon().start(task);
    return new Background<>(thread, task);
  }

  /**
   * Starts {@code call}, which returns nothing, on a new daemon platform thread.
   *
   * @param name the thread's name
   * @param call what to run
   * @return the running call
   */
  public static Background<Void> run(String name, Call call) {
    return call(
        name,
        () -> {
          call.run();
          return null;
        });
  }

  /** Waits until the thread is parked (WAITING or TIMED_WAITING), i.e. blocked in the call. */
  public void awaitBlocked() {
    Await.until(
        () ->
            thread.getState() == Thread.State.WAITING
                || thread.getState() == Thread.State.TIMED_WAITING);
  }

  /** Waits until the call has ended. */
  public void awaitEnd() {
    Await.until(() -> !thread.isAlive());
  }

  /**
   * What the call threw, once it has ended.
   *
   * @return the exception or error, or {@code null} if it returned normally or has not ended
   */
  public @Nullable Throwable failure() {
    if (!future.isDone()) {
      return null;
    }
    try {
      future.get();
      return null;
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return e;
    }
  }

  /** A call that may throw anything and returns nothing. */
  @FunctionalInterface
  public interface Call {
    /**
     * Runs.
     *
     * @throws Exception anything
     */
    void run() throws Exception;
  }
}
