/** seda4j. */
// micrometer-core 1.17.2 is an automatic module (Automatic-Module-Name: micrometer.core).
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module org.seda4j {
  requires org.slf4j;
  requires java.management; // a StageMXBean per stage in the platform MBeanServer
  requires jdk.management; // process CPU time for the controllers' samples
  requires jdk.jfr; // Flight Recorder events (internal.JfrEvents)
  requires static transitive org.jspecify;
  // Optional: only org.seda4j.micrometer uses Micrometer, and its API shows Micrometer types
  // (MeterBinder, MeterRegistry, Tag). Without Micrometer the rest of seda4j works unchanged.
  requires static transitive micrometer.core;

  exports org.seda4j;
  exports org.seda4j.micrometer;
}
