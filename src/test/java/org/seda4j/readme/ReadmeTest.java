package org.seda4j.readme;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the front door honest: README.md stays short, shows the compiled service of {@link
 * ReadmeServiceTest} and the quickstart that {@code ExamplesTest} runs ({@code
 * examples/quickstart.jsh}) verbatim, gives the test command {@code .ci/run} runs, and every
 * relative link in README.md, CHANGELOG.md and docs/ points to a file (and heading) that exists.
 */
class ReadmeTest {

  private static final Path README = Paths.get("README.md");

  @Test
  void readmeIsAFrontDoorOfAtMost250Lines() throws IOException {
    assertThat(Files.readAllLines(README, StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(250);
  }

  @Test
  void readmeShowsTheCompiledServiceAndItsTestVerbatim() throws IOException {
    String readme = read(README);
    Path source = Paths.get("src/test/java/org/seda4j/readme/ReadmeServiceTest.java");
    String java = read(source);
    for (String region : List.of("README service", "README test")) {
      String code = region(java, region);
      assertThat(readme)
          .as("README.md shows the region '%s' of %s verbatim", region, source)
          .contains(code);
    }
  }

  @Test
  void readmeShowsTheQuickstartThatTheTestSuiteRuns() throws IOException {
    String script = read(Paths.get("examples/quickstart.jsh")).replaceFirst("/exit\\s*$", "");
    assertThat(read(README)).contains(script.strip());
  }

  @Test
  void readmeGivesTheTestCommandThatCiRuns() throws IOException {
    List<String> ci = Files.readAllLines(Paths.get(".ci/run"), StandardCharsets.UTF_8);
    int marker = ci.indexOf("# The README's test command:");
    assertThat(marker).as(".ci/run marks the README's test command").isNotNegative();
    String command = ci.get(marker + 1).strip();
    assertThat(read(README)).contains("`" + command + "`");
  }

  @Test
  void everyRelativeLinkPointsToAFileAndHeadingThatExist() throws IOException {
    List<Path> documents = new ArrayList<>(List.of(README, Paths.get("CHANGELOG.md")));
    try (Stream<Path> docs = Files.walk(Paths.get("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(documents::add);
    }
    Pattern link = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    List<String> broken = new ArrayList<>();
    for (Path document : documents) {
      Matcher m = link.matcher(withoutCodeBlocks(read(document)));
      while (m.find()) {
        String target = m.group(1);
        if (target.matches("^[a-z]+:.*")) {
          continue; // http:, https:, mailto:
        }
        String file = target.contains("#") ? target.substring(0, target.indexOf('#')) : target;
        String anchor = target.contains("#") ? target.substring(target.indexOf('#') + 1) : "";
        Path resolved = file.isEmpty() ? document : directoryOf(document).resolve(file);
        if (!Files.exists(resolved)) {
          broken.add(document + ": " + target + " (no such file)");
        } else if (!anchor.isEmpty()
            && resolved.toString().endsWith(".md")
            && !anchors(resolved).contains(anchor)) {
          broken.add(document + ": " + target + " (no such heading)");
        }
      }
    }
    assertThat(broken).as("broken links").isEmpty();
  }

  /** The lines between "// NAME: begin" and "// NAME: end", without their common indentation. */
  private static String region(String java, String name) {
    List<String> lines = java.lines().toList();
    int begin = -1;
    int end = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).strip().equals("// " + name + ": begin")) {
        begin = i + 1;
      } else if (lines.get(i).strip().equals("// " + name + ": end")) {
        end = i;
      }
    }
    assertThat(begin).as("marker '// %s: begin'", name).isPositive();
    assertThat(end).as("marker '// %s: end'", name).isGreaterThan(begin);
    List<String> region = lines.subList(begin, end);
    int indent =
        region.stream()
            .filter(l -> !l.isBlank())
            .mapToInt(l -> l.length() - l.stripLeading().length())
            .min()
            .orElse(0);
    return region.stream()
        .map(l -> l.isBlank() ? "" : l.substring(indent))
        .collect(Collectors.joining("\n"))
        .strip();
  }

  /** GitHub's anchors of a Markdown file's headings. */
  private static Set<String> anchors(Path markdown) throws IOException {
    Set<String> anchors = new HashSet<>();
    for (String line : withoutCodeBlocks(read(markdown)).lines().toList()) {
      if (line.startsWith("#")) {
        String title = line.replaceFirst("^#+\\s*", "").strip();
        anchors.add(
            title.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-'));
      }
    }
    return anchors;
  }

  private static String withoutCodeBlocks(String markdown) {
    return markdown.replaceAll("(?ms)^```.*?^```", "");
  }

  private static String read(Path path) throws IOException {
    return Files.readString(path, StandardCharsets.UTF_8);
  }

  private static Path directoryOf(Path document) {
    return Objects.requireNonNull(
        document.toAbsolutePath().getParent(), "a document's absolute path has a parent");
  }
}
