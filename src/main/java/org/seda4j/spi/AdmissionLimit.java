package org.seda4j.spi;

/**
 * A built-in admission controller whose state is a limit on the events in the system: the engine
 * records a change of it as a controller decision (a JFR event), like a change of permits.
 */
public interface AdmissionLimit {

  /**
   * The limit now. Any thread; never blocks.
   *
   * @return the events the controller admits into the system, or {@link Long#MAX_VALUE} for none
   */
  long limit();
}
