package org.seda4j.bench;

import com.softwaremill.jox.Channel;
import java.util.ArrayList;
import java.util.List;

/**
 * jox channels 1.0.1: per stage one buffered {@link Channel} of the capacity and one virtual thread
 * looping {@code receive()} and {@code send()} to each successor's channel (jox has no bulk
 * receive); a sink stage delivers to the {@link Sink}. {@code send} blocks when the channel is
 * full.
 */
final class JoxFlow implements Flow {
  private final List<Channel<Object>> channels = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();

  JoxFlow(Topology topology, Sink sink, int capacity) {
    for (int i = 0; i < topology.size(); i++) {
      channels.add(Channel.newBufferedChannel(capacity));
    }
    for (int i = 0; i < topology.size(); i++) {
      Channel<Object> in = channels.get(i);
      List<Channel<Object>> out = new ArrayList<>();
      for (int s : topology.successors(i)) {
        out.add(channels.get(s));
      }
      threads.add(Thread.ofVirtual().name("jox-" + i).start(() -> run(in, out, sink)));
    }
  }

  private static void run(Channel<Object> in, List<Channel<Object>> out, Sink sink) {
    try {
      while (true) {
        Object e = in.receive();
        if (out.isEmpty()) {
          sink.arrive(e);
        } else {
          for (int k = 0, n = out.size(); k < n; k++) {
            out.get(k).send(e);
          }
        }
      }
    } catch (InterruptedException stop) {
      // stop(): every event has arrived already
    }
  }

  @Override
  public void feed(EventSource source, long count) throws InterruptedException {
    Channel<Object> first = channels.get(0);
    for (long i = 0; i < count; i++) {
      first.send(source.next());
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
