/**
 * xen nodes of a lab run: every lab host that holds xen nodes becomes a nested Xen host (Debian's
 * Xen 4.17 under QEMU TCG, nested-host.ts) whose second NIC is a tap in the lab host's namespace,
 * a port of its switch (br0). In the dom0 that NIC is the only port of `xenbr0` besides the
 * guests' vifs, so each PV guest sits on the lab host's segment like any other node: same site
 * LAN, same emulated WAN to the other sites. The guest's cluster address comes from its kernel
 * command line (`ip=`); the dom0 has no address on the segment (IPv6 off on its NIC) and reaches
 * its guests over xenbr0 at their IPv6 link-local address, by ssh with a host key made for this
 * run (guest-hostkey.ts: no trust on first use) and one shared connection per guest.
 *
 * Journal: the nested host's QEMU (process), its folder and ssh folder are journaled before they
 * exist (nested-host.ts). The guests, their configs and the tap live inside / hang on that QEMU
 * process: killing it (teardown, or `clean` after a kill -9) removes them all.
 */
import { createHash } from 'node:crypto';
import type { NodeSpec } from '../config.js';
import { mapLimit } from '../concurrency.js';
import { must, run, type Executor } from '../exec.js';
import type { Journal } from '../journal.js';
import type { Progress } from '../progress.js';
import { ConfigError, positiveInt } from '../units.js';
import { domainName, renderDomainConfig } from './domain-config.js';
import { guestInitrd, guestKeyScript, newGuestHostKey } from './guest-hostkey.js';
import { NESTED_GUEST_KERNEL, NESTED_GUEST_RAMDISK, NESTED_GUEST_ROOT_DEV, NestedXenHost, nestedImage } from './nested-host.js';
import { XenHost } from './xl.js';

export interface XenLabOptions {
  /** Memory of each PV guest in MiB (default 640 with the Debian root disk: PostgreSQL and Node.js; 160 on the busybox initramfs alone). */
  guestMemMiB?: number;
  /** RAM of each nested host's QEMU machine (default: dom0 + guests + 256 MiB for Xen). */
  hostMemMiB?: number;
  /** dom0 memory in MiB (default 512). */
  dom0MemMiB?: number;
  /** Per nested host, QEMU start to sshd answering (default 900 s: TCG on a shared 2-core machine). */
  bootTimeoutMs?: number;
}

export interface XenLabGuest {
  host: string;
  domain: string;
  linkLocal: string;
  exec: Executor;
  startMs: number;
  /** The node's scratch dir inside the guest (its own filesystem) and the root above it (TestbedNode.workDir/workRoot). */
  workDir: string;
  workRoot: string;
}

export interface XenLabFacts {
  accel: 'tcg';
  accel_reason: string;
  xen_version: string;
  mem_mib: number;
  dom0_mem_mib: number;
  host_mem_mib: number;
  cpus: number;
  nested_hosts: number;
  nested_boot_ms: number;
  machine: string;
  command_channel: string;
}

export const isXenVirt = (v: string) => v === 'xen';

/** The dom0's bridge for the guests. */
export const XEN_LAB_BRIDGE = 'xenbr0';
/** Where a run's domain configs, guest ramdisks and the guests' known_hosts live in the dom0. */
export const xenLabDir = (runId: string) => `/var/lib/icbench/xen/${runId}`;
/** What the runners need in a guest: ss, iperf3, and iputils' ping (not a shell's built-in applet). */
const GUEST_TOOLS_CHECK =
  'for t in ss iperf3 ping; do command -v $t >/dev/null || { echo "the Xen guest image has no $t" >&2; exit 1; }; done; ' +
  'ping -V 2>/dev/null | grep -q iputils || { echo "ping in the Xen guest is not iputils ping" >&2; exit 1; }';
/** Inside a guest: where runs keep their per-node files (the guest's tmpfs overlay: gone with the guest). */
export const XEN_GUEST_WORK_ROOT = '/var/lib/icbench-guest';
export const xenGuestWorkDir = (runId: string, node: string) => `${XEN_GUEST_WORK_ROOT}/${runId}/${node}`;
/** ssh control sockets (dom0 -> guests). */
const CONTROL_DIR = '/run/icbcm';

/** The tap and MAC of a lab host's nested Xen host (stable per run and host). */
export function clusterNicOf(runId: string, host: string): { tap: string; mac: string } {
  const h = createHash('sha256').update(`${runId}/${host}`).digest();
  return { tap: `icx${h.subarray(0, 5).toString('hex')}`, mac: `52:54:00:${[h[5], h[6], h[7]].map((x) => x.toString(16).padStart(2, '0')).join(':')}` };
}

/** The dom0 script that puts the cluster NIC (found by its MAC) into xenbr0, IPv6 off on it. */
export function dom0SegmentScript(mac: string, runId: string): string {
  if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(mac)) throw new ConfigError('mac', 'a lowercase MAC address', mac);
  return [
    'set -e',
    `dev=$(for d in /sys/class/net/*; do if [ "$(cat "$d/address")" = ${mac} ]; then basename "$d"; fi; done)`,
    `[ -n "$dev" ] || { echo "no NIC with MAC ${mac} in the dom0" >&2; exit 1; }`,
    `ip link show ${XEN_LAB_BRIDGE} >/dev/null 2>&1 || ip link add ${XEN_LAB_BRIDGE} type bridge stp_state 0 forward_delay 0`,
    'echo 1 > /proc/sys/net/ipv6/conf/$dev/disable_ipv6',
    `ip link set "$dev" master ${XEN_LAB_BRIDGE} up`,
    `ip link set ${XEN_LAB_BRIDGE} up`,
    `mkdir -p ${CONTROL_DIR} ${xenLabDir(runId)}`,
    `chmod 0700 ${CONTROL_DIR} ${xenLabDir(runId)}`,
    'echo ok',
    '',
  ].join('\n');
}

function sized(o: XenLabOptions, guests: number, debianRoot: boolean) {
  const guestMemMiB = positiveInt(o.guestMemMiB ?? (debianRoot ? 640 : 160), 'xen.guestMemMiB', 65536);
  if (guestMemMiB < 96) throw new ConfigError('xen.guestMemMiB', 'at least 96 (MiB)', guestMemMiB);
  const dom0MemMiB = positiveInt(o.dom0MemMiB ?? 512, 'xen.dom0MemMiB', 65536);
  const hostMemMiB = positiveInt(o.hostMemMiB ?? dom0MemMiB + guests * guestMemMiB + 256, 'xen.hostMemMiB', 262144);
  if (hostMemMiB < dom0MemMiB + guests * guestMemMiB + 128)
    throw new ConfigError('xen.hostMemMiB', `at least dom0 + ${guests} guests + 128 (${dom0MemMiB + guests * guestMemMiB + 128} MiB)`, hostMemMiB);
  return { guestMemMiB, dom0MemMiB, hostMemMiB };
}

/**
 * Boots one nested Xen host per lab host holding xen nodes (all at once), then that host's guests
 * one after the other. Hosts land in `hosts` as they boot and guests in `guests` as they answer, so
 * a caller's teardown stops whatever was made when a later step fails.
 */
export async function startXenLabNodes(
  nodes: NodeSpec[],
  hostNs: Map<string, string>,
  hosts: Map<string, NestedXenHost>,
  guests: Map<string, XenLabGuest>,
  o: { runId: string; journal: Journal; workDir: string; prefix: number; progress?: Progress } & XenLabOptions,
): Promise<XenLabFacts | null> {
  const wanted = nodes.filter((n) => isXenVirt(n.virt));
  if (wanted.length === 0) return null;
  const byHost = new Map<string, NodeSpec[]>();
  for (const n of wanted) byHost.set(n.host, [...(byHost.get(n.host) ?? []), n]);
  const most = Math.max(...[...byHost.values()].map((g) => g.length));
  const image = nestedImage();
  // The lab's xen nodes are said to run pgbench, http and the lab Terasort engine (infra/xen-guest.ts XEN_LAB_GUEST_RUNS): that needs the root disk.
  if (!image.guestRoot) throw new Error(`xen nodes: ${image.dir} has no guest-root.ext4 (the guests' Debian root): rebuild it with scripts/build-xen-host.sh`);
  const size = sized(o, most, image.guestRoot !== undefined);
  let bootMs = 0;
  let version = '';
  await mapLimit([...byHost], byHost.size, async ([host, hostNodes]) => {
    const ns = hostNs.get(host);
    if (!ns) throw new Error(`xen nodes: no namespace for lab host ${host}`);
    const nic = clusterNicOf(o.runId, host);
    const nested = await NestedXenHost.boot({
      runId: o.runId,
      journal: o.journal,
      name: `xh-${host}`,
      memoryMiB: size.hostMemMiB,
      dom0MemoryMiB: size.dom0MemMiB,
      bootTimeoutMs: o.bootTimeoutMs ?? 900_000,
      image,
      clusterNic: { ...nic, netns: ns, bridge: 'br0' },
    });
    hosts.set(host, nested);
    o.progress?.info(`${host}: nested Xen host up in ${(nested.bootMs / 1000).toFixed(1)} s`);
    bootMs = Math.max(bootMs, nested.bootMs);
    await must(`${nested.exec.where}: the guests' bridge`, nested.exec.wrap(['sh', '-s']), { input: dom0SegmentScript(nic.mac, o.runId), timeoutMs: 300_000 });
    const dir = xenLabDir(o.runId);
    const xen = new XenHost({ exec: nested.exec, configDir: dir });
    version ||= (await xen.info()).xenVersion;
    for (const n of hostNodes) {
      const t0 = performance.now();
      const name = domainName(o.runId, n.name);
      const key = await newGuestHostKey(o.workDir, `icbench ${name}`);
      await must(`${nested.exec.where}: the host key of guest ${name}`, nested.exec.wrap(['sh', '-s']), {
        input: guestKeyScript({ dir, guest: name, ramdisk: NESTED_GUEST_RAMDISK, key, knownHosts: `${dir}/known_hosts` }),
        timeoutMs: 300_000,
      });
      const cfg = renderDomainConfig({
        runId: o.runId,
        node: n.name,
        type: 'pv',
        vcpus: 1,
        memoryMiB: size.guestMemMiB,
        kernel: NESTED_GUEST_KERNEL,
        ramdisk: guestInitrd(dir, name),
        extra: 'console=hvc0 quiet',
        vifs: [{ bridge: XEN_LAB_BRIDGE }],
        // The Debian root, read-only: the guest's init overlays a tmpfs on it (scripts/build-xen-host.sh).
        ...(image.guestRoot ? { disks: [{ target: NESTED_GUEST_ROOT_DEV, vdev: 'xvda', access: 'ro' as const }] } : {}),
        guest: { address: n.address, prefix: o.prefix },
      });
      await xen.create(cfg, 600_000);
      await xen.waitRunning(cfg.name, 600_000);
      const ll = await xen.guestLinkLocal(XEN_LAB_BRIDGE, cfg.macs[0], 300);
      const exec = xen.guestExecutor(ll, {
        identity: '/root/.ssh/id_ed25519',
        knownHostsFile: `${dir}/known_hosts`,
        connectTimeoutS: 120,
        controlDir: CONTROL_DIR,
      });
      let r = await run(exec.wrap(['true']), { timeoutMs: 180_000 });
      for (let i = 0; i < 60 && !r.ok; i++) {
        await new Promise((res) => setTimeout(res, 2000));
        r = await run(exec.wrap(['true']), { timeoutMs: 180_000 });
      }
      if (!r.ok)
        throw new Error(`xen node ${n.name}: guest ${cfg.name} runs but ssh into it at ${ll} fails: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
      // An image built before the guest had ss (iperf3's listen check) and iputils' ping first in PATH.
      const tools = await run(exec.wrap(['sh', '-c', GUEST_TOOLS_CHECK]), { timeoutMs: 180_000 });
      if (!tools.ok) throw new Error(`xen node ${n.name}: ${(tools.stderr || tools.stdout).trim()}: rebuild the image with scripts/build-xen-host.sh`);
      const workDir = xenGuestWorkDir(o.runId, n.name);
      await must(`xen node ${n.name}: its scratch dir`, exec.wrap(['sh', '-c', 'umask 077 && mkdir -p "$1"', 'sh', workDir]), { timeoutMs: 180_000 });
      o.progress?.info(`${host}: xen guest ${n.name} up in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      guests.set(n.name, {
        host,
        domain: cfg.name,
        linkLocal: ll,
        exec: { where: `xen ${n.name} (${cfg.name} on ${nested.name})`, wrap: exec.wrap },
        startMs: performance.now() - t0,
        workDir,
        workRoot: XEN_GUEST_WORK_ROOT,
      });
    }
  });
  return {
    accel: 'tcg',
    accel_reason: 'Xen runs as a nested hypervisor under QEMU TCG (this machine has no usable hardware virtualization for it)',
    xen_version: version,
    mem_mib: size.guestMemMiB,
    dom0_mem_mib: size.dom0MemMiB,
    host_mem_mib: size.hostMemMiB,
    cpus: 1,
    nested_hosts: byHost.size,
    nested_boot_ms: Math.round(bootMs),
    machine: image.guestRoot
      ? `Xen ${version} PV guest (Debian kernel; Debian root disk read-only via blkback under a tmpfs overlay: PostgreSQL 15, nginx, wrk, Node.js, iperf3) on a nested Xen host per lab host (QEMU TCG, 1 CPU)`
      : `Xen ${version} PV guest (Debian kernel, busybox initramfs with iperf3, ping, ss, sshd) on a nested Xen host per lab host (QEMU TCG, 1 CPU)`,
    command_channel: 'ssh into the dom0 (127.0.0.1, QEMU user net), then ssh from the dom0 to the guest over xenbr0 (IPv6 link-local, run host key)',
  };
}

/** Stops the nested hosts (their guests and taps go with QEMU); returns the hosts whose QEMU still runs. */
export async function stopXenLabHosts(hosts: NestedXenHost[]): Promise<string[]> {
  await Promise.all(hosts.map((h) => h.stop().catch(() => {})));
  return hosts.filter((h) => h.running()).map((h) => h.name);
}
