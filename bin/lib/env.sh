# Sourced by bin/test and bin/ringnet: finds a JDK 25+ and Maven, or stops with a clear message.
# Sets JAVA_HOME, JAVA and MVN; exports JAVA_HOME so Maven compiles with the same JDK.

ringnet_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Prints the feature release (e.g. 25) of the JDK at $1, or nothing if it is not a JDK.
ringnet_jdk_release() {
  local home="$1" v
  [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || return 0
  v=$(sed -n 's/^JAVA_VERSION="\([0-9][0-9]*\).*/\1/p' "$home/release" 2>/dev/null)
  if [ -z "$v" ]; then
    v=$("$home/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9][0-9]*\).*/\1/p' | head -n1)
  fi
  printf '%s' "$v"
}

ringnet_find_jdk() {
  local candidate rel best="" best_rel=0
  if [ -n "${JAVA_HOME:-}" ]; then
    rel=$(ringnet_jdk_release "$JAVA_HOME")
    if [ -n "$rel" ] && [ "$rel" -ge 25 ]; then
      best="$JAVA_HOME"
    else
      echo "ringnet: JAVA_HOME=$JAVA_HOME is not a JDK 25 or newer (found '${rel:-no JDK}'); looking under /usr/lib/jvm" >&2
    fi
  fi
  if [ -z "$best" ]; then
    for candidate in /usr/lib/jvm/*; do
      [ -d "$candidate" ] || continue
      rel=$(ringnet_jdk_release "$candidate")
      if [ -n "$rel" ] && [ "$rel" -ge 25 ] && [ "$rel" -gt "$best_rel" ]; then
        best="$candidate"; best_rel="$rel"
      fi
    done
  fi
  if [ -z "$best" ]; then
    echo "ringnet: no JDK 25 or newer found. Set JAVA_HOME to a JDK 25+ or install one under /usr/lib/jvm" >&2
    echo "         (for example: apt-get install temurin-25-jdk, or openjdk-25-jdk where your distribution has it)." >&2
    exit 1
  fi
  JAVA_HOME="$best"
  export JAVA_HOME
  JAVA="$JAVA_HOME/bin/java"
}

ringnet_find_mvn() {
  if command -v mvn >/dev/null 2>&1; then
    MVN=mvn
  else
    echo "ringnet: Maven (mvn) is not on PATH. Install it (apt-get install maven) and run again." >&2
    exit 1
  fi
}

ringnet_find_jdk
ringnet_find_mvn
