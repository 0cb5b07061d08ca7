#!/usr/bin/env bash
# Installs what the local lab and the tests need on Debian 12 (as root), then builds the project.
# Safe to run again: apt and npm skip what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: run as root (the lab creates network namespaces, bridges and VXLAN links)" >&2
  exit 1
fi

# iperf3/ping/ip/ethtool: the lab and its benchmarks; postgresql-15: the transactions runner
# (server + pgbench); nginx-light, busybox-static, wrk: the http runner; lxc, docker.io: container
# nodes; chromium: the report render test; openssh-client/-server, wireguard-tools/-go: real sites over
# SSH (the controller's client, and the test fixture's sshd hosts) and the vxlan-wireguard L2 mode.
# qemu-system-x86: qemu nodes and the VM migration experiment. debootstrap: the isolated SSH-sites
# fixture's host root filesystem (below).
PKGS=(iperf3 iputils-ping iproute2 ethtool procps util-linux nftables make gcc libc6-dev git chromium
      postgresql-15 nginx-light busybox-static wrk lxc docker.io
      openssh-client openssh-server wireguard-tools wireguard-go
      qemu-system-x86 debootstrap e2fsprogs
      libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients python3-venv curl)
missing=()
for p in "${PKGS[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  # The harness starts its own PostgreSQL servers inside nodes: no system cluster on :5432.
  mkdir -p /etc/postgresql-common
  grep -qs '^create_main_cluster' /etc/postgresql-common/createcluster.conf || echo 'create_main_cluster = false' >> /etc/postgresql-common/createcluster.conf
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ -f package-lock.json ]; then npm ci --no-fund --no-audit --loglevel=error; else npm install --no-fund --no-audit --loglevel=error; fi
npm run -s build
# The Docker engine, for docker nodes (containers run with --network none and are wired by the lab).
bash scripts/docker-engine.sh
# qemu nodes: Debian's kernel (from the .deb) and a busybox initramfs under /var/lib/icbench/vm.
bash scripts/build-vm-image.sh
# Cloud sites: moto[server] in /opt/icbench-moto serving the EC2 API on 127.0.0.1:5757, and libvirtd
# on its local socket (both started by hand: no systemd; loopback / local socket only).
bash scripts/moto-server.sh
bash scripts/libvirtd.sh
# Hadoop 3.5.0 from Maven Central, once (the hadoop Terasort engine; first run ~2 min, then instant).
bash scripts/install-hadoop.sh
# The fixture tree with docker.io (below) starts now, beside the base tree that build-xen-host.sh builds.
ICBENCH_FIXTURE_FEATURES="base nodes vxlan wireguard lxc pgbench http http-nginx terasort-lab hadoop docker" sh scripts/build-fixture-rootfs.sh >/dev/null &
ROOTFS_DOCKER=$!
# The nested Xen host of the Xen integration test and bench:xen (Debian's Xen 4.17 under QEMU TCG),
# with its guests' Debian root disk (mkfs.ext4 -d of the fixture root filesystem below, which it
# builds first when missing: ~35 s more once the tree exists).
sh scripts/build-xen-host.sh
# The isolated SSH-sites fixture's hosts: Debian minbase + openssh-server + the host prerequisites
# of infra/host-prerequisites.ts, once, under /var/cache/icbench/fixture-rootfs-<hash>.
# ~65 s and 805 MB here (every benchmark's packages: PostgreSQL, nginx, Node.js, Java 17).
# The same with docker.io, for the hosts that run a Docker engine each (remote-docker.test.ts; fixtures/ssh-sites.ts
# `docker: true`): another tree, 1,058 MB, built in 236 s at load ~9 here. The two builds run side
# by side (each mostly waits on downloads and dpkg's fsyncs); setup stops if either fails.
sh scripts/build-fixture-rootfs.sh >/dev/null &
ROOTFS_BASE=$!
wait "$ROOTFS_BASE" || { echo "setup: the fixture root filesystem could not be built" >&2; exit 1; }
wait "$ROOTFS_DOCKER" || { echo "setup: the fixture root filesystem with docker.io could not be built" >&2; exit 1; }
echo "setup: ready ($(iperf3 --version | head -1); $(ip -V))"
