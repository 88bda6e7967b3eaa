package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.NullMarked;
import org.junit.jupiter.api.Test;

/**
 * The public surface: the null-marked API package and the optional Micrometer binding are exported
 * (Micrometer is a static, compile-time-only requirement); the engine stays hidden.
 */
class ModuleExportsTest {

  @Test
  void moduleExportsOnlyTheApiPackages() throws IOException, URISyntaxException {
    // The compiled module descriptor next to the classes (target/classes/module-info.class).
    Path classes =
        Paths.get(StageGraph.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    ModuleDescriptor descriptor;
    try (InputStream in = Files.newInputStream(classes.resolve("module-info.class"))) {
      descriptor = ModuleDescriptor.read(in);
    }

    assertThat(descriptor.name()).isEqualTo("org.seda4j");
    assertThat(descriptor.exports())
        .extracting(ModuleDescriptor.Exports::source)
        .containsExactlyInAnyOrder("org.seda4j", "org.seda4j.micrometer");
    assertThat(descriptor.exports()).allMatch(e -> !e.isQualified());
    Set<String> requires =
        descriptor.requires().stream()
            .filter(r -> !r.name().equals("java.base"))
            .map(
                r ->
                    r.name()
                        + (r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC)
                            ? " static"
                            : ""))
            .collect(Collectors.toSet());
    assertThat(requires)
        .containsExactlyInAnyOrder(
            "org.slf4j",
            "org.jspecify static",
            "jdk.management",
            "java.management",
            "jdk.jfr",
            "micrometer.core static");
    // An optional dependency is never `requires transitive`: a module that says only
    // `requires org.seda4j;` would then need it to compile (ConsumerIT builds such a module).
    assertThat(descriptor.requires())
        .filteredOn(r -> r.name().equals("micrometer.core"))
        .singleElement()
        .satisfies(
            r ->
                assertThat(r.modifiers())
                    .containsExactly(ModuleDescriptor.Requires.Modifier.STATIC));
  }

  @Test
  void apiPackageIsNullMarked() {
    assertThat(StageGraph.class.getPackage().isAnnotationPresent(NullMarked.class)).isTrue();
  }

  @Test
  void engineTypesAreNotPublicApi() throws ClassNotFoundException {
    // Public (so the API package can reach them) but in a package the module does not export.
    Class<?> graph = Class.forName("org.seda4j.internal.GraphImpl");
    assertThat(graph.getPackageName()).isEqualTo("org.seda4j.internal");
    Class<?> stage = Class.forName("org.seda4j.internal.StageImpl");
    assertThat(Modifier.isPublic(stage.getModifiers())).isFalse();
  }

  @Test
  void onlyTheMicrometerPackageRefersToMicrometer() throws IOException, URISyntaxException {
    // Micrometer is optional: no class outside org.seda4j.micrometer may mention it, so a JVM
    // without Micrometer on its class path can load and use the rest of seda4j.
    Path classes =
        Paths.get(StageGraph.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<Path> offenders;
    try (Stream<Path> files = Files.walk(classes)) {
      offenders =
          files
              .filter(p -> p.toString().endsWith(".class"))
              .filter(p -> !classes.relativize(p).startsWith(Paths.get("org/seda4j/micrometer")))
              .filter(p -> !p.getFileName().toString().equals("module-info.class"))
              .filter(ModuleExportsTest::mentionsMicrometer)
              .toList();
    }
    assertThat(offenders).isEmpty();
  }

  private static boolean mentionsMicrometer(Path classFile) {
    try {
      return new String(Files.readAllBytes(classFile), StandardCharsets.ISO_8859_1)
          .contains("io/micrometer");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
