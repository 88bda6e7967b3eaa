package org.seda4j.spi;

import java.util.ServiceLoader;

/**
 * Finds the engine on first use (the holder idiom: class initialisation makes it lazy and safe).
 */
final class EngineLoader {
  static final Engine ENGINE = load();

  private EngineLoader() {}

  /**
   * The provider of {@link Engine} that ships with this copy of seda4j: loaded by the class loader
   * of this class and defined in the same module (on the class path: the same unnamed module), so
   * that another jar's provider cannot replace it.
   */
  private static Engine load() {
    Module module = Engine.class.getModule();
    return ServiceLoader.load(Engine.class, Engine.class.getClassLoader()).stream()
        .filter(p -> p.type().getModule() == module)
        .map(ServiceLoader.Provider::get)
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "seda4j's engine was not found: the module declares it with `provides"
                        + " org.seda4j.spi.Engine`, a class-path jar with the file"
                        + " META-INF/services/org.seda4j.spi.Engine; a repackaged (shaded) jar"
                        + " must keep that file (Maven Shade: ServicesResourceTransformer)"));
  }
}
