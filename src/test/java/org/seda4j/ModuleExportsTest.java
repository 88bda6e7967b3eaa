package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
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
 * The public surface: the API package and the optional Micrometer binding are exported (Micrometer
 * is a static, compile-time-only requirement); the engine stays hidden; the whole module is
 * null-marked.
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
        .containsExactlyInAnyOrder("org.seda4j", "org.seda4j.control", "org.seda4j.micrometer");
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
            "org.jspecify",
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
  void wholeModuleIsNullMarked() throws IOException, URISyntaxException {
    // NullAway runs with OnlyNullMarked=true: it checks only null-marked code, so a package that
    // loses the marking (or a module-info without @NullMarked) silently drops out of the check.
    // The module annotation covers every package, engine included; read it from the compiled
    // module-info.class through a module layer of its own (the tests run on the class path).
    Path classes =
        Paths.get(StageGraph.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Path slf4j =
        Paths.get(
            org.slf4j.Logger.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Path jspecify =
        Paths.get(NullMarked.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Configuration configuration =
        ModuleLayer.boot()
            .configuration()
            .resolve(
                ModuleFinder.of(classes, slf4j, jspecify), ModuleFinder.of(), Set.of("org.seda4j"));
    ModuleLayer layer =
        ModuleLayer.boot()
            .defineModulesWithOneLoader(configuration, ModuleExportsTest.class.getClassLoader());
    Module module = layer.findModule("org.seda4j").orElseThrow();
    // The layer loads its own copy of the JSpecify module: compare the annotation by name.
    assertThat(module.getAnnotations())
        .extracting(a -> a.annotationType().getName())
        .contains(NullMarked.class.getName());
    assertThat(module.getPackages()).contains("org.seda4j", "org.seda4j.internal");

    // Users' tools that read the jar on the class path do not see module annotations: the
    // exported packages say @NullMarked themselves.
    for (ModuleDescriptor.Exports export : module.getDescriptor().exports()) {
      assertThat(packageInfoIsNullMarked(export.source())).as(export.source()).isTrue();
    }
  }

  private static boolean packageInfoIsNullMarked(String packageName) {
    try {
      return Class.forName(packageName + ".package-info").isAnnotationPresent(NullMarked.class);
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  @Test
  void engineTypesAreNotPublicApi() throws ClassNotFoundException {
    Class<?> graph = Class.forName("org.seda4j.internal.GraphImpl");
    assertThat(Modifier.isPublic(graph.getModifiers())).isFalse();
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
