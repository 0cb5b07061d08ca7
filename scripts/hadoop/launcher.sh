#!/bin/sh
# Thin stand-in for Hadoop's bin/hadoop, bin/hdfs and bin/yarn (installed under those three names by
# scripts/install-hadoop.sh): the subcommands the harness uses, with the same environment variables
# (JAVA_HOME, HADOOP_HOME, HADOOP_CONF_DIR, HADOOP_LOG_DIR, HADOOP_PID_DIR, HADOOP_HEAPSIZE_MAX,
# HADOOP_OPTS) and the same `--daemon start|stop|status NAME` form as the official scripts.
#   hdfs namenode|datanode|dfsadmin|dfs|getconf ...   yarn resourcemanager|nodemanager|node|application ...
#   hadoop jar JAR ...|fs ...|classpath|version
set -eu
tool=$(basename "$0")
: "${HADOOP_HOME:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${JAVA_HOME:?JAVA_HOME is not set}"
: "${HADOOP_CONF_DIR:=$HADOOP_HOME/etc/hadoop}"
: "${HADOOP_LOG_DIR:=$HADOOP_HOME/logs}"
: "${HADOOP_PID_DIR:=/tmp}"
# NodeManagers pass these on to containers (yarn.nodemanager.env-whitelist): the tarball layout's homes.
export HADOOP_HOME JAVA_HOME HADOOP_CONF_DIR HADOOP_LOG_DIR HADOOP_PID_DIR
export HADOOP_COMMON_HOME="$HADOOP_HOME" HADOOP_HDFS_HOME="$HADOOP_HOME" HADOOP_YARN_HOME="$HADOOP_HOME" HADOOP_MAPRED_HOME="$HADOOP_HOME"

daemon=
if [ "${1:-}" = "--daemon" ]; then daemon=${2:?--daemon needs start, stop or status}; shift 2; fi
cmd=${1:?usage: $tool COMMAND [ARGS]}
shift

case "$tool:$cmd" in
  hdfs:namenode) class=org.apache.hadoop.hdfs.server.namenode.NameNode ;;
  hdfs:datanode) class=org.apache.hadoop.hdfs.server.datanode.DataNode ;;
  hdfs:dfsadmin) class=org.apache.hadoop.hdfs.tools.DFSAdmin ;;
  hdfs:dfs | hadoop:fs) class=org.apache.hadoop.fs.FsShell ;;
  hdfs:getconf) class=org.apache.hadoop.hdfs.tools.GetConf ;;
  yarn:resourcemanager) class=org.apache.hadoop.yarn.server.resourcemanager.ResourceManager ;;
  yarn:nodemanager) class=org.apache.hadoop.yarn.server.nodemanager.NodeManager ;;
  yarn:node) class=org.apache.hadoop.yarn.client.cli.NodeCLI ;;
  yarn:application) class=org.apache.hadoop.yarn.client.cli.ApplicationCLI ;;
  hadoop:jar | yarn:jar) class=org.apache.hadoop.util.RunJar ;;
  hadoop:version) class=org.apache.hadoop.util.VersionInfo ;;
  hadoop:classpath) echo "$HADOOP_CONF_DIR:$HADOOP_HOME/etc/hadoop:$HADOOP_HOME/share/hadoop/hdfs:$HADOOP_HOME/share/hadoop/common/lib/*"; exit 0 ;;
  *) echo "$tool: unknown command '$cmd' (this launcher knows what intercloud-bench uses)" >&2; exit 2 ;;
esac

pidfile="$HADOOP_PID_DIR/hadoop-$tool-$cmd.pid"
out="$HADOOP_LOG_DIR/hadoop-$tool-$cmd.out"
case "$daemon" in
  '') ;;
  start)
    mkdir -p "$HADOOP_LOG_DIR" "$HADOOP_PID_DIR"
    if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then echo "$cmd is running as process $(cat "$pidfile")" >&2; exit 1; fi
    nohup "$0" "$cmd" "$@" </dev/null >"$out" 2>&1 &
    echo $! >"$pidfile"
    sleep 1
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then echo "$cmd exited at start; last lines of $out:" >&2; tail -n 5 "$out" >&2; exit 1; fi
    exit 0 ;;
  stop)
    [ -f "$pidfile" ] || exit 0
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || { rm -f "$pidfile"; exit 0; }
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$pidfile"
    exit 0 ;;
  status)
    [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null && { echo "$cmd is running as process $(cat "$pidfile")"; exit 0; }
    echo "$cmd is not running"; exit 1 ;;
  *) echo "$tool: --daemon takes start, stop or status, not '$daemon'" >&2; exit 2 ;;
esac

# Java 17: the module openings Hadoop's own scripts add (reflection into java.base).
opens="--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED \
--add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED \
--add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED \
--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/java.util.regex=ALL-UNNAMED \
--add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.security.x509=ALL-UNNAMED"
heap=
# Daemons other than the DataNode (which moves the data) and clients: C1 only, for a start-up in seconds
# rather than minutes on a few shared cores. Tasks get their own options (mapreduce.*.java.opts).
case "$cmd" in datanode) jit= ;; *) jit=-XX:TieredStopAtLevel=1 ;; esac
[ -n "${HADOOP_HEAPSIZE_MAX:-}" ] && heap="-Xmx${HADOOP_HEAPSIZE_MAX}m"
logfile="hadoop-$tool-$cmd.log"
if [ -n "$daemon$(echo "$cmd" | grep -E '^(namenode|datanode|resourcemanager|nodemanager)$' || true)" ]; then logger="INFO,RFA"; else logger="INFO,console"; fi
# shellcheck disable=SC2086
exec "$JAVA_HOME/bin/java" $heap $jit $opens ${HADOOP_OPTS:-} \
  -Dproc_"$cmd" -Dhadoop.home.dir="$HADOOP_HOME" -Dhadoop.log.dir="$HADOOP_LOG_DIR" -Dhadoop.log.file="$logfile" \
  -Dyarn.log.dir="$HADOOP_LOG_DIR" -Dyarn.log.file="$logfile" -Dhadoop.root.logger="$logger" -Dhadoop.id.str=icbench \
  -Dhadoop.security.logger=INFO,NullAppender \
  -cp "$HADOOP_CONF_DIR:$HADOOP_HOME/etc/hadoop:$HADOOP_HOME/share/hadoop/hdfs:$HADOOP_HOME/share/hadoop/common/lib/*" "$class" "$@"
