package org.seda4j.examples.http;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.jspecify.annotations.Nullable;
import org.seda4j.observe.Diagrams;
import org.seda4j.observe.GraphSnapshot;
import org.seda4j.observe.SnapshotHistory;
import org.seda4j.observe.StageSnapshot;

/**
 * The status page {@code /_seda} checked in a real browser (headless Chromium), under load that
 * changes: {@code .ci/browser-check} runs it, and CI runs that script.
 *
 * <pre>
 * StatusPageCheck CHROMIUM OUT_DIR
 * </pre>
 *
 * <p>It starts the staged server on a sample site of 400 pages with no cache and a simulated disk
 * (4 reads at once, 2 ms each), drives it with 8 closed-loop clients for 6 s, then with 256 for 16
 * s (which the parse stage's admission controller sheds), and meanwhile, once the page has 14
 * samples:
 *
 * <ol>
 *   <li>takes a screenshot of the page ({@code status-page.png}) and dumps its DOM after 5 s of the
 *       page's own script running ({@code status-page.html});
 *   <li>checks the DOM against the server's own samples: the script replaced the page at least
 *       once; the diagram has one box per stage of the sample the page shows, whose queue, permits,
 *       active handlers, batch size and events per second are that sample's (rates computed here
 *       from it and the sample before), one arrow per edge labelled with its events per second, and
 *       seven sparklines per stage with one point per sample of the last minute (one fewer for
 *       rates), their current values the sample's, their scales the largest value of the window,
 *       and a rising and falling line for the parse stage's events;
 *   <li>checks the screenshot: its size, that it is not blank, and that the boxes were painted (the
 *       area of their fill colour is about that of one box per stage);
 *   <li>writes the same history as jshell would ({@code graph.svg}, {@link Diagrams#svg(
 *       SnapshotHistory)}), screenshots it ({@code graph.png}) and checks its DOM and pixels the
 *       same way.
 * </ol>
 *
 * Prints every failed check and exits with 1 if there was one, 2 if it could not run.
 */
public final class StatusPageCheck {

  private static final int WIDTH = 1360;
  private static final int HEIGHT = 1500;
  private static final String NODE_FILL = "f5f8fc";
  private static final int NODE_W = 178;
  private static final int NODE_H = 74;
  private static final List<String> SERIES =
      List.of(
          "events/s", "queue", "wait p90", "service p90", "rejected/s", "permits", "batch size");

  private final String chromium;
  private final Path out;
  private final List<String> failures = new ArrayList<>();
  private final List<String> passed = new ArrayList<>();

  private StatusPageCheck(String chromium, Path out) {
    this.chromium = chromium;
    this.out = out;
  }

  /**
   * Runs the check.
   *
   * @param args CHROMIUM OUT_DIR
   * @throws Exception if the check cannot run
   */
  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: StatusPageCheck CHROMIUM OUT_DIR");
      System.exit(2);
    }
    Path out = Path.of(args[1]);
    Files.createDirectories(out);
    StatusPageCheck check = new StatusPageCheck(args[0], out);
    check.run();
    Files.writeString(out.resolve("report.txt"), check.report(), StandardCharsets.UTF_8);
    System.out.print(check.report());
    System.exit(check.failures.isEmpty() ? 0 : 1);
  }

  private String report() {
    StringBuilder r = new StringBuilder();
    for (String p : passed) {
      r.append("ok    ").append(p).append('\n');
    }
    for (String f : failures) {
      r.append("FAIL  ").append(f).append('\n');
    }
    r.append(
        failures.isEmpty()
            ? "browser check passed: " + passed.size() + " checks; artifacts in " + out + "\n"
            : "browser check FAILED: "
                + failures.size()
                + " of "
                + (passed.size() + failures.size())
                + " checks; artifacts in "
                + out
                + "\n");
    return r.toString();
  }

  private void check(boolean ok, String what) {
    (ok ? passed : failures).add(what);
  }

  private void run() throws Exception {
    Path site = Files.createTempDirectory("seda4j-browser-check-");
    try {
      Path root = SampleSite.create(site, 400);
      ServerConfig config =
          ServerConfig.defaults(root)
              .withPort(0)
              .withCacheBytes(0)
              .withDisk(Disk.simulated(4, Duration.ofMillis(2)));
      try (StagedHttpServer server = StagedHttpServer.start(config)) {
        Thread load = Thread.ofPlatform().name("browser-check-load").start(() -> load(server));
        try {
          SnapshotHistory history = server.statusHistory();
          long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
          while (history.latest().orElseThrow().sequence() < 14) {
            if (System.nanoTime() > deadline) {
              throw new IllegalStateException("the status page took no 14 samples in 60 s");
            }
            Thread.sleep(100);
          }
          String url = server.uri().resolve("/_seda").toString();
          Path png = out.resolve("status-page.png");
          chromium(List.of("--window-size=" + WIDTH + "," + HEIGHT, "--screenshot=" + png, url));
          String dom =
              chromium(
                  List.of(
                      "--window-size=" + WIDTH + "," + HEIGHT,
                      "--virtual-time-budget=5000",
                      "--dump-dom",
                      url));
          Files.writeString(out.resolve("status-page.html"), dom, StandardCharsets.UTF_8);
          checkPage(dom, history);
          checkScreenshot(png, "status page", WIDTH, HEIGHT, svgWidth(dom), countStages(dom));
        } finally {
          load.join();
        }
        // The same history, as jshell would write it.
        String svg = Diagrams.svg(server.statusHistory());
        Path file = out.resolve("graph.svg");
        Files.writeString(file, svg, StandardCharsets.UTF_8);
        int w = Integer.parseInt(attribute(svg, "<svg[^>]*", "width"));
        int h = Integer.parseInt(attribute(svg, "<svg[^>]*", "height"));
        Path png = out.resolve("graph.png");
        String fileUrl = file.toAbsolutePath().toUri().toString();
        chromium(List.of("--window-size=" + w + "," + h, "--screenshot=" + png, fileUrl));
        String svgDom = chromium(List.of("--window-size=" + w + "," + h, "--dump-dom", fileUrl));
        check(
            countStages(svgDom) == 6,
            "graph.svg in the browser: 6 stage boxes (found " + countStages(svgDom) + ")");
        check(
            count(svgDom, "<g class=\"spark\"") == 6 * SERIES.size(),
            "graph.svg in the browser: " + 6 * SERIES.size() + " sparklines");
        checkScreenshot(png, "graph.svg", w, h, w, 6);
      }
    } finally {
      SampleSite.delete(site);
    }
  }

  /**
   * Light load, then heavy load: the controllers act, and the parse stage sheds. The light phase is
   * one client, which cannot keep the simulated disk's four channels busy, so that the parse
   * stage's events per second differ between the phases (with eight clients both phases could run
   * at the disk's rate and the sparkline check failed on a flat line).
   */
  private static void load(StagedHttpServer server) {
    List<String> paths = LoadGenerator.paths("many:400");
    try {
      LoadGenerator.run(
          new LoadGenerator.Load(
              server.port(),
              1,
              Duration.ZERO,
              Duration.ofSeconds(6),
              paths,
              LoadGenerator.OnShed.WAIT_RETRY_AFTER),
          LoadGenerator.WindowListener.NONE);
      LoadGenerator.run(
          new LoadGenerator.Load(
              server.port(),
              256,
              Duration.ZERO,
              Duration.ofSeconds(16),
              paths,
              LoadGenerator.OnShed.WAIT_RETRY_AFTER),
          LoadGenerator.WindowListener.NONE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- the page's DOM against the server's samples ----------------------------------------------

  private void checkPage(String dom, SnapshotHistory history) {
    Map<String, String> main = attributes(find(dom, "<main [^>]*id=\"live\"[^>]*>"));
    long updates = Long.parseLong(main.getOrDefault("data-updates", "0"));
    check(
        updates >= 1, "the page's script replaced the page in the browser (" + updates + " times)");
    long sequence = Long.parseLong(main.getOrDefault("data-sequence", "-1"));
    SnapshotHistory.@Nullable Sample sample = history.sample(sequence).orElse(null);
    SnapshotHistory.@Nullable Sample before = history.sample(sequence - 1).orElse(null);
    if (sample == null || before == null) {
      check(false, "the page shows sample " + sequence + ", still in the server's history");
      return;
    }
    GraphSnapshot g = sample.snapshot();
    double seconds = (sample.nanoTime() - before.nanoTime()) / 1e9;
    Map<String, StageSnapshot> previous = new HashMap<>();
    for (StageSnapshot s : before.snapshot().stages()) {
      previous.put(s.name(), s);
    }
    Map<String, String> boxes = groups(dom, "stage", "data-stage");
    check(
        boxes.keySet().equals(names(g)),
        "one box per stage of sample " + sequence + ": " + boxes.keySet() + " = " + names(g));
    for (StageSnapshot s : g.stages()) {
      String box = boxes.getOrDefault(s.name(), "");
      StageSnapshot p = previous.get(s.name());
      String queue = "queue " + s.queue().queued() + "/" + s.queue().capacity();
      String permits =
          "permits "
              + s.handlers().permits()
              + (s.controllers().permitsOverridden() ? "*" : "")
              + " \u00b7 active "
              + s.handlers().active();
      String batch =
          "batch " + s.handlers().batchSize() + (s.controllers().batchSizeOverridden() ? "*" : "");
      double events =
          p == null ? Double.NaN : (s.counts().finished() - p.counts().finished()) / seconds;
      check(
          queue.equals(classText(box, "queue")),
          s.name() + " box: " + queue + " (page: " + classText(box, "queue") + ")");
      check(
          permits.equals(classText(box, "permits")),
          s.name() + " box: " + permits + " (page: " + classText(box, "permits") + ")");
      check(
          batch.equals(classText(box, "batch")),
          s.name() + " box: " + batch + " (page: " + classText(box, "batch") + ")");
      check(
          (rate(events) + "/s").equals(classText(box, "events")),
          s.name() + " box: " + rate(events) + "/s (page: " + classText(box, "events") + ")");
    }
    Map<String, String> arrows = groups(dom, "edge", "data-from", "data-to");
    check(
        arrows.size() == g.edges().size(),
        "one arrow per edge: " + arrows.size() + " = " + g.edges().size());
    for (GraphSnapshot.Edge e : g.edges()) {
      long was = 0;
      for (GraphSnapshot.Edge b : before.snapshot().edges()) {
        if (b.from().equals(e.from()) && b.to().equals(e.to())) {
          was = b.events();
        }
      }
      String label = rate((e.events() - was) / seconds) + "/s";
      String shown = classText(arrows.getOrDefault(e.from() + " -> " + e.to(), ""), "rate");
      check(
          label.equals(shown),
          "arrow " + e.from() + " -> " + e.to() + ": " + label + " (page: " + shown + ")");
    }
    checkSparklines(dom, history, sample, g);
  }

  private void checkSparklines(
      String dom, SnapshotHistory history, SnapshotHistory.Sample sample, GraphSnapshot g) {
    // The window the page drew: the last 60 samples up to the one it shows.
    List<SnapshotHistory.Sample> window = new ArrayList<>();
    for (long q = Math.max(0, sample.sequence() - StatusPage.SAMPLES + 1);
        q <= sample.sequence();
        q++) {
      history.sample(q).ifPresent(window::add);
    }
    Map<String, String> cells = groups(dom, "spark", "data-stage", "data-series");
    check(
        cells.size() == g.stages().size() * SERIES.size(),
        "sparklines: " + SERIES.size() + " per stage (" + cells.size() + ")");
    for (StageSnapshot s : g.stages()) {
      for (String series : SERIES) {
        String cell = cells.getOrDefault(s.name() + " -> " + series, "");
        int expected = window.size() - (series.endsWith("/s") ? 1 : 0);
        List<double[]> line = points(cell);
        boolean increasing = true;
        for (int i = 1; i < line.size(); i++) {
          increasing &= line.get(i)[0] > line.get(i - 1)[0];
        }
        check(
            line.size() == expected && increasing,
            s.name()
                + " "
                + series
                + ": "
                + expected
                + " points, left to right (page: "
                + line.size()
                + ")");
      }
      String now = classText(cells.getOrDefault(s.name() + " -> permits", ""), "now");
      check(
          now.equals(Integer.toString(s.handlers().permits())),
          s.name()
              + " permits sparkline ends at "
              + s.handlers().permits()
              + " (page: "
              + now
              + ")");
      String queue = classText(cells.getOrDefault(s.name() + " -> queue", ""), "now");
      String expectedQueue = s.queue().queued() + "/" + s.queue().capacity();
      check(
          queue.equals(expectedQueue),
          s.name() + " queue sparkline ends at " + expectedQueue + " (page: " + queue + ")");
      long maxPermits = 0;
      for (SnapshotHistory.Sample w : window) {
        for (StageSnapshot t : w.snapshot().stages()) {
          if (t.name().equals(s.name())) {
            maxPermits = Math.max(maxPermits, t.handlers().permits());
          }
        }
      }
      String max = classText(cells.getOrDefault(s.name() + " -> permits", ""), "max");
      check(
          max.equals(String.format(Locale.ROOT, "max %,d", maxPermits)),
          s.name() + " permits sparkline scaled to max " + maxPermits + " (page: " + max + ")");
    }
    // Under load that changed, the parse stage's events line moves.
    List<double[]> parse = points(cells.getOrDefault("parse -> events/s", ""));
    double low = Double.MAX_VALUE;
    double high = -Double.MAX_VALUE;
    for (double[] p : parse) {
      low = Math.min(low, p[1]);
      high = Math.max(high, p[1]);
    }
    check(
        parse.size() >= 10 && high - low >= 10,
        "parse events/s sparkline rises and falls (" + parse.size() + " points)");
  }

  // ---- pixels -----------------------------------------------------------------------------------

  private void checkScreenshot(Path png, String what, int width, int height, int svgWidth, int n)
      throws IOException {
    BufferedImage image = Files.exists(png) ? ImageIO.read(png.toFile()) : null;
    if (image == null) {
      check(false, what + " screenshot " + png + " written and readable");
      return;
    }
    check(
        image.getWidth() == width && image.getHeight() == height,
        what + " screenshot is " + width + "x" + height);
    long white = 0;
    long fill = 0;
    int target = Integer.parseInt(NODE_FILL, 16);
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int rgb = image.getRGB(x, y) & 0xffffff;
        white += rgb == 0xffffff ? 1 : 0;
        fill += rgb == target ? 1 : 0;
      }
    }
    double pixels = (double) image.getWidth() * image.getHeight();
    check(white < 0.97 * pixels, what + " screenshot is not blank");
    // The page shows the picture at most as wide as the page (24 px margins); boxes scale along.
    double scale = Math.min(1, (width - 48.0) / svgWidth);
    if (what.equals("graph.svg")) {
      scale = 1;
    }
    // A box's fill: its inside but the queue's bar (its text covers a few percent more).
    double box = ((NODE_W - 3) * (NODE_H - 3) - (NODE_W - 18) * 8) * scale * scale;
    check(
        fill > 0.8 * n * box && fill < 1.05 * n * box,
        String.format(
            Locale.ROOT,
            "%s screenshot: the %d boxes were painted (%d px of their fill, expected %.0f)",
            what,
            n,
            fill,
            n * box));
  }

  // ---- Chromium ---------------------------------------------------------------------------------

  /** Runs headless Chromium with {@code args}; its standard output (the DOM for --dump-dom). */
  private String chromium(List<String> args) throws IOException, InterruptedException {
    Path profile = Files.createTempDirectory("seda4j-chromium-");
    try {
      List<String> command = new ArrayList<>();
      command.add(chromium);
      command.addAll(
          List.of(
              "--headless",
              "--no-sandbox", // as root in a container, the sandbox cannot start
              "--disable-gpu",
              "--disable-dev-shm-usage",
              "--hide-scrollbars",
              "--force-device-scale-factor=1",
              "--no-first-run",
              "--no-default-browser-check",
              "--user-data-dir=" + profile));
      command.addAll(args);
      Path err = Files.createTempFile("seda4j-chromium-", ".log");
      Process p =
          new ProcessBuilder(command)
              .redirectError(err.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .start();
      byte[] stdout = p.getInputStream().readAllBytes();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("Chromium did not finish within 120 s: " + command);
      }
      String log = Files.readString(err, StandardCharsets.UTF_8);
      Files.delete(err);
      if (p.exitValue() != 0) {
        throw new IOException(
            "Chromium exited with " + p.exitValue() + ": " + command + "\n" + log);
      }
      return new String(stdout, StandardCharsets.UTF_8);
    } finally {
      try {
        SampleSite.delete(profile);
      } catch (IOException e) {
        // A helper process of Chromium may still be writing there: leave the temporary profile.
      }
    }
  }

  // ---- reading the DOM --------------------------------------------------------------------------

  private static Set<String> names(GraphSnapshot g) {
    Set<String> names = new LinkedHashSet<>();
    for (StageSnapshot s : g.stages()) {
      names.add(s.name());
    }
    return names;
  }

  private static int countStages(String dom) {
    return count(dom, "<g class=\"stage\"");
  }

  private static int count(String s, String what) {
    int n = 0;
    for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }

  /** The {@code width} of the page's first {@code <svg>}. */
  private static int svgWidth(String dom) {
    return Integer.parseInt(attribute(dom, "<svg[^>]*", "width"));
  }

  private static String find(String s, String regex) {
    Matcher m = Pattern.compile(regex).matcher(s);
    return m.find() ? m.group() : "";
  }

  private static String attribute(String s, String tagRegex, String name) {
    return attributes(find(s, tagRegex)).getOrDefault(name, "0");
  }

  private static Map<String, String> attributes(String tag) {
    Map<String, String> out = new LinkedHashMap<>();
    Matcher m = Pattern.compile("([a-zA-Z-]+)=\"([^\"]*)\"").matcher(tag);
    while (m.find()) {
      out.put(m.group(1), unescape(m.group(2)));
    }
    return out;
  }

  /**
   * The {@code <g class="cls">} elements (which hold no other {@code g}), by their key attributes
   * joined with {@code " -> "}.
   */
  private static Map<String, String> groups(String dom, String cls, String... keys) {
    Map<String, String> out = new LinkedHashMap<>();
    Matcher m =
        Pattern.compile("(<g class=\"" + cls + "\"[^>]*>)(.*?)</g>", Pattern.DOTALL).matcher(dom);
    while (m.find()) {
      Map<String, String> a = attributes(m.group(1));
      List<String> key = new ArrayList<>();
      for (String k : keys) {
        key.add(a.getOrDefault(k, ""));
      }
      out.put(String.join(" -> ", key), m.group(2));
    }
    return out;
  }

  /** The text of the first element of class {@code cls} in {@code html}, or empty. */
  private static String classText(String html, String cls) {
    Matcher m =
        Pattern.compile("<text[^>]*class=\"" + cls + "\"[^>]*>([^<]*)</text>").matcher(html);
    return m.find() ? unescape(m.group(1)) : "";
  }

  /** The points of the first polyline in {@code html}. */
  private static List<double[]> points(String html) {
    List<double[]> out = new ArrayList<>();
    Matcher line = Pattern.compile("<polyline[^>]* points=\"([^\"]*)\"").matcher(html);
    if (line.find()) {
      Matcher p = Pattern.compile("(-?[0-9.]+),(-?[0-9.]+)").matcher(line.group(1));
      while (p.find()) {
        out.add(new double[] {Double.parseDouble(p.group(1)), Double.parseDouble(p.group(2))});
      }
    }
    return out;
  }

  private static String unescape(String s) {
    return s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u00a0")
        .replace("&amp;", "&");
  }

  /** Events per second as the picture prints them: one decimal below 10, else grouped. */
  private static String rate(double perSecond) {
    if (Double.isNaN(perSecond)) {
      return "-";
    }
    return perSecond < 9.95
        ? String.format(Locale.ROOT, "%.1f", perSecond)
        : String.format(Locale.ROOT, "%,.0f", perSecond);
  }
}
