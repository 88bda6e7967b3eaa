/**
 * The contracts between seda4j's API packages and its engine; not exported, not for users.
 *
 * <p>The API ({@code org.seda4j}, {@code org.seda4j.control}, {@code org.seda4j.observe}) never
 * imports the engine ({@code org.seda4j.internal}): it reaches the engine through {@link
 * org.seda4j.spi.Engine}, a {@link java.util.ServiceLoader} service the engine provides, and the
 * built-in admission controllers tell the engine more than {@link
 * org.seda4j.control.AdmissionController} says through {@link org.seda4j.spi.Refusal.Screening} and
 * {@link org.seda4j.spi.AdmissionLimit}. The engine depends on the API, never the other way round
 * (see docs/decisions/0004-api-packages.md).
 */
@NullMarked
package org.seda4j.spi;

import org.jspecify.annotations.NullMarked;
