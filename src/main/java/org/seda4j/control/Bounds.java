package org.seda4j.control;

/** Argument checks shared by the controllers. */
final class Bounds {
  private Bounds() {}

  /** {@code value}, if it is at least 1. */
  static int requirePositive(String what, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(what + " must be at least 1, was " + value);
    }
    return value;
  }

  /** Checks that {@code 1 <= min <= max}. */
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
