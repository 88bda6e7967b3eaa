package org.seda4j.bench;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.EventHandlerIdentity;
import com.lmax.disruptor.EventTranslatorOneArg;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import com.lmax.disruptor.util.DaemonThreadFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * LMAX Disruptor 4: one ring of capacity slots, single producer, {@link BlockingWaitStrategy} (the
 * one that parks instead of spinning, as every other contender does); one handler (one daemon
 * platform thread) per stage, each gated on its predecessors with {@code
 * after(...).handleEventsWith(...)}. A sink handler delivers the slot's event to the {@link Sink}.
 * Every handler sees every event in the ring, so the diamond's join is a barrier that sees each
 * event once, after both branches (the queued contenders' joins receive it twice): {@link
 * Contender#arrivalsPerEvent} counts sink handlers, not paths.
 */
final class DisruptorFlow implements Flow {

  /** A ring slot. */
  static final class Slot {
    Object value = EventSource.EVENT;
    int stage;
  }

  private static final EventTranslatorOneArg<Slot, Object> SET = (slot, seq, v) -> slot.value = v;

  private final Disruptor<Slot> disruptor;
  private final RingBuffer<Slot> ring;

  DisruptorFlow(Topology topology, Sink sink, int capacity) {
    disruptor =
        new Disruptor<>(
            Slot::new,
            capacity,
            DaemonThreadFactory.INSTANCE,
            ProducerType.SINGLE,
            new BlockingWaitStrategy());
    List<EventHandler<Slot>> handlers = new ArrayList<>();
    for (int i = 0; i < topology.size(); i++) {
      int index = i;
      EventHandler<Slot> h =
          topology.isSink(i)
              ? (slot, seq, end) -> sink.arrive(slot.value)
              : (slot, seq, end) -> slot.stage = index;
      handlers.add(h);
      List<Integer> preds = topology.predecessors(i);
      if (preds.isEmpty()) {
        disruptor.handleEventsWith(h);
      } else {
        EventHandlerIdentity[] after = new EventHandlerIdentity[preds.size()];
        for (int k = 0; k < after.length; k++) {
          after[k] = handlers.get(preds.get(k));
        }
        disruptor.after(after).handleEventsWith(h);
      }
    }
    ring = disruptor.start();
  }

  @Override
  public void feed(EventSource source, long count) throws InterruptedException {
    for (long i = 0; i < count; i++) {
      ring.publishEvent(SET, source.next());
    }
  }

  @Override
  public void stop() {
    disruptor.shutdown();
  }
}
