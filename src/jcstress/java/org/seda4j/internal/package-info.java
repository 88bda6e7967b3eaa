/**
 * jcstress tests of the engine's low-level parts (the {@code jcstress} profile). In the engine's
 * package so they can reach package-private classes; compiled on the class path, where the module's
 * {@code @NullMarked} is not seen, hence this package-info.
 */
@NullMarked
package org.seda4j.internal;

import org.jspecify.annotations.NullMarked;
