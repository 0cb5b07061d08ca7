#!/usr/bin/env bash
# Makes sure a Docker engine answers (needed by lab nodes of virt docker). If `docker info` fails,
# starts Debian's dockerd in the background, logging to $ICBENCH_DOCKERD_LOG, and waits until it
# answers. Lab containers run with `--network none`, so the engine needs no bridge and no
# iptables rules (which this kind of machine may not allow); overlay2 when the kernel has it, vfs
# otherwise. Idempotent: an engine that already answers is left alone.
set -euo pipefail

LOG=${ICBENCH_DOCKERD_LOG:-/var/log/icbench-dockerd.log}
WAIT_S=${ICBENCH_DOCKERD_WAIT_S:-60}

if docker info >/dev/null 2>&1; then
  echo "docker engine: running ($(docker info --format '{{.ServerVersion}} {{.Driver}}'))"
  exit 0
fi
command -v dockerd >/dev/null || { echo "dockerd not found: apt-get install docker.io" >&2; exit 1; }

driver=vfs
grep -qw overlay /proc/filesystems && driver=overlay2
mkdir -p "$(dirname "$LOG")"
echo "docker engine: starting dockerd (storage driver $driver, no bridge, no iptables; log $LOG)"
# setsid + nohup: the engine outlives this script and the shell that ran it.
setsid nohup dockerd --iptables=false --ip6tables=false --ip-masq=false --bridge=none \
  --storage-driver="$driver" >>"$LOG" 2>&1 </dev/null &

for ((i = 0; i < WAIT_S * 5; i++)); do
  if docker info >/dev/null 2>&1; then
    echo "docker engine: up after $((i / 5)) s ($(docker info --format '{{.ServerVersion}} {{.Driver}}'))"
    exit 0
  fi
  if ! pgrep -x dockerd >/dev/null; then
    echo "dockerd exited; last lines of $LOG:" >&2; tail -n 20 "$LOG" >&2; exit 1
  fi
  sleep 0.2
done
echo "docker engine did not answer within ${WAIT_S} s; last lines of $LOG:" >&2
tail -n 20 "$LOG" >&2
exit 1
