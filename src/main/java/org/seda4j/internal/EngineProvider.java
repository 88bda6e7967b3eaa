package org.seda4j.internal;

import org.seda4j.StageGraph;
import org.seda4j.spi.Engine;

/**
 * The engine as a {@link java.util.ServiceLoader} provider of {@link Engine}: the only public class
 * of this package, because a provider found on the class path must be public with a public
 * no-argument constructor.
 */
public final class EngineProvider implements Engine {

  /** Creates the provider; {@link java.util.ServiceLoader} calls it. */
  public EngineProvider() {}

  @Override
  public StageGraph.Builder graphBuilder(String name) {
    return GraphImpl.builder(name);
  }
}
