package org.seda4j.internal;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import org.seda4j.Stage;
import org.seda4j.observe.StageMXBean;
import org.slf4j.Logger;

/**
 * The JMX registrations of one graph's stages in the platform MBeanServer.
 *
 * <p>Names: {@code org.seda4j:type=Stage,graph=<graph>,name=<stage>}. Graph names need not be
 * unique, so the plain names of a graph name are claimed (in this class loader) by the first graph
 * that opens with it and released when it terminates; a graph opened while the claim is held adds
 * {@code instance=<n>} (a JVM-unique graph number) to its names. Graph and stage names are {@code
 * [A-Za-z0-9_.-]}, which ObjectName values allow unquoted.
 *
 * <p>Registration and unregistration never throw: failures are logged as warnings. Both are
 * synchronized with a closed flag, so that no MBean is registered after {@link #unregisterAll()}.
 */
final class GraphJmx {

  static final String DOMAIN = "org.seda4j";

  private static final Set<String> CLAIMED = ConcurrentHashMap.newKeySet();
  private static final AtomicLong INSTANCES = new AtomicLong();

  private final String graph;
  private final Logger log;
  private final boolean claimed;
  private final String prefix;
  private final List<ObjectName> registered = new ArrayList<>(); // guarded by this
  private boolean closed; // guarded by this

  GraphJmx(String graph, Logger log) {
    this.graph = graph;
    this.log = log;
    this.claimed = CLAIMED.add(graph);
    long instance = INSTANCES.incrementAndGet();
    this.prefix =
        DOMAIN + ":type=Stage,graph=" + graph + (claimed ? "" : ",instance=" + instance) + ",name=";
    if (!claimed) {
      log.info(
          "another open graph is named '{}'; its stages are registered in JMX as {}<stage>",
          graph,
          prefix);
    }
  }

  /** Registers the stage's MBean; logs a warning and carries on if that fails. */
  synchronized void register(Stage<?> stage) {
    if (closed) {
      return;
    }
    try {
      ObjectName name = new ObjectName(prefix + stage.name());
      MBeanServer server = ManagementFactory.getPlatformMBeanServer();
      server.registerMBean(
          new StandardMBean(new StageMXBeanImpl(stage), StageMXBean.class, true), name);
      registered.add(name);
    } catch (JMException | RuntimeException e) {
      log.warn(
          "could not register stage '{}' of graph '{}' in JMX; the stage runs without it",
          stage.name(),
          graph,
          e);
    }
  }

  /** Unregisters every MBean of the graph and releases the graph name; idempotent. */
  synchronized void unregisterAll() {
    if (closed) {
      return;
    }
    closed = true;
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    for (ObjectName name : registered) {
      try {
        server.unregisterMBean(name);
      } catch (JMException | RuntimeException e) {
        log.warn("could not unregister {} from JMX", name, e);
      }
    }
    registered.clear();
    if (claimed) {
      CLAIMED.remove(graph);
    }
  }
}
