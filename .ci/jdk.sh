# Sourced by .ci/run and examples/run: picks a JDK 21+ and exports JAVA_HOME.
# Order: JAVA_HOME if it is 21 or newer, else the newest JDK 21+ under /usr/lib/jvm.

seda4j_java_major() { # $1 = a JDK home; prints its feature version, or nothing
  local rel="$1/release"
  [ -x "$1/bin/javac" ] || return 0
  if [ -f "$rel" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$rel" | head -n 1
  else
    "$1/bin/javac" -version 2>&1 | sed -n 's/^javac \([0-9]*\).*/\1/p' | head -n 1
  fi
}

seda4j_find_jdk() {
  local major best="" best_major=0 dir
  if [ -n "${JAVA_HOME:-}" ]; then
    major=$(seda4j_java_major "$JAVA_HOME")
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then
      return 0
    fi
    echo "JAVA_HOME=$JAVA_HOME is not a JDK 21+ (found: ${major:-no javac}); looking under /usr/lib/jvm" >&2
  fi
  for dir in /usr/lib/jvm/*; do
    [ -d "$dir" ] || continue
    [ -L "$dir" ] && continue
    major=$(seda4j_java_major "$dir")
    if [ -n "$major" ] && [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then
      best="$dir"
      best_major="$major"
    fi
  done
  if [ -z "$best" ]; then
    echo "error: seda4j needs a JDK 21 or newer and none was found." >&2
    echo "       Set JAVA_HOME to a JDK 21+ or install one under /usr/lib/jvm" >&2
    echo "       (e.g. 'apt-get install openjdk-21-jdk-headless' or a Temurin 21/25 package)." >&2
    return 1
  fi
  export JAVA_HOME="$best"
}

seda4j_find_jdk || exit 1
export PATH="$JAVA_HOME/bin:$PATH"
# Maven 3.9's Guice calls sun.misc.Unsafe, which JDK 24+ warns about on every run; allow it quietly.
if [ "$(seda4j_java_major "$JAVA_HOME")" -ge 24 ]; then
  case " ${MAVEN_OPTS:-} " in
    *sun-misc-unsafe-memory-access*) ;;
    *) export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" ;;
  esac
fi
