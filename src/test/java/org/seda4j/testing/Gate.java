package org.seda4j.testing;

import java.util.Collection;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.seda4j.Stage;

/**
 * The tests' gated stage: a gate holds every handler call that passes it until it is opened, and
 * counts the calls that reached it, so a test can fill a stage's queue exactly, hold a handler
 * while it shuts a graph down, or hold one until interrupted (a gate never opened). Opening it on
 * {@link #close()} keeps a failing test from hanging in {@code graph.close()}.
 */
public final class Gate implements AutoCloseable {
  private final CountDownLatch latch = new CountDownLatch(1);
  private final AtomicInteger entered = new AtomicInteger();

  /**
   * Counts the call as entered, then waits until the gate opens.
   *
   * @throws InterruptedException if the waiting thread is interrupted (the gate stays shut)
   */
  public void pass() throws InterruptedException {
    entered.incrementAndGet();
    latch.await();
  }

  /** Lets every waiting and later call through. */
  public void open() {
    latch.countDown();
  }

  @Override
  public void close() {
    open();
  }

  /**
   * How many calls reached the gate so far.
   *
   * @return the count
   */
  public int entered() {
    return entered.get();
  }

  /**
   * Waits until at least {@code calls} calls reached the gate.
   *
   * @param calls how many
   */
  public void awaitEntered(int calls) {
    Await.until(() -> entered.get() >= calls);
  }

  /**
   * Finishes {@code builder} with a handler that waits at this gate.
   *
   * @param builder the stage as the test configured it
   * @return the gated stage
   */
  public <T> Stage<T> stage(Stage.Builder<T> builder) {
    return builder.handler((event, context) -> pass());
  }

  /**
   * Finishes {@code builder} with a handler that waits at this gate, then adds its event to {@code
   * handled}.
   *
   * @param builder the stage as the test configured it
   * @param handled where the handled events go (thread-safe if the stage has several permits)
   * @return the gated stage
   */
  public <T> Stage<T> stage(Stage.Builder<T> builder, Collection<? super T> handled) {
    return builder.handler(
        (event, context) -> {
          pass();
          handled.add(event);
        });
  }
}
