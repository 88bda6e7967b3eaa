/** seda4j. */
module org.seda4j {
  requires org.slf4j;
  requires java.management; // a StageMXBean per stage in the platform MBeanServer
  requires jdk.management; // process CPU time for the controllers' samples
  requires jdk.jfr; // Flight Recorder events (internal.JfrEvents)
  requires static transitive org.jspecify;

  exports org.seda4j;
}
