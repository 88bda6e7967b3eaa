package org.seda4j.examples.http;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import org.seda4j.examples.http.LoadGenerator.OnShed;

/**
 * The figures of scenario S2 ({@link OverloadLab}) and what is derived from them: the server's CPU
 * split between served requests and rejections, the verdict on each target, and the table, CSV and
 * SVG chart. Pure functions of the measurements: no I/O, no clock.
 *
 * <h2>The CPU split</h2>
 *
 * Each server runs in its own process, so its CPU time over a window is its own: the sum of its
 * threads' time on a CPU, in nanoseconds, the JIT compiler threads left out (see {@link
 * ServerProcess#cpuSeconds()}). The cost of each kind of answer is measured where it is the only
 * kind, in a JVM warmed up by as much of the same load as the overload windows:
 *
 * <ol>
 *   <li><b>CPU per served request</b>: in a process of the contender's own that saw no overload,
 *       after its own load for as long as one overload window, an idle window gives the background
 *       CPU (timers, samplers) per second, then a calibration window with few closed-loop clients
 *       (the disk stays busy, nothing is shed) gives {@code perOk = (cpu - background * seconds) /
 *       served}; for a staged server whose admission controller sheds those few clients, without
 *       the controller (so perOk leaves out its bookkeeping per request, which makes the ratio
 *       below larger, not smaller);
 *   <li><b>CPU per rejection</b>: the contender itself made unable to serve (queues of one, a disk
 *       that never answers), which answers every request but the first few with a 503, through its
 *       own admission controller, pace and way of waiting, under the same 1,024 clients of the same
 *       kind: {@code perShed = (cpu - background * seconds) / rejected}.
 * </ol>
 *
 * Then, in each overload window, the share of the server's CPU spent on rejections is {@code
 * rejected * perShed / cpu}, and the model {@code background * seconds + served * perOk + rejected
 * * perShed} is checked against the CPU measured ({@link Row#modelCheck()}): a ratio far from 1
 * means the costs changed under overload (more connections, contention, the carriers' sleeping and
 * waking at other rates). The older way, charging to the rejections whatever the served requests do
 * not explain ({@link Row#unexplainedCpuPerShedSeconds()}), is kept as a cross-check; the
 * baselines, which never reject, measure its error ({@link #modelError}), which is wide when
 * rejections are few.
 */
final class OverloadReport {

  /** Goodput at least this fraction of the best baseline's. */
  static final double GOODPUT_TARGET = 0.95;

  /** Admitted (2xx) p99 at most this fraction of the best baseline's p99. */
  static final double P99_TARGET = 0.30;

  /** Jain's index over the clients' 2xx counts at least this. */
  static final double JAIN_TARGET = 0.90;

  /** A rejection costs at most this fraction of the CPU of a served request. */
  static final double REJECTION_COST_TARGET = 0.10;

  private OverloadReport() {}

  /**
   * CPU per served request and background CPU of one server process, from its calibration.
   *
   * @param perOkSeconds CPU seconds per served (2xx) request
   * @param backgroundCores CPU seconds per second with no load
   * @param calibrationOk requests served in the calibration window
   * @param calibrationShed requests shed in it (should be 0; reported if not)
   */
  record CpuModel(
      double perOkSeconds, double backgroundCores, long calibrationOk, long calibrationShed) {

    /**
     * The model from the measured windows.
     *
     * @param calibration the calibration window's load
     * @param calibrationCpuSeconds the server's CPU over it
     * @param idleSeconds the idle window's length
     * @param idleCpuSeconds the server's CPU over it
     * @return the model
     */
    static CpuModel of(
        LoadGenerator.Result calibration,
        double calibrationCpuSeconds,
        double idleSeconds,
        double idleCpuSeconds) {
      double background = idleCpuSeconds / idleSeconds;
      double perOk =
          calibration.ok() == 0
              ? Double.NaN
              : Math.max(0, calibrationCpuSeconds - background * calibration.seconds())
                  / calibration.ok();
      return new CpuModel(perOk, background, calibration.ok(), calibration.shed());
    }
  }

  /**
   * One contender under one kind of client over the measured window.
   *
   * @param contender its name
   * @param flags the server's options
   * @param staged whether it is the staged server (the baselines are the reference)
   * @param clients what the clients do after a 503
   * @param load what the load generator saw
   * @param serverCpuSeconds the server's CPU over the window
   * @param clientCpuSeconds the load generator's CPU over the window
   * @param cpu the server's calibration
   * @param perShedSeconds CPU per rejection, measured alone for this kind of client and pace (NaN
   *     for a baseline, or if not measured)
   * @param heldShare the share of the server's 503s in the window that pacing held back (NaN for a
   *     baseline)
   * @param load1 the machine's one-minute load average at the end of the window
   */
  record Row(
      String contender,
      String flags,
      boolean staged,
      OnShed clients,
      LoadGenerator.Result load,
      double serverCpuSeconds,
      double clientCpuSeconds,
      CpuModel cpu,
      double perShedSeconds,
      double heldShare,
      double load1) {

    double serverCores() {
      return serverCpuSeconds / load.seconds();
    }

    double clientCores() {
      return clientCpuSeconds / load.seconds();
    }

    /** The server's CPU over the window less its background. */
    private double workCpuSeconds() {
      return Math.max(0, serverCpuSeconds - cpu.backgroundCores() * load.seconds());
    }

    /**
     * CPU seconds per rejection by difference: what served requests and the background do not
     * explain, spread over the rejections. A cross-check of {@link #perShedSeconds()}.
     *
     * @return the cost, NaN without rejections
     */
    double unexplainedCpuPerShedSeconds() {
      if (load.shed() == 0 || Double.isNaN(cpu.perOkSeconds())) {
        return Double.NaN;
      }
      return Math.max(0, workCpuSeconds() - load.ok() * cpu.perOkSeconds()) / load.shed();
    }

    /**
     * The share of the server's CPU over the window that went to rejections, at the cost measured
     * alone.
     *
     * @return 0 to 1; 0 without rejections or without that measurement
     */
    double shedCpuShare() {
      return Double.isNaN(perShedSeconds) || serverCpuSeconds == 0 || load.shed() == 0
          ? 0
          : Math.min(1, load.shed() * perShedSeconds / serverCpuSeconds);
    }

    /**
     * The CPU measured over the window divided by what the measured costs predict: background,
     * served requests and rejections.
     *
     * @return the ratio (1: the costs add up), NaN if a cost is missing
     */
    double modelCheck() {
      double rejections = load.shed() == 0 ? 0 : load.shed() * perShedSeconds;
      double predicted =
          cpu.backgroundCores() * load.seconds() + load.ok() * cpu.perOkSeconds() + rejections;
      return predicted > 0 ? serverCpuSeconds / predicted : Double.NaN;
    }

    /**
     * All the server's work CPU (less background) per served request in the overload window.
     *
     * @return seconds, NaN if nothing was served
     */
    double cpuPerOkUnderOverloadSeconds() {
      return load.ok() == 0 ? Double.NaN : workCpuSeconds() / load.ok();
    }

    /**
     * The model's miss on this window, relative to what the served requests should cost: 0 for a
     * window the model explains exactly. Meaningful for a window without rejections.
     *
     * @return (work CPU - served * perOk) / (served * perOk), NaN if nothing was served
     */
    double residual() {
      double expected = load.ok() * cpu.perOkSeconds();
      return expected > 0 ? (workCpuSeconds() - expected) / expected : Double.NaN;
    }

    /**
     * The error band of {@link #unexplainedCpuPerShedSeconds()}: the served requests' cost, wrong
     * by the given relative error, spread over the rejections.
     *
     * @param error the model's relative error ({@link #modelError})
     * @return seconds of CPU per rejection, NaN without rejections
     */
    double cpuPerShedBandSeconds(double error) {
      return load.shed() == 0 ? Double.NaN : error * load.ok() * cpu.perOkSeconds() / load.shed();
    }

    /**
     * What a rejection costs, measured alone, as a fraction of what a served request costs.
     *
     * @return the ratio, NaN without that measurement
     */
    double rejectionCostRatio() {
      return perShedSeconds / cpu.perOkSeconds();
    }
  }

  /**
   * The verdict on one target for one contender and kind of client.
   *
   * @param clients the kind of client
   * @param target the target's id
   * @param met whether the measurement meets it
   * @param measured the measured value, as printed
   * @param goal the target, as printed
   * @param contender the contender judged
   * @param detail the figures behind the value
   */
  record Verdict(
      OnShed clients,
      String target,
      boolean met,
      String measured,
      String goal,
      String contender,
      String detail) {

    /**
     * The greppable line: {@code VERDICT S2 <client-kind> <target-id> MET|MISSED measured=...
     * target=... contender=... (detail)}.
     *
     * @return the line
     */
    String line() {
      return "VERDICT S2 "
          + clients.id()
          + " "
          + target
          + " "
          + (met ? "MET" : "MISSED")
          + " measured="
          + measured
          + " target="
          + goal
          + " contender="
          + contender
          + " ("
          + detail
          + ")";
    }
  }

  /** Goodputs within this fraction of the best count as the same in the grid search. */
  static final double GRID_TIE = 0.03;

  /**
   * One point of the grid search, under the worse of the two kinds of client.
   *
   * @param name the point
   * @param meetsP99 whether its admitted p99 met the latency target under both kinds of client
   * @param goodput its goodput, the lower of the two
   * @param p99Millis its admitted p99, the higher of the two
   */
  record GridScore(String name, boolean meetsP99, double goodput, double p99Millis) {}

  /**
   * The grid search's criterion: among the points that meet the latency target (all points, if none
   * does), those within {@link #GRID_TIE} of the most goodput count as tied, since goodput here is
   * bounded by the disk and short windows differ by noise; of those, the one with the lowest p99.
   *
   * @param scores the points, at least one
   * @return the chosen point
   */
  static GridScore choose(List<GridScore> scores) {
    List<GridScore> eligible = scores.stream().filter(GridScore::meetsP99).toList();
    if (eligible.isEmpty()) {
      eligible = scores;
    }
    double best = eligible.stream().mapToDouble(GridScore::goodput).max().orElseThrow();
    return eligible.stream()
        .filter(g -> g.goodput() >= (1 - GRID_TIE) * best)
        .min(Comparator.comparingDouble(GridScore::p99Millis))
        .orElseThrow();
  }

  /**
   * The CPU model's relative error: the largest miss ({@link Row#residual()}) over the baselines'
   * overload windows, which have no rejections to hide it.
   *
   * @param rows all rows
   * @return the error, 0 if no baseline was measured
   */
  static double modelError(List<Row> rows) {
    return rows.stream()
        .filter(r -> !r.staged() && r.load().ok() > 0)
        .mapToDouble(r -> Math.abs(r.residual()))
        .filter(e -> !Double.isNaN(e))
        .max()
        .orElse(0);
  }

  /**
   * The baseline with the most goodput under this kind of client.
   *
   * @param rows all rows
   * @param clients the kind of client
   * @return the best baseline's row, if a baseline was measured
   */
  static Optional<Row> bestBaseline(List<Row> rows, OnShed clients) {
    return rows.stream()
        .filter(r -> !r.staged() && r.clients() == clients)
        .max(Comparator.comparingDouble(r -> r.load().okPerSecond()));
  }

  /**
   * The verdicts on the four targets for every staged contender and kind of client: goodput at
   * least 0.95 x the best baseline's (the baseline with the most goodput under the same clients),
   * admitted p99 at most 0.3 x that baseline's p99, Jain's index at least 0.9, a rejection at most
   * 0.1 x the CPU of a served request.
   *
   * @param rows the measurements
   * @return the verdicts, in row order
   */
  static List<Verdict> verdicts(List<Row> rows) {
    List<Verdict> verdicts = new ArrayList<>();
    double error = modelError(rows);
    for (Row r : rows) {
      if (!r.staged()) {
        continue;
      }
      Optional<Row> best = bestBaseline(rows, r.clients());
      if (best.isPresent()) {
        Row b = best.get();
        double goodput = r.load().okPerSecond() / b.load().okPerSecond();
        verdicts.add(
            new Verdict(
                r.clients(),
                "goodput",
                goodput >= GOODPUT_TARGET,
                f3(goodput),
                ">=" + GOODPUT_TARGET,
                r.contender(),
                f0(r.load().okPerSecond())
                    + " vs "
                    + b.contender()
                    + " "
                    + f0(b.load().okPerSecond())
                    + " 2xx/s"));
        double p99 = r.load().okP99Millis() / b.load().okP99Millis();
        List<String> baselines = new ArrayList<>();
        for (Row other : rows) {
          if (!other.staged() && other.clients() == r.clients()) {
            baselines.add(other.contender() + " " + f0(other.load().okP99Millis()) + " ms");
          }
        }
        verdicts.add(
            new Verdict(
                r.clients(),
                "p99",
                r.load().ok() > 0 && p99 <= P99_TARGET,
                f3(p99),
                "<=" + f2(P99_TARGET),
                r.contender(),
                "2xx p99 "
                    + f0(r.load().okP99Millis())
                    + " ms vs "
                    + b.contender()
                    + "'s; baselines' p99: "
                    + String.join(", ", baselines)));
      }
      verdicts.add(
          new Verdict(
              r.clients(),
              "jain",
              r.load().jain() >= JAIN_TARGET,
              f3(r.load().jain()),
              ">=" + f2(JAIN_TARGET),
              r.contender(),
              "2xx per client "
                  + r.load().perClientMin()
                  + ".."
                  + r.load().perClientMax()
                  + ", "
                  + r.load().clientsWithoutOk()
                  + " clients without a 2xx"));
      double cost = r.rejectionCostRatio();
      String costs =
          "CPU per 503 "
              + f1(r.perShedSeconds() * 1e6)
              + " us measured alone, per 2xx "
              + f1(r.cpu().perOkSeconds() * 1e6)
              + " us; "
              + f0(r.shedCpuShare() * 100)
              + "% of the server's CPU on 503s; by difference "
              + f1(r.unexplainedCpuPerShedSeconds() * 1e6)
              + " +- "
              + f1(r.cpuPerShedBandSeconds(error) * 1e6)
              + " us";
      if (r.load().shed() == 0) {
        verdicts.add(
            new Verdict(
                r.clients(),
                "rejection-cost",
                true,
                "none",
                "<=" + f2(REJECTION_COST_TARGET),
                r.contender(),
                "no rejection in the window"));
      } else if (Double.isNaN(cost)) {
        verdicts.add(
            new Verdict(
                r.clients(),
                "rejection-cost",
                false,
                "unmeasured",
                "<=" + f2(REJECTION_COST_TARGET),
                r.contender(),
                costs));
      } else {
        verdicts.add(
            new Verdict(
                r.clients(),
                "rejection-cost",
                cost <= REJECTION_COST_TARGET,
                f3(cost),
                "<=" + f2(REJECTION_COST_TARGET),
                r.contender(),
                costs));
      }
    }
    return verdicts;
  }

  /**
   * The rows as two markdown tables: what the clients saw, and where the server's CPU went.
   *
   * @param rows the rows
   * @return the tables
   */
  static String markdown(List<Row> rows) {
    double error = modelError(rows);
    StringBuilder t = new StringBuilder();
    t.append(
        "| contender | on a 503 the client | 2xx/s | × best baseline | 503/s | 2xx p50 | 2xx p99"
            + " | 2xx max | 503 p99 | errors | Jain | 2xx per client | clients without 2xx |\n"
            + "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Row r : rows) {
      LoadGenerator.Result l = r.load();
      double ratio =
          bestBaseline(rows, r.clients())
              .map(b -> l.okPerSecond() / b.load().okPerSecond())
              .orElse(Double.NaN);
      cells(
          t,
          r.contender(),
          r.clients().id(),
          f0(l.okPerSecond()),
          f2(ratio),
          f0(l.shedPerSecond()),
          ms(l.okP50Millis()),
          ms(l.okP99Millis()),
          ms(l.okMaxMillis()),
          l.shed() == 0 ? "" : ms(l.shedP99Millis()),
          String.valueOf(l.errors() + l.other()),
          f3(l.jain()),
          l.perClientMin() + ".." + l.perClientMax(),
          String.valueOf(l.clientsWithoutOk()));
    }
    t.append('\n');
    t.append(
        "| contender | on a 503 the client | server CPU (cores) | CPU per 2xx | CPU per 503"
            + " | server CPU on 503s | 503s held by pacing | measured ÷ predicted CPU"
            + " | CPU per 503 by difference | client CPU (cores) | load |\n"
            + "|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Row r : rows) {
      boolean shed = r.load().shed() > 0;
      cells(
          t,
          r.contender(),
          r.clients().id(),
          f2(r.serverCores()),
          micros(r.cpu().perOkSeconds()),
          shed ? micros(r.perShedSeconds()) : "",
          shed ? f0(r.shedCpuShare() * 100) + "%" : "",
          Double.isNaN(r.heldShare()) || !shed ? "" : f0(r.heldShare() * 100) + "%",
          f2(r.modelCheck()),
          shed
              ? f1(r.unexplainedCpuPerShedSeconds() * 1e6)
                  + " ± "
                  + micros(r.cpuPerShedBandSeconds(error))
              : "",
          f2(r.clientCores()),
          f2(r.load1()));
    }
    return t.toString();
  }

  private static void cells(StringBuilder t, String... cells) {
    t.append("| ").append(String.join(" | ", cells)).append(" |\n");
  }

  /**
   * The rows as CSV, one line per contender and kind of client.
   *
   * @param run when and where it ran (first column of every line)
   * @param rows the rows
   * @return the CSV, with a header line
   */
  static String csv(String run, List<Row> rows) {
    double error = modelError(rows);
    StringBuilder c = new StringBuilder();
    c.append(
        "run,contender,flags,clients,connections,seconds,ok_per_s,shed_per_s,other,errors,"
            + "ok_p50_ms,ok_p99_ms,ok_max_ms,shed_p99_ms,jain,per_client_min,per_client_max,"
            + "clients_without_2xx,top_tenth_share,server_cores,background_cores,"
            + "cpu_us_per_2xx_calibrated,calibration_shed,cpu_us_per_2xx_under_overload,"
            + "cpu_us_per_503_alone,cpu_share_503,held_share,model_check,"
            + "cpu_us_per_503_by_difference,"
            + "cpu_us_per_503_by_difference_band,model_error,client_cores,load1\n");
    for (Row r : rows) {
      LoadGenerator.Result l = r.load();
      c.append(
              String.join(
                  ",",
                  quote(run),
                  quote(r.contender()),
                  quote(r.flags()),
                  r.clients().id(),
                  String.valueOf(l.clients()),
                  f1(l.seconds()),
                  f1(l.okPerSecond()),
                  f1(l.shedPerSecond()),
                  String.valueOf(l.other()),
                  String.valueOf(l.errors()),
                  f2(l.okP50Millis()),
                  f2(l.okP99Millis()),
                  f2(l.okMaxMillis()),
                  f2(l.shedP99Millis()),
                  f3(l.jain()),
                  String.valueOf(l.perClientMin()),
                  String.valueOf(l.perClientMax()),
                  String.valueOf(l.clientsWithoutOk()),
                  f3(l.topTenthShare()),
                  f3(r.serverCores()),
                  f3(r.cpu().backgroundCores()),
                  f1(r.cpu().perOkSeconds() * 1e6),
                  String.valueOf(r.cpu().calibrationShed()),
                  f1(r.cpuPerOkUnderOverloadSeconds() * 1e6),
                  f2(r.perShedSeconds() * 1e6),
                  f3(r.shedCpuShare()),
                  f3(r.heldShare()),
                  f3(r.modelCheck()),
                  f2(r.unexplainedCpuPerShedSeconds() * 1e6),
                  f2(r.cpuPerShedBandSeconds(error) * 1e6),
                  f3(error),
                  f3(r.clientCores()),
                  f2(r.load1())))
          .append('\n');
    }
    return c.toString();
  }

  private static String quote(String s) {
    return "\"" + s.replace("\"", "\"\"") + "\"";
  }

  private static final String[] COLOURS = {
    "#7f7f7f", "#bcbd22", "#1f77b4", "#aec7e8", "#d62728", "#ff9896", "#2ca02c", "#98df8a"
  };

  /**
   * A bar chart of goodput, admitted p99 and Jain's index per contender and kind of client, with
   * each target drawn as a dashed line. Hand-written SVG, no dependencies.
   *
   * @param title the chart's title
   * @param rows the rows
   * @return the SVG document
   */
  static String svg(String title, List<Row> rows) {
    Map<String, Integer> colour = new LinkedHashMap<>();
    for (Row r : rows) {
      colour.putIfAbsent(r.contender(), colour.size() % COLOURS.length);
    }
    int panelWidth = 320;
    int width = 3 * panelWidth + 40;
    int legendRows = (colour.size() + 2) / 3;
    int height = 380 + legendRows * 18;
    StringBuilder s = new StringBuilder();
    s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + width + "\" height=\"" + height)
        .append("\" font-family=\"sans-serif\" font-size=\"11\">\n")
        .append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n")
        .append("<text x=\"20\" y=\"22\" font-size=\"14\">")
        .append(escape(title))
        .append("</text>\n");
    panel(
        s, rows, colour, 20, "goodput (2xx/s)", r -> r.load().okPerSecond(), GOODPUT_TARGET, true);
    panel(
        s,
        rows,
        colour,
        20 + panelWidth,
        "admitted p99 (ms)",
        r -> r.load().okP99Millis(),
        P99_TARGET,
        false);
    panel(s, rows, colour, 20 + 2 * panelWidth, "Jain's index", r -> r.load().jain(), -1, false);
    int i = 0;
    for (Map.Entry<String, Integer> e : colour.entrySet()) {
      int x = 20 + (i % 3) * panelWidth;
      int y = 372 + (i / 3) * 18;
      s.append("<rect x=\"" + x + "\" y=\"" + (y - 9) + "\" width=\"10\" height=\"10\" fill=\"")
          .append(COLOURS[e.getValue()])
          .append("\"/><text x=\"" + (x + 14) + "\" y=\"" + y + "\">")
          .append(escape(e.getKey()))
          .append("</text>\n");
      i++;
    }
    s.append("</svg>\n");
    return s.toString();
  }

  /**
   * One panel: a group of bars per kind of client, a bar per contender. The target is a fraction of
   * the best baseline's value ({@code relative}) or, for Jain, the fixed {@link #JAIN_TARGET}.
   */
  private static void panel(
      StringBuilder s,
      List<Row> rows,
      Map<String, Integer> colour,
      int left,
      String title,
      ToDoubleFunction<Row> value,
      double fraction,
      boolean higherIsBetter) {
    int top = 60;
    int plotHeight = 240;
    int plotWidth = 280;
    double max = 0;
    for (Row r : rows) {
      max = Math.max(max, value.applyAsDouble(r));
    }
    if (fraction < 0) {
      max = 1;
    }
    max = max <= 0 ? 1 : max * 1.1;
    s.append("<text x=\"" + left + "\" y=\"" + (top - 14) + "\" font-size=\"12\">")
        .append(
            escape(
                title
                    + (fraction < 0
                        ? " (target >= " + f2(JAIN_TARGET) + ")"
                        : " (target "
                            + (higherIsBetter ? ">= " : "<= ")
                            + f2(fraction)
                            + " x best baseline)")))
        .append("</text>\n");
    int bottom = top + plotHeight;
    s.append("<line x1=\"" + left + "\" y1=\"" + bottom + "\" x2=\"" + (left + plotWidth))
        .append("\" y2=\"" + bottom + "\" stroke=\"black\"/>\n");
    s.append("<text x=\"" + (left + 2) + "\" y=\"" + (top + 4) + "\" fill=\"#555\">")
        .append(fraction < 0 ? f2(max) : f0(max))
        .append("</text>\n");
    OnShed[] kinds = OnShed.values();
    int groupWidth = plotWidth / kinds.length;
    for (int g = 0; g < kinds.length; g++) {
      OnShed kind = kinds[g];
      List<Row> group = rows.stream().filter(r -> r.clients() == kind).toList();
      int gx = left + g * groupWidth;
      s.append("<text x=\"" + (gx + groupWidth / 2) + "\" y=\"" + (bottom + 16))
          .append("\" text-anchor=\"middle\">")
          .append(kind.id())
          .append("</text>\n");
      if (group.isEmpty()) {
        continue;
      }
      double barWidth = (groupWidth - 16.0) / group.size();
      for (int b = 0; b < group.size(); b++) {
        Row r = group.get(b);
        double v = value.applyAsDouble(r);
        double h = plotHeight * v / max;
        double x = gx + 8 + b * barWidth;
        s.append(
            String.format(
                Locale.ROOT,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
                    + "<title>%s, %s: %s</title></rect>%n",
                x,
                bottom - h,
                Math.max(1, barWidth - 2),
                h,
                COLOURS[colour.getOrDefault(r.contender(), 0)],
                escape(r.contender()),
                kind.id(),
                fraction < 0 ? f3(v) : f0(v)));
        s.append(
            String.format(
                Locale.ROOT,
                "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"middle\">%s</text>%n",
                x + barWidth / 2 - 1,
                bottom - h - 3,
                fraction < 0 ? f2(v) : f0(v)));
      }
      double goal =
          fraction < 0
              ? JAIN_TARGET
              : bestBaseline(rows, kind).map(value::applyAsDouble).orElse(Double.NaN) * fraction;
      if (!Double.isNaN(goal)) {
        double y = bottom - plotHeight * goal / max;
        s.append(
            String.format(
                Locale.ROOT,
                "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"black\""
                    + " stroke-dasharray=\"4 3\"/>%n",
                gx + 4,
                y,
                gx + groupWidth - 4,
                y));
      }
    }
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  private static String ms(double millis) {
    return millis >= 100 ? f0(millis) + " ms" : f1(millis) + " ms";
  }

  private static String micros(double seconds) {
    return Double.isNaN(seconds) ? "" : f1(seconds * 1e6) + " µs";
  }

  static String f0(double v) {
    return String.format(Locale.ROOT, "%.0f", v);
  }

  static String f1(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  static String f2(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }

  static String f3(double v) {
    return String.format(Locale.ROOT, "%.3f", v);
  }
}
