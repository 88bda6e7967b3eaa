package org.seda4j;

import static org.seda4j.Gate.eventually;

import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/** A call run on its own virtual thread, so a test can watch it block; keeps what it threw. */
final class Background {
  final AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
  final Thread thread;

  Background(String name, Call call) {
    thread =
        Thread.ofVirtual()
            .name(name)
            .start(
                () -> {
                  try {
                    call.run();
                  } catch (Throwable t) {
                    failure.set(t);
                  }
                });
  }

  void awaitEnd() {
    eventually().until(() -> !thread.isAlive());
  }

  /** A call that may throw anything. */
  @FunctionalInterface
  interface Call {
    void run() throws Exception;
  }
}
