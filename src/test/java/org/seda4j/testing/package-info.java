/**
 * The tests' fixtures, written once: {@link org.seda4j.testing.Await} (every asynchronous wait),
 * {@link org.seda4j.testing.KeptMdc} (an MDC that keeps values), {@link org.seda4j.testing.Gate}
 * (the gated stage) and {@link org.seda4j.testing.Background} (a call on its own thread).
 */
package org.seda4j.testing;
