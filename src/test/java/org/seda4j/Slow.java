package org.seda4j;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Marks a test class or method that takes seconds rather than milliseconds (the examples, stress,
 * chaos and race suites, load and timing scenarios, the consumer builds): JUnit tag {@code slow}.
 * {@code ./mvnw -B verify} runs them; the fast developer loop, {@code ./mvnw -B test -Pfast},
 * leaves them out (docs/contributing.md).
 *
 * <p>Public for the tests of other packages; "exports" lint is off because the tests are patched
 * into module org.seda4j, which does not export JUnit.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("slow")
@SuppressWarnings("exports")
public @interface Slow {}
