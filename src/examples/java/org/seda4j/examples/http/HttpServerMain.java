package org.seda4j.examples.http;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;

/**
 * Starts an example server from the command line:
 *
 * <pre>
 * examples/run http-server [options] [DIR] [PORT]
 *   DIR    the directory to serve; omitted or '-': a generated sample site in a temporary
 *          directory (deleted at exit)
 *   PORT   default 8080; 0 for any free port
 *   --server staged|vthreads|jdk   which server (default staged; the others are the baselines)
 *   --threads N          the JDK server's fixed pool size (default 64)
 *   --cache-mb N         cache budget in MiB (default 64; 0 for no cache)
 *   --disk CH:MS         simulate a disk serving CH reads at once, MS milliseconds each
 *   --many N             add N 4 KiB pages under /many/ to the sample site
 *   --queues N           capacity of the parse (admission), cache and file queues (default 1024,
 *                        1024, 256); smaller queues shed earlier and keep latency lower
 *   --response-target MS the parse stage's response-time admission target, p90 of parse to write
 *                        (default 50; 0 turns the controller off: only full queues shed)
 *   --parse CAP:PERMITS  the parse stage's queue capacity and fixed permits (PERMITS 0: adaptive,
 *   --cache CAP:PERMITS  up to the default bound); the same for the cache and file stages;
 *   --file CAP:PERMITS   applied after --queues
 *   --shed-pace MS       the least time between two 503s on one connection (default 1000, the
 *                        Retry-After); other 503s are held up to half of it, spread; 0 answers
 *                        every 503 at once
 *   --wakeups timers|swept|batched|probed-reads|handed-off  how connection readers wait: for the
 *                        idle timeout, for a paced 503, after a 503 (default handed-off; see
 *                        ServerConfig.Wakeups)
 * </pre>
 *
 * Prints the URL, serves until Ctrl-C, then closes the server (every admitted request answered,
 * every thread joined) and prints its report.
 */
public final class HttpServerMain {

  private HttpServerMain() {}

  /**
   * Runs a server until the JVM is told to stop.
   *
   * @param args see the class description
   * @throws Exception if the server cannot start
   */
  public static void main(String[] args) throws Exception {
    String kind = "staged";
    int threads = 64;
    long cacheMb = 64;
    int many = 0;
    int queues = 0;
    long responseTargetMs = -1;
    long shedPaceMs = -1;
    ServerConfig.@Nullable Wakeups wakeups = null;
    String parseStage = "";
    String cacheStage = "";
    String fileStage = "";
    @Nullable Disk disk = null;
    String diskText = "";
    List<String> positional = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--server" -> kind = value(args, ++i, a);
        case "--threads" -> threads = Integer.parseInt(value(args, ++i, a));
        case "--cache-mb" -> cacheMb = Long.parseLong(value(args, ++i, a));
        case "--many" -> many = Integer.parseInt(value(args, ++i, a));
        case "--queues" -> queues = Integer.parseInt(value(args, ++i, a));
        case "--response-target" -> {
          responseTargetMs = Long.parseLong(value(args, ++i, a));
          if (responseTargetMs < 0) {
            throw new IllegalArgumentException(
                "--response-target wants milliseconds >= 0 (0: off), was " + responseTargetMs);
          }
        }
        case "--shed-pace" -> {
          shedPaceMs = Long.parseLong(value(args, ++i, a));
          if (shedPaceMs < 0) {
            throw new IllegalArgumentException(
                "--shed-pace wants milliseconds >= 0 (0: off), was " + shedPaceMs);
          }
        }
        case "--wakeups" -> wakeups = ServerConfig.Wakeups.named(value(args, ++i, a));
        case "--parse" -> parseStage = value(args, ++i, a);
        case "--cache" -> cacheStage = value(args, ++i, a);
        case "--file" -> fileStage = value(args, ++i, a);
        case "--disk" -> {
          diskText = value(args, ++i, a);
          String[] parts = diskText.split(":", -1);
          if (parts.length != 2) {
            throw new IllegalArgumentException("--disk wants CHANNELS:MILLIS, e.g. 4:2");
          }
          disk =
              Disk.simulated(
                  Integer.parseInt(parts[0]), Duration.ofMillis(Long.parseLong(parts[1])));
        }
        case "-h", "--help" -> {
          System.out.println(
              "usage: examples/run http-server [--server staged|vthreads|jdk] [--threads N]"
                  + " [--cache-mb N] [--disk CH:MS] [--many N] [--queues N]"
                  + " [--response-target MS] [--parse|--cache|--file CAP:PERMITS]"
                  + " [--shed-pace MS] [--wakeups timers|swept|batched|probed-reads|handed-off] [DIR|-] [PORT]");
          return;
        }
        default -> {
          if (a.startsWith("--")) {
            throw new IllegalArgumentException("unknown option " + a + " (try --help)");
          }
          positional.add(a);
        }
      }
    }
    if (positional.size() > 2) {
      throw new IllegalArgumentException("at most DIR and PORT, got " + positional);
    }
    String dirArg = positional.isEmpty() ? "-" : positional.get(0);
    int port = positional.size() < 2 ? 8080 : Integer.parseInt(positional.get(1));

    Path temporary = null;
    Path root;
    if (dirArg.equals("-")) {
      temporary = Files.createTempDirectory("seda4j-sample-site-");
      root = SampleSite.create(temporary, many);
    } else {
      root = Path.of(dirArg);
      if (!Files.isDirectory(root)) {
        System.err.println("not a directory: " + root.toAbsolutePath());
        System.exit(2);
      }
    }
    ServerConfig config =
        ServerConfig.defaults(root).withPort(port).withCacheBytes(cacheMb * 1024 * 1024);
    if (queues > 0) {
      config =
          config.withStages(
              new ServerConfig.StageSettings(queues, config.parse().permits()),
              new ServerConfig.StageSettings(queues, config.cache().permits()),
              new ServerConfig.StageSettings(queues, config.file().permits()));
    }
    config =
        config.withStages(
            stage(parseStage, config.parse()),
            stage(cacheStage, config.cache()),
            stage(fileStage, config.file()));
    if (disk != null) {
      config = config.withDisk(disk);
    }
    if (shedPaceMs >= 0) {
      config = config.withShedPace(Duration.ofMillis(shedPaceMs));
    }
    if (wakeups != null) {
      config = config.withWakeups(wakeups);
    }
    if (responseTargetMs >= 0) {
      config = config.withResponseTarget(Duration.ofMillis(responseTargetMs));
    }

    ExampleServer server;
    try {
      server =
          switch (kind) {
            case "staged" -> StagedHttpServer.start(config);
            case "vthreads" -> VirtualThreadHttpServer.start(config);
            case "jdk" -> JdkHttpServerBaseline.start(config, threads);
            default ->
                throw new IllegalArgumentException(
                    "--server must be staged, vthreads or jdk, was " + kind);
          };
    } catch (IOException e) {
      System.err.println("cannot start on port " + port + ": " + e.getMessage());
      System.err.println("(pick another port: examples/run http-server " + dirArg + " 8081)");
      deleteQuietly(temporary);
      System.exit(1);
      return;
    }

    CountDownLatch stopped = new CountDownLatch(1);
    Path toDelete = temporary;
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println("\nstopping: answering the requests in flight ...");
                  server.close();
                  System.out.println(server.report());
                  deleteQuietly(toDelete);
                  stopped.countDown();
                },
                "http-server-shutdown"));
    System.out.printf(
        "%s server serving %s%s%n  %s%n",
        kind,
        root.toAbsolutePath(),
        temporary != null ? " (generated sample site)" : "",
        server.uri());
    if (kind.equals("staged")) {
      System.out.printf("  live stage statistics: %s_seda%n", server.uri());
    }
    if (disk != null) {
      System.out.printf("  simulated disk: %s (channels:ms)%n", diskText);
    }
    System.out.println("Ctrl-C stops it.");
    stopped.await();
  }

  /** {@code CAP:PERMITS} (PERMITS 0: the default controllers), or the current settings. */
  private static ServerConfig.StageSettings stage(String text, ServerConfig.StageSettings current) {
    if (text.isEmpty()) {
      return current;
    }
    String[] parts = text.split(":", -1);
    if (parts.length != 2) {
      throw new IllegalArgumentException(
          "--parse, --cache and --file want CAPACITY:PERMITS, e.g. 64:2, was " + text);
    }
    int capacity = Integer.parseInt(parts[0]);
    int permits = Integer.parseInt(parts[1]);
    return new ServerConfig.StageSettings(capacity, permits);
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }

  private static void deleteQuietly(@Nullable Path dir) {
    if (dir == null) {
      return;
    }
    try {
      SampleSite.delete(dir);
    } catch (IOException e) {
      System.err.println("could not delete " + dir + ": " + e.getMessage());
    }
  }
}
