package org.seda4j.testing;

import java.lang.reflect.Method;
import org.slf4j.MDC;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.spi.MDCAdapter;

/**
 * An MDC that keeps its values, for a test's duration: slf4j-simple, the tests' log backend, keeps
 * no MDC (its adapter discards everything), so {@link #install()} puts SLF4J's reference adapter,
 * {@link BasicMDCAdapter} (an inheritable thread-local map, like reload4j's), in its place, and
 * {@link #close()} clears it and puts the backend's adapter back.
 */
public final class KeptMdc implements AutoCloseable {
  private final MDCAdapter original;

  private KeptMdc(MDCAdapter original) {
    this.original = original;
  }

  /**
   * Installs an MDC that keeps values.
   *
   * @return what to close at the end of the test
   * @throws ReflectiveOperationException if SLF4J's hook to replace the adapter is missing
   */
  public static KeptMdc install() throws ReflectiveOperationException {
    MDCAdapter original = MDC.getMDCAdapter(); // initialises SLF4J first, which installs its own
    setMdcAdapter(new BasicMDCAdapter());
    return new KeptMdc(original);
  }

  /**
   * Clears the MDC and puts the backend's adapter back.
   *
   * @throws ReflectiveOperationException if SLF4J's hook to replace the adapter is missing
   */
  @Override
  public void close() throws ReflectiveOperationException {
    MDC.clear();
    setMdcAdapter(original);
  }

  /** SLF4J's own hook (package-private in slf4j-api 2.0.x) to replace the provider's adapter. */
  private static void setMdcAdapter(MDCAdapter adapter) throws ReflectiveOperationException {
    Method set = MDC.class.getDeclaredMethod("setMDCAdapter", MDCAdapter.class);
    set.setAccessible(true);
    set.invoke(null, adapter);
  }
}
