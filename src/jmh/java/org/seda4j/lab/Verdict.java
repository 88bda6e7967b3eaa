package org.seda4j.lab;

import java.util.Locale;

/**
 * Whether one target was met in one run, computed from what was measured.
 *
 * @param part the scenario or part it belongs to ({@code S1}, {@code S4a-batch}, {@code
 *     S5/S1@2C}...)
 * @param target the target's short name, without spaces ({@code no-rejection-at<=0.8C})
 * @param met whether the measurement meets it
 * @param measured what was measured, in words and figures
 * @param goal the target value with its comparison ({@code >=0.9}, {@code =0}, {@code <=2s})
 * @param engine the engine label of the run
 */
public record Verdict(
    String part, String target, boolean met, String measured, String goal, String engine) {

  /**
   * The verdict line, in the fixed format {@code VERDICT <part> <target> MET|MISSED measured=<...>
   * target<goal> engine=<label>}.
   *
   * @return the line
   */
  public String line() {
    return String.format(
        Locale.ROOT,
        "VERDICT %s %s %s measured=%s target%s engine=%s",
        part,
        target,
        met ? "MET" : "MISSED",
        measured,
        goal,
        engine);
  }
}
