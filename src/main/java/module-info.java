import org.jspecify.annotations.NullMarked;

/** seda4j. */
// Null-marked as a whole (engine, Micrometer binding and the tests and examples compiled into this
// module): NullAway runs with OnlyNullMarked=true and checks exactly what is null-marked. The
// exported packages say @NullMarked in their package-info too, for users' tools that read the jar
// on the class path, where a module annotation is not seen.
// micrometer-core 1.17.2 and opentelemetry-api/-context 1.68.0 are automatic modules
// (Automatic-Module-Name: micrometer.core, io.opentelemetry.api, io.opentelemetry.context).
@NullMarked
@SuppressWarnings("requires-automatic")
module org.seda4j {
  requires org.slf4j;
  requires java.management; // a StageMXBean per stage in the platform MBeanServer
  requires jdk.management; // process CPU time for the controllers' samples
  requires jdk.jfr; // Flight Recorder events (internal.JfrEvents)
  // Nullness annotations: its API shows @Nullable, so a module that uses seda4j reads them too.
  // A plain dependency of seda4j (not optional: Maven passes it on to every user), required at
  // run time as well, so a module that says only `requires org.seda4j;` compiles and runs with
  // just the jars Maven gives it (ConsumerIT builds and runs one).
  requires transitive org.jspecify;
  // Optional: only org.seda4j.micrometer uses Micrometer, and its API shows Micrometer types
  // (MeterBinder, MeterRegistry, Tag). Without Micrometer the rest of seda4j works unchanged; a
  // module that uses org.seda4j.micrometer says `requires micrometer.core;` itself. Never
  // `transitive`: Maven does not pass an optional dependency on, so a module that requires
  // org.seda4j alone would not compile.
  requires static micrometer.core;
  // Optional in the same way: only org.seda4j.opentelemetry uses OpenTelemetry (its API shows
  // OpenTelemetry; its spans use the context module too). A module that uses that package says
  // `requires io.opentelemetry.api;` itself.
  requires static io.opentelemetry.api;
  requires static io.opentelemetry.context;

  exports org.seda4j;
  exports org.seda4j.control;
  exports org.seda4j.observe;
  exports org.seda4j.micrometer;
  exports org.seda4j.opentelemetry;

  // The API reaches the engine only through this service (docs/decisions/0004-api-packages.md).
  uses org.seda4j.spi.Engine;

  provides org.seda4j.spi.Engine with
      org.seda4j.internal.EngineProvider;
}
