// A blocking I/O handler (10 ms per event, like a slow remote call): the default concurrency
// controller finds how many handlers to run at once. Watch the permits move.
// Run it: examples/run blocking-io
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import org.seda4j.*;
import org.seda4j.observe.*;

var done = new LongAdder();
var graph = StageGraph.builder("io").samplePeriod(Duration.ofMillis(100)).open();
Stage<Integer> calls = graph.stage("remote-call", Integer.class).
    capacity(10_000).
    handler((n, ctx) -> { Thread.sleep(10); done.increment(); });   // no tuning: adaptive permits

// Offer 20,000 calls as fast as the queue takes them (put blocks while it is full).
Thread producer = Thread.ofVirtual().start(() -> {
    try { for (int i = 0; i < 20_000; i++) calls.put(i); } catch (InterruptedException e) { }
});

long start = System.nanoTime();
while (done.sum() < 20_000 && System.nanoTime() - start < 20_000_000_000L) {
    StageSnapshot s = calls.snapshot();
    System.out.printf("%5d ms: permits %5d, queued %5d, done %6d  (%s)%n",
        (System.nanoTime() - start) / 1_000_000, s.handlers().permits(), s.queue().queued(), done.sum(), s.controllers().concurrencyDecision());
    Thread.sleep(250);
}
producer.join();
graph.awaitIdle(Duration.ofSeconds(30));
System.out.printf("20,000 calls of 10 ms in %d ms (one thread would need 200,000 ms)%n", (System.nanoTime() - start) / 1_000_000);
System.out.println(graph.snapshot());
graph.close();
/exit
