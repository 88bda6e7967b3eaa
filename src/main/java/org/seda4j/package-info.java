/** API. */
@NullMarked
package org.seda4j;

import org.jspecify.annotations.NullMarked;
