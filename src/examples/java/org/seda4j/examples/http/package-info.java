/**
 * A staged HTTP/1.1 static-file server built on the JDK and seda4j only, after Haboob, the web
 * server of the SEDA paper: accept, parse, cache, file I/O on a miss, and write, each a seda4j
 * stage, with a live status page at {@code /_seda}. Also here: two baselines serving the same files
 * with the same parser and cache (a virtual thread per connection, and the JDK's {@code
 * com.sun.net.httpserver} on a fixed thread pool), a load generator that counts completions per
 * connection, and a sample site.
 *
 * <p>Start it with {@code examples/run http-server [dir] [port]} ({@link
 * org.seda4j.examples.http.HttpServerMain}). Everything here is example code: not part of the
 * seda4j jar, built and tested by the project's default build.
 *
 * <p>Nothing in this package accepts or returns {@code null} unless marked {@code @Nullable}.
 */
@NullMarked
package org.seda4j.examples.http;

import org.jspecify.annotations.NullMarked;
