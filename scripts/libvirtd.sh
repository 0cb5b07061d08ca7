#!/usr/bin/env bash
# Makes sure libvirtd answers on its local socket (qemu:///system): the cloud provider's libvirt
# sites define their networks and QEMU (TCG) domains through it. No systemd here: virtlogd and
# libvirtd are started by hand in the background (local UNIX sockets only, no TCP listener),
# logging to $ICBENCH_LIBVIRTD_LOG. Idempotent: a libvirtd that already answers is left alone.
set -euo pipefail
LOG=${ICBENCH_LIBVIRTD_LOG:-/var/log/icbench-libvirtd.log}
if virsh -c qemu:///system version >/dev/null 2>&1; then echo "libvirtd: running"; exit 0; fi
command -v libvirtd >/dev/null || { echo "libvirtd not found: apt-get install libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients" >&2; exit 1; }
# Without libvirt-daemon-system (it pulls systemd units in) the QEMU driver's user and its folders
# are missing: libvirtd runs QEMU as libvirt-qemu (group kvm), as Debian's package sets it up.
getent group kvm >/dev/null || groupadd --system kvm
getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
id libvirt-qemu >/dev/null 2>&1 || useradd --system --gid kvm -G libvirt-qemu --no-create-home -d /var/lib/libvirt --shell /usr/sbin/nologin libvirt-qemu
mkdir -p "$(dirname "$LOG")" /run/libvirt /var/lib/libvirt/dnsmasq /var/lib/libvirt/qemu /var/log/libvirt/qemu /var/cache/libvirt/qemu
# This machine's /dev/kvm is a nested KVM that aborts QEMU (infra/qemu/accel.ts): libvirtd, which
# probes KVM whenever /dev/kvm exists, then re-probes QEMU on every connection (~10 s each under
# load). It runs in a mount namespace of its own where /dev/kvm is an empty file (TCG only), and
# domains get no private /dev (qemu.conf namespaces = [], written only when there is no qemu.conf).
if [ ! -e /etc/libvirt/qemu.conf ]; then
  mkdir -p /etc/libvirt
  printf '# Written by intercloud-bench scripts/libvirtd.sh: no per-domain /dev namespace (libvirtd runs\n# with /dev/kvm masked, see the script).\nnamespaces = []\n' >/etc/libvirt/qemu.conf
fi
pgrep -x virtlogd >/dev/null || setsid nohup virtlogd >>"$LOG" 2>&1 </dev/null &
if [ -e /dev/kvm ] && [ "${ICBENCH_LIBVIRT_KVM:-no}" != yes ]; then
  touch /run/icbench-nokvm
  setsid nohup unshare -m --propagation private sh -c 'mount --bind /run/icbench-nokvm /dev/kvm && exec libvirtd' >>"$LOG" 2>&1 </dev/null &
else
  setsid nohup libvirtd >>"$LOG" 2>&1 </dev/null &
fi
for ((i = 0; i < 150; i++)); do
  if virsh -c qemu:///system version >/dev/null 2>&1; then echo "libvirtd: up after $((i / 5)) s"; exit 0; fi
  sleep 0.2
done
echo "libvirtd did not answer within 30 s; last lines of $LOG:" >&2
tail -n 20 "$LOG" >&2
exit 1
