package org.seda4j.internal;

/**
 * What the engine does with a throwable from user code it guards (a controller, a priority or key
 * function, a listener): everything is caught and reported, except an error of the JVM itself (out
 * of memory, stack overflow), which nothing here could handle and which is thrown on.
 */
final class Guard {
  private Guard() {}

  /** Throws {@code t} if it is a {@link VirtualMachineError}; else returns. */
  static void rethrowFatal(Throwable t) {
    if (t instanceof VirtualMachineError vme) {
      throw vme;
    }
  }
}
