package org.seda4j.examples.http;

import java.net.URI;

/** A running example server: the staged one or a baseline. Closing it stops it and joins it. */
public interface ExampleServer extends AutoCloseable {

  /**
   * Where it listens.
   *
   * @return {@code http://127.0.0.1:port/}
   */
  URI uri();

  /**
   * A short report of what it served, for the end of a run.
   *
   * @return the report
   */
  String report();

  /** Stops it and joins its threads; blocks until done; idempotent. */
  @Override
  void close();
}
