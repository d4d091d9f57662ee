#!/usr/bin/env bash
# Builds the embedded schema registry (Apicurio Registry 2.4.2, a Quarkus 2.16 application) with Java 17,
# only when its output is missing or older than its sources. Called by the main build (services/stack) and
# by EmbeddedStack on first use; extra arguments go to Maven (e.g. -o).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$here/target/invariant-registry-runner.jar"

up_to_date() {
  [ -f "$out" ] && [ -z "$(find "$here/pom.xml" "$here/maven-settings.xml" "$here/src" -type f -newer "$out" | head -1)" ]
}
up_to_date && exit 0

find_java17() {
  if [ -n "${REGISTRY_JAVA_HOME:-}" ]; then echo "$REGISTRY_JAVA_HOME"; return; fi
  for d in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-17-openjdk-arm64 /usr/lib/jvm/temurin-17-jdk-amd64 \
           /usr/lib/jvm/temurin-17-jdk /usr/lib/jvm/java-17-openjdk /usr/lib/jvm/java-17; do
    if [ -x "$d/bin/javac" ]; then echo "$d"; return; fi
  done
  echo "registry build: Java 17 (a JDK) is needed to build the schema registry (Quarkus 2.16)." \
       "Install one (e.g. apt-get install openjdk-17-jdk-headless) or set REGISTRY_JAVA_HOME." >&2
  exit 2
}
java17="$(find_java17)"

mkdir -p "$here/target"
# One build at a time: a test run and a launcher may both ask for it.
exec 9>"$here/target/.build.lock"
flock 9
up_to_date && exit 0
echo "registry build: building the embedded schema registry with $java17 (first use; a few minutes)..." >&2
start=$(date +%s)
JAVA_HOME="$java17" PATH="$java17/bin:$PATH" MAVEN_OPTS="${REGISTRY_MAVEN_OPTS:--Xmx768m}" \
  "$root/mvnw" -q -B -f "$here/pom.xml" -s "$here/maven-settings.xml" -DskipTests package "$@"
touch "$out"
echo "registry build: done in $(( $(date +%s) - start )) s -> $out" >&2
