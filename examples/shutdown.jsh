// Graceful shutdown with a deadline: what could not finish is reported, never lost silently.
// Run it: examples/run shutdown
import java.time.Duration;
import org.seda4j.*;
import org.seda4j.observe.*;

record Job(int id) {}

var graph = StageGraph.open("jobs");
Stage<Job> slow = graph.stage("slow", Job.class).
    permits(2).batchSize(1).
    handler((j, ctx) -> Thread.sleep(200));   // each job takes 200 ms

for (int i = 1; i <= 10; i++) slow.put(new Job(i));

// Ten jobs need about a second with two permits; give close only 300 ms.
ShutdownReport report = graph.close(Duration.ofMillis(300));
System.out.println(report);
for (UnprocessedEvent u : report.unprocessed()) {
    System.out.println("  not processed: " + u.event() + (u.started() ? " (interrupted while running)" : " (still queued)"));
}
StageSnapshot s = graph.snapshot().stages().get(0);
System.out.println("admitted " + s.counts().admitted() + " = completed " + s.counts().completed() + " + cancelled " + s.counts().cancelled()
    + " -> balanced: " + s.balanced());
System.out.println(graph.snapshot());
/exit
