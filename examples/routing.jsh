// Routing with a sealed event type and an exhaustive switch, fan-out, and a dead-letter stage.
// Run it: examples/run routing
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.seda4j.*;
import org.seda4j.observe.*;

sealed interface Command permits Deposit, Withdraw, Audit {}
record Deposit(String account, long cents) implements Command {}
record Withdraw(String account, long cents) implements Command {}
record Audit(String note) implements Command {}

var balances = new ConcurrentHashMap<String, AtomicLong>();
var graph = StageGraph.open("bank");

// Failed events end up here, with the stage, the event and the exception.
Stage<DeadLetter> deadLetters = graph.stage("dead-letters", DeadLetter.class).
    handler((d, ctx) -> System.out.println("dead letter from " + d.stage() + ": " + d.event() + " (" + d.error().getMessage() + ")"));

Stage<Audit> audit = graph.stage("audit", Audit.class).permits(1).
    handler((a, ctx) -> System.out.println("audit: " + a.note()));

Stage<Deposit> deposits = graph.stage("deposits", Deposit.class).
    handler((d, ctx) -> balances.computeIfAbsent(d.account(), k -> new AtomicLong()).addAndGet(d.cents()));

Stage<Withdraw> withdrawals = graph.stage("withdrawals", Withdraw.class).
    permits(1).
    onFailure(FailurePolicy.deadLetter(deadLetters)).
    handler((w, ctx) -> {
        AtomicLong balance = balances.computeIfAbsent(w.account(), k -> new AtomicLong());
        if (balance.get() < w.cents()) throw new IllegalStateException("insufficient funds in " + w.account());
        balance.addAndGet(-w.cents());
    });

// The router: an exhaustive switch over the sealed type (the compiler checks every case),
// plus fan-out: every command also goes to the audit stage.
Stage<Command> router = graph.stage("router", Command.class).
    handler((c, ctx) -> {
        switch (c) {
            case Deposit d -> ctx.emit(deposits, d);
            case Withdraw w -> ctx.emit(withdrawals, w);
            case Audit a -> { }
        }
        ctx.emit(audit, new Audit(c.toString()));
    });

router.put(new Deposit("alice", 10_000));
graph.awaitIdle(Duration.ofSeconds(10));   // deposits land before the withdrawals below
router.put(new Withdraw("alice", 2_500));
router.put(new Withdraw("bob", 100));      // bob has nothing: goes to the dead-letter stage
router.put(new Audit("end of day"));
graph.awaitIdle(Duration.ofSeconds(10));

System.out.println("alice's balance: " + balances.get("alice").get() + " cents");
GraphSnapshot snapshot = graph.snapshot();
System.out.println(snapshot);
System.out.println(Diagrams.mermaid(snapshot));   // the stage network, as discovered from actual emits
graph.close();
/exit
