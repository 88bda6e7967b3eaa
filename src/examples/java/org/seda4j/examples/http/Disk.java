package org.seda4j.examples.http;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Semaphore;

/**
 * What every file read of the servers goes through before it touches the file: nothing for the real
 * disk, or a simulated slow device for overload experiments, or a gate in tests.
 */
@FunctionalInterface
public interface Disk {

  /**
   * Called on the reading thread before each file read; may block.
   *
   * @param file the file about to be read
   * @throws InterruptedException if interrupted while blocked
   */
  void beforeRead(Path file) throws InterruptedException;

  /**
   * The real disk, with nothing added.
   *
   * @return a disk that never blocks
   */
  static Disk direct() {
    return file -> {};
  }

  /**
   * A device that serves {@code channels} reads at once, each taking {@code latency} (a sleep, so
   * threads wait on it like on a real device). Reads beyond the channels wait for one, in arrival
   * order.
   *
   * @param channels reads served at once, at least 1
   * @param latency the time of one read
   * @return the simulated device
   */
  static Disk simulated(int channels, Duration latency) {
    if (channels < 1) {
      throw new IllegalArgumentException("channels must be at least 1, was " + channels);
    }
    Semaphore device = new Semaphore(channels, true);
    long nanos = latency.toNanos();
    return file -> {
      device.acquire();
      try {
        Thread.sleep(Duration.ofNanos(nanos));
      } finally {
        device.release();
      }
    };
  }
}
