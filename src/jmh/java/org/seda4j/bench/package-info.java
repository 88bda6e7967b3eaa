/**
 * JMH benchmarks of seda4j and of other ways to build the same flows; built by the {@code bench}
 * profile, never part of the library's jar (see {@code docs/benchmarks.md}).
 *
 * <p>Nothing in this package accepts or returns {@code null} unless marked {@code @Nullable}.
 */
@NullMarked
package org.seda4j.bench;

import org.jspecify.annotations.NullMarked;
