/**
 * Optional Micrometer metrics for seda4j stages: {@link org.seda4j.micrometer.StageGraphMetrics}.
 *
 * <p>This is the only package of seda4j that uses Micrometer ({@code
 * io.micrometer:micrometer-core}, an optional dependency). Applications that never load it need not
 * have Micrometer at run time.
 */
@NullMarked
package org.seda4j.micrometer;

import org.jspecify.annotations.NullMarked;
