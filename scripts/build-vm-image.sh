#!/usr/bin/env bash
# Builds what lab VMs boot, offline, under /var/lib/icbench/vm (or $ICBENCH_VM_DIR):
#   vmlinuz          Debian's stock kernel, from the linux-image-amd64 .deb (apt-get download +
#                    dpkg-deb -x; nothing installed, the host's own kernel untouched)
#   modules/         the .ko files of that kernel (also used by other guests, e.g. a Xen dom0)
#   initramfs.cpio.gz  busybox-static, /init (infra/qemu/guest/init.sh), the virtio/9p modules in
#                    load order, the command agent, a memory-dirtying load, iperf3 and ping with
#                    their shared libraries (ldd)
#   bin/icb-vmexec   the host side of the command channel
# Idempotent: does nothing when the stamp matches the inputs (kernel version, script, sources).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${ICBENCH_VM_DIR:-/var/lib/icbench/vm}
SRC=infra/qemu/guest
mkdir -p "$OUT/cache" "$OUT/bin"
chmod 0755 "$OUT"

# The kernel package linux-image-amd64 points to (a version bump rebuilds).
KPKG=$(sh "$(dirname "$0")/lib/kernel-package.sh")
TOOLS=(/usr/bin/iperf3 /usr/bin/ping)
stamp=$( { echo "$KPKG"; cat "$0" "$SRC"/*.c "$SRC"/*.h "$SRC"/init.sh; ls -l --time-style=+%s "${TOOLS[@]}" /usr/bin/busybox; } | sha256sum | cut -c1-16)
if [ -f "$OUT/stamp" ] && [ "$(cat "$OUT/stamp")" = "$stamp" ] && [ -f "$OUT/initramfs.cpio.gz" ] && [ -x "$OUT/bin/icb-vmexec" ]; then
  exit 0
fi
echo "build-vm-image: building $OUT ($KPKG)"

# 1. Kernel and modules from the .deb, cached.
deb=$(ls "$OUT"/cache/"$KPKG"_*.deb 2>/dev/null | head -1 || true)
if [ -z "$deb" ]; then
  (cd "$OUT/cache" && apt-get download -q "$KPKG" 2>&1 | grep -v -e unsandboxed -e '^Get:' -e '^Fetched' || true)
  deb=$(ls "$OUT"/cache/"$KPKG"_*.deb | head -1)
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -x "$deb" "$tmp/deb"
kver=$(ls "$tmp/deb/lib/modules" | head -1)
cp "$tmp/deb/boot/vmlinuz-$kver" "$OUT/vmlinuz.new" && mv "$OUT/vmlinuz.new" "$OUT/vmlinuz"
rm -rf "$OUT/modules" && mv "$tmp/deb/lib/modules/$kver" "$OUT/modules"
echo "$kver" > "$OUT/kernel-version"

# 2. Guest programs (static) and the host client.
gcc -O2 -Wall -static -o "$tmp/icb-agent" "$SRC/agent.c"
gcc -O2 -Wall -static -o "$tmp/icb-dirty" "$SRC/dirty.c"
gcc -O2 -Wall -o "$OUT/bin/icb-vmexec.new" "$SRC/vmexec.c" && mv "$OUT/bin/icb-vmexec.new" "$OUT/bin/icb-vmexec"

# 3. The initramfs tree.
R=$tmp/root
mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,root,mnt,lib/modules,lib/x86_64-linux-gnu,lib64,var/tmp}
cp /usr/bin/busybox "$R/bin/busybox"
ln -s busybox "$R/bin/sh"
install -m 0755 "$SRC/init.sh" "$R/init"
install -m 0755 "$tmp/icb-agent" "$tmp/icb-dirty" "$R/sbin/"
for t in "${TOOLS[@]}"; do
  cp "$t" "$R$t"
  for lib in $(ldd "$t" | awk '/=>/ {print $3} $1 ~ /^\/lib64\// {print $1}'); do
    real=$(readlink -f "$lib")
    mkdir -p "$R$(dirname "$lib")"
    cp "$real" "$R$lib"
  done
done
# Modules in dependency order (depends= from each module's .modinfo; no depmod/modinfo needed).
declare -A seen=()
order=()
modpath() { find "$OUT/modules/kernel" -name "$1.ko" | head -1; }
add() {
  local m=$1 f deps d
  [ -n "${seen[$m]:-}" ] && return
  seen[$m]=1
  f=$(modpath "$m")
  [ -n "$f" ] || return 0 # built in
  deps=$(tr '\0' '\n' < "$f" | sed -n 's/^depends=//p' | tr ',' ' ')
  for d in $deps; do add "$d"; done
  cp "$f" "$R/lib/modules/$m.ko"
  order+=("$m")
}
for m in virtio_mmio virtio_pci virtio_net 9pnet_virtio 9p; do add "$m"; done
printf '%s\n' "${order[@]}" > "$R/lib/modules/load.order"
echo "root:x:0:0:root:/root:/bin/sh" > "$R/etc/passwd"
echo "root:x:0:" > "$R/etc/group"
(cd "$R" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 > "$OUT/initramfs.cpio.gz.new")
mv "$OUT/initramfs.cpio.gz.new" "$OUT/initramfs.cpio.gz"
echo "$stamp" > "$OUT/stamp"
echo "build-vm-image: $OUT ready (kernel $kver, initramfs $(du -h "$OUT/initramfs.cpio.gz" | cut -f1))"
