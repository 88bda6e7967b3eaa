package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.NullMarked;
import org.junit.jupiter.api.Test;
import org.seda4j.spi.Engine;

/**
 * The public surface: the three API packages ({@code org.seda4j}, {@code .control}, {@code
 * .observe}) and the optional Micrometer and OpenTelemetry bindings are exported (Micrometer and
 * OpenTelemetry are static, compile-time-only requirements); the root package stays small; the
 * engine stays hidden, public only where the service loader needs it, never named by an API
 * signature, and never referred to by the API (no import cycle); the whole module is null-marked.
 * See docs/decisions/0004-api-packages.md.
 */
class ModuleExportsTest {

  /** The packages a user may see. */
  private static final List<String> EXPORTED =
      List.of(
          "org.seda4j",
          "org.seda4j.control",
          "org.seda4j.observe",
          "org.seda4j.micrometer",
          "org.seda4j.opentelemetry");

  /** The packages that must never name the engine: the exported ones and their bridge to it. */
  private static final List<String> API =
      List.of(
          "org.seda4j",
          "org.seda4j.control",
          "org.seda4j.observe",
          "org.seda4j.micrometer",
          "org.seda4j.opentelemetry",
          "org.seda4j.spi");

  /** The engine's one public class: the provider of the Engine service. */
  private static final String PROVIDER = "org.seda4j.internal.EngineProvider";

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
        .containsExactlyInAnyOrder(EXPORTED.toArray(String[]::new));
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
            "micrometer.core static",
            "io.opentelemetry.api static",
            "io.opentelemetry.context static");
    // The API reaches the engine through one service, which the engine provides.
    assertThat(descriptor.uses()).containsExactly(Engine.class.getName());
    assertThat(descriptor.provides())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.service()).isEqualTo(Engine.class.getName());
              assertThat(p.providers()).containsExactly(PROVIDER);
            });
    // An optional dependency is never `requires transitive`: a module that says only
    // `requires org.seda4j;` would then need it to compile (ConsumerIT builds such a module).
    assertThat(descriptor.requires())
        .filteredOn(
            r -> r.name().equals("micrometer.core") || r.name().startsWith("io.opentelemetry"))
        .hasSize(3)
        .allSatisfy(
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
    assertThat(module.getPackages())
        .containsExactlyInAnyOrder(
            "org.seda4j",
            "org.seda4j.control",
            "org.seda4j.observe",
            "org.seda4j.micrometer",
            "org.seda4j.opentelemetry",
            "org.seda4j.spi",
            "org.seda4j.internal");

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
  void theRootPackageHoldsWhatUsersWriteAgainstAndNoMore() throws IOException {
    // About 20 types: the graph, the stage, handlers, policies, results and exceptions. A new
    // public type here is a decision: change this list with it.
    assertThat(publicTopLevelTypes("org.seda4j"))
        .hasSizeLessThanOrEqualTo(20)
        .containsExactlyInAnyOrder(
            "BatchHandler",
            "ContextPropagator",
            "DeadLetter",
            "Deadline",
            "EventHandler",
            "EventMapper",
            "Expiring",
            "FailurePolicy",
            "FullQueuePolicy",
            "GraphFailedException",
            "OfferResult",
            "RejectionReason",
            "Stage",
            "StageClosedException",
            "StageContext",
            "StageGraph",
            "StageRejectedException",
            "UnprocessedEvent");
    assertThat(publicTopLevelTypes("org.seda4j.control"))
        .containsExactlyInAnyOrder(
            "AdmissionContext",
            "AdmissionController",
            "AdmissionSample",
            "BatchController",
            "ConcurrencyController",
            "ControllerDecision",
            "ControllerSample",
            "ResponseTarget",
            "ResponseTimeSettings");
    assertThat(publicTopLevelTypes("org.seda4j.observe"))
        .containsExactlyInAnyOrder(
            "Diagrams",
            "GraphSnapshot",
            "Latency",
            "ShutdownReport",
            "SnapshotHistory",
            "StageMXBean",
            "StageSnapshot");
    // The optional integrations: one entry point each, the rest package-private.
    assertThat(publicTopLevelTypes("org.seda4j.micrometer")).containsExactly("StageGraphMetrics");
    assertThat(publicTopLevelTypes("org.seda4j.opentelemetry"))
        .containsExactly("OpenTelemetryPropagation");
  }

  @Test
  void noEngineClassIsPublicExceptTheServiceProvider() throws IOException {
    // A provider found on the class path must be public; nothing else of the engine needs to be.
    assertThat(publicTopLevelTypes("org.seda4j.internal"))
        .containsExactly(PROVIDER.substring(PROVIDER.lastIndexOf('.') + 1));
    // The built-in controllers are package-private next to their interfaces.
    assertThat(publicTopLevelTypes("org.seda4j.spi"))
        .containsExactlyInAnyOrder("AdmissionLimit", "Engine", "Refusal");
  }

  @Test
  void apiSignaturesNameOnlyApiTypes() throws IOException {
    // Every type a public or protected member of an exported type mentions (parameters, results,
    // exceptions, supertypes, bounds, type arguments, fields, record components) is the JDK's, a
    // dependency's, or one of the exported packages': a user can never be handed, or have to
    // name, an engine class.
    List<String> offenders = new ArrayList<>();
    for (String pkg : EXPORTED) {
      for (Class<?> type : publicTypes(pkg)) {
        for (Map.Entry<String, Type> use : signatureTypes(type).entrySet()) {
          for (Class<?> mentioned : classesIn(use.getValue())) {
            String p = mentioned.getPackageName();
            if (p.startsWith("org.seda4j") && !EXPORTED.contains(p)) {
              offenders.add(use.getKey() + " mentions " + mentioned.getName());
            }
          }
        }
      }
    }
    assertThat(offenders).isEmpty();
  }

  @Test
  void theSignatureCheckFindsAnEngineType() {
    // The check above can fail: an engine class's own signatures mention engine types.
    Class<?> engine = org.seda4j.internal.EngineProvider.class;
    assertThat(signatureTypes(engine).values())
        .flatMap(ModuleExportsTest::classesIn)
        .contains(Engine.class); // non-exported org.seda4j.spi
  }

  @Test
  void theApiNeverRefersToTheEngine() throws IOException {
    // No import cycle between the API and the engine: the engine (org.seda4j.internal) uses the
    // API, the API never names the engine, not in its class files (any reference to a class, in
    // code, signatures or annotations, is a name in the constant pool) and not in its sources
    // (imports for Javadoc included). It reaches the engine through the Engine service.
    Path classes = classesDirectory();
    List<String> offenders = new ArrayList<>();
    for (String pkg : API) {
      Path dir = classes.resolve(pkg.replace('.', '/'));
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
          if (refersToEngine(Files.readAllBytes(f))) {
            offenders.add(classes.relativize(f).toString());
          }
        }
      }
      Path sources = Paths.get("src/main/java").resolve(pkg.replace('.', '/'));
      try (Stream<Path> files = Files.list(sources)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          if (ENGINE_IN_SOURCE.matcher(Files.readString(f, StandardCharsets.UTF_8)).find()) {
            offenders.add(f.toString());
          }
        }
      }
    }
    assertThat(offenders).isEmpty();
    // The scans find a reference where there is one: the engine's classes refer to each other.
    assertThat(ENGINE_IN_SOURCE.matcher("import org.seda4j.internal.GraphImpl;").find()).isTrue();
    assertThat(ENGINE_IN_SOURCE.matcher("{@link org.seda4j.internal.GraphImpl}").find()).isTrue();
    assertThat(
            refersToEngine(
                Files.readAllBytes(classes.resolve("org/seda4j/internal/EngineProvider.class"))))
        .isTrue();
    assertThat(
            Files.readString(
                    Paths.get("src/main/resources/META-INF/services/" + Engine.class.getName()))
                .strip())
        .as("the class-path registration of the engine names the provider module-info names")
        .isEqualTo(PROVIDER);
  }

  /** An import of the engine, or a Javadoc link to it (prose may name it). */
  private static final Pattern ENGINE_IN_SOURCE =
      Pattern.compile(
          "(^import\\s+(static\\s+)?|\\{@link(plain)?\\s+|@see\\s+)org\\.seda4j\\.internal\\b",
          Pattern.MULTILINE);

  /** Whether a class file names a class of org.seda4j.internal (its constant pool holds it). */
  private static boolean refersToEngine(byte[] classFile) {
    return new String(classFile, StandardCharsets.ISO_8859_1).contains("org/seda4j/internal/");
  }

  private static Path classesDirectory() {
    try {
      return Paths.get(
          StageGraph.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Simple names of the public top-level classes of {@code pkg} in the compiled main classes. */
  private static List<String> publicTopLevelTypes(String pkg) throws IOException {
    return publicTypes(pkg).stream()
        .filter(c -> c.getEnclosingClass() == null)
        .map(Class::getSimpleName)
        .sorted()
        .toList();
  }

  /** The public classes of {@code pkg}, nested ones included if every enclosing class is public. */
  private static List<Class<?>> publicTypes(String pkg) throws IOException {
    Path dir = classesDirectory().resolve(pkg.replace('.', '/'));
    List<Class<?>> types = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".class")).sorted().toList()) {
        String simple = f.getFileName().toString().replaceFirst("\\.class$", "");
        if (simple.equals("package-info")) {
          continue;
        }
        Class<?> c = load(pkg + "." + simple);
        if (isPublicAllTheWayOut(c)) {
          types.add(c);
        }
      }
    }
    return types;
  }

  private static boolean isPublicAllTheWayOut(Class<?> c) {
    for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
      if (!Modifier.isPublic(k.getModifiers()) || k.isAnonymousClass() || k.isLocalClass()) {
        return false;
      }
    }
    return true;
  }

  private static Class<?> load(String name) {
    try {
      return Class.forName(name, false, ModuleExportsTest.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Every type the public or protected signatures of {@code type} mention, by where. */
  private static Map<String, Type> signatureTypes(Class<?> type) {
    Map<String, Type> uses = new LinkedHashMap<>();
    String n = type.getName();
    int i = 0;
    if (type.getGenericSuperclass() != null) {
      uses.put(n + " extends", type.getGenericSuperclass());
    }
    for (Type t : type.getGenericInterfaces()) {
      uses.put(n + " implements #" + i++, t);
    }
    for (TypeVariable<?> v : type.getTypeParameters()) {
      for (Type b : v.getBounds()) {
        uses.put(n + "<" + v.getName() + "> bound #" + i++, b);
      }
    }
    for (Field f : type.getDeclaredFields()) {
      if (visible(f.getModifiers())) {
        uses.put(n + "." + f.getName(), f.getGenericType());
      }
    }
    for (Executable e : concat(type.getDeclaredConstructors(), type.getDeclaredMethods())) {
      if (!visible(e.getModifiers()) || e.isSynthetic()) {
        continue;
      }
      String where = n + "." + e.getName() + "(...)";
      if (e instanceof Method m) {
        uses.put(where + " returns", m.getGenericReturnType());
      }
      for (Type t : e.getGenericParameterTypes()) {
        uses.put(where + " parameter #" + i++, t);
      }
      for (Type t : e.getGenericExceptionTypes()) {
        uses.put(where + " throws #" + i++, t);
      }
      for (TypeVariable<?> v : e.getTypeParameters()) {
        for (Type b : v.getBounds()) {
          uses.put(where + " <" + v.getName() + "> bound #" + i++, b);
        }
      }
    }
    return uses;
  }

  private static boolean visible(int modifiers) {
    return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
  }

  private static List<Executable> concat(Executable[] a, Executable[] b) {
    List<Executable> all = new ArrayList<>(List.of(a));
    all.addAll(List.of(b));
    return all;
  }

  /** The classes a type is made of: itself, its type arguments, bounds and array components. */
  private static List<Class<?>> classesIn(Type type) {
    List<Class<?>> out = new ArrayList<>();
    collect(type, out, new HashSet<>());
    return out;
  }

  private static void collect(Type type, List<Class<?>> out, Set<Type> seen) {
    if (!seen.add(type)) {
      return;
    }
    switch (type) {
      case Class<?> c -> out.add(c.isArray() ? c.getComponentType() : c);
      case ParameterizedType p -> {
        collect(p.getRawType(), out, seen);
        for (Type a : p.getActualTypeArguments()) {
          collect(a, out, seen);
        }
      }
      case WildcardType w -> {
        for (Type b : w.getUpperBounds()) {
          collect(b, out, seen);
        }
        for (Type b : w.getLowerBounds()) {
          collect(b, out, seen);
        }
      }
      case GenericArrayType a -> collect(a.getGenericComponentType(), out, seen);
      case TypeVariable<?> v -> {
        for (Type b : v.getBounds()) {
          collect(b, out, seen);
        }
      }
      default -> throw new IllegalStateException("unknown kind of type " + type);
    }
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
    return mentions(classFile, "io/micrometer");
  }

  @Test
  void onlyTheOpenTelemetryPackageRefersToOpenTelemetry() throws IOException, URISyntaxException {
    // OpenTelemetry is optional too: ContextPropagator and the engine never mention it, so a JVM
    // without it can load and use the rest of seda4j, context propagation (MDC) included.
    Path classes =
        Paths.get(StageGraph.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<Path> offenders;
    List<Path> users;
    try (Stream<Path> files = Files.walk(classes)) {
      List<Path> mentioning =
          files
              .filter(p -> p.toString().endsWith(".class"))
              .filter(p -> !p.getFileName().toString().equals("module-info.class"))
              .filter(p -> mentions(p, "io/opentelemetry"))
              .toList();
      Path own = Paths.get("org/seda4j/opentelemetry");
      offenders = mentioning.stream().filter(p -> !classes.relativize(p).startsWith(own)).toList();
      users = mentioning.stream().filter(p -> classes.relativize(p).startsWith(own)).toList();
    }
    assertThat(offenders).isEmpty();
    assertThat(users).as("the scan finds the package's own references").isNotEmpty();
  }

  private static boolean mentions(Path classFile, String internalName) {
    try {
      return new String(Files.readAllBytes(classFile), StandardCharsets.ISO_8859_1)
          .contains(internalName);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
