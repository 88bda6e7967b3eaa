// Overload: a service whose database does 8 calls of 10 ms at a time (about 800 requests/s)
// receives 4x that. The response-time admission controller sheds the excess at once with a
// degraded "503" answer, so the requests it admits keep a p90 near the 50 ms target.
// Run it: examples/run overload
import java.time.Duration;
import java.util.concurrent.*;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.seda4j.*;

record Request(long arrivedNanos) {}
record Answer(long arrivedNanos, int status) {}

var ok = new LongAdder();
var busy = new LongAdder();
var latencies = new ConcurrentLinkedQueue<Long>();   // ms, of the 200s of the last second
var graph = StageGraph.builder("overload").samplePeriod(Duration.ofMillis(50)).open();
var db = new Semaphore(8);

Stage<Answer> respond = graph.stage("respond", Answer.class).handler((a, ctx) -> {
    if (a.status() == 200) {
        ok.increment();
        latencies.add((System.nanoTime() - a.arrivedNanos()) / 1_000_000);
    } else {
        busy.increment();
    }
});
Stage<Request> query = graph.stage("query", Request.class).
    capacity(100_000).                                  // the controller, not the queue, bounds it
    permits(8).
    admission(AdmissionController.responseTime(Duration.ofMillis(50))).
    onReject((r, why) -> respond.offer(new Answer(r.arrivedNanos(), 503))).   // degrade: busy
    handler((r, ctx) -> {
        db.acquire();
        try { Thread.sleep(10); } finally { db.release(); }   // the database call
        ctx.emit(respond, new Answer(r.arrivedNanos(), 200));
    });

// Open-loop arrivals: 400 requests/s for 3 s (half the capacity; jshell warms up meanwhile, and
// the controller may cut while it is slow), then 3,200/s for 5 s: a step to 4x overload.
// Print one line per second.
double rate = 400;
long start = System.nanoTime();
long next = start;
long second = 1;
System.out.println(" t   offered/s  answered 200/s  answered 503/s  p90 of 200s   admission");
while (next - start < 8_000_000_000L) {
    if (next - start >= 3_000_000_000L) { rate = 3_200; }
    long wait = next - System.nanoTime();
    if (wait > 0) { LockSupport.parkNanos(wait); continue; }
    query.offer(new Request(next));   // never blocks; a rejection was answered by onReject
    next += (long) (1e9 / rate);
    if (next - start >= second * 1_000_000_000L) {
        var lat = latencies.stream().sorted().toList();
        long p90 = lat.isEmpty() ? 0 : lat.get((int) Math.ceil(0.9 * lat.size()) - 1);
        System.out.printf("%2ds   %7.0f   %12d   %14d   %8d ms   %s%n", second,
            second <= 3 ? 400.0 : 3_200.0,
            ok.sumThenReset(), busy.sumThenReset(), p90, query.snapshot().admission());
        latencies.clear();
        second++;
    }
}
graph.awaitIdle(Duration.ofSeconds(10));
System.out.println("goodput held near the database's capacity (about 800/s); the rest got a quick 503");
System.out.println(graph.snapshot());
graph.close();
/exit
