// Overload: a service whose database serves 8 calls of 10 ms at a time (about 800 requests/s)
// starts cold at half that load, gets four times its capacity for 5 s, then half again. Nothing is
// tuned: permits and batch size are the defaults, and the admission controller is given only a
// target (the 90th percentile of the response time: 50 ms). It sheds the excess with a quick 503,
// holds the answered requests near the target, sheds nothing while the load is below capacity.
// A snapshot a second goes into a SnapshotHistory, drawn at the end as an SVG picture (the stage
// network and a sparkline per figure and stage: watch the permits and the rejections follow the load).
// Run it: examples/run overload
import java.nio.file.*;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.locks.LockSupport;
import org.seda4j.*;
import org.seda4j.control.*;
import org.seda4j.observe.*;

record Request(long arrivedNanos) {}
record Answer(long arrivedNanos, int status) {}

double capacity = 800;                                   // 8 connections / 10 ms
long target = 50_000_000;                                // ns
var answers = new ConcurrentLinkedQueue<long[]>();       // arrived, response time, status
var graph = StageGraph.open("overload");
var db = new Semaphore(8);
var history = SnapshotHistory.ofLast(12);                // the whole run, a snapshot a second

Stage<Answer> respond = graph.stage("respond", Answer.class).handler((a, ctx) ->
    answers.add(new long[] {a.arrivedNanos(), System.nanoTime() - a.arrivedNanos(), a.status()}));
Stage<Request> query = graph.stage("query", Request.class).
    admission(AdmissionController.responseTime(Duration.ofNanos(target))).
    onReject((r, why) -> respond.offer(new Answer(r.arrivedNanos(), 503))).   // degrade: busy
    handler((r, ctx) -> {
        db.acquire();
        try { Thread.sleep(10); } finally { db.release(); }   // the database call
        ctx.emit(respond, new Answer(r.arrivedNanos(), 200));
    });

// Open-loop Poisson arrivals: 0.5 x capacity for 3 s (a cold start), 4 x for 5 s, 0.5 x for 3 s.
double[] rates = {0.5 * capacity, 4 * capacity, 0.5 * capacity};
long[] ends = {3_000_000_000L, 8_000_000_000L, 11_000_000_000L};
var random = new Random(7);
long start = System.nanoTime() + 10_000_000;
long at = start;
// One line per second of arrivals, printed a second later (when its answers are in).
void report(int second) {
    history.add(graph.snapshot());
    long from = start + (second - 1) * 1_000_000_000L, to = from + 1_000_000_000L;
    var ok = new ArrayList<Long>(); long shed = 0;
    for (long[] a : answers) {
        if (a[0] < from || a[0] >= to) continue;
        if (a[2] == 200) ok.add(a[1]); else shed++;
    }
    Collections.sort(ok);
    System.out.printf("%2ds   %7.0f   %12d   %14d   %7.1f ms   %6d   %s%n", second,
        rates[second <= 3 ? 0 : second <= 8 ? 1 : 2], ok.size(), shed,
        ok.isEmpty() ? 0.0 : ok.get((int) Math.ceil(0.9 * ok.size()) - 1) / 1e6,
        query.permits(), query.snapshot().controllers().admission());
}
System.out.println(" t   offered/s  answered 200/s  answered 503/s  p90 of 200s  permits  admission");
int second = 1;
for (int phase = 0; phase < 3; ) {
    long wait = at - System.nanoTime();
    if (wait > 0) { LockSupport.parkNanos(wait); continue; }
    query.offer(new Request(at));                         // never blocks; a refusal got its 503
    at += (long) (-Math.log(1 - random.nextDouble()) / rates[phase] * 1e9);
    if (at - start >= ends[phase]) { phase++; }
    if (at - start >= (second + 1) * 1_000_000_000L) { report(second++); }
}
graph.awaitIdle(Duration.ofSeconds(30));
while (second <= ends[2] / 1_000_000_000L) { report(second++); }

// Conclusions, computed from the answers by arrival time (250 ms bins).
long bin = 250_000_000, step = start + ends[0], fall = start + ends[1];
int bins = (int) (ends[2] / bin);
var okByBin = new ArrayList<List<Long>>(); long[] shedByBin = new long[bins];
for (int i = 0; i < bins; i++) okByBin.add(new ArrayList<>());
long okInOverload = 0, shedInOverload = 0, shedAfterFall = 0, lastShed = Long.MIN_VALUE;
for (long[] a : answers) {
    int b = (int) ((a[0] - start) / bin);
    if (b < 0 || b >= bins) continue;
    if (a[2] == 200) okByBin.get(b).add(a[1]); else { shedByBin[b]++; lastShed = Math.max(lastShed, a[0]); }
    boolean overload = a[0] >= step && a[0] < fall;
    if (overload && a[2] == 200) okInOverload++;
    if (overload && a[2] != 200) shedInOverload++;
    if (a[0] >= fall && a[0] < fall + 2_000_000_000L && a[2] != 200) shedAfterFall++;
}
long shedCold = 0;
for (int b = 0; b < ends[0] / bin; b++) shedCold += shedByBin[b];
long recovered = -1;                                      // ms after the step, -1: never
for (int b = (int) (ends[1] / bin) - 1; b >= ends[0] / bin; b--) {
    var l = okByBin.get(b); Collections.sort(l);
    double p90 = l.isEmpty() ? 0 : l.get((int) Math.ceil(0.9 * l.size()) - 1);
    if (p90 > 1.2 * target) break;
    recovered = b * bin - ends[0];
}
double goodput = okInOverload / ((ends[1] - ends[0]) / 1e9);
System.out.println();
System.out.println(shedCold == 0
    ? "cold start at half load: no request was shed (the controllers found the permits first)"
    : "cold start at half load: " + shedCold + " requests were shed (target: none)");
System.out.println(recovered < 0
    ? "at 4x load the p90 of answered requests never settled within 1.2 x 50 ms"
    : String.format("at 4x load the p90 of answered requests was within 1.2 x 50 ms from %d ms after the step on (target: 2,000 ms)", recovered));
System.out.printf("goodput at 4x load: %.0f/s, %.2f of the database's %.0f/s; %d requests (%.0f/s) got a quick 503%n",
    goodput, goodput / capacity, capacity, shedInOverload, shedInOverload / ((ends[1] - ends[0]) / 1e9));
System.out.println(shedAfterFall == 0
    ? "back at half load: no request was shed in the 2 s after the load fell"
    : String.format("back at half load: %d requests were shed in the 2 s after the load fell, the last %d ms after it",
        shedAfterFall, (lastShed - fall) / 1_000_000));
Path picture = Files.createTempFile("overload-", ".svg");
Files.writeString(picture, Diagrams.svg(history));       // open it in a browser
System.out.println("the run as a picture (" + history.samples().size() + " snapshots): " + picture);
System.out.println(graph.snapshot());
graph.close();
/exit
