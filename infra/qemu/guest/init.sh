#!/bin/sh
# /init of a lab VM (busybox initramfs). Kernel command line, set by the harness:
#   icb.ip=A.B.C.D/P  icb.mac=MAC  icb.mtu=N  icb.host=NAME  icb.agent=PORT  icb.share=tag:/path:ro|rw,...
# eth0 (MAC set by QEMU) is the node's cluster NIC on the host bridge; eth1 is the private
# user-mode NIC the command agent listens on (never the cluster segment).
/bin/busybox mkdir -p /proc /sys /dev /tmp /run /root
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox mkdir -p /dev/pts /dev/shm
/bin/busybox mount -t devpts devpts /dev/pts
/bin/busybox mount -t tmpfs tmpfs /dev/shm
/bin/busybox mount -t tmpfs tmpfs /tmp
/bin/busybox mount -t tmpfs tmpfs /run
/bin/busybox --install -s /bin
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
for m in $(cat /lib/modules/load.order); do insmod "/lib/modules/$m.ko" 2>/dev/null; done
arg() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^$1=//p" | tail -1; }
IP=$(arg icb.ip) MTU=$(arg icb.mtu) NAME=$(arg icb.host) PORT=$(arg icb.agent) SHARE=$(arg icb.share) MAC=$(arg icb.mac)
AGENT_MAC=52:54:00:1c:00:02
[ -n "$NAME" ] && hostname "$NAME"
sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
sysctl -q -w net.ipv4.tcp_rmem="4096 131072 67108864" net.ipv4.tcp_wmem="4096 65536 67108864" >/dev/null 2>&1
ip link set lo up
# Host paths shared over 9p (lab nodes that are not migrated): /usr, /etc, the package and the run's
# work dir at the host's paths, like a container's mounts; host /usr brings the host's tools.
if [ -n "$SHARE" ]; then
  for s in $(echo "$SHARE" | tr ',' ' '); do
    tag=${s%%:*} rest=${s#*:} path=${rest%:*} mode=${rest##*:}
    case "$path" in /usr | /etc) dst=/mnt/9p$path ;; *) dst=$path ;; esac
    mkdir -p "$dst"
    mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=loose,$mode "$tag" "$dst" || echo "init: 9p $tag ($path) failed"
  done
  # Switch to the host's userland: /usr and /etc from the host; busybox stays in /bin.
  if [ -d /mnt/9p/usr/bin ]; then
    mount --bind /mnt/9p/usr /usr
    mkdir -p /lib64 /lib/x86_64-linux-gnu
    mount --bind /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu
    mount --bind /usr/lib64 /lib64
  fi
  [ -d /mnt/9p/etc ] && mount --bind /mnt/9p/etc /etc
fi
# Name NICs by MAC (probe order is not fixed): cluster NIC -> eth0, agent NIC -> eth1.
for d in /sys/class/net/*; do
  case "$(cat "$d/address")" in
    "$MAC") [ "${d##*/}" = eth0 ] || { ip link set "${d##*/}" name icbc; } ;;
    "$AGENT_MAC") [ "${d##*/}" = eth1 ] || { ip link set "${d##*/}" name icba; } ;;
  esac
done
ip link show icbc >/dev/null 2>&1 && ip link set icbc name eth0
ip link show icba >/dev/null 2>&1 && ip link set icba name eth1
ip addr add 169.254.0.15/24 dev eth1 && ip link set eth1 up
[ -n "$MTU" ] && ip link set eth0 mtu "$MTU"
[ -n "$IP" ] && ip addr add "$IP" dev eth0
ip link set eth0 up
# Tell the segment where this MAC now lives (after boot and, in the destination, on migration QEMU announces too).
[ -n "$IP" ] && arping -U -c 1 -I eth0 "${IP%/*}" >/dev/null 2>&1 &
if [ -n "$PORT" ]; then /sbin/icb-agent 169.254.0.15 "$PORT" & fi
echo "icb: ready"
# PID 1 reaps orphans; the console is a debug shell on the serial log only.
while true; do wait; sleep 1; done
