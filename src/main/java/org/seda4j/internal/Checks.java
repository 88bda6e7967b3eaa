package org.seda4j.internal;

import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** Argument checks shared by the graph and stage builders and the Stage API. */
final class Checks {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

  private Checks() {}

  /** A graph or stage name: 1 to 64 characters of letters, digits, '_', '.' and '-'. */
  static String validName(String what, @Nullable String name) {
    if (name == null) {
      throw new NullPointerException(what + " name is null");
    }
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          what
              + " name '"
              + name
              + "' is not allowed: use 1 to 64 characters of letters, digits, '_', '.' and '-'"
              + " (it becomes part of thread and logger names)");
    }
    return name;
  }

  /** {@code value}, if it is at least 1. */
  static int requirePositive(String what, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(what + " must be at least 1, was " + value);
    }
    return value;
  }
}
