#!/usr/bin/env bash
# Makes sure libvirtd answers on its local socket (qemu:///system): the cloud provider's libvirt
# sites define their networks and QEMU (TCG) domains through it. No systemd here: virtlogd and
# libvirtd are started by hand in the background (local UNIX sockets only, no TCP listener),
# logging to $ICBENCH_LIBVIRTD_LOG. Idempotent: a libvirtd that already answers is left alone.
set -euo pipefail
LOG=${ICBENCH_LIBVIRTD_LOG:-/var/log/icbench-libvirtd.log}
if virsh -c qemu:///system version >/dev/null 2>&1; then echo "libvirtd: running"; exit 0; fi
command -v libvirtd >/dev/null || { echo "libvirtd not found: apt-get install libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients" >&2; exit 1; }
mkdir -p "$(dirname "$LOG")" /run/libvirt /var/lib/libvirt/dnsmasq /var/lib/libvirt/qemu /var/log/libvirt/qemu /var/cache/libvirt/qemu
pgrep -x virtlogd >/dev/null || setsid nohup virtlogd >>"$LOG" 2>&1 </dev/null &
setsid nohup libvirtd >>"$LOG" 2>&1 </dev/null &
for ((i = 0; i < 150; i++)); do
  if virsh -c qemu:///system version >/dev/null 2>&1; then echo "libvirtd: up after $((i / 5)) s"; exit 0; fi
  sleep 0.2
done
echo "libvirtd did not answer within 30 s; last lines of $LOG:" >&2
tail -n 20 "$LOG" >&2
exit 1
