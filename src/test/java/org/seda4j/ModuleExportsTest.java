package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.NullMarked;
import org.junit.jupiter.api.Test;

/** The public surface: one exported, null-marked API package; the engine stays hidden. */
class ModuleExportsTest {

  @Test
  void moduleExportsOnlyTheApiPackage() throws IOException, URISyntaxException {
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
        .containsExactly("org.seda4j");
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
            "org.slf4j", "org.jspecify static", "jdk.management", "java.management", "jdk.jfr");
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
}
