package org.seda4j.observe;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.seda4j.StageGraph;

/**
 * The recent past of one graph: its last {@link #capacity()} snapshots, each with the time it was
 * taken, for pictures of how a graph's figures move ({@link Diagrams#svg(SnapshotHistory)} draws
 * them as sparklines). The caller decides when to sample: add {@link StageGraph#snapshot()} once a
 * second from a thread of its own (or between steps in jshell); the history never touches the graph
 * itself, so it costs the graph nothing but the snapshots taken for it.
 *
 * {@snippet class=org.seda4j.readme.ObserveSnippetsTest region=history}
 *
 * <p>The oldest sample leaves when a new one arrives at capacity, so memory stays bounded: a graph
 * snapshot holds a few hundred bytes of figures and text per stage, so 60 samples of a graph of ten
 * stages hold a few hundred kilobytes at most. Rates (events per second, rejections per second, an
 * edge's events per second) are not stored: a reader computes them from two consecutive samples'
 * counters and times, exactly over the interval between them.
 *
 * <p><b>Threads.</b> Any thread may call any method; the methods hold a short internal lock (for
 * {@link #samples()}, the time to copy at most {@code capacity} references) and never block on
 * anything else.
 */
public final class SnapshotHistory {

  /** The largest capacity: an hour of samples at one per second. */
  public static final int MAX_CAPACITY = 3600;

  /**
   * One snapshot of the history.
   *
   * @param sequence the sample's number: 0 for the first sample added to the history, then one more
   *     for each sample, including those that have since left it
   * @param nanoTime when the snapshot was taken, in {@link System#nanoTime()} units (or the clock
   *     given to {@link #add(GraphSnapshot, long)})
   * @param snapshot the graph's snapshot
   */
  public record Sample(long sequence, long nanoTime, GraphSnapshot snapshot) {
    /**
     * Checks the arguments.
     *
     * @param sequence the sample's number, not negative
     * @param nanoTime when the snapshot was taken
     * @param snapshot the graph's snapshot, not {@code null}
     */
    public Sample {
      if (sequence < 0) {
        throw new IllegalArgumentException("sequence must not be negative: " + sequence);
      }
      Objects.requireNonNull(snapshot, "snapshot must not be null");
    }
  }

  private final int capacity;
  private final ArrayDeque<Sample> samples;
  private long next;

  private SnapshotHistory(int capacity) {
    this.capacity = capacity;
    this.samples = new ArrayDeque<>(capacity);
  }

  /**
   * An empty history that keeps the last {@code samples} snapshots. Non-blocking.
   *
   * @param samples how many snapshots to keep, from 2 (the least a rate needs) to {@link
   *     #MAX_CAPACITY}; 60 is a minute at one sample a second
   * @return the history
   * @throws IllegalArgumentException if {@code samples} is out of range
   */
  public static SnapshotHistory ofLast(int samples) {
    if (samples < 2 || samples > MAX_CAPACITY) {
      throw new IllegalArgumentException(
          "a history keeps from 2 to "
              + MAX_CAPACITY
              + " samples (60: a minute at one a second), was "
              + samples);
    }
    return new SnapshotHistory(samples);
  }

  /**
   * How many samples the history keeps.
   *
   * @return the capacity given to {@link #ofLast(int)}
   */
  public int capacity() {
    return capacity;
  }

  /**
   * Adds a snapshot taken now ({@link System#nanoTime()}); the oldest sample leaves if the history
   * is full. Never blocks beyond the short internal lock.
   *
   * @param snapshot a snapshot of this history's graph
   * @return the sample added
   * @throws IllegalArgumentException if the snapshot is of another graph than the samples before it
   *     (by name)
   */
  public Sample add(GraphSnapshot snapshot) {
    return add(snapshot, System.nanoTime());
  }

  /**
   * Adds a snapshot taken at {@code nanoTime} on the caller's monotonic clock (for tests, or
   * snapshots taken earlier); the oldest sample leaves if the history is full. Never blocks beyond
   * the short internal lock.
   *
   * @param snapshot a snapshot of this history's graph
   * @param nanoTime when it was taken, not before the latest sample's time (samples are in time
   *     order)
   * @return the sample added
   * @throws IllegalArgumentException if the snapshot is of another graph than the samples before it
   *     (by name), or {@code nanoTime} is before the latest sample's
   */
  public synchronized Sample add(GraphSnapshot snapshot, long nanoTime) {
    Objects.requireNonNull(snapshot, "snapshot must not be null");
    Sample latest = samples.peekLast();
    if (latest != null) {
      if (!latest.snapshot().graph().equals(snapshot.graph())) {
        throw new IllegalArgumentException(
            "this history is of graph '"
                + latest.snapshot().graph()
                + "', not '"
                + snapshot.graph()
                + "': keep one history per graph");
      }
      if (nanoTime - latest.nanoTime() < 0) {
        throw new IllegalArgumentException(
            "samples must be added in time order: nanoTime "
                + nanoTime
                + " is before the latest sample's "
                + latest.nanoTime());
      }
    }
    if (samples.size() == capacity) {
      samples.removeFirst();
    }
    Sample sample = new Sample(next++, nanoTime, snapshot);
    samples.addLast(sample);
    return sample;
  }

  /**
   * The samples now held, oldest first: at most {@link #capacity()}, empty before the first {@link
   * #add(GraphSnapshot) add}. Never blocks beyond the short internal lock.
   *
   * @return an immutable copy
   */
  public synchronized List<Sample> samples() {
    return List.copyOf(samples);
  }

  /**
   * The latest sample, if any. Never blocks beyond the short internal lock.
   *
   * @return the sample added last, or empty if none was
   */
  public synchronized Optional<Sample> latest() {
    return Optional.ofNullable(samples.peekLast());
  }

  /**
   * The sample numbered {@code sequence}, if the history still holds it. Never blocks beyond the
   * short internal lock.
   *
   * @param sequence a {@link Sample#sequence()}
   * @return the sample, or empty if it has left the history or was never added
   */
  public synchronized Optional<Sample> sample(long sequence) {
    for (Sample s : samples) {
      if (s.sequence() == sequence) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  /**
   * The history in one line: its graph, how many samples it holds and the time they span.
   *
   * @return for example {@code SnapshotHistory[graph 'http', 60 of 60 samples over 59.0 s]}
   */
  @Override
  public synchronized String toString() {
    Sample first = samples.peekFirst();
    Sample last = samples.peekLast();
    if (first == null || last == null) {
      return "SnapshotHistory[empty, keeps " + capacity + " samples]";
    }
    return String.format(
        Locale.ROOT,
        "SnapshotHistory[graph '%s', %d of %d samples over %.1f s]",
        last.snapshot().graph(),
        samples.size(),
        capacity,
        (last.nanoTime() - first.nanoTime()) / 1e9);
  }
}
