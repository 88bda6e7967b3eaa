package org.seda4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A graph used without any recording loads none of seda4j's Flight Recorder event classes: JFR
 * instruments an event class as it loads, which cost a cold JVM ~200 ms and ~300 ms of CPU. Checked
 * in a JVM of its own (this one may have started recordings), from its class-loading log.
 */
class JfrStartupCostTest {

  private static String location(Class<?> c) throws URISyntaxException {
    return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
  }

  @Test
  void noEventClassIsLoadedWhileNothingRecords() throws Exception {
    String classPath =
        String.join(
            File.pathSeparator,
            location(StageGraph.class),
            location(JfrStartupProbe.class),
            location(org.slf4j.Logger.class),
            location(org.jspecify.annotations.Nullable.class));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                List.of(
                    java,
                    "-Xlog:class+load=info",
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=off",
                    "--class-path",
                    classPath,
                    JfrStartupProbe.class.getName()))
            .redirectErrorStream(true)
            .start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("recorder initialized: false");
    assertThat(out).contains("org.seda4j.internal.JfrEvents "); // the hooks ran
    assertThat(out).doesNotContain("org.seda4j.internal.JfrEvents$");
  }
}
