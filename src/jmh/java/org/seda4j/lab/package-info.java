/**
 * The scenario lab: a benchmark harness that measures whether seda4j's default controllers keep a
 * service well-conditioned on realistic load, side by side with the best fixed configuration and
 * plain baselines. Entry point {@link org.seda4j.lab.Lab}; see {@code docs/lab.md}.
 *
 * <p>Nothing in this package accepts or returns {@code null} unless marked {@code @Nullable}.
 */
@NullMarked
package org.seda4j.lab;

import org.jspecify.annotations.NullMarked;
