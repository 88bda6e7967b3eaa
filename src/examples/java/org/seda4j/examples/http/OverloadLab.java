package org.seda4j.examples.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.seda4j.examples.http.LoadGenerator.Load;
import org.seda4j.examples.http.LoadGenerator.OnShed;
import org.seda4j.examples.http.OverloadReport.CpuModel;
import org.seda4j.examples.http.OverloadReport.Row;
import org.seda4j.examples.http.OverloadReport.Verdict;

/**
 * Scenario S2 of the lab, closed loop: the staged HTTP server against its two baselines when 1,024
 * clients, each with one request outstanding, ask for more than a slow disk can serve.
 *
 * <pre>
 * OverloadLab quick|full [--seconds N] [--out DIR] [--point F:Q] [--only NAME,...]
 *                        [--extra NAME=FLAGS]...
 *   --point F:Q          measure this fixed configuration (F file permits, parse queue Q) instead
 *                        of searching the grid
 *   --only NAME,...      measure only these contenders (the verdicts on goodput and p99 need a
 *                        baseline)
 *   --extra NAME=FLAGS   one more staged contender, e.g. "paced-250=--shed-pace 250"
 * </pre>
 *
 * <p>The workload: a simulated disk that serves 4 reads at once, 2 ms each (at most ~2,000
 * reads/s), no cache, 2,000 distinct 4 KiB pages ({@code --cache-mb 0 --disk 4:2 --many 2000}).
 * Every server runs in a child JVM (the same {@code java} and class path as this one, {@link
 * ServerProcess}) so that its CPU time is its own; the load generator ({@link LoadGenerator}) runs
 * here, on the same cores. Per contender:
 *
 * <ol>
 *   <li>for a staged contender, the cost of a rejection measured alone: the contender made unable
 *       to serve, warmed up with as much load as its overload windows, then 1,024 clients of each
 *       kind ({@link #measureRejections});
 *   <li>in one server process, 1,024 clients that wait their Retry-After after a 503, warm-up then
 *       the measured window; then 1,024 clients that retry a 503 at once, the same;
 *   <li>in another process of the contender, warmed up with the calibration's own load: an idle
 *       window, then calibration: 16 clients (nothing is shed, the disk stays busy): the background
 *       CPU and the CPU per served request ({@link #calibrate}; {@link OverloadReport} explains the
 *       split).
 * </ol>
 *
 * <p>Contenders: the two baselines ({@code --server vthreads}, {@code --server jdk}); the staged
 * server with its defaults (only the workload's flags: its default controllers, and its 503s paced
 * per connection); the same without pacing ({@code --shed-pace 0}, the server as it was before);
 * and the staged server's best fixed configuration, chosen in the same run by a grid search over
 * file permits {4, 8, 16} x parse queue {32, 64, 256} (parse and cache 2 permits each, cache and
 * file queues 16, shedding only when the parse queue is full: {@code --response-target 0}), with
 * and without pacing. The criterion ({@link OverloadReport#choose}): among the points whose
 * admitted p99 meets the latency target under both kinds of client (all, if none does), those
 * within 3% of the most goodput under the worse kind of client count as tied, and the lowest p99
 * wins.
 *
 * <p>Writes {@code s2.csv}, {@code s2.svg}, {@code s2.md} and {@code s2-grid.csv}, and appends the
 * verdict lines to {@code s2-verdicts.txt}, in {@code src/jmh/results/lab/} for a full run with the
 * standard 10 s window, {@code target/lab-s2-<N>s/} for a full run with another window, and {@code
 * target/lab-quick/} for a quick run. The quick run (a minute or two) measures the grid's last
 * published winner without searching, and skips its unpaced twin; it is there so that CI notices a
 * broken harness, not for its figures.
 */
public final class OverloadLab {

  private static final List<String> WORKLOAD =
      List.of("--cache-mb", "0", "--disk", "4:2", "--many", "2000");
  private static final int CLIENTS = 1024;
  private static final int CALIBRATION_CLIENTS = 16;
  private static final List<String> PATHS = LoadGenerator.paths("many:2000");
  private static final String UNPACED = "-unpaced";
  private static final long DEFAULT_PACE_MILLIS =
      ServerConfig.defaults(Path.of(".")).shedPace().toMillis();
  private static final String DEFAULT_WAKEUPS =
      ServerConfig.defaults(Path.of(".")).wakeups().name().toLowerCase(Locale.ROOT);

  /** The most calibration windows per contender (another one follows a window that shed). */
  private static final int CALIBRATION_ATTEMPTS = 1;

  /**
   * The grid point a quick run measures: the winner of the last full run (docs/http-overload.md).
   */
  private static final GridPoint QUICK_POINT = new GridPoint(16, 32);

  private OverloadLab() {}

  /**
   * A fixed configuration of the staged server.
   *
   * @param filePermits the file stage's permits
   * @param parseQueue the parse stage's queue: the admission point, shed when full
   */
  record GridPoint(int filePermits, int parseQueue) {
    String name() {
      return "staged-fixed-f" + filePermits + "-q" + parseQueue;
    }

    List<String> flags() {
      return List.of(
          "--response-target",
          "0",
          "--parse",
          parseQueue + ":2",
          "--cache",
          "16:2",
          "--file",
          "16:" + filePermits);
    }
  }

  /**
   * How long each part runs.
   *
   * @param mode quick or full
   * @param warmup before each overload window
   * @param measure each overload window
   * @param calibrationWarmup before the calibration window
   * @param calibration the calibration window
   * @param idle the idle window
   * @param gridWarmup before each grid window
   * @param gridMeasure each grid window
   * @param grid the points searched (one: measured without searching)
   * @param out where the results go
   * @param only the contenders to measure (all if empty)
   * @param extras more staged contenders
   */
  record Plan(
      String mode,
      Duration warmup,
      Duration measure,
      Duration calibrationWarmup,
      Duration calibration,
      Duration idle,
      Duration gridWarmup,
      Duration gridMeasure,
      List<GridPoint> grid,
      Path out,
      List<String> only,
      List<Contender> extras) {

    boolean includes(String name) {
      return only.isEmpty() || only.contains(name);
    }

    Plan with(List<GridPoint> newGrid, List<String> newOnly, List<Contender> newExtras) {
      return new Plan(
          mode,
          warmup,
          measure,
          calibrationWarmup,
          calibration,
          idle,
          gridWarmup,
          gridMeasure,
          newGrid,
          out,
          newOnly,
          newExtras);
    }

    static Plan quick(Path out) {
      return new Plan(
          "quick",
          Duration.ofSeconds(1),
          Duration.ofSeconds(2),
          Duration.ofSeconds(1),
          Duration.ofSeconds(2),
          Duration.ofSeconds(1),
          Duration.ZERO,
          Duration.ZERO,
          List.of(QUICK_POINT),
          out,
          List.of(),
          List.of());
    }

    static Plan full(Duration measure, Path out) {
      List<GridPoint> grid = new ArrayList<>();
      for (int file : new int[] {4, 8, 16}) {
        for (int queue : new int[] {32, 64, 256}) {
          grid.add(new GridPoint(file, queue));
        }
      }
      return new Plan(
          "full",
          Duration.ofSeconds(3),
          measure,
          Duration.ofSeconds(2),
          Duration.ofSeconds(5),
          Duration.ofSeconds(2),
          Duration.ofSeconds(2),
          Duration.ofSeconds(4),
          grid,
          out,
          List.of(),
          List.of());
    }
  }

  /**
   * One server configuration.
   *
   * @param name its id in tables and verdicts
   * @param flags the server's options beyond the workload's
   * @param staged whether it is the staged server
   */
  record Contender(String name, List<String> flags, boolean staged) {
    List<String> args() {
      List<String> all = new ArrayList<>(WORKLOAD);
      all.addAll(flags);
      return all;
    }

    /** The pace of its 503s: the last --shed-pace, or the server's default. */
    long paceMillis() {
      String pace = lastValue("--shed-pace");
      return pace.isEmpty() ? DEFAULT_PACE_MILLIS : Long.parseLong(pace);
    }

    /** How its readers wait: the last --wakeups, or the server's default. */
    String wakeups() {
      String wakeups = lastValue("--wakeups");
      return wakeups.isEmpty() ? DEFAULT_WAKEUPS : wakeups;
    }

    private String lastValue(String flag) {
      String value = "";
      for (int i = 0; i + 1 < flags.size(); i++) {
        if (flags.get(i).equals(flag)) {
          value = flags.get(i + 1);
        }
      }
      return value;
    }
  }

  /**
   * Runs scenario S2.
   *
   * @param args {@code quick|full [--seconds N] [--out DIR]}
   * @throws Exception if a server fails to start or the run fails
   */
  public static void main(String[] args) throws Exception {
    String mode = args.length > 0 ? args[0] : "";
    if (!mode.equals("quick") && !mode.equals("full")) {
      System.err.println("usage: OverloadLab quick|full [--seconds N] [--out DIR]");
      System.exit(2);
    }
    long seconds = 10;
    Path out = null;
    List<GridPoint> point = List.of();
    List<String> only = List.of();
    List<Contender> extras = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      switch (args[i]) {
        case "--seconds" -> seconds = Long.parseLong(value(args, ++i));
        case "--out" -> out = Path.of(value(args, ++i));
        case "--point" -> {
          String[] fq = value(args, ++i).split(":", -1);
          if (fq.length != 2) {
            throw new IllegalArgumentException("--point wants FILE_PERMITS:PARSE_QUEUE, e.g. 4:64");
          }
          point = List.of(new GridPoint(Integer.parseInt(fq[0]), Integer.parseInt(fq[1])));
        }
        case "--only" -> only = List.of(value(args, ++i).split(",", -1));
        case "--extra" -> {
          String spec = value(args, ++i);
          int eq = spec.indexOf('=');
          if (eq < 1) {
            throw new IllegalArgumentException("--extra wants NAME=FLAGS, was " + spec);
          }
          String flags = spec.substring(eq + 1).trim();
          extras.add(
              new Contender(
                  spec.substring(0, eq),
                  flags.isEmpty() ? List.of() : List.of(flags.split(" +", -1)),
                  true));
        }
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (seconds < 1 || seconds > 600) {
      throw new IllegalArgumentException("--seconds must be 1 to 600, was " + seconds);
    }
    Plan plan;
    if (mode.equals("quick")) {
      plan = Plan.quick(out != null ? out : Path.of("target", "lab-quick"));
    } else {
      Path standard =
          seconds == 10
              ? Path.of("src", "jmh", "results", "lab")
              : Path.of("target", "lab-s2-" + seconds + "s");
      plan = Plan.full(Duration.ofSeconds(seconds), out != null ? out : standard);
    }
    run(plan.with(point.isEmpty() ? plan.grid() : point, only, List.copyOf(extras)));
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) {
      throw new IllegalArgumentException(args[i - 1] + " needs a value");
    }
    return args[i];
  }

  private static void run(Plan plan) throws IOException, InterruptedException {
    String started =
        ZonedDateTime.now(ZoneOffset.UTC)
            .truncatedTo(ChronoUnit.SECONDS)
            .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    String header =
        String.format(
            Locale.ROOT,
            "S2 closed loop, %s run, %s; java %s (%s); %d cores; load %s at start",
            plan.mode(),
            started,
            System.getProperty("java.version"),
            System.getProperty("java.vm.name"),
            Runtime.getRuntime().availableProcessors(),
            loadAverage());
    System.out.println(header);
    System.out.printf(
        Locale.ROOT,
        "workload: %s; %d closed-loop clients; %d s warm-up, %d s measured per window%n",
        String.join(" ", WORKLOAD),
        CLIENTS,
        plan.warmup().toSeconds(),
        plan.measure().toSeconds());
    Path logs = Files.createTempDirectory("seda4j-s2-logs-");
    System.out.println("server logs: " + logs);

    List<Row> baselines = new ArrayList<>();
    for (String kind : List.of("vthreads", "jdk")) {
      if (plan.includes(kind)) {
        baselines.addAll(
            measure(new Contender(kind, List.of("--server", kind), false), plan, logs, Map.of()));
      }
    }
    for (Row r : baselines) {
      if (r.load().ok() == 0) {
        throw new IllegalStateException(r.contender() + " served nothing: the harness is broken");
      }
    }

    List<String> grid = new ArrayList<>();
    boolean fixedWanted =
        plan.only().isEmpty() || plan.only().stream().anyMatch(n -> n.startsWith("staged-fixed"));
    GridPoint best =
        plan.grid().size() == 1 || !fixedWanted
            ? plan.grid().get(0)
            : search(plan, baselines, logs, grid);

    List<Contender> staged = new ArrayList<>();
    staged.add(new Contender("staged-default", List.of(), true));
    staged.add(new Contender("staged-default" + UNPACED, List.of("--shed-pace", "0"), true));
    staged.add(new Contender(best.name(), best.flags(), true));
    if (plan.mode().equals("full")) {
      List<String> unpaced = new ArrayList<>(best.flags());
      unpaced.addAll(List.of("--shed-pace", "0"));
      staged.add(new Contender(best.name() + UNPACED, unpaced, true));
    }
    staged.addAll(plan.extras());
    staged.removeIf(c -> !plan.includes(c.name()));
    List<String> rejections = new ArrayList<>();
    List<Row> rows = new ArrayList<>();
    for (Contender c : staged) {
      Map<OnShed, Double> perShed = measureRejections(c, plan, logs, rejections);
      rows.addAll(measure(c, plan, logs, perShed));
    }
    rows.addAll(baselines);
    report(plan, header, rows, grid, rejections);
  }

  /**
   * CPU per rejection, measured alone: the contender itself, made unable to serve (queues of one, a
   * disk that does not answer within the run: its flags, then {@code --parse 1:1 --cache 1:1 --file
   * 1:1 --disk 1:600000}), so that it answers all but its first few requests with a 503, through
   * its own admission controller, pace and wake-ups, to 1,024 clients of each kind. First, as much
   * load as the contender's two overload windows, unmeasured, so that the JIT has compiled the shed
   * path as far as in the contender's process (measured in a fresh JVM, the first rejections ran
   * interpreted, and the cost came out up to twice as high). Adds a CSV line per kind to {@code
   * lines}.
   */
  private static Map<OnShed, Double> measureRejections(
      Contender contender, Plan plan, Path logs, List<String> lines)
      throws IOException, InterruptedException {
    long paceMillis = contender.paceMillis();
    List<String> flags = new ArrayList<>(contender.flags());
    flags.addAll(
        List.of("--parse", "1:1", "--cache", "1:1", "--file", "1:1", "--disk", "1:600000"));
    Contender stuck = new Contender("rejections-alone-" + contender.name(), flags, true);
    System.out.printf("%n%s: %s%n", stuck.name(), String.join(" ", stuck.args()));
    Map<OnShed, Double> perShed = new EnumMap<>(OnShed.class);
    ServerProcess server = ServerProcess.start(stuck.args(), logs.resolve(stuck.name() + ".log"));
    try {
      for (OnShed kind : OnShed.values()) {
        LoadGenerator.run(
            new Load(server.port(), CLIENTS, plan.warmup(), plan.measure(), PATHS, kind),
            LoadGenerator.WindowListener.NONE);
      }
      Map<OnShed, Window> windows = new EnumMap<>(OnShed.class);
      for (OnShed kind : OnShed.values()) {
        windows.put(
            kind,
            window(
                server,
                new Load(
                    server.port(),
                    CLIENTS,
                    plan.calibrationWarmup(),
                    plan.calibration(),
                    PATHS,
                    kind)));
      }
      double background = idleCores(server, plan.idle());
      for (Map.Entry<OnShed, Window> e : windows.entrySet()) {
        LoadGenerator.Result r = e.getValue().result();
        double cpu = Math.max(0, e.getValue().serverCpu() - background * r.seconds());
        double cost = r.shed() == 0 ? Double.NaN : cpu / r.shed();
        perShed.put(e.getKey(), cost);
        System.out.printf(
            Locale.ROOT,
            "  %-13s %6.0f 503/s (%d 2xx), server %.2f cores: CPU per 503 %.1f µs%n",
            e.getKey().id(),
            r.shedPerSecond(),
            r.ok(),
            e.getValue().serverCpu() / r.seconds(),
            cost * 1e6);
        lines.add(
            String.join(
                ",",
                contender.name(),
                String.valueOf(paceMillis),
                contender.wakeups(),
                e.getKey().id(),
                OverloadReport.f1(r.shedPerSecond()),
                String.valueOf(r.ok()),
                OverloadReport.f3(e.getValue().serverCpu() / r.seconds()),
                OverloadReport.f3(background),
                OverloadReport.f2(cost * 1e6),
                OverloadReport.f2(r.shedP99Millis())));
      }
    } finally {
      // Its admitted requests wait for a disk that does not answer: no point in a graceful stop.
      server.kill();
    }
    return perShed;
  }

  /** The server's CPU per second over an idle window of this length. */
  private static double idleCores(ServerProcess server, Duration idle) throws InterruptedException {
    double from = server.cpuSeconds();
    long start = System.nanoTime();
    Thread.sleep(idle);
    double cpu = server.cpuSeconds() - from;
    return cpu / ((System.nanoTime() - start) / 1e9);
  }

  /**
   * The two overload windows in one server process, then the calibration in another process of the
   * same contender ({@link #calibrate}).
   */
  private static List<Row> measure(
      Contender contender, Plan plan, Path logs, Map<OnShed, Double> perShed)
      throws IOException, InterruptedException {
    System.out.printf("%n%s: %s%n", contender.name(), String.join(" ", contender.args()));
    List<Row> rows = new ArrayList<>();
    Map<OnShed, Window> overload = new EnumMap<>(OnShed.class);
    try (ServerProcess server =
        ServerProcess.start(contender.args(), logs.resolve(contender.name() + ".log"))) {
      for (OnShed kind : OnShed.values()) {
        overload.put(
            kind,
            window(
                server,
                new Load(server.port(), CLIENTS, plan.warmup(), plan.measure(), PATHS, kind)));
      }
    }
    CpuModel cpu = calibrate(contender.args(), contender.name(), plan, logs);
    if (cpu.calibrationShed() > 0 && contender.staged()) {
      List<String> args = new ArrayList<>(contender.args());
      args.addAll(List.of("--response-target", "0"));
      System.out.printf(
          "  the calibration shed: again without the admission controller (--response-target 0)%n");
      cpu = calibrate(args, contender.name() + "-no-admission", plan, logs);
    }
    for (Map.Entry<OnShed, Window> e : overload.entrySet()) {
      Window w = e.getValue();
      Row row =
          new Row(
              contender.name(),
              String.join(" ", contender.flags()),
              contender.staged(),
              e.getKey(),
              w.result(),
              w.serverCpu(),
              w.clientCpu(),
              cpu,
              perShed.getOrDefault(e.getKey(), Double.NaN),
              w.heldShare(),
              w.load1());
      System.out.printf(
          Locale.ROOT,
          "  %-13s %6.0f 2xx/s, %6.0f 503/s, 2xx p99 %6.1f ms, Jain %.3f, server %.2f cores"
              + " (%.0f%% on 503s), client %.2f cores%n",
          row.clients().id(),
          w.result().okPerSecond(),
          w.result().shedPerSecond(),
          w.result().okP99Millis(),
          w.result().jain(),
          row.serverCores(),
          row.shedCpuShare() * 100,
          row.clientCores());
      rows.add(row);
    }
    return rows;
  }

  /**
   * CPU per served request and background CPU, in a process of the contender's own that has seen no
   * overload: first as much load of the calibration's kind as one overload window, unmeasured (so
   * that the JIT has compiled the serving path: measured in a fresh JVM, a served request looked
   * more costly than it is), then an idle window, then the calibration window: 16 closed-loop
   * clients, which keep the disk busy (about the overload windows' 2xx/s) and are not shed. Not in
   * the overload windows' process, as it was first: after the storm, the default admission
   * controller went on shedding the 16 clients for tens of seconds (its fair shares were still
   * split among the 1,024 connections of the windows), so that the "calibration" served 50 to 100
   * 2xx/s to clients waiting their Retry-After, a server mostly idle whose cost per request is two
   * to three times that of a busy one. A window that sheds all the same is measured again, up to a
   * bound; then the caller calibrates the staged server without its admission controller.
   */
  private static CpuModel calibrate(List<String> args, String name, Plan plan, Path logs)
      throws IOException, InterruptedException {
    try (ServerProcess server =
        ServerProcess.start(args, logs.resolve(name + "-calibration.log"))) {
      LoadGenerator.run(
          new Load(
              server.port(),
              CALIBRATION_CLIENTS,
              Duration.ZERO,
              plan.warmup().plus(plan.measure()),
              PATHS,
              OnShed.WAIT_RETRY_AFTER),
          LoadGenerator.WindowListener.NONE);
      double idleFrom = server.cpuSeconds();
      long idleStart = System.nanoTime();
      Thread.sleep(plan.idle());
      double idleCpu = server.cpuSeconds() - idleFrom;
      double idleSeconds = (System.nanoTime() - idleStart) / 1e9;
      Window calibration = null;
      for (int attempt = 1; attempt <= CALIBRATION_ATTEMPTS; attempt++) {
        calibration =
            window(
                server,
                new Load(
                    server.port(),
                    CALIBRATION_CLIENTS,
                    plan.calibrationWarmup(),
                    plan.calibration(),
                    PATHS,
                    OnShed.WAIT_RETRY_AFTER));
        if (calibration.result().shed() == 0) {
          break;
        }
        System.out.printf(
            Locale.ROOT,
            "  calibration %d shed %d of its requests (%.0f 2xx/s)%s%n",
            attempt,
            calibration.result().shed(),
            calibration.result().okPerSecond(),
            attempt < CALIBRATION_ATTEMPTS ? ": again" : "");
      }
      if (calibration == null) {
        throw new IllegalStateException("no calibration window");
      }
      CpuModel cpu =
          CpuModel.of(calibration.result(), calibration.serverCpu(), idleSeconds, idleCpu);
      System.out.printf(
          Locale.ROOT,
          "  calibration, %d clients: %.0f 2xx/s, %d shed; CPU per 2xx %.1f µs;"
              + " background %.3f cores%n",
          CALIBRATION_CLIENTS,
          calibration.result().okPerSecond(),
          calibration.result().shed(),
          cpu.perOkSeconds() * 1e6,
          cpu.backgroundCores());
      return cpu;
    }
  }

  /**
   * The measured window of one load, with the server's and the load generator's CPU over it.
   *
   * @param result what the load generator saw
   * @param serverCpu the server's CPU seconds over the window
   * @param clientCpu this JVM's CPU seconds over the window
   * @param load1 the one-minute load average at the end of the window
   * @param heldShare the share of the server's 503s over the window that pacing held back (NaN for
   *     a server without that count)
   */
  record Window(
      LoadGenerator.Result result,
      double serverCpu,
      double clientCpu,
      double load1,
      double heldShare) {}

  private static Window window(ServerProcess server, Load load) throws InterruptedException {
    double[] cpu = new double[4];
    long[][] counts = new long[2][];
    LoadGenerator.WindowListener edges =
        new LoadGenerator.WindowListener() {
          @Override
          public void windowStarts() {
            cpu[0] = server.cpuSeconds();
            cpu[1] = ServerProcess.ownCpuSeconds();
            counts[0] = server.shedAndPaced();
          }

          @Override
          public void windowEnds() {
            cpu[2] = server.cpuSeconds();
            cpu[3] = ServerProcess.ownCpuSeconds();
            counts[1] = server.shedAndPaced();
          }
        };
    // run() joins the thread that calls the listener before it returns: the writes are visible.
    LoadGenerator.Result result = LoadGenerator.run(load, edges);
    double held = Double.NaN;
    if (counts[0] != null && counts[1] != null && counts[0].length == 2 && counts[1].length == 2) {
      long shed = counts[1][0] - counts[0][0];
      held = shed == 0 ? 0 : (double) (counts[1][1] - counts[0][1]) / shed;
    }
    return new Window(result, cpu[2] - cpu[0], cpu[3] - cpu[1], loadAverageOne(), held);
  }

  /** The grid search; adds one CSV line per point and kind of client to {@code lines}. */
  private static GridPoint search(Plan plan, List<Row> baselines, Path logs, List<String> lines)
      throws IOException, InterruptedException {
    System.out.printf(
        "%ngrid search: %d s warm-up, %d s measured per kind of client%n",
        plan.gridWarmup().toSeconds(), plan.gridMeasure().toSeconds());
    List<OverloadReport.GridScore> scores = new ArrayList<>();
    for (GridPoint point : plan.grid()) {
      Contender c = new Contender(point.name(), point.flags(), true);
      double worstGoodput = Double.MAX_VALUE;
      double worstP99 = 0;
      boolean meets = true;
      try (ServerProcess server =
          ServerProcess.start(c.args(), logs.resolve("grid-" + point.name() + ".log"))) {
        for (OnShed kind : OnShed.values()) {
          LoadGenerator.Result r =
              LoadGenerator.run(
                  new Load(
                      server.port(), CLIENTS, plan.gridWarmup(), plan.gridMeasure(), PATHS, kind),
                  LoadGenerator.WindowListener.NONE);
          double bound =
              OverloadReport.bestBaseline(baselines, kind)
                      .map(b -> b.load().okP99Millis())
                      .orElse(Double.MAX_VALUE)
                  * OverloadReport.P99_TARGET;
          meets &= r.ok() > 0 && r.okP99Millis() <= bound;
          worstGoodput = Math.min(worstGoodput, r.okPerSecond());
          worstP99 = Math.max(worstP99, r.okP99Millis());
          System.out.printf(
              Locale.ROOT,
              "  %-24s %-13s %6.0f 2xx/s, %6.0f 503/s, 2xx p99 %6.1f ms (bound %.0f), Jain %.3f%n",
              point.name(),
              kind.id(),
              r.okPerSecond(),
              r.shedPerSecond(),
              r.okP99Millis(),
              bound,
              r.jain());
          lines.add(
              String.join(
                  ",",
                  point.name(),
                  String.valueOf(point.filePermits()),
                  String.valueOf(point.parseQueue()),
                  kind.id(),
                  OverloadReport.f1(r.okPerSecond()),
                  OverloadReport.f1(r.shedPerSecond()),
                  OverloadReport.f2(r.okP99Millis()),
                  OverloadReport.f3(r.jain()),
                  String.valueOf(r.ok() > 0 && r.okP99Millis() <= bound)));
        }
      }
      scores.add(new OverloadReport.GridScore(point.name(), meets, worstGoodput, worstP99));
    }
    OverloadReport.GridScore chosen = OverloadReport.choose(scores);
    System.out.printf(
        Locale.ROOT,
        "chosen: %s (%.0f 2xx/s and p99 %.0f ms under the worse kind of client; p99 target %s)%n",
        chosen.name(),
        chosen.goodput(),
        chosen.p99Millis(),
        chosen.meetsP99() ? "met under both" : "met by no point");
    return plan.grid().stream()
        .filter(p -> p.name().equals(chosen.name()))
        .findFirst()
        .orElseThrow();
  }

  private static void report(
      Plan plan, String header, List<Row> rows, List<String> grid, List<String> rejections)
      throws IOException {
    List<Verdict> verdicts = OverloadReport.verdicts(rows);
    String table = OverloadReport.markdown(rows);
    System.out.println();
    System.out.print(table);
    System.out.println();
    for (Verdict v : verdicts) {
      System.out.println(v.line());
    }
    Files.createDirectories(plan.out());
    Files.writeString(plan.out().resolve("s2.csv"), OverloadReport.csv(header, rows));
    Files.writeString(
        plan.out().resolve("s2.svg"),
        OverloadReport.svg(
            "S2 closed loop: 1,024 clients, disk 4 x 2 ms, no cache (" + plan.mode() + " run)",
            rows));
    StringBuilder md = new StringBuilder("# " + header + "\n\n").append(table).append('\n');
    for (Verdict v : verdicts) {
      md.append("    ").append(v.line()).append('\n');
    }
    Files.writeString(plan.out().resolve("s2.md"), md);
    if (!grid.isEmpty()) {
      Files.writeString(
          plan.out().resolve("s2-grid.csv"),
          "point,file_permits,parse_queue,clients,ok_per_s,shed_per_s,ok_p99_ms,jain,meets_p99\n"
              + String.join("\n", grid)
              + "\n");
    }
    if (!rejections.isEmpty()) {
      Files.writeString(
          plan.out().resolve("s2-rejections.csv"),
          "contender,pace_ms,wakeups,clients,shed_per_s,ok,server_cores,background_cores,cpu_us_per_503,"
              + "shed_p99_ms\n"
              + String.join("\n", rejections)
              + "\n");
    }
    StringBuilder lines = new StringBuilder("# " + header + "\n");
    for (Verdict v : verdicts) {
      lines.append(v.line()).append('\n');
    }
    Files.writeString(
        plan.out().resolve("s2-verdicts.txt"),
        lines,
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    System.out.printf("%nload %s at the end; results in %s%n", loadAverage(), plan.out());
  }

  /** The three load averages, as {@code uptime} shows them, or "?" where there are none. */
  private static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split(" ", -1);
      return parts[0] + " " + parts[1] + " " + parts[2];
    } catch (IOException | RuntimeException e) {
      return "?";
    }
  }

  private static double loadAverageOne() {
    try {
      return Double.parseDouble(loadAverage().split(" ", -1)[0]);
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }
}
