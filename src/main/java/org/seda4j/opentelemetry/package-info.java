/**
 * Optional OpenTelemetry context propagation for seda4j stages: {@link
 * org.seda4j.opentelemetry.OpenTelemetryPropagation}.
 *
 * <p>This is the only package of seda4j that uses OpenTelemetry ({@code
 * io.opentelemetry:opentelemetry-api}, an optional dependency). Applications that never load it
 * need not have OpenTelemetry at run time; a module that uses it says {@code requires
 * io.opentelemetry.api;} itself.
 */
@NullMarked
package org.seda4j.opentelemetry;

import org.jspecify.annotations.NullMarked;
