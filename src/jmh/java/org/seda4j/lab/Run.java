package org.seda4j.lab;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.seda4j.observe.StageSnapshot;

/**
 * One scenario running in this JVM: its plan, the engine label written into every row, the rows,
 * and helper processes whose CPU use is not "other processes".
 */
final class Run {

  private final LabPlan plan;
  private final String scenario;
  private final String engine;
  private final Table table = new Table();
  private final List<ProcessHandle> helpers = new ArrayList<>();
  private double helperSeconds;

  Run(LabPlan plan, String scenario, String engine) {
    this.plan = plan;
    this.scenario = scenario;
    this.engine = engine;
  }

  LabPlan plan() {
    return plan;
  }

  Table table() {
    return table;
  }

  /** A new row, with the engine, scenario and part filled in. */
  Table.Row row(String part) {
    return table.add().put("engine", engine).put("scenario", scenario).put("part", part);
  }

  /** Prints a progress line; every caller passes a literal format. */
  @SuppressWarnings("AnnotateFormatMethod") // error_prone_annotations is not a dependency
  void log(String format, Object... args) {
    System.out.printf(
        Locale.ROOT, "[%s %s] %s%n", scenario, engine, String.format(Locale.ROOT, format, args));
  }

  /** A helper process (a CPU hog) started; its CPU counts apart from other processes'. */
  void helperStarted(ProcessHandle process) {
    helpers.add(process);
  }

  /** A helper process ended having used {@code seconds} of CPU. */
  void helperEnded(ProcessHandle process, double seconds) {
    helpers.remove(process);
    helperSeconds += seconds;
  }

  List<ProcessHandle> helpers() {
    return helpers;
  }

  double helperSeconds() {
    return helperSeconds;
  }

  /**
   * Writes what a seda4j stage's controllers ended with: permits, batch size, queue, their last
   * decisions and the admission controllers' state.
   */
  static void stage(Table.Row row, @Nullable StageSnapshot s) {
    if (s == null) {
      return;
    }
    row.put("permits_end", s.handlers().permits())
        .put("batch_end", s.handlers().batchSize())
        .put("queued_end", s.queue().queued())
        .put("concurrency_decision", s.controllers().concurrencyDecision())
        .put("batch_decision", s.controllers().batchDecision())
        .put("admission", s.controllers().admission());
  }

  /** Parks until {@link System#nanoTime()} reaches {@code deadline}. */
  static void sleepUntil(long deadline) {
    for (long wait = deadline - System.nanoTime(); wait > 0; wait = deadline - System.nanoTime()) {
      LockSupport.parkNanos(wait);
    }
  }
}
