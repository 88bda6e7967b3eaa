package org.seda4j;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names of all live threads, virtual ones included. Virtual threads are not in {@code
 * Thread.getAllStackTraces()}, so this reads a JSON thread dump (the one {@code jcmd
 * Thread.dump_to_file -format=json} writes), which lists every thread of every thread container.
 */
final class ThreadDump {
  private static final Pattern NAME =
      Pattern.compile("\"name\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

  private ThreadDump() {}

  /** The names of all live threads, virtual ones included. */
  static List<String> threadNames() {
    try {
      Path file = Files.createTempFile("seda4j-threads-", ".json");
      Files.delete(file); // dumpThreads refuses to overwrite
      try {
        ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
            .dumpThreads(file.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
        Matcher m = NAME.matcher(Files.readString(file));
        List<String> names = new ArrayList<>();
        while (m.find()) {
          names.add(m.group(1).replace("\\/", "/").replace("\\\"", "\"").replace("\\\\", "\\"));
        }
        return names;
      } finally {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The live threads that belong to {@code graph} by their name ({@code seda4j-<graph>-...}). */
  static List<String> threadsOf(String graph) {
    String prefix = "seda4j-" + graph + "-";
    return threadNames().stream().filter(n -> n.startsWith(prefix)).toList();
  }
}
