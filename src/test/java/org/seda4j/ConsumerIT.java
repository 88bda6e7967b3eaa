package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new user's first build, against the packaged jar: a module that says only {@code requires
 * org.seda4j;} and a class-path application, each compiled with {@code javac -Xlint:all -Werror}
 * and run with {@code java}, with exactly the jars Maven gives a project that depends on seda4j.
 *
 * <p>Run by failsafe in the {@code integration-test} phase of {@code ./mvnw -B verify}, after
 * maven-invoker-plugin has installed the jar into {@code target/it-repo} and resolved a user's
 * class path from it ({@code src/it/consumer-deps}). The consumer's sources are in {@code
 * src/it/consumer-app}. An optional dependency declared {@code requires static transitive} (the bug
 * of issue 15: "module not found: micrometer.core") fails the module build here.
 */
@Slow
class ConsumerIT {

  private static List<Path> userClassPath = List.of();
  private static Path sources = Paths.get("");
  private static Path jdkBin = Paths.get("");

  @BeforeAll
  static void readWhatMavenGivesAUser() throws IOException {
    Path file = Paths.get(property("seda4j.consumer.classpath"));
    assertThat(file)
        .as("the user class path resolved by maven-invoker-plugin (src/it/consumer-deps)")
        .isRegularFile();
    userClassPath =
        Arrays.stream(
                Files.readString(file, StandardCharsets.UTF_8).strip().split(File.pathSeparator))
            .filter(s -> !s.isBlank())
            .map(Paths::get)
            .toList();
    sources = Paths.get(property("seda4j.consumer.sources"));
    jdkBin = Paths.get(System.getProperty("java.home"), "bin");
  }

  @Test
  void aUserGetsTheJarSlf4jApiAndJspecifyAndNothingOptional() {
    // (the consumer uses ContextPropagator.mdc(): MDC propagation needs nothing optional)
    List<String> names = userClassPath.stream().map(p -> p.getFileName().toString()).toList();
    assertThat(names)
        .anyMatch(n -> n.startsWith("seda4j-") && n.endsWith(".jar"))
        .anyMatch(n -> n.startsWith("slf4j-api-"))
        .anyMatch(n -> n.startsWith("jspecify-"))
        .noneMatch(n -> n.startsWith("micrometer-"))
        .noneMatch(n -> n.startsWith("opentelemetry-"));
  }

  @Test
  void aModuleThatRequiresOnlyOrgSeda4jCompilesAndRuns(@TempDir Path out) throws Exception {
    String modulePath = join(userClassPath);
    run(
        List.of(
            javac(),
            "-Xlint:all",
            "-Werror",
            "--module-path",
            modulePath,
            "-d",
            out.toString(),
            sources.resolve("module-info.java").toString(),
            sources.resolve("app/Main.java").toString()),
        "");

    String output =
        run(
            List.of(
                java(),
                "--module-path",
                out + File.pathSeparator + modulePath,
                "--module",
                "app/app.Main"),
            "total 6, admitted 6");
    assertThat(output).contains("total 6, admitted 6");
  }

  @Test
  void aClassPathApplicationCompilesAndRuns(@TempDir Path out) throws Exception {
    String classPath = join(userClassPath);
    run(
        List.of(
            javac(),
            "-Xlint:all",
            "-Werror",
            "--class-path",
            classPath,
            "-d",
            out.toString(),
            sources.resolve("app/Main.java").toString()),
        "");

    String output =
        run(
            List.of(java(), "--class-path", out + File.pathSeparator + classPath, "app.Main"),
            "total 6, admitted 6");
    assertThat(output).contains("total 6, admitted 6");
  }

  private static String run(List<String> command, String expected) throws Exception {
    Process process =
        new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("%s finished", command).isTrue();
    assertThat(process.exitValue())
        .as("exit code of %s%noutput:%n%s", String.join(" ", command), output)
        .isZero();
    assertThat(output).as("output of %s", command).contains(expected);
    return output;
  }

  private static String javac() {
    return jdkBin.resolve("javac").toString();
  }

  private static String java() {
    return jdkBin.resolve("java").toString();
  }

  private static String join(List<Path> paths) {
    return String.join(File.pathSeparator, paths.stream().map(Path::toString).toList());
  }

  private static String property(String name) {
    String value = System.getProperty(name);
    assertThat(value).as("system property %s (set by failsafe in pom.xml)", name).isNotNull();
    return value == null ? "" : value;
  }
}
