// seda4j hello pipeline: three stages connected by bounded queues; events are records.
// Run it: examples/run hello-pipeline
// (In jshell a statement ends at a line break once it is complete, so chained calls
//  put the dot at the end of the line.)
import java.time.Duration;
import java.util.Locale;
import org.seda4j.*;

record Line(int number, String text) {}
record Words(int number, String[] words) {}

var graph = StageGraph.open("hello");

// Stage 3, print: a per-event handler. Handlers are plain blocking lambdas.
Stage<Words> print = graph.stage("print", Words.class).
    permits(1).   // one printer at a time, so output lines do not interleave
    handler((w, ctx) -> System.out.println("line " + w.number() + ": " + w.words().length + " words " + String.join(" | ", w.words())));

// Stage 2, split: a function whose result is forwarded to the next stage.
Stage<Line> split = graph.stage("split", Line.class).
    permits(1).
    map(line -> new Words(line.number(), line.text().split("\\s+")), print);

// Stage 1, normalise: a handler that emits to another stage through its context.
Stage<Line> normalise = graph.stage("normalise", Line.class).
    capacity(16).
    permits(1).   // with more permits, events are handled concurrently and may overtake each other
    handler((line, ctx) -> ctx.emit(split, new Line(line.number(), line.text().strip().toLowerCase(Locale.ROOT))));

String[] poem = {
    "  Stages connected by QUEUES  ",
    "Each stage with its own    Threads",
    "Backpressure when a queue is FULL"
};
for (int i = 0; i < poem.length; i++) {
    normalise.put(new Line(i + 1, poem[i]));   // blocks if the queue is full (backpressure)
}

graph.awaitIdle(Duration.ofSeconds(10));       // no sleeps: wait until every queue is empty
System.out.println(graph.snapshot());
graph.close();                                 // drains, then joins every thread of the graph
System.out.println("graph state after close: " + graph.state());
/exit
