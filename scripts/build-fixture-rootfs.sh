#!/bin/sh
# Builds the root filesystem the hosts of the isolated SSH-sites fixture start from (each host an
# overlay of it in a system container, fixtures/ssh-sites.ts `isolated`): Debian minbase
# (debootstrap, from the mirror apt uses) plus openssh-server (how a host is reached) and the
# packages the host prerequisites list (infra/host-prerequisites.ts, the one list docs/real-sites.md
# shows and preflight checks) gives for the features in $ICBENCH_FIXTURE_FEATURES: what a real host
# needs, and nothing else of this machine. No host keys in it (each host gets its own), no hostname,
# no resolv.conf, no apt lists or .debs. Needs the built project (npm run build) to read the list.
#
# Output: $ICBENCH_CACHE_DIR (default /var/cache/icbench)/fixture-rootfs-<hash>, the hash over the
# package list and this script, so a changed list or build is a new tree; a complete tree holds
# .icbench-complete and is never rebuilt (remove older fixture-rootfs-* by hand). Prints the path
# as the last line; `--path` prints it without building.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# The fixture's default (fixtures/ssh-sites.ts FIXTURE_FEATURES): netns and lxc nodes, every L2 mode, every benchmark.
FEATURES=${ICBENCH_FIXTURE_FEATURES:-"base nodes vxlan wireguard lxc pgbench http http-nginx terasort-lab hadoop"}
CACHE=${ICBENCH_CACHE_DIR:-/var/cache/icbench}

LIST=$ROOT/dist/infra/host-prerequisites.js
[ -f "$LIST" ] || { echo "build-fixture-rootfs: $LIST missing: run npm run build first" >&2; exit 2; }
# shellcheck disable=SC2086
PKGS=$(node --input-type=module -e "
const m = await import(process.argv[1]);
const bad = process.argv.slice(2).filter((f) => !m.isHostFeature(f));
if (bad.length) { console.error('build-fixture-rootfs: no feature ' + bad.join(', ') + ' (known: ' + m.HOST_FEATURES.join(', ') + ')'); process.exit(2); }
console.log(m.prerequisitesOf(process.argv.slice(2)).map((p) => p.package).join(' '));
" "$LIST" $FEATURES)
PKGS=$(printf '%s\n' openssh-server $PKGS | LC_ALL=C sort -u | tr '\n' ' ' | sed 's/ $//')
HASH=$({ echo "$PKGS"; cat "$0"; } | sha256sum | cut -c1-12)
OUT=$CACHE/fixture-rootfs-$HASH

if [ "${1:-}" = --path ]; then echo "$OUT"; exit 0; fi
if [ -f "$OUT/.icbench-complete" ]; then echo "$OUT"; exit 0; fi
[ "$(id -u)" = 0 ] || { echo "build-fixture-rootfs: run as root (debootstrap)" >&2; exit 1; }
if ! command -v debootstrap >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

# The mirror and suite apt uses here (deb822 or one-line sources), unless given.
MIRROR=${ICBENCH_DEBIAN_MIRROR:-$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)}
[ -n "$MIRROR" ] || MIRROR=$(sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\(http[^[:space:]]*debian\/\?\)[[:space:]].*/\2/p' /etc/apt/sources.list 2>/dev/null | head -1)
[ -n "$MIRROR" ] || MIRROR=http://deb.debian.org/debian
SUITE=${ICBENCH_DEBIAN_SUITE:-$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")}

mkdir -p "$CACHE"
# One build at a time (setup and a test may both ask); the loser finds the tree complete.
exec 9>"$OUT.lock"
flock 9
if [ -f "$OUT/.icbench-complete" ]; then echo "$OUT"; exit 0; fi
T0=$(date +%s)
TMP=$OUT.tmp
rm -rf "$TMP"
echo "build-fixture-rootfs: debootstrap --variant=minbase $SUITE from $MIRROR with: $PKGS" >&2
if ! debootstrap --variant=minbase --include="$(echo "$PKGS" | tr ' ' ,)" "$SUITE" "$TMP" "$MIRROR" >"$OUT.log" 2>&1; then
  echo "build-fixture-rootfs: debootstrap failed; the last lines of $OUT.log:" >&2
  tail -5 "$OUT.log" >&2
  exit 1
fi
# Nothing that would make two hosts (or a host and this machine) the same one.
rm -f "$TMP"/etc/ssh/ssh_host_* "$TMP"/etc/resolv.conf "$TMP"/etc/machine-id "$TMP"/var/lib/dbus/machine-id
echo localhost >"$TMP/etc/hostname"
rm -rf "$TMP"/var/cache/apt/archives/*.deb "$TMP"/var/lib/apt/lists/* "$TMP"/var/log/*.log "$TMP"/debootstrap
printf '%s\n' $PKGS >"$TMP/.icbench-packages"
date -u +%Y-%m-%dT%H:%M:%SZ >"$TMP/.icbench-complete"
rm -rf "$OUT"
mv "$TMP" "$OUT"
echo "build-fixture-rootfs: built in $(($(date +%s) - T0)) s, $(du -sm "$OUT" | cut -f1) MB" >&2
echo "$OUT"
