package org.seda4j.internal;

/** Argument checks shared by the controllers. */
final class Bounds {
  private Bounds() {}

  static void check(String what, int min, int max) {
    if (min < 1) {
      throw new IllegalArgumentException("min " + what + " must be at least 1, was " + min);
    }
    if (max < min) {
      throw new IllegalArgumentException(
          "max " + what + " (" + max + ") must be at least min " + what + " (" + min + ")");
    }
  }
}
