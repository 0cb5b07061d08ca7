#!/bin/sh
# /init of a libvirt cloud instance (appended to the project's busybox initramfs, replacing its
# /init). Kernel command line: icb.ip=A.B.C.D/P icb.gw=A.B.C.D icb.host=NAME icb.life=SECONDS.
# The host's /usr comes read-only over 9p (tag usr) for sshd and the tools; the instance's own SSH
# host key, sshd_config and the controller's authorized key are in /etc/icb-cloud (made on the
# controller). A watchdog powers the instance off after its lifetime (libvirt: on_poweroff destroy).
/bin/busybox mkdir -p /proc /sys /dev /tmp /run /root /var/empty
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox mkdir -p /dev/pts /dev/shm
/bin/busybox mount -t devpts devpts /dev/pts
/bin/busybox mount -t tmpfs tmpfs /tmp
/bin/busybox mount -t tmpfs tmpfs /run
/bin/busybox --install -s /bin
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
for m in $(cat /lib/modules/load.order); do insmod "/lib/modules/$m.ko" 2>/dev/null; done
arg() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^$1=//p" | tail -1; }
IP=$(arg icb.ip) GW=$(arg icb.gw) NAME=$(arg icb.host) LIFE=$(arg icb.life)
[ -n "$NAME" ] && hostname "$NAME"
[ -n "$LIFE" ] && (sleep "$LIFE"; echo "icb: lifetime over, powering off"; busybox poweroff -f) &
ip link set lo up
mkdir -p /mnt/usr
if mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=loose,ro usr /mnt/usr; then
  mount --bind /mnt/usr /usr
  mkdir -p /lib64 /lib/x86_64-linux-gnu
  mount --bind /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu
  mount --bind /usr/lib64 /lib64
  # Host tools win over busybox applets of the same name (ip, ping, ...), /bin/ip is there for the
  # host's /usr/sbin/ip -> /bin/ip (merged-/usr Debian), and /bin/sh is the host's dash: busybox's
  # sh would run its own applets before PATH. (Linking all of /usr/bin here costs minutes under TCG.)
  for f in /bin/* /sbin/*; do n=${f##*/}; case $n in sh | busybox) continue ;; esac
    [ -L "$f" ] && { [ -e "/usr/bin/$n" ] || [ -e "/usr/sbin/$n" ]; } && rm -f "$f"; done
  ln -sf /usr/bin/ip /bin/ip
  [ -x /usr/bin/dash ] && ln -sf /usr/bin/dash /bin/sh
else
  echo "icb: 9p usr failed"
fi
# The kernel's own modules (read-only; modules.dep came with this archive) and the host's package
# database (dpkg-query answers for the /usr the instance runs).
KV=$(uname -r)
mkdir -p "/lib/modules/$KV/kernel" /var/lib/dpkg
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=loose,ro mods "/lib/modules/$KV/kernel" || echo "icb: 9p mods failed"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=loose,ro dpkg /var/lib/dpkg || echo "icb: 9p dpkg failed"
for m in nfnetlink crc32c_generic nf_tables bridge veth vxlan tun wireguard; do busybox modprobe "$m" || echo "icb: module $m did not load"; done
mkdir -p /var/tmp /var/lib /var/cache /var/log /etc/ssh
# The root is the initramfs (no df figure): scratch space the real-sites preflight can see. A cap, not
# a reservation: pages are used as files are written.
mount -t tmpfs -o size=1g,mode=1777 tmpfs /var/tmp
DEV=$(ls /sys/class/net | grep -v '^lo$' | head -1)
[ -n "$DEV" ] && [ "$DEV" != eth0 ] && ip link set "$DEV" name eth0
ip addr add "$IP" dev eth0
ip link set eth0 up
[ -n "$GW" ] && ip route add default via "$GW"
mkdir -p /run/sshd && chmod 0755 /run/sshd
chmod 0600 /etc/icb-cloud/ssh_host_ed25519_key
/usr/sbin/sshd -f /etc/icb-cloud/sshd_config -E /run/sshd.log && echo "icb: sshd started" || echo "icb: sshd failed"
echo "icb: ready"
while true; do wait; sleep 1; done
