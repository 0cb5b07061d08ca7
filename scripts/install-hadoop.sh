#!/usr/bin/env bash
# Assembles the pinned Hadoop (scripts/hadoop/pom.xml: 3.5.0, examples 3.4.2) from Maven Central into
# a cache directory, once: every jar checked against scripts/hadoop/SHA256SUMS (and Maven's own SHA-1
# check, -C), laid out as the official tarball is (share/hadoop/..., etc/hadoop, bin/hadoop|hdfs|yarn
# as thin launchers). Idempotent: a finished install with the same pins returns at once.
#   ICBENCH_HADOOP_HOME   where to install (default /var/cache/icbench/hadoop-3.5.0)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src="$here/hadoop"
dest=${ICBENCH_HADOOP_HOME:-/var/cache/icbench/hadoop-3.5.0}
stamp="$dest/.icbench-installed"
want=$(cat "$src/pom.xml" "$src/SHA256SUMS" "$src/launcher.sh" "$src/log4j.properties" "$src/web.xml" | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi

t0=$(date +%s)
need=()
command -v mvn >/dev/null || need+=(maven)
[ -x /usr/lib/jvm/java-17-openjdk-amd64/bin/java ] || need+=(openjdk-17-jdk-headless)
if [ "${#need[@]}" -gt 0 ]; then
  echo "install-hadoop: installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

tmp="$dest.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp/share/hadoop/common/lib" "$tmp/share/hadoop/mapreduce" "$tmp/etc/hadoop" "$tmp/bin" "$tmp/m2"
trap 'rm -rf "$tmp"' EXIT
# A previous install whose jars all still match the pinned sums is re-laid out without Maven
# (only the launcher or layout changed); anything else is resolved again.
mkdir -p "$tmp/jars"
if [ -d "$dest/share/hadoop" ]; then
  find "$dest/share/hadoop" -name '*.jar' -exec cp -t "$tmp/jars" {} +
  (cd "$tmp/jars" && sha256sum --quiet -c "$src/SHA256SUMS" >/dev/null 2>&1) || rm -rf "${tmp:?}/jars"/*
fi
if [ -z "$(ls -A "$tmp/jars")" ]; then
  echo "install-hadoop: resolving Hadoop from Maven Central into $dest"
  mvn -B -q -C -f "$src/pom.xml" -Dmaven.repo.local="$tmp/m2" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp/jars" >"$tmp/mvn.log" 2>&1 ||
    { echo "install-hadoop: maven failed:" >&2; tail -n 20 "$tmp/mvn.log" >&2; exit 1; }
fi
(cd "$tmp/jars" && sha256sum --quiet -c "$src/SHA256SUMS") ||
  { echo "install-hadoop: a jar does not match scripts/hadoop/SHA256SUMS" >&2; exit 1; }
extra=$(cd "$tmp/jars" && ls | grep -vxFf <(awk '{print $2}' "$src/SHA256SUMS") || true)
[ -z "$extra" ] || { echo "install-hadoop: jars not in SHA256SUMS: $extra" >&2; exit 1; }
mv "$tmp"/jars/hadoop-mapreduce-examples-*.jar "$tmp/share/hadoop/mapreduce/"
mv "$tmp"/jars/*.jar "$tmp/share/hadoop/common/lib/"
install -m 0755 "$src/launcher.sh" "$tmp/bin/hadoop"
ln -s hadoop "$tmp/bin/hdfs"
ln -s hadoop "$tmp/bin/yarn"
install -m 0644 "$src/log4j.properties" "$tmp/etc/hadoop/log4j.properties"
for w in hdfs datanode secondary journal; do install -D -m 0644 "$src/web.xml" "$tmp/share/hadoop/hdfs/webapps/$w/WEB-INF/web.xml"; done
cp "$src/SHA256SUMS" "$tmp/SHA256SUMS"
rm -rf "$tmp/m2" "$tmp/jars" "$tmp/mvn.log"
echo "$want" >"$tmp/.icbench-installed"
rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
mv "$tmp" "$dest"
trap - EXIT
echo "install-hadoop: Hadoop installed in $dest ($(($(date +%s) - t0)) s)"
