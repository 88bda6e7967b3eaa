// Batching: a per-batch handler writes each batch as one JDBC batch insert and one transaction into
// an embedded H2 database (a file in a temporary directory), and the default batching controller
// chooses the batch size while the readings flow. Watch its choice and its reasons.
// Run it: examples/run batching
import java.nio.file.*;
import java.sql.*;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.seda4j.*;
import org.seda4j.observe.*;

record Reading(int sensor, double value) {}

Path dir = Files.createTempDirectory("seda4j-batching");
java.sql.Connection db = DriverManager.getConnection("jdbc:h2:" + dir.resolve("readings").toAbsolutePath());
db.createStatement().execute("CREATE TABLE reading (sensor INT NOT NULL, reading_value DOUBLE NOT NULL)");
db.setAutoCommit(false);
PreparedStatement insert = db.prepareStatement("INSERT INTO reading (sensor, reading_value) VALUES (?, ?)");

var written = new LongAdder();
var batches = new LongAdder();
var graph = StageGraph.builder("ingest").samplePeriod(Duration.ofMillis(50)).open();
Stage<Reading> store = graph.stage("store", Reading.class).
    capacity(20_000).
    permits(1).                        // one writer: the connection is the shared resource
    batchHandler((List<Reading> batch, StageContext ctx) -> {
        for (Reading r : batch) {
            insert.setInt(1, r.sensor());
            insert.setDouble(2, r.value());
            insert.addBatch();
        }
        insert.executeBatch();         // one round of inserts ...
        db.commit();                   // ... and one commit per batch
        written.add(batch.size());
        batches.increment();
    });

int total = 100_000;
Thread producer = Thread.ofVirtual().start(() -> {
    try { for (int i = 0; i < total; i++) store.put(new Reading(i % 16, i * 0.5)); } catch (InterruptedException e) { }
});
long start = System.nanoTime();
while (written.sum() < total && System.nanoTime() - start < 60_000_000_000L) {
    StageSnapshot s = store.snapshot();
    System.out.printf("%5d ms: batch size %4d, written %6d  (%s)%n",
        (System.nanoTime() - start) / 1_000_000, s.handlers().batchSize(), written.sum(), s.controllers().batchDecision());
    Thread.sleep(50);
}
producer.join();
graph.awaitIdle(Duration.ofSeconds(30));
long millis = (System.nanoTime() - start) / 1_000_000;
ResultSet count = db.createStatement().executeQuery("SELECT COUNT(*), COUNT(DISTINCT sensor) FROM reading");
count.next();
System.out.printf("%,d readings in %d ms: %,d rows in table reading (%d sensors), %,d transactions (%.0f rows each)%n",
    total, millis, count.getLong(1), count.getInt(2), batches.sum(), (double) written.sum() / batches.sum());
System.out.println(graph.snapshot());
graph.close();
db.close();
try (var files = Files.walk(dir)) { files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete()); }
/exit
