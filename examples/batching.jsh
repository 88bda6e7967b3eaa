// Batching: a per-batch handler groups writes (one file append per batch, like one SQL batch
// insert), and the default batching controller grows the batch while that buys throughput.
// Run it: examples/run batching
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.seda4j.*;

record Reading(int sensor, double value) {}

Path file = Files.createTempFile("seda4j-readings", ".csv");
var written = new LongAdder();
var graph = StageGraph.builder("ingest").samplePeriod(Duration.ofMillis(50)).open();
Stage<Reading> store = graph.stage("store", Reading.class).
    capacity(20_000).
    permits(1).                        // one writer: the file is the shared resource
    batchHandler((List<Reading> batch, StageContext ctx) -> {
        StringBuilder lines = new StringBuilder();
        for (Reading r : batch) lines.append(r.sensor()).append(',').append(r.value()).append('\n');
        Files.writeString(file, lines, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        Thread.sleep(1);               // the round trip a database would add per batch
        written.add(batch.size());
    });

int total = 100_000;
Thread producer = Thread.ofVirtual().start(() -> {
    try { for (int i = 0; i < total; i++) store.put(new Reading(i % 16, i * 0.5)); } catch (InterruptedException e) { }
});
long start = System.nanoTime();
while (written.sum() < total && System.nanoTime() - start < 30_000_000_000L) {
    StageSnapshot s = store.snapshot();
    System.out.printf("%5d ms: batch size %4d, written %6d  (%s)%n",
        (System.nanoTime() - start) / 1_000_000, s.batchSize(), written.sum(), s.batchDecision());
    Thread.sleep(50);
}
producer.join();
graph.awaitIdle(Duration.ofSeconds(30));
System.out.printf("%,d readings in %d ms, %,d lines in %s%n", total, (System.nanoTime() - start) / 1_000_000,
    Files.readAllLines(file).size(), file.getFileName());
System.out.println(graph.snapshot());
graph.close();
Files.delete(file);
/exit
