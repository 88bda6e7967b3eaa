package org.seda4j.examples.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * One client connection: its socket, an input buffer that splits the byte stream into request heads
 * (pipelined requests stay in the buffer for the next read), and the turn that orders the
 * connection's requests.
 *
 * <p>Threads: one reader thread per connection calls {@link #readHead} and {@link #awaitTurn}; the
 * thread that writes a response calls {@link #write} and then {@link #complete}, which hands the
 * turn back to the reader. So at most one request per connection is in the server at a time, and
 * responses leave in request order. {@link #close} may be called from any thread.
 *
 * <p>A reader may also hand the connection off ({@link #handOff}, {@link #awaitHandBack}): while it
 * is parked there, the thread it handed off to (the server's pacer) owns the connection, its buffer
 * included ({@link #pollHead}, {@link #write}), until that thread hands it back ({@link
 * #handBack}). The hand-off and the hand-back order the two threads' accesses.
 */
final class Connection {

  private static final AtomicLong IDS = new AtomicLong();
  private static final int LINGER_BYTES = 256 * 1024;

  /** What {@link #readHead} found. */
  sealed interface HeadResult permits Head, Oversized, TimedOut, Ended {}

  /**
   * A complete request head (request line and header fields, up to and including the empty line),
   * decoded as ISO-8859-1, which maps every byte to one char.
   *
   * @param text the head
   */
  record Head(String text) implements HeadResult {}

  /**
   * The head did not fit in the limit.
   *
   * @param status 414 if the request line alone did not fit, 431 otherwise
   */
  record Oversized(int status) implements HeadResult {}

  /** The first bytes of a head arrived, the rest did not within the head timeout. */
  record TimedOut() implements HeadResult {}

  /** The connection ended between requests: closed by the client, idle too long, or failed. */
  record Ended() implements HeadResult {}

  /** What the thread a reader handed the connection off to leaves it when it hands it back. */
  interface HandBack {}

  private final long id = IDS.incrementAndGet();
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final byte[] buf;
  private int start;
  private int end;
  private int timeoutMillis = -1;
  // Written by the thread that completes a response, read by the reader after awaitTurn: the
  // semaphore orders them.
  private long skip;
  private boolean keepAlive;
  // The thread that owns the connection (its reader, or the thread it is handed off to): when this
  // connection's last 503 was written, for pacing the next one.
  private long lastShedNanos;
  private boolean shedBefore;
  // The owning thread: whether the client's last request after a 503 came only once the
  // Retry-After was over (it waits as it is told), so that the next look for it can wait as long.
  private boolean waitsRetryAfter;
  private final Semaphore turn = new Semaphore(0);
  private final AtomicBoolean closed = new AtomicBoolean();
  // When the reader started waiting for the first byte of a head without a timer (an untimed idle
  // wait, see readHead), NOT_IDLE otherwise: the server's sweeper closes the connection if it stays
  // so for longer than the idle timeout.
  private volatile long idleSinceNanos = NOT_IDLE;
  private static final long NOT_IDLE = Long.MIN_VALUE;
  // The reader's thread, so that the server can wake a reader parked for a paced 503 when it
  // closes.
  private volatile @Nullable Thread reader;
  // Set by the thread the reader handed the connection off to, when it hands it back.
  private volatile @Nullable HandBack handBack;

  Connection(Socket socket, int maxHeadBytes) throws IOException {
    this.socket = socket;
    socket.setTcpNoDelay(true);
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
    this.buf = new byte[Math.max(2 * maxHeadBytes, 16 * 1024)];
  }

  long id() {
    return id;
  }

  /**
   * Reads the next request head, first skipping the body of the previous request and empty lines.
   * Blocks until a head is complete, the connection ends, or a timeout passes. Reader thread only.
   *
   * <p>The wait for the first byte of a head is either a timed read (the socket's timeout is the
   * idle timeout: for a virtual thread, a timer scheduled and cancelled for every request) or, with
   * {@code idleTimeout} null, an untimed one that marks the connection idle ({@link
   * #idleLongerThan}) for a sweeper to close it when it stays idle too long.
   *
   * @param maxHeadBytes the largest head accepted
   * @param idleTimeout how long to wait for the first byte, or null for an untimed wait
   * @param headTimeout how long the rest of the head may take
   * @return the head or why there is none
   */
  HeadResult readHead(int maxHeadBytes, @Nullable Duration idleTimeout, Duration headTimeout) {
    int headMillis = (int) Math.min(Integer.MAX_VALUE, headTimeout.toMillis());
    int idleMillis =
        idleTimeout == null
            ? 0
            : (int) Math.max(1, Math.min(Integer.MAX_VALUE, idleTimeout.toMillis()));
    try {
      while (skip > 0) {
        if (start == end && !fill(headMillis)) {
          return new Ended();
        }
        int n = (int) Math.min(skip, end - start);
        start += n;
        skip -= n;
      }
      // RFC 9112 2.2: ignore empty lines before a request line.
      while (true) {
        while (start < end
            && (buf[start] == '\n'
                || (buf[start] == '\r' && start + 1 < end && buf[start + 1] == '\n'))) {
          start += buf[start] == '\r' ? 2 : 1;
        }
        if (start < end) {
          break;
        }
        boolean filled;
        if (idleMillis == 0) {
          idleSinceNanos = System.nanoTime();
          try {
            filled = fill(0);
          } finally {
            idleSinceNanos = NOT_IDLE;
          }
        } else {
          filled = fill(idleMillis);
        }
        if (!filled) {
          return new Ended();
        }
      }
    } catch (IOException e) { // idle timeout, reset, or closed by the server: no request started
      return new Ended();
    }
    int scanFrom = start;
    try {
      while (true) {
        int headEnd = endOfHead(scanFrom);
        if (headEnd >= 0 && headEnd - start <= maxHeadBytes) {
          String head = new String(buf, start, headEnd - start, StandardCharsets.ISO_8859_1);
          start = headEnd;
          return new Head(head);
        }
        if (headEnd >= 0 || end - start >= maxHeadBytes) {
          return new Oversized(hasLineEnd(maxHeadBytes) ? 431 : 414);
        }
        scanFrom = Math.max(start, end - 3);
        if (end == buf.length) {
          System.arraycopy(buf, start, buf, 0, end - start);
          end -= start;
          scanFrom -= start;
          start = 0;
        }
        if (!fill(headMillis)) {
          return new Ended(); // closed in the middle of a head: there is no one to answer
        }
      }
    } catch (SocketTimeoutException e) {
      return new TimedOut();
    } catch (IOException e) {
      return new Ended();
    }
  }

  /**
   * The next request head if it is complete in what was read already and what the socket holds now,
   * without waiting: reads only what the socket says it has ({@code available()}), so that a
   * platform thread may call it. Returns null, consuming nothing, if the head is not complete, is
   * larger than {@code maxHeadBytes}, or the previous request's body is still to be skipped: the
   * bytes read stay buffered for {@link #readHead}. Called by the thread the connection is handed
   * off to.
   *
   * @param maxHeadBytes the largest head accepted
   * @return the head, or null
   * @throws IOException if the connection failed
   */
  @Nullable Head pollHead(int maxHeadBytes) throws IOException {
    if (skip > 0) {
      return null;
    }
    if (start == end) {
      start = 0;
      end = 0;
    }
    int available = in.available();
    if (available > 0) {
      if (end == buf.length) {
        System.arraycopy(buf, start, buf, 0, end - start);
        end -= start;
        start = 0;
      }
      int n = in.read(buf, end, Math.min(available, buf.length - end));
      if (n > 0) {
        end += n;
      }
    }
    // RFC 9112 2.2: empty lines before a request line are ignored (as readHead does).
    while (start < end
        && (buf[start] == '\n'
            || (buf[start] == '\r' && start + 1 < end && buf[start + 1] == '\n'))) {
      start += buf[start] == '\r' ? 2 : 1;
    }
    int headEnd = endOfHead(start);
    if (headEnd < 0 || headEnd - start > maxHeadBytes) {
      return null;
    }
    String head = new String(buf, start, headEnd - start, StandardCharsets.ISO_8859_1);
    start = headEnd;
    return new Head(head);
  }

  /** The index after the empty line that ends the head, or -1. */
  private int endOfHead(int from) {
    for (int i = from; i < end; i++) {
      if (buf[i] == '\n') {
        if (i - 1 >= start && buf[i - 1] == '\n') {
          return i + 1;
        }
        if (i - 2 >= start && buf[i - 1] == '\r' && buf[i - 2] == '\n') {
          return i + 1;
        }
      }
    }
    return -1;
  }

  private boolean hasLineEnd(int within) {
    int limit = Math.min(end, start + within);
    for (int i = start; i < limit; i++) {
      if (buf[i] == '\n') {
        return true;
      }
    }
    return false;
  }

  /** Reads more bytes; false at end of stream. */
  private boolean fill(int millis) throws IOException {
    if (millis != timeoutMillis) {
      socket.setSoTimeout(millis);
      timeoutMillis = millis;
    }
    int n = in.read(buf, end, buf.length - end);
    if (n < 0) {
      return false;
    }
    end += n;
    return true;
  }

  /**
   * Writes bytes to the client. Blocks while the socket's send buffer is full. Called by the one
   * thread that owns the connection's turn.
   *
   * @param bytes the bytes
   * @param offset where they start
   * @param length how many
   * @throws IOException if the connection failed or was closed
   */
  void write(byte[] bytes, int offset, int length) throws IOException {
    out.write(bytes, offset, length);
  }

  /**
   * The raw output stream, for streaming a file. Same rules as {@link #write}.
   *
   * @return the socket's output stream
   */
  OutputStream output() {
    return out;
  }

  /**
   * Waits until the current request's response was written (or given up), and says whether the
   * connection goes on. Reader thread only.
   *
   * @return true to read the next request; false to close
   * @throws InterruptedException if interrupted while waiting
   */
  boolean awaitTurn() throws InterruptedException {
    turn.acquire();
    return keepAlive && !closed.get();
  }

  /**
   * Hands the turn back to the reader after a response: called once per request the reader handed
   * on, by the thread that wrote (or failed to write) the response.
   *
   * @param goOn whether the connection stays open for another request
   * @param skipBytes request body bytes the reader must skip before the next head
   */
  void complete(boolean goOn, long skipBytes) {
    this.keepAlive = goOn;
    this.skip = skipBytes;
    turn.release();
  }

  /**
   * The reader's own decision after a response it wrote itself.
   *
   * @param skipBytes request body bytes to skip before the next head
   */
  void skipNext(long skipBytes) {
    this.skip = skipBytes;
  }

  /**
   * Records that a 503 is being written on this connection. The owning thread only.
   *
   * @param nanos {@link System#nanoTime()} just before the write
   */
  void shedAnswered(long nanos) {
    lastShedNanos = nanos;
    shedBefore = true;
  }

  /**
   * How long until {@code pace} has passed since this connection's last 503; 0 if it has, or if the
   * connection never got one. The owning thread only.
   *
   * @param paceNanos the least time between two 503s
   * @param nowNanos {@link System#nanoTime()} now
   * @return the nanoseconds left, at least 0
   */
  long nanosUntilNextShed(long paceNanos, long nowNanos) {
    return shedBefore ? Math.max(0, lastShedNanos + paceNanos - nowNanos) : 0;
  }

  /**
   * Records how the client asked again after its last 503. The owning thread only.
   *
   * @param waited true if its request came only once the Retry-After was over, false if sooner
   */
  void askedAgain(boolean waited) {
    waitsRetryAfter = waited;
  }

  /**
   * Whether the client's last request after a 503 came only once the Retry-After was over. The
   * owning thread only.
   *
   * @return true if it waits as it is told
   */
  boolean waitsRetryAfter() {
    return waitsRetryAfter;
  }

  /**
   * Whether the reader has been waiting, without a timer, for the first byte of a head for longer
   * than {@code nanos}. Any thread.
   *
   * @param nanos the idle timeout
   * @param nowNanos {@link System#nanoTime()} now
   * @return true if the connection should be closed as idle
   */
  boolean idleLongerThan(long nanos, long nowNanos) {
    long since = idleSinceNanos;
    return since != NOT_IDLE && nowNanos - since > nanos;
  }

  /** Records the connection's reader thread. Reader thread only, before its first read. */
  void readerStarts() {
    reader = Thread.currentThread();
  }

  /**
   * The connection's reader thread, if it has started.
   *
   * @return the thread, or null
   */
  @Nullable Thread reader() {
    return reader;
  }

  /**
   * Whether the client's next bytes have arrived: buffered here or waiting in the socket. Any
   * thread, while the reader is not reading; a failed socket counts as "there" (the reader will
   * find out).
   *
   * @return true if a read would not wait
   */
  boolean hasInput() {
    if (start < end) {
      return true;
    }
    try {
      return in.available() > 0;
    } catch (IOException e) {
      return true;
    }
  }

  /** Hands the connection off: clears the previous hand-back. Reader thread only. */
  void handOff() {
    handBack = null;
  }

  /**
   * Parks the reader until the thread it handed the connection off to hands it back. Not
   * interruptible: that thread always hands it back, also when the server closes. Reader thread
   * only.
   *
   * @return what that thread left
   */
  HandBack awaitHandBack() {
    HandBack h;
    while ((h = handBack) == null) {
      LockSupport.park(this);
    }
    return h;
  }

  /**
   * Hands the connection back to its reader, which wakes. Called once per hand-off, by the thread
   * the connection was handed off to.
   *
   * @param what what the reader is to do next
   */
  void handBack(HandBack what) {
    handBack = what;
    Thread r = reader;
    if (r != null) {
      LockSupport.unpark(r);
    }
  }

  /**
   * Whether bytes of the client's next request were read already (and wait in the buffer). The
   * owning thread only.
   *
   * @return true if the buffer holds unconsumed input
   */
  boolean hasBufferedInput() {
    return start < end;
  }

  boolean isClosed() {
    return closed.get();
  }

  /** Closes the socket at once (any thread; idempotent). A reader blocked in a read wakes up. */
  void close() {
    if (closed.compareAndSet(false, true)) {
      try {
        socket.close();
      } catch (IOException e) {
        // nothing left to do with a socket that failed to close
      }
    }
  }

  /**
   * Closes after a response the client may still be sending to (an unread request body): sends FIN
   * first and reads what still arrives for a short while, so that the client receives the response
   * instead of a reset. Reader thread only; blocks for at most {@code linger}.
   *
   * @param linger the most time to wait for the client to finish sending
   */
  void closeGracefully(Duration linger) {
    if (closed.get()) {
      return;
    }
    try {
      socket.shutdownOutput();
      socket.setSoTimeout((int) Math.max(1, linger.toMillis()));
      long deadline = System.nanoTime() + linger.toNanos();
      int drained = 0;
      while (drained < LINGER_BYTES && System.nanoTime() < deadline) {
        int n = in.read(buf, 0, buf.length);
        if (n < 0) {
          break;
        }
        drained += n;
      }
    } catch (IOException e) {
      // the client closed or reset first: fine
    } finally {
      close();
    }
  }

  @Override
  public String toString() {
    return "connection " + id + " from " + socket.getRemoteSocketAddress();
  }
}
