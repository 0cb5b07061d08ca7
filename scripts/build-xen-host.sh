#!/bin/sh
# Builds the nested "Xen host" the Xen integration test and `npm run bench:xen` boot under QEMU
# (TCG): Debian's Xen 4.17 hypervisor, Debian's kernel as dom0 and as a PV guest, and two
# initramfs images made offline from Debian packages (apt-get download + dpkg-deb -x; nothing is
# installed on this machine):
#   dom0.cpio      busybox, xl + xenstored + xenconsoled + their libraries, the xen kernel
#                  modules, OpenSSH server (its own host key; root by key only), and the guest's
#                  kernel + initramfs under /var/lib/icbench/xen-guest
#   guest.cpio.gz  busybox, xen-netfront, OpenSSH server (its own host key), iperf3, ping and ss
#                  (what the lab's benchmarks run on a node: iperf3, ping, load-latency); when
#                  the guest is given a disk (xvda) it mounts it read-only under a tmpfs overlay
#                  and switches root to it
#   guest-root.ext4  the guests' Debian root: the tree scripts/build-fixture-rootfs.sh debootstraps
#                  (the packages infra/host-prerequisites.ts lists: PostgreSQL 15, nginx, wrk,
#                  Node.js, iperf3, ...), as an ext4 image QEMU gives the dom0 read-only (vda) and
#                  the dom0 gives every guest read-only through blkback (xvda)
# Output in $ICBENCH_XEN_HOST_DIR (default /var/lib/icbench/xen-host), root-only (0700).
# Idempotent: a stamp holding this script's hash skips a rebuild (remove the directory to pick up newer packages).
set -eu

OUT=${ICBENCH_XEN_HOST_DIR:-/var/lib/icbench/xen-host}
XENV=4.17
PKGS="xen-hypervisor-$XENV-amd64 xen-utils-$XENV xen-utils-common xenstore-utils libxenmisc$XENV libxencall1 libxendevicemodel1
libxenevtchn1 libxenforeignmemory1 libxengnttab1 libxenhypfs1 libxenstore4 libxentoollog1 libxentoolcore1 libyajl2 libnl-3-200
libnl-route-3-200 openssh-server openssh-client openssh-sftp-server busybox"

mkdir -p "$OUT"
chmod 0700 "$OUT"
# The guests' Debian root: the fixture hosts' tree (built once into its own cache, reused read-only).
ROOTFS=${ICBENCH_XEN_GUEST_ROOTFS:-$(sh "$(dirname "$0")/build-fixture-rootfs.sh" | tail -1)}
[ -f "$ROOTFS/.icbench-complete" ] || { echo "build-xen-host: no complete Debian tree at $ROOTFS" >&2; exit 1; }
STAMP=$({ cat "$0"; echo "$ROOTFS"; } | sha256sum | cut -c1-16)
if [ -f "$OUT/stamp" ] && [ "$(cat "$OUT/stamp")" = "$STAMP" ] && [ -f "$OUT/dom0.cpio" ] && [ -f "$OUT/guest-root.ext4" ]; then
  exit 0
fi
# The kernel: whatever linux-image-amd64 depends on (linux-image-<abi>-amd64).
KPKG=$(sh "$(dirname "$0")/lib/kernel-package.sh")
echo "build-xen-host: building the nested Xen host under $OUT"

for t in busybox gzip ssh-keygen mkfs.ext4; do
  command -v $t >/dev/null || { echo "build-xen-host: $t missing (apt-get install busybox-static gzip openssh-client e2fsprogs)" >&2; exit 1; }
done
BUSYBOX=$(command -v busybox)

W=$OUT/work
rm -rf "$W"
mkdir -p "$W/debs" "$W/x" "$W/dom0" "$W/guest"
(cd "$W/debs" && apt-get download -q $KPKG $PKGS >/dev/null 2>&1) || {
  echo "build-xen-host: apt-get download failed for: $KPKG $PKGS" >&2
  exit 1
}
for d in "$W"/debs/*.deb; do dpkg-deb -x "$d" "$W/x"; done
X=$W/x
KVER=${KPKG#linux-image-}
MODS=$X/lib/modules/$KVER/kernel

# copy_bin ROOT FILE...: each file (from the extracted packages when there, else this machine)
# and every library it links, resolved with the extracted libraries first.
LIBPATH=$X/usr/lib/x86_64-linux-gnu:$X/lib/x86_64-linux-gnu
copy_file() { # ROOT SRC DEST
  mkdir -p "$1$(dirname "$3")"
  cp -L "$2" "$1$3"
}
copy_bin() {
  root=$1
  shift
  for f in "$@"; do
    src=$f
    [ -e "$X$f" ] && src=$X$f
    copy_file "$root" "$src" "$f"
    LD_LIBRARY_PATH=$LIBPATH ldd "$src" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p' | while read -r lib; do
      case "$lib" in
        "$X"/*) dest=${lib#"$X"} ;;
        *) dest=$lib ;;
      esac
      [ -e "$root$dest" ] || copy_file "$root" "$lib" "$dest"
    done
  done
}

base_root() { # ROOT [BUSYBOX]: busybox (default this machine's), /etc, sshd and its privilege separation user
  r=$1
  bb=${2:-$BUSYBOX}
  mkdir -p "$r/bin" "$r/sbin" "$r/usr/bin" "$r/usr/sbin" "$r/proc" "$r/sys" "$r/dev" "$r/run" "$r/tmp" "$r/root/.ssh" "$r/etc/ssh" \
    "$r/var/log" "$r/var/lib" "$r/lib/modules" "$r/lib64" "$r/usr/lib/x86_64-linux-gnu"
  cp "$bb" "$r/bin/busybox"
  for a in $("$bb" --list); do [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"; done
  # The kernel runs /sbin/poweroff when Xen asks a PV guest to shut down (xl shutdown).
  for a in poweroff reboot halt; do ln -s ../bin/busybox "$r/sbin/$a"; done
  ln -sfn ../run "$r/var/run"
  printf 'root:x:0:0:root:/root:/bin/sh\nsshd:x:100:65534::/run/sshd:/bin/false\nnobody:x:65534:65534::/nonexistent:/bin/false\n' >"$r/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
  printf 'root:*:19000:0:99999:7:::\nsshd:*:19000:0:99999:7:::\n' >"$r/etc/shadow"
  chmod 0600 "$r/etc/shadow"
  printf '/bin/sh\n' >"$r/etc/shells"
  printf 'hosts: files\npasswd: files\ngroup: files\nshadow: files\n' >"$r/etc/nsswitch.conf"
  printf '127.0.0.1 localhost\n' >"$r/etc/hosts"
  copy_bin "$r" /usr/sbin/sshd
  # glibc dlopen()s libgcc_s for pthread_cancel (xl aborts without it)
  copy_bin "$r" /usr/lib/x86_64-linux-gnu/libgcc_s.so.1
  cat >"$r/etc/ssh/sshd_config" <<'EOF'
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PubkeyAuthentication yes
AuthorizedKeysFile /root/.ssh/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
X11Forwarding no
PrintMotd no
MaxSessions 30
MaxStartups 30:30:60
Subsystem sftp internal-sftp
SetEnv PATH=/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/xen-4.17/bin
EOF
}

mod() { # ROOT MODULE-PATH...: kernel modules into /lib/modules (flat; init loads them in order)
  r=$1
  shift
  for m in "$@"; do cp "$MODS/$m" "$r/lib/modules/"; done
}

# Keys: dom0 and guest host keys, the client key root logs in with (dom0 and, from dom0, guests).
[ -f "$OUT/client_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C icbench-xen-host-client -f "$OUT/client_ed25519"
[ -f "$OUT/dom0_host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C icbench-xen-dom0 -f "$OUT/dom0_host_ed25519"
[ -f "$OUT/guest_host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C icbench-xen-guest -f "$OUT/guest_host_ed25519"

# ---- the PV guest ----
G=$W/guest
# Debian's dynamic busybox: the static one's shell runs its own applets before PATH (ping would be
# busybox's, not iputils'); the guest's commands come over ssh through that shell.
base_root "$G" "$X/bin/busybox"
copy_bin "$G" /bin/busybox
copy_bin "$G" /usr/bin/iperf3 /usr/bin/ping "$(readlink -f "$(command -v ss)")"
mod "$G" drivers/net/xen-netfront.ko drivers/block/xen-blkfront.ko lib/crc16.ko crypto/crc32c_generic.ko fs/mbcache.ko fs/jbd2/jbd2.ko \
  fs/ext4/ext4.ko fs/overlayfs/overlay.ko
cp "$OUT/guest_host_ed25519" "$G/etc/ssh/ssh_host_ed25519_key"
cp "$OUT/guest_host_ed25519.pub" "$G/etc/ssh/ssh_host_ed25519_key.pub"
cp "$OUT/client_ed25519.pub" "$G/root/.ssh/authorized_keys"
cat >"$G/init" <<'EOF'
#!/bin/sh
# PV guest of the nested Xen host: the address comes from the kernel command line (ip=, as the
# harness's domain config writes it: ip=<addr>::<gw>:<netmask>:<hostname>:<dev>:off).
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
mkdir -p /dev/pts /run/sshd /tmp; mount -t devpts devpts /dev/pts; mount -t tmpfs tmpfs /run; mkdir -p /run/sshd
chmod 0700 /root /root/.ssh
insmod /lib/modules/xen-netfront.ko
ip link set lo up
for a in $(cat /proc/cmdline); do
  case "$a" in ip=*)
    IFS=: read -r addr _ gw mask host dev _ <<IPEOF
${a#ip=}
IPEOF
    i=0; while [ $i -lt 50 ] && [ ! -e "/sys/class/net/${dev:-eth0}" ]; do sleep 0.1; i=$((i + 1)); done
    prefix=0; for o in $(echo "$mask" | tr . ' '); do while [ "$o" -gt 0 ]; do prefix=$((prefix + (o & 1))); o=$((o >> 1)); done; done
    ip link set "${dev:-eth0}" up
    ip addr add "$addr/$prefix" dev "${dev:-eth0}"
    [ -n "$gw" ] && ip route add default via "$gw"
    [ -n "$host" ] && hostname "$host"
  ;; esac
done
# A disk (xvda: the Debian root, read-only) makes this a full guest: a tmpfs overlay on it, this
# run's host key and the client key copied in, then switch_root to it (its /sbin/icbench-init).
insmod /lib/modules/xen-blkfront.ko
i=0; while [ $i -lt 30 ] && [ ! -e /sys/block/xvda ]; do sleep 0.1; i=$((i + 1)); done
if [ -e /sys/block/xvda ]; then
  for m in crc16 crc32c_generic mbcache jbd2 ext4 overlay; do insmod /lib/modules/$m.ko; done
  mkdir -p /mnt/lower /mnt/rw /mnt/root
  if mount -t ext4 -o ro /dev/xvda /mnt/lower && mount -t tmpfs -o mode=0755 tmpfs /mnt/rw; then
    mkdir -p /mnt/rw/upper /mnt/rw/work
    mount -t overlay overlay -o lowerdir=/mnt/lower,upperdir=/mnt/rw/upper,workdir=/mnt/rw/work /mnt/root
    R=/mnt/root
    cp /etc/ssh/ssh_host_ed25519_key /etc/ssh/ssh_host_ed25519_key.pub "$R/etc/ssh/"
    chmod 0600 "$R/etc/ssh/ssh_host_ed25519_key"
    mkdir -p "$R/root/.ssh"; cp /root/.ssh/authorized_keys "$R/root/.ssh/"; chmod 0700 "$R/root" "$R/root/.ssh"
    cp /etc/icbench-guest/sshd_config "$R/etc/ssh/icbench_sshd_config"
    cp /etc/icbench-guest/init "$R/sbin/icbench-init"; cp /etc/icbench-guest/poweroff "$R/sbin/poweroff"
    hostname > "$R/etc/hostname"
    printf '127.0.0.1 localhost\n127.0.1.1 %s\n' "$(hostname)" > "$R/etc/hosts"
    for d in dev proc sys; do mount --move /$d "$R/$d"; done
    exec switch_root "$R" /sbin/icbench-init
  fi
  echo "icbench-guest: xvda is there but does not mount; staying on the initramfs" > /dev/hvc0
fi
/usr/sbin/sshd -E /var/log/sshd.log
echo "icbench-guest-ready" > /dev/hvc0
# xl shutdown: the kernel runs /sbin/poweroff, which signals init (USR2; TERM for reboot).
trap 'kill -TERM -1 2>/dev/null; sync; poweroff -f' USR2 TERM USR1
while true; do sleep 1 & wait $!; done
EOF
chmod 0755 "$G/init"
# What the initramfs puts into the Debian root before switching to it: init, poweroff, sshd's config.
mkdir -p "$G/etc/icbench-guest"
cat >"$G/etc/icbench-guest/init" <<'EOF'
#!/bin/sh
# PID 1 of a Xen guest on the Debian root (no systemd: under TCG its start alone costs minutes).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts; mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=0755 tmpfs /run; mount -t tmpfs -o mode=1777 tmpfs /tmp
mkdir -p /run/sshd /run/lock
install -d -o postgres -g postgres /run/postgresql 2>/dev/null || true
/usr/sbin/sshd -f /etc/ssh/icbench_sshd_config -E /var/log/icbench-sshd.log
echo "icbench-guest-ready" > /dev/hvc0
# xl shutdown: the kernel runs /sbin/poweroff (here: a signal to this process).
trap 'kill -TERM -1 2>/dev/null; sync; echo o > /proc/sysrq-trigger' USR2 TERM USR1
while true; do sleep 1 & wait $!; done
EOF
printf '#!/bin/sh\nkill -USR2 1\n' >"$G/etc/icbench-guest/poweroff"
chmod 0755 "$G/etc/icbench-guest/init" "$G/etc/icbench-guest/poweroff"
sed -e 's|^SetEnv PATH=.*|SetEnv PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin|' "$G/etc/ssh/sshd_config" >"$G/etc/icbench-guest/sshd_config"

# ---- dom0 ----
D=$W/dom0
base_root "$D"
XB=/usr/lib/xen-$XENV/bin
copy_bin "$D" $XB/xl $XB/xenstored $XB/xenconsoled $XB/xen-init-dom0 $XB/libxl-save-helper $XB/xenconsole \
  /usr/bin/xenstore-read /usr/bin/xenstore-write /usr/bin/xenstore-ls /usr/bin/xenstore-rm /usr/bin/xenstore /usr/bin/ssh
# What real-site code runs on a host (infra/remote/preflight.ts): iproute2's ip and bridge, iperf3, ping.
copy_bin "$D" /usr/bin/iperf3 /usr/bin/ping /usr/bin/date "$(readlink -f "$(command -v ip)")" "$(readlink -f "$(command -v bridge)")"
# The overlay's firewall (infra/remote/firewall.ts): nft, and nf_tables with what it needs below.
copy_bin "$D" /usr/sbin/nft
[ -e "$D/usr/sbin/ip" ] || ln -s ../bin/ip "$D/usr/sbin/ip"
mkdir -p "$D/var/tmp"
for b in xl xenstored xenconsoled xen-init-dom0; do ln -sf "$XB/$b" "$D/usr/sbin/$b"; done
mkdir -p "$D/etc/xen/scripts" "$D/var/lib/xen" "$D/var/lib/xenstored" "$D/var/log/xen" "$D/var/lib/icbench/xen"
cp "$X/etc/xen/xl.conf" "$D/etc/xen/xl.conf" 2>/dev/null || true
# Stand-in hotplug script: Debian's vif-bridge needs bash and its helpers; this one does what it does
# for a bridged vif (bridge name from xenstore, vif up as a bridge port, hotplug-status connected).
cat >"$D/etc/xen/scripts/vif-bridge" <<'EOF'
#!/bin/sh
dev=${vif:?}
case "$1" in
  online|add)
    br=$(xenstore-read "$XENBUS_PATH/bridge" 2>/dev/null)
    [ -n "$br" ] || br=xenbr0
    ip link set "$dev" up
    brctl addif "$br" "$dev" || { xenstore-write "$XENBUS_PATH/hotplug-error" "no bridge $br" "$XENBUS_PATH/hotplug-status" error; exit 1; }
    xenstore-write "$XENBUS_PATH/hotplug-status" connected
    ;;
  offline|remove)
    br=$(basename "$(readlink "/sys/class/net/$dev/master" 2>/dev/null)" 2>/dev/null)
    [ -n "$br" ] && brctl delif "$br" "$dev" 2>/dev/null
    ip link set "$dev" down 2>/dev/null
    xenstore-rm "$XENBUS_PATH/hotplug-status" 2>/dev/null
    ;;
esac
exit 0
EOF
chmod 0755 "$D/etc/xen/scripts/vif-bridge"
# Stand-in for Debian's `block` hotplug script (bash, locking, sharing checks): for a phy: disk it
# tells blkback the device (physical-device = major:minor in hex), then reports connected. The
# guests' disk is the read-only Debian root (QEMU gives it read-only), so sharing it is safe.
cat >"$D/etc/xen/scripts/block" <<'EOF'
#!/bin/sh
case "$1" in
  add)
    p=$(xenstore-read "$XENBUS_PATH/params")
    if [ ! -b "$p" ]; then
      xenstore-write "$XENBUS_PATH/hotplug-error" "$p is not a block device" "$XENBUS_PATH/hotplug-status" error
      exit 1
    fi
    xenstore-write "$XENBUS_PATH/physical-device" "$(stat -L -c '%t:%T' "$p")" "$XENBUS_PATH/physical-device-path" "$p"
    xenstore-write "$XENBUS_PATH/hotplug-status" connected
    ;;
  remove)
    xenstore-rm "$XENBUS_PATH/hotplug-status" 2>/dev/null
    ;;
esac
exit 0
EOF
chmod 0755 "$D/etc/xen/scripts/block"
mod "$D" drivers/xen/xen-privcmd.ko drivers/xen/xenfs/xenfs.ko drivers/xen/xen-evtchn.ko drivers/xen/xen-gntdev.ko drivers/xen/xen-gntalloc.ko \
  drivers/net/xen-netback/xen-netback.ko drivers/block/xen-blkback/xen-blkback.ko net/llc/llc.ko net/802/stp.ko net/bridge/bridge.ko \
  drivers/net/ethernet/intel/e1000/e1000.ko net/ipv4/udp_tunnel.ko net/ipv6/ip6_udp_tunnel.ko drivers/net/vxlan/vxlan.ko \
  net/netfilter/nfnetlink.ko crypto/crc32c_generic.ko lib/libcrc32c.ko net/netfilter/nf_tables.ko \
  drivers/virtio/virtio_ring.ko drivers/virtio/virtio.ko drivers/virtio/virtio_pci_legacy_dev.ko drivers/virtio/virtio_pci_modern_dev.ko \
  drivers/virtio/virtio_pci.ko drivers/block/virtio_blk.ko
cp "$OUT/dom0_host_ed25519" "$D/etc/ssh/ssh_host_ed25519_key"
cp "$OUT/dom0_host_ed25519.pub" "$D/etc/ssh/ssh_host_ed25519_key.pub"
cp "$OUT/client_ed25519.pub" "$D/root/.ssh/authorized_keys"
# From dom0 into guests: the same client key; guests' host key pinned for any address.
cp "$OUT/client_ed25519" "$D/root/.ssh/id_ed25519"
printf '* %s\n' "$(cut -d' ' -f1,2 "$OUT/guest_host_ed25519.pub")" >"$D/root/.ssh/known_hosts"
mkdir -p "$D/var/lib/icbench/xen-guest"
cp "$X/boot/vmlinuz-$KVER" "$D/var/lib/icbench/xen-guest/vmlinuz"
(cd "$G" && find . | "$BUSYBOX" cpio -o -H newc -R 0:0 2>/dev/null | gzip -6) >"$D/var/lib/icbench/xen-guest/initrd.gz"
cat >"$D/init" <<'EOF'
#!/bin/sh
# dom0 of the nested Xen host: xen modules, xenfs, xenstored, xenconsoled, devpts (guest creation
# fails without it), the network QEMU gives (user networking: 10.0.2.15/24), sshd.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/xen-4.17/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm; mount -t devpts devpts /dev/pts; mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run; mount -t tmpfs tmpfs /tmp; mount -t tmpfs -o size=1g tmpfs /var/tmp
mkdir -p /run/sshd /run/xen /run/xenstored /run/icbench-remote /var/log/xen
chmod 0700 /root /root/.ssh; chmod 0600 /root/.ssh/id_ed25519
for m in xen-privcmd xenfs xen-evtchn xen-gntdev xen-gntalloc xen-netback xen-blkback llc stp bridge e1000 udp_tunnel ip6_udp_tunnel vxlan nfnetlink crc32c_generic libcrc32c nf_tables \
  virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk; do
  insmod /lib/modules/$m.ko || echo "icbench-dom0: insmod $m failed"
done
mount -t xenfs xenfs /proc/xen
xenstored --pid-file /run/xenstored.pid
xen-init-dom0
mkdir -p /var/lock /var/log/xen/console
xenconsoled --pid-file=/run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console
ip link set lo up
ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0
ip route add default via 10.0.2.2
/usr/sbin/sshd -E /var/log/sshd.log
echo "icbench-dom0-ready"
while true; do sleep 3600; done
EOF
chmod 0755 "$D/init"
# Uncompressed: QEMU loads it from the host; gunzip under TCG would cost the boot many seconds.
(cd "$D" && find . | "$BUSYBOX" cpio -o -H newc -R 0:0 2>/dev/null) >"$OUT/dom0.cpio.tmp"

# The hypervisor (QEMU's multiboot loader wants it uncompressed) and the dom0 kernel.
gzip -dc "$X/boot/xen-$XENV-amd64.gz" >"$OUT/xen.tmp"
cp "$X/boot/vmlinuz-$KVER" "$OUT/vmlinuz.tmp"
cp "$X/boot/xen-$XENV-amd64.config" "$OUT/xen.config"
mv "$OUT/xen.tmp" "$OUT/xen"
mv "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"
mv "$OUT/dom0.cpio.tmp" "$OUT/dom0.cpio"
rm -f "$OUT/dom0.cpio.gz"
(cd "$W/debs" && ls *.deb) >"$OUT/versions"
# The guests' root disk: the Debian tree as it is (read-only in the guests, so no journal and no
# reserved blocks), sized to its content plus 15 %.
MB=$(du -sm "$ROOTFS" | cut -f1)
rm -f "$OUT/guest-root.ext4.tmp"
mkfs.ext4 -q -F -L icbench-guest -O ^has_journal -m 0 -d "$ROOTFS" "$OUT/guest-root.ext4.tmp" "$((MB + MB * 15 / 100 + 64))M"
mv "$OUT/guest-root.ext4.tmp" "$OUT/guest-root.ext4"
printf '%s\n' "$ROOTFS" >"$OUT/guest-root.source"
rm -rf "$W"
printf '%s\n' "$STAMP" >"$OUT/stamp"
echo "build-xen-host: done ($(du -sh "$OUT/dom0.cpio" | cut -f1) dom0 initramfs, $(du -sh "$OUT/guest-root.ext4" | cut -f1) guest root from $ROOTFS)"
