package org.seda4j.spi;

import org.seda4j.StageGraph;

/*
 * The one way in from the API to the engine. The API packages never import org.seda4j.internal:
 * StageGraph.builder asks this service, whose single provider (org.seda4j.internal.EngineProvider)
 * is declared by `provides` in module-info for the module path and by
 * META-INF/services/org.seda4j.spi.Engine for the class path. See
 * docs/decisions/0004-api-packages.md.
 */
/** The engine behind the API: creates graphs. A service with one provider, seda4j's own engine. */
public interface Engine {

  /**
   * Starts configuring a graph (the implementation of {@link StageGraph#builder(String)}).
   *
   * @param name the graph's name, not yet validated
   * @return a builder
   * @throws IllegalArgumentException if the name is not allowed
   */
  StageGraph.Builder graphBuilder(String name);

  /**
   * The engine, found once per class loader by {@link java.util.ServiceLoader}.
   *
   * @return the engine
   * @throws IllegalStateException if no engine is found (a jar that lost its service entry)
   */
  static Engine get() {
    return EngineLoader.ENGINE;
  }
}
