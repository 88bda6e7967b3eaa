package org.seda4j.bench;

/**
 * A contender built for one {@link Topology}: its stages are running and deliver to a {@link Sink}.
 */
interface Flow {

  /**
   * Sends {@code count} events, taken from {@code source}, into stage 0 from the calling thread (or
   * from the contender's own producer thread, for Reactor, which pulls). Blocks while stage 0 is
   * full; returns when every event has been accepted (not necessarily processed).
   *
   * @param source the events
   * @param count how many
   * @throws Exception if the flow fails
   */
  void feed(EventSource source, long count) throws Exception;

  /**
   * Stops every thread of the flow; called once everything sent has arrived. (Not {@code
   * AutoCloseable.close}: stopping may throw InterruptedException.)
   *
   * @throws Exception if the flow cannot stop
   */
  void stop() throws Exception;
}
