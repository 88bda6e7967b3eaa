import org.seda4j.*;
import java.time.Duration;

record Order(int id, int cents) {}

var graph = StageGraph.open("shop");
Stage<Order> bill = graph.stage("bill", Order.class).
    handler((o, ctx) -> System.out.println("billing order " + o.id()));
Stage<Order> check = graph.stage("check", Order.class).
    handler((o, ctx) -> { if (o.cents() > 0) ctx.emit(bill, o); });

check.put(new Order(1, 1999));     // blocks only if the queue is full (backpressure)
check.put(new Order(2, 0));        // filtered out by the handler's own logic
graph.awaitIdle(Duration.ofSeconds(5));   // no sleeps: wait until every queue is empty
System.out.println(graph.snapshot());     // queues, permits, batch sizes, event accounting
graph.close();                     // drains every queue, then joins every thread
/exit
