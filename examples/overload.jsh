// Overload (scenario S3 of docs/lab.md): a service whose database serves 8 calls of 10 ms at a time
// (about 800 requests/s) starts cold at half that load for 3 s, gets four times its capacity for
// 5 s, then half again for 3 s. Nothing is tuned: permits and batch size are the defaults, and the
// admission controller is given only a target (the 90th percentile of the response time: 50 ms).
// It should shed nothing at the cold start, shed the excess with a quick 503 and hold the answered
// requests' p90 near the target within 2 s of the step, and shed nothing once the load falls.
// A line a second shows what was measured; at the end a verdict per target, computed from the
// answers (response time from each request's intended arrival, so a late arrival is charged).
// A snapshot a second goes into a SnapshotHistory, drawn at the end as an SVG picture (the stage
// network and a sparkline per figure and stage: watch the permits and the rejections follow the load).
// Run it: examples/run overload
import java.nio.file.*;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
import java.util.concurrent.locks.LockSupport;
import org.seda4j.*;
import org.seda4j.control.*;
import org.seda4j.observe.*;

record Request(long arrivedNanos) {}
record Answer(long arrivedNanos, int status) {}

int connections = 8;
double capacity = connections / 0.010;                   // nominal: 8 connections / 10 ms = 800/s
long target = 50_000_000;                                // ns
var answers = new ConcurrentLinkedQueue<long[]>();       // intended arrival, response time, status
var graph = StageGraph.open("overload");
var db = new Semaphore(connections);
var dbCalls = new LongAdder();                           // the database's calls and the time they
var dbNanos = new LongAdder();                           // held a connection: its real capacity
var history = SnapshotHistory.ofLast(12);                // the whole run, a snapshot a second

Stage<Answer> respond = graph.stage("respond", Answer.class).handler((a, ctx) ->
    answers.add(new long[] {a.arrivedNanos(), System.nanoTime() - a.arrivedNanos(), a.status()}));
Stage<Request> query = graph.stage("query", Request.class).
    admission(AdmissionController.responseTime(Duration.ofNanos(target))).
    onReject((r, why) -> respond.offer(new Answer(r.arrivedNanos(), 503))).   // degrade: busy
    handler((r, ctx) -> {
        db.acquire();
        long held = System.nanoTime();
        try { Thread.sleep(10); }                        // the database call
        finally { dbNanos.add(System.nanoTime() - held); dbCalls.increment(); db.release(); }
        ctx.emit(respond, new Answer(r.arrivedNanos(), 200));
    });

// Open-loop Poisson arrivals: 0.5 x capacity for 3 s (a cold start), 4 x for 5 s, 0.5 x for 3 s.
double[] rates = {0.5 * capacity, 4 * capacity, 0.5 * capacity};
long[] ends = {3_000_000_000L, 8_000_000_000L, 11_000_000_000L};
int seconds = (int) (ends[2] / 1_000_000_000L);
var offered = new AtomicLongArray(seconds);              // arrivals per second, counted as offered
long start = 0;                                          // set by run(), just before the first arrival

// One line per second of arrivals, printed a second later; "waiting": not answered yet.
void report(int second) {
    history.add(graph.snapshot());
    long from = start + (second - 1) * 1_000_000_000L, to = from + 1_000_000_000L;
    var ok = new ArrayList<Long>(); long shed = 0;
    for (long[] a : answers) {
        if (a[0] < from || a[0] >= to) continue;
        if (a[2] == 200) ok.add(a[1]); else shed++;
    }
    Collections.sort(ok);
    long n = offered.get(second - 1);
    System.out.printf("%2ds   %7d   %12d   %12d   %7d   %7.1f ms   %6d   %s%n", second, n, ok.size(),
        shed, n - ok.size() - shed, ok.isEmpty() ? 0.0 : ok.get((int) Math.ceil(0.9 * ok.size()) - 1) / 1e6,
        query.permits(), query.snapshot().controllers().admission());
}

// The run, in one method so that nothing (jshell compiling the next snippet) comes between the
// start time and the first arrival: arrivals on this thread, the lines on another.
void run() {
    start = System.nanoTime() + 10_000_000;
    var lines = Thread.ofPlatform().daemon().start(() -> {
        for (int s = 1; s <= seconds; s++) {
            long due = start + (s + 1) * 1_000_000_000L;
            for (long w = due - System.nanoTime(); w > 0; w = due - System.nanoTime()) LockSupport.parkNanos(w);
            report(s);
        }
    });
    var random = new Random(7);
    long at = start;
    for (int phase = 0; phase < 3; ) {
        long wait = at - System.nanoTime();
        if (wait > 0) { LockSupport.parkNanos(wait); continue; }
        offered.incrementAndGet((int) ((at - start) / 1_000_000_000L));
        query.offer(new Request(at));                    // never blocks; a refusal got its 503
        at += (long) (-Math.log(1 - random.nextDouble()) / rates[phase] * 1e9);
        while (phase < 3 && at - start >= ends[phase]) {   // a new rate: the next gap drawn afresh
            phase++;                                     // from the boundary (exact for Poisson)
            if (phase < 3) at = start + ends[phase - 1] + (long) (-Math.log(1 - random.nextDouble()) / rates[phase] * 1e9);
        }
    }
    try { lines.join(); } catch (InterruptedException e) { throw new IllegalStateException(e); }
}
System.out.println(" t   offered  answered 200  answered 503   waiting  p90 of 200s  permits  admission");
run();
graph.awaitIdle(Duration.ofSeconds(30));

// Conclusions, computed from the answers by intended arrival time (p90 per 250 ms bin).
long bin = 250_000_000, step = start + ends[0], fall = start + ends[1];
int bins = (int) (ends[2] / bin);
var okByBin = new ArrayList<List<Long>>(); long[] shedByBin = new long[bins];
for (int i = 0; i < bins; i++) okByBin.add(new ArrayList<>());
long ok = 0, shed = 0, answeredInOverload = 0, lastShedAfterFall = -1;
var okInOverload = new ArrayList<Long>();
for (long[] a : answers) {
    int b = (int) ((a[0] - start) / bin);
    if (a[2] == 200) { ok++; okByBin.get(b).add(a[1]); } else { shed++; shedByBin[b]++; }
    if (a[2] == 200 && a[0] >= step && a[0] < fall) okInOverload.add(a[1]);
    if (a[2] == 200 && a[0] + a[1] >= step && a[0] + a[1] < fall) answeredInOverload++;
    if (a[2] != 200 && a[0] >= fall) lastShedAfterFall = Math.max(lastShedAfterFall, a[0] - fall);
}
long shedFirstSecond = 0, shedCold = 0, shedAfterFall = 0;
for (int b = 0; b < bins; b++) {
    if (b * bin < 1_000_000_000L) shedFirstSecond += shedByBin[b];
    if (b * bin < ends[0]) shedCold += shedByBin[b];
    if (b * bin >= ends[1] && b * bin < ends[1] + 2_000_000_000L) shedAfterFall += shedByBin[b];
}
long p90(List<Long> l) { Collections.sort(l); return l.get((int) Math.ceil(0.9 * l.size()) - 1); }
long shedByPhase(int phase) {
    long n = 0;
    for (int b = 0; b < bins; b++) if (b * bin >= (phase == 0 ? 0 : ends[phase - 1]) && b * bin < ends[phase]) n += shedByBin[b];
    return n;
}
long recovered = -1;                                     // ns after the step, -1: never
for (int b = (int) (ends[1] / bin) - 1; b >= ends[0] / bin; b--) {
    var l = okByBin.get(b);
    if (!l.isEmpty() && p90(l) > 1.2 * target) break;   // a bin without answers counts as within
    recovered = b * bin - ends[0];
}
long total = 0;
for (int s = 0; s < seconds; s++) total += offered.get(s);
double measuredCapacity = connections * dbCalls.sum() * 1e9 / Math.max(1, dbNanos.sum());
double goodput = answeredInOverload / ((ends[1] - ends[0]) / 1e9);
var counts = query.snapshot().counts();
System.out.println();
System.out.printf("accounted: %d offered = %d answered 200 + %d answered 503 + %d unanswered;"
    + " the query stage counted %d admitted + %d rejected%n",
    total, ok, shed, total - ok - shed, counts.admitted(), counts.rejected());
System.out.printf("the database: %d calls of %.2f ms on average, %d connections: capacity %.0f/s%n",
    dbCalls.sum(), dbNanos.sum() / 1e6 / Math.max(1, dbCalls.sum()), connections, measuredCapacity);
System.out.printf("at 4x load: goodput %.0f/s (%.2f of that capacity), p90 of the answered %.1f ms,"
    + " %d requests (%.0f/s) got a quick 503%n", goodput, goodput / measuredCapacity,
    okInOverload.isEmpty() ? Double.NaN : p90(okInOverload) / 1e6, shedByPhase(1), shedByPhase(1) / 5.0);
System.out.printf("VERDICT S3 no-rejection-in-first-phase %s measured=%d rejections of requests arriving"
    + " in [0,3s) (first second: %d) target=0%n", shedCold == 0 ? "MET" : "MISSED", shedCold, shedFirstSecond);
System.out.printf("VERDICT S3 p90<=1.2*target-within-2s-of-step %s measured=%s target<=2s%n",
    recovered >= 0 && recovered <= 2_000_000_000L ? "MET" : "MISSED",
    recovered < 0 ? "never (the last 250 ms bin of the 4x phase has p90 over 60 ms)"
        : String.format("%.2f s after the step (every later 250 ms bin of the 4x phase has p90 <= 60 ms)", recovered / 1e9));
System.out.printf("VERDICT S3 no-rejection-within-2s-after-fall %s measured=%d rejections of requests"
    + " arriving in [fall,fall+2s) (last rejection: %s) target=0%n", shedAfterFall == 0 ? "MET" : "MISSED",
    shedAfterFall, lastShedAfterFall < 0 ? "none after the fall" : String.format("fall+%.2fs", lastShedAfterFall / 1e9));
Path picture = Files.createTempFile("overload-", ".svg");
Files.writeString(picture, Diagrams.svg(history));       // open it in a browser
System.out.println("the run as a picture (" + history.samples().size() + " snapshots): " + picture);
System.out.println(graph.snapshot());
graph.close();
/exit
