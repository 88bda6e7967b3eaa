package org.seda4j.examples.http;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.seda4j.StageGraph;
import org.seda4j.examples.http.Events.Bytes;
import org.seda4j.examples.http.Events.Exchange;
import org.seda4j.examples.http.Events.Response;
import org.seda4j.observe.Diagrams;
import org.seda4j.observe.GraphSnapshot;
import org.seda4j.observe.Latency;
import org.seda4j.observe.SnapshotHistory;
import org.seda4j.observe.StageSnapshot;

/**
 * The live status page {@code /_seda}: the server's request accounting, the stage network as a
 * diagram with a row of sparklines per stage over the last minute ({@link Diagrams#svg(
 * SnapshotHistory)}), then every stage's snapshot in tables (queue, permits, active handlers, batch
 * size, throughput, queue-wait and service-time percentiles, the accounting counters and the
 * controllers' last decisions) and the stage network's edges. {@code /_seda.txt} is the graph's
 * plain text table.
 *
 * <p>How it stays live: a sampler thread of the page adds a snapshot of the graph to a {@link
 * SnapshotHistory} of 60 once a second (off the request path: nothing is recorded per event), and
 * the HTML is rendered on the server from the latest sample, SVG included. A few lines of script
 * fetch the page again every second and swap its {@code <main>} in place (no flicker, the scroll
 * position kept); without script the page reloads itself every two seconds. So there is one
 * renderer, the library's, and the picture in the browser is the one jshell writes to a file.
 */
final class StatusPage implements AutoCloseable {

  /** Samples kept for the sparklines: a minute at one a second. */
  static final int SAMPLES = 60;

  /** Time between two samples. */
  static final Duration SAMPLE_PERIOD = Duration.ofSeconds(1);

  /** Pipeline order; stages not listed follow in creation order. */
  private static final List<String> ORDER =
      List.of("accept", "parse", "cache", "file", "write", "errors");

  private final StageGraph graph;
  private final ServerStats stats;
  private final Site site;
  private final long startedNanos;
  private final SnapshotHistory history = SnapshotHistory.ofLast(SAMPLES);
  private final Object lock = new Object();
  private final CountDownLatch stop = new CountDownLatch(1);
  private final Thread sampler;

  /** Creates the page and starts its sampler thread, which takes the first sample at once. */
  StatusPage(StageGraph graph, ServerStats stats, Site site, long startedNanos) {
    this.graph = graph;
    this.stats = stats;
    this.site = site;
    this.startedNanos = startedNanos;
    history.add(inPipelineOrder(graph.snapshot()));
    // A platform thread: under load the connections' virtual threads keep the carriers busy, and
    // the samples should stay a second apart.
    this.sampler =
        Thread.ofPlatform().daemon().name("http-status-sampler").start(this::sampleEverySecond);
  }

  private void sampleEverySecond() {
    long next = System.nanoTime();
    try {
      while (true) {
        next += SAMPLE_PERIOD.toNanos();
        long wait = next - System.nanoTime();
        if (stop.await(Math.max(0, wait), TimeUnit.NANOSECONDS)) {
          return;
        }
        if (wait < 0) {
          next = System.nanoTime(); // fell behind (a long pause): start again from now
        }
        GraphSnapshot snapshot = inPipelineOrder(graph.snapshot());
        synchronized (lock) {
          history.add(snapshot);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The samples behind the page's pictures. Any thread may call it.
   *
   * @return the history the sampler thread adds to
   */
  SnapshotHistory history() {
    return history;
  }

  /** Stops the sampler thread and waits for it to end. */
  @Override
  public void close() {
    stop.countDown();
    boolean interrupted = false;
    while (true) {
      try {
        sampler.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  Response response(Exchange exchange, HttpParser.Status status) {
    String body;
    String type;
    if (status.text()) {
      GraphSnapshot snapshot = inPipelineOrder(graph.snapshot());
      body = snapshot + "\n" + counters(stats.snapshot(), site.cache().stats()) + "\n";
      type = "text/plain; charset=utf-8";
    } else {
      body = html(stats.snapshot(), site.cache().stats());
      type = "text/html; charset=utf-8";
    }
    return new Response(
        exchange,
        200,
        type,
        new Bytes(body.getBytes(StandardCharsets.UTF_8)),
        "Cache-Control: no-store\r\n",
        status.request().head(),
        status.request().persistence());
  }

  private static String counters(ServerStats.Counters c, FileCache.Stats cache) {
    return String.format(
        Locale.ROOT,
        "requests: received %d, answered %d (%s), shed 503 %d (paced %d), abandoned %d,"
            + " in progress %d%n"
            + "connections: open %d, accepted %d, refused %d%n"
            + "cache: %d files, %d of %d bytes, hits %d, misses %d, evictions %d",
        c.received(),
        c.answered(),
        c.byStatus(),
        c.shed(),
        c.paced(),
        c.abandoned(),
        c.inProgress(),
        c.connectionsOpen(),
        c.connectionsAccepted(),
        c.connectionsRefused(),
        cache.entries(),
        cache.bytes(),
        cache.maxBytes(),
        cache.hits(),
        cache.misses(),
        cache.evictions());
  }

  /**
   * The page, rendered from the latest sample.
   *
   * @param c the request accounting now
   * @param cache the cache's figures now
   * @return the HTML
   */
  String html(ServerStats.Counters c, FileCache.Stats cache) {
    List<SnapshotHistory.Sample> samples;
    String picture;
    // One read of the history for the picture and the tables: the sampler adds under this lock.
    synchronized (lock) {
      samples = history.samples();
      picture = Diagrams.svg(history);
    }
    SnapshotHistory.Sample sample = samples.get(samples.size() - 1);
    GraphSnapshot g = sample.snapshot();
    StringBuilder h = new StringBuilder(64 * 1024);
    long now = System.nanoTime();
    long uptime = (now - startedNanos) / 1_000_000_000L;
    h.append(
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <noscript><meta http-equiv="refresh" content="2"></noscript>
        <title>seda4j status</title>
        <style>
        body{font:14px system-ui,sans-serif;margin:16px 24px;color:#222}
        h1{font-size:20px;margin:0 0 4px} h2{font-size:15px;margin:18px 0 6px}
        .sub{color:#666;margin-bottom:10px}
        table{border-collapse:collapse;font-variant-numeric:tabular-nums}
        th,td{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right;white-space:nowrap}
        th{background:#f3f3f3;font-weight:600} td.l,th.l{text-align:left}
        .bar{display:inline-block;width:70px;height:8px;background:#eee;vertical-align:middle;margin-left:6px}
        .bar i{display:block;height:8px;background:#4a7}
        .bad{color:#b00;font-weight:600} .ok{color:#080}
        .cards{display:flex;gap:12px;flex-wrap:wrap}
        .card{border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:200px}
        .card b{font-size:18px} .small{color:#666;font-size:12px}
        table.wrap td{white-space:normal;max-width:420px;font-size:12px}
        svg.seda4j{max-width:100%;height:auto;display:block}
        #paused{color:#b00}
        </style></head><body>
        """);
    h.append("<h1>seda4j staged HTTP server</h1><div class=\"sub\">Live: updated every second")
        .append(" <span id=paused></span>; <a href=\"/_seda.txt\">text</a>.</div>\n");
    h.append("<main id=\"live\" data-sequence=\"")
        .append(sample.sequence())
        .append("\">\n<div class=\"sub\">graph <b>")
        .append(esc(g.graph()))
        .append("</b> (")
        .append(g.state())
        .append("), serving ")
        .append(esc(site.root().toString()))
        .append(", up ")
        .append(uptime)
        .append(" s; stage figures from sample ")
        .append(sample.sequence())
        .append(", taken ")
        .append((now - sample.nanoTime()) / 1_000_000)
        .append(" ms ago.</div>\n");

    h.append("<div class=\"cards\">");
    card(
        h,
        "requests",
        c.received() + " received",
        "answered "
            + c.answered()
            + ", shed (503) "
            + c.shed()
            + " (paced "
            + c.paced()
            + "), abandoned "
            + c.abandoned()
            + ", in progress "
            + c.inProgress());
    card(
        h,
        "responses by status",
        statuses(c.byStatus()),
        "accounted: received = answered" + " + abandoned + in progress");
    card(
        h,
        "connections",
        c.connectionsOpen() + " open",
        "accepted " + c.connectionsAccepted() + ", refused " + c.connectionsRefused());
    long lookups = cache.hits() + cache.misses();
    if (cache.maxBytes() == 0) {
      card(h, "cache (LRU)", "off", "every request reads the file");
    } else {
      card(
          h,
          "cache (LRU)",
          (lookups == 0
                  ? "-"
                  : String.format(Locale.ROOT, "%.1f%%", 100.0 * cache.hits() / lookups))
              + " hits",
          cache.entries()
              + " files, "
              + mib(cache.bytes())
              + " of "
              + mib(cache.maxBytes())
              + ", "
              + cache.evictions()
              + " evictions");
    }
    h.append("</div>\n");

    h.append("<h2>Stage network, and the last minute</h2>\n").append(picture).append('\n');

    List<StageSnapshot> stages = g.stages();
    h.append("<h2>Stages: load and latency</h2><table><tr><th class=l>stage</th>")
        .append("<th class=l>queue</th><th>permits</th><th>active</th><th>in flight</th>")
        .append("<th>batch</th><th>events/s</th><th>wait p50</th><th>p90</th><th>p99</th>")
        .append("<th>max</th><th>service p50</th><th>p90</th><th>p99</th><th>max</th></tr>\n");
    for (StageSnapshot s : stages) {
      int fill =
          s.queue().capacity() == 0
              ? 0
              : (int) Math.ceil(100.0 * s.queue().queued() / s.queue().capacity());
      h.append("<tr><td class=l><b>")
          .append(esc(s.name()))
          .append("</b></td><td class=l>")
          .append(s.queue().queued())
          .append('/')
          .append(s.queue().capacity())
          .append("<span class=bar><i style=\"width:")
          .append(fill)
          .append("%\"></i></span></td>");
      cell(h, s.handlers().permits() + (s.controllers().permitsOverridden() ? "*" : ""));
      cell(h, s.handlers().active());
      cell(h, s.handlers().inFlight());
      cell(h, s.handlers().batchSize() + (s.controllers().batchSizeOverridden() ? "*" : ""));
      cell(h, String.format(Locale.ROOT, "%.0f", s.handlers().throughput()));
      latency(h, s.latency().queueWait());
      latency(h, s.latency().serviceTime());
      h.append("</tr>\n");
    }
    h.append("</table>\n");

    h.append("<h2>Stages: event accounting</h2><table><tr><th class=l>stage</th>")
        .append("<th>admitted</th><th>completed</th><th>failed</th><th>cancelled</th>")
        .append("<th>dropped</th><th>queued</th><th>in flight</th><th>rejected</th>")
        .append("<th>blocked</th><th class=l title=\"admitted = completed + failed + cancelled")
        .append(" + dropped + queued + in flight\">accounting</th></tr>\n");
    for (StageSnapshot s : stages) {
      h.append("<tr><td class=l><b>").append(esc(s.name())).append("</b></td>");
      cell(h, s.counts().admitted());
      cell(h, s.counts().completed());
      cell(h, s.counts().failed());
      cell(h, s.counts().cancelled());
      cell(h, s.counts().dropped());
      cell(h, s.queue().queued());
      cell(h, s.handlers().inFlight());
      h.append(s.counts().rejected() > 0 ? "<td class=bad>" : "<td>")
          .append(s.counts().rejected())
          .append("</td>");
      cell(h, s.queue().blockedProducers() + "p/" + s.handlers().blockedOnEmit() + "e");
      // Taken while events flow, a snapshot may miss an event in transit (never counts one twice).
      long unaccounted =
          s.counts().admitted()
              - s.counts().finished()
              - s.queue().queued()
              - s.handlers().inFlight();
      h.append(
          s.balanced()
              ? "<td class=\"l ok\">balanced</td>"
              : "<td class=l>" + unaccounted + " in transit between two counters</td>");
      h.append("</tr>\n");
    }
    h.append("</table>\n");

    h.append("<h2>Policies and controllers' last decisions</h2><table class=wrap>")
        .append("<tr><th class=l>stage</th>")
        .append("<th class=l>when full</th><th class=l>on failure</th>")
        .append("<th class=l>concurrency</th><th class=l>batching</th></tr>\n");
    for (StageSnapshot s : stages) {
      h.append("<tr><td class=l>")
          .append(esc(s.name()))
          .append("</td><td class=l>")
          .append(esc(s.queue().fullQueuePolicy()))
          .append("</td><td class=l>")
          .append(esc(s.handlers().failurePolicy()))
          .append("</td><td class=l>")
          .append(esc(s.controllers().concurrencyDecision()))
          .append("</td><td class=l>")
          .append(esc(s.controllers().batchDecision()))
          .append("</td></tr>\n");
    }
    h.append("</table>\n");

    h.append("<h2>Admission control and end-to-end response time</h2><table class=wrap>")
        .append("<tr><th class=l>where</th><th class=l>state</th></tr>\n");
    for (StageSnapshot s : stages) {
      if (!s.controllers().admission().isEmpty() || !s.counts().rejections().isEmpty()) {
        h.append("<tr><td class=l>")
            .append(esc(s.name()))
            .append("</td><td class=l>")
            .append(esc(s.controllers().admission()))
            .append(s.controllers().admission().isEmpty() ? "" : "<br>")
            .append("rejected by reason: ")
            .append(esc(s.counts().rejections().toString()))
            .append("</td></tr>\n");
      }
    }
    for (GraphSnapshot.Path p : g.paths()) {
      Latency r = p.responseTime();
      h.append("<tr><td class=l>path ")
          .append(esc(p.entry()))
          .append(" &rarr; ")
          .append(esc(p.exit()))
          .append("</td><td class=l>")
          .append(r.count())
          .append(" responses: p50 ")
          .append(duration(r, r.p50Nanos()))
          .append(", p90 ")
          .append(duration(r, r.p90Nanos()))
          .append(", p99 ")
          .append(duration(r, r.p99Nanos()))
          .append("</td></tr>\n");
    }
    h.append("</table>\n");

    h.append("<h2>Edges (events each stage sent to the next)</h2><table>")
        .append("<tr><th class=l>from</th><th class=l>to</th><th>events</th></tr>\n");
    for (GraphSnapshot.Edge e : g.edges()) {
      h.append("<tr><td class=l>")
          .append(esc(e.from()))
          .append("</td><td class=l>")
          .append(esc(e.to()))
          .append("</td>");
      cell(h, e.events());
      h.append("</tr>\n");
    }
    h.append("</table>\n<p class=small>Latencies cover the last one to two sampling periods. ")
        .append("<b>wait</b>: time in the stage's queue; <b>service</b>: handler time per event. ")
        .append("Requests are admitted at the parse stage: when its response-time controller ")
        .append("sheds load, or its queue is full, a request is answered 503 (counted ")
        .append("in parse's <b>rejected</b>, by reason): at once, unless its connection asks ")
        .append("again sooner than its previous 503 allowed (then <b>paced</b>: held until then). ")
        .append("* = set by hand. blocked: producers waiting for room (p) / handlers waiting on ")
        .append("an emit (e).</p>\n</main>\n")
        .append(LIVE_SCRIPT)
        .append("</body></html>\n");
    return h.toString();
  }

  /**
   * Every second, fetches the page again and puts its {@code <main>} in place of the current one
   * (which counts the swaps in {@code data-updates}, for the browser check); says so while the
   * server does not answer, and keeps trying.
   */
  private static final String LIVE_SCRIPT =
      """
      <script>
      (function () {
        var updates = 0;
        function tick() {
          fetch(location.href, {cache: 'no-store'})
            .then(function (r) {
              if (!r.ok) { throw new Error('HTTP ' + r.status); }
              return r.text();
            })
            .then(function (text) {
              var next = new DOMParser().parseFromString(text, 'text/html').getElementById('live');
              var live = document.getElementById('live');
              if (next && live) {
                next.setAttribute('data-updates', String(++updates));
                live.replaceWith(document.importNode(next, true));
              }
              document.getElementById('paused').textContent = '';
            })
            .catch(function (e) {
              document.getElementById('paused').textContent = '(not updating: ' + e.message + ')';
            })
            .finally(function () { setTimeout(tick, 1000); });
        }
        setTimeout(tick, 1000);
      })();
      </script>
      """;

  /**
   * The snapshot with its stages in pipeline order (accept, parse, cache, file, write, errors).
   *
   * @param g a snapshot of the server's graph
   * @return the same snapshot, reordered
   */
  static GraphSnapshot inPipelineOrder(GraphSnapshot g) {
    return new GraphSnapshot(
        g.graph(), g.state(), ordered(g.stages()), g.edges(), g.paths(), g.deadlocked());
  }

  private static List<StageSnapshot> ordered(List<StageSnapshot> stages) {
    List<StageSnapshot> out = new ArrayList<>();
    for (String name : ORDER) {
      for (StageSnapshot s : stages) {
        if (s.name().equals(name)) {
          out.add(s);
        }
      }
    }
    for (StageSnapshot s : stages) {
      if (!ORDER.contains(s.name())) {
        out.add(s);
      }
    }
    return out;
  }

  private static void card(StringBuilder h, String title, String big, String small) {
    h.append("<div class=card><div class=small>")
        .append(esc(title))
        .append("</div><b>")
        .append(esc(big))
        .append("</b><div class=small>")
        .append(esc(small))
        .append("</div></div>");
  }

  private static String statuses(Map<Integer, Long> byStatus) {
    if (byStatus.isEmpty()) {
      return "none yet";
    }
    StringBuilder s = new StringBuilder();
    byStatus.forEach(
        (status, count) ->
            s.append(s.isEmpty() ? "" : ", ").append(status).append(": ").append(count));
    return s.toString();
  }

  private static void cell(StringBuilder h, Object value) {
    h.append("<td>").append(esc(String.valueOf(value))).append("</td>");
  }

  private static void latency(StringBuilder h, Latency l) {
    cell(h, duration(l, l.p50Nanos()));
    cell(h, duration(l, l.p90Nanos()));
    cell(h, duration(l, l.p99Nanos()));
    cell(h, duration(l, l.maxNanos()));
  }

  /** A duration in human units, or "-" if the window recorded nothing. */
  static String duration(Latency l, long nanos) {
    if (l.count() == 0) {
      return "-";
    }
    if (nanos < 1_000) {
      return nanos + "ns";
    } else if (nanos < 1_000_000) {
      return String.format(Locale.ROOT, "%.1fus", nanos / 1e3);
    } else if (nanos < 1_000_000_000) {
      return String.format(Locale.ROOT, "%.1fms", nanos / 1e6);
    }
    return String.format(Locale.ROOT, "%.2fs", nanos / 1e9);
  }

  private static String mib(long bytes) {
    return bytes < 1024 * 1024
        ? String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0)
        : String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
  }

  private static String esc(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      switch (ch) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        default -> out.append(ch);
      }
    }
    return out.toString();
  }
}
