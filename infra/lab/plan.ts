/**
 * Pure lab planning: testbed spec in, every namespace, link and command out. Nothing here touches
 * the machine, so the whole layout is unit-testable. Layout of one run R:
 *
 *   node ns  icb-R-<site>-h<k>-n<m>: eth0 (cluster address); for lxc/docker nodes the container's netns;
 *            for qemu nodes the VMM namespace: br0 = eth0 + tap0 (the VM's NIC, cluster address in the guest)
 *      | veth
 *   host ns  icb-R-<site>-h<k>: bridge br0, up0 shaped at the site's LAN rate
 *      | veth (port h<k>, shaped at the LAN rate toward the host)
 *   site ns  icb-R-<site>: the site switch (br0) and gateway: vx0 (VXLAN) in br0, wan0 underlay
 *      | veth (underlay, MTU for VXLAN)
 *   wan ns   icb-R-wan: relay endpoints (198.19.i.j) and one wanem per site pair, or netem qdiscs
 */
import { availableParallelism } from 'node:os';
import type { TestbedSpec } from '../config.js';
import { nsName } from '../run-id.js';
import { gwUnderlay, relayFacing, RELAY_NET, VXLAN_OVERHEAD, VXLAN_PORT, VXLAN_VNI, wanSide } from './addressing.js';

import { NODE_SYSCTLS, nodeMac, vmmLines } from '../node-net.js';
import { ccSysctls } from '../tcp-stack.js';
import { tbfLines } from '../wan/tbf.js';
import { netemAddLines, wanemArgv, type NetemDirection, type RelayEnds, type WanProfile } from '../wan/profile.js';

export type WanMode = 'wanem' | 'netem';

/** One wanem relay: its pair, the profile it enforces, where it listens, its stats file and tag. */
export interface RelayPlan {
  a: string;
  b: string;
  profile: WanProfile;
  ends: RelayEnds;
  statsFile: string;
  tag: string;
}

/** One link operation inside a namespace, done in-process by infra/nsconf. */
export type LinkOp = { op: 'up'; dev: string } | { op: 'addr'; dev: string; cidr: string };

export interface LabPlan {
  runId: string;
  wanNs: string;
  namespaces: string[]; // creation order
  root: string[]; // `ip -batch` lines run in the root namespace (create namespaces and veth pairs)
  ip: Map<string, string[]>;
  bridge: Map<string, string[]>;
  tc: Map<string, string[]>;
  ethtool: { ns: string; args: string[] }[];
  /** Shell lines run under `ip netns exec` (which remounts /sys for the namespace). */
  nsShell: { ns: string; script: string }[];
  /** Sysctls of every namespace; set with the links below by one nsconf process (nsconfScript). */
  sysctl: Map<string, Record<string, string>>;
  /** Node namespaces' own links (lo, eth0): set up by nsconf, not by a process per namespace. */
  links: Map<string, LinkOp[]>;
  relays: RelayPlan[];
  /** netem mode: the directions shaped in the WAN namespace (their leaves change with the RTT). */
  netem: NetemDirection[];
  nodeNs: Map<string, string>; // node name -> namespace
  siteNs: Map<string, string>;
  hostNs: Map<string, string>;
}

/** Node virts whose network namespace comes from a container started before the batch. */
export const CONTAINER_VIRTS: ReadonlySet<string> = new Set(['lxc', 'docker']);

const push = (m: Map<string, string[]>, k: string, ...v: string[]) => {
  const cur = m.get(k);
  if (cur) cur.push(...v);
  else m.set(k, [...v]);
};

/**
 * Whether the site switches answer ARP (siteNeighbours): on unless asked otherwise, and off when a
 * node is a VM that can move (qemu: live migration carries its MAC to another host and site,
 * where static FDB entries would strand it) or sits behind a nested hypervisor's bridge (xen: its
 * MAC is learnt on the nested host's tap, not on a port of its own). Off, the switches are plain
 * learning bridges.
 */
export const switchAnswersArp = (spec: TestbedSpec, asked?: boolean): boolean =>
  asked !== false && !spec.nodes.some((n) => n.virt === 'qemu' || n.virt === 'xen');

/**
 * `tcpCc`: a congestion control set in every node namespace (a qemu node's VMM namespace too, which
 * carries its migration stream); null or absent leaves the kernel's (--tcp-cc system).
 */
export function planLab(spec: TestbedSpec, runId: string, mode: WanMode, statsDir: string, o: { arpAtSwitch?: boolean; tcpCc?: string | null } = {}): LabPlan {
  const arpAtSwitch = switchAnswersArp(spec, o.arpAtSwitch);
  const nodeSysctls = { ...NODE_SYSCTLS, ...ccSysctls(o.tcpCc ?? null) };
  const wanNs = nsName(runId, 'wan');
  const plan: LabPlan = {
    runId,
    wanNs,
    namespaces: [wanNs],
    root: [`netns add ${wanNs}`],
    ip: new Map(),
    bridge: new Map(),
    tc: new Map(),
    ethtool: [],
    nsShell: [],
    sysctl: new Map(),
    links: new Map(),
    relays: [],
    netem: [],
    nodeNs: new Map(),
    siteNs: new Map(),
    hostNs: new Map(),
  };
  const maxMtu = Math.max(1500, ...spec.wan.map((w) => w.mtu));
  const underMtu = maxMtu + VXLAN_OVERHEAD + 50;
  push(plan.ip, wanNs, 'link set lo up');
  plan.sysctl.set(wanNs, {
    'net.ipv4.ip_forward': mode === 'netem' ? '1' : '0',
    'net.ipv6.conf.all.disable_ipv6': '1',
    'net.ipv6.conf.default.disable_ipv6': '1',
  });

  spec.sites.forEach((site, i) => {
    const sNs = nsName(runId, site.name.toLowerCase());
    plan.siteNs.set(site.name, sNs);
    plan.namespaces.push(sNs);
    plan.root.push(`netns add ${sNs}`, `link add s${i} netns ${wanNs} type veth peer name wan0 netns ${sNs}`);
    plan.sysctl.set(sNs, { 'net.ipv6.conf.all.disable_ipv6': '1', 'net.ipv6.conf.default.disable_ipv6': '1' });
    push(plan.ip, wanNs, `link set s${i} mtu ${underMtu} up`, `addr add ${wanSide(i)}/24 dev s${i}`);
    const mtu = Math.max(1500, ...spec.wan.filter((w) => w.a === site.name || w.b === site.name).map((w) => w.mtu));
    push(
      plan.ip,
      sNs,
      'link set lo up',
      `link set wan0 mtu ${underMtu} up`,
      `addr add ${gwUnderlay(i)}/24 dev wan0`,
      'link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0',
    );
    if (spec.sites.length > 1) {
      push(
        plan.ip,
        sNs,
        mode === 'wanem' ? `route add ${RELAY_NET} via ${wanSide(i)}` : `route add 198.18.0.0/16 via ${wanSide(i)}`,
        `link add vx0 type vxlan id ${VXLAN_VNI} local ${gwUnderlay(i)} dstport ${VXLAN_PORT} ttl 64`,
        `link set vx0 mtu ${mtu} master br0 up`,
      );
      // A user-space relay hands over inner frames whose checksums were left to offload: compute them in software.
      plan.ethtool.push({ ns: sNs, args: ['-K', 'vx0', 'tx', 'off'] });
      if (mode === 'wanem') {
        // Underlay receive work (VXLAN decap, GRO, TCP) in its own NAPI thread instead of inside
        // wanem's sendmmsg: without it the relay runs late at 1 Gbit/s on 2 cores (infra/wanem/NOTES.md).
        plan.ethtool.push({ ns: sNs, args: ['-K', 'wan0', 'gro', 'on', 'rx-udp-gro-forwarding', 'on'] });
        plan.nsShell.push({ ns: sNs, script: 'echo 1 > /sys/class/net/wan0/threaded' });
        // A full veth ring pushes back to wanem (ENOBUFS, retried) instead of dropping silently.
        push(plan.tc, wanNs, `qdisc replace dev s${i} root pfifo limit 1000`);
      }
      spec.sites.forEach((_, j) => {
        if (j !== i) push(plan.bridge, sNs, `fdb append 00:00:00:00:00:00 dev vx0 dst ${vtep(mode, i, j)}`);
      });
      // No nftables table here, unlike real hosts (infra/overlay-firewall.ts): the lab's underlay is only
      // namespaces this run made, so no outsider can send to it; and with the table the lab test's median
      // RTT for 10 ms configured was 10.4, 10.5, 10.4, 10.6 ms against 10.3, 10.3, 10.3, 10.4 ms without
      // (n=4 each): it may add ~0.1 ms to an emulated RTT that is held to 0.5 ms.
    }
    push(plan.ip, sNs, 'link set br0 up');

    site.hosts.forEach((host, k) => {
      const hNs = nsName(runId, host.name);
      plan.hostNs.set(host.name, hNs);
      plan.namespaces.push(hNs);
      plan.root.push(`netns add ${hNs}`, `link add h${k} netns ${sNs} type veth peer name up0 netns ${hNs}`);
      plan.sysctl.set(hNs, { 'net.ipv6.conf.all.disable_ipv6': '1', 'net.ipv6.conf.default.disable_ipv6': '1' });
      push(plan.ip, sNs, `link set h${k} master br0 up`);
      push(plan.tc, sNs, ...tbfLines(`h${k}`, site.lanBps));
      push(plan.ip, hNs, 'link set lo up', 'link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0', 'link set up0 master br0 up');
      push(plan.tc, hNs, ...tbfLines('up0', site.lanBps));
      host.nodes.forEach((node, m) => {
        if (node.virt === 'xen') {
          // A Xen guest has no namespace of its own: its NIC is a vif in the nested Xen host that
          // stands in for this host, whose tap joins br0 here once QEMU made it (infra/xen/lab-nodes.ts).
          plan.nodeNs.set(node.name, hNs);
          return;
        }
        const nNs = nsName(runId, node.name);
        plan.nodeNs.set(node.name, nNs);
        plan.namespaces.push(nNs);
        // A container node's namespace is the container's own, named by `ip netns attach` before the batch runs.
        if (!CONTAINER_VIRTS.has(node.virt)) plan.root.push(`netns add ${nNs}`);
        if (node.virt === 'qemu') {
          // The VM's own NIC (a tap in this VMM namespace) carries the node's MAC and address.
          plan.root.push(`link add n${m} netns ${hNs} type veth peer name eth0 netns ${nNs}`);
          push(plan.ip, nNs, ...vmmLines(node.index));
        } else {
          plan.root.push(`link add n${m} netns ${hNs} type veth peer name eth0 address ${nodeMac(node.index)} netns ${nNs}`);
          plan.links.set(nNs, [
            { op: 'up', dev: 'lo' },
            { op: 'addr', dev: 'eth0', cidr: `${node.address}/${spec.prefix}` },
            { op: 'up', dev: 'eth0' },
          ]);
        }
        push(plan.ip, hNs, `link set n${m} master br0 up`);
        // Host switch (see siteNeighbours): its nodes' MACs are static on their ports, and unknown
        // unicast goes only up, never to the other nodes.
        if (arpAtSwitch) push(plan.bridge, hNs, `fdb replace ${nodeMac(node.index)} dev n${m} master static`, `link set dev n${m} flood off`);
        plan.sysctl.set(nNs, nodeSysctls);
      });
      push(plan.ip, hNs, 'link set br0 up');
      // The site switch answers ARP with the target's own MAC as source: learning that on the uplink
      // would move a sibling node's MAC up there.
      if (arpAtSwitch) push(plan.bridge, hNs, 'link set dev up0 learning off');
    });
    // After the last port joined br0: a bridge whose MAC changes (it follows its ports' unless set)
    // flushes the neighbour entries on it, permanent ones included. Its MAC is pinned as well.
    push(plan.ip, sNs, `link set br0 address ${siteBridgeMac(i)}`, ...(arpAtSwitch ? siteNeighbours(spec, i) : []));
    if (arpAtSwitch) push(plan.bridge, sNs, ...siteSuppression(spec, i, mode));
  });

  const idx = new Map(spec.sites.map((s, i) => [s.name, i]));
  if (mode === 'wanem') {
    for (const w of spec.wan) {
      const i = idx.get(w.a)!,
        j = idx.get(w.b)!;
      push(plan.ip, wanNs, `addr add ${relayFacing(i, j)}/32 dev lo`, `addr add ${relayFacing(j, i)}/32 dev lo`);
      const tag = `${runId}:${w.a}-${w.b}`;
      plan.relays.push({ a: w.a, b: w.b, profile: w, ends: relayEnds(i, j), statsFile: `${statsDir}/wanem-${w.a}-${w.b}.json`, tag });
    }
  } else {
    spec.sites.forEach((_, j) => {
      const dirs: NetemDirection[] = [];
      spec.wan.forEach((w) => {
        const a = idx.get(w.a)!,
          b = idx.get(w.b)!;
        if (b === j) dirs.push({ dev: `s${j}`, srcUnderlay: gwUnderlay(a), classId: 10 + a, profile: w });
        if (a === j) dirs.push({ dev: `s${j}`, srcUnderlay: gwUnderlay(b), classId: 10 + b, profile: w });
      });
      if (dirs.length) push(plan.tc, wanNs, ...netemAddLines(`s${j}`, dirs));
      plan.netem.push(...dirs);
    });
  }
  // Keep each flow in order on the lab path: a veth without NAPI hands a packet to the backlog of the
  // CPU that sent it, and TCP sends from iperf3's CPU and from the CPU that took the ACK, so two CPUs
  // forwarded one flow side by side and reordered it. At 1 Gbit/s x 3 ms CUBIC took the reordering
  // for loss (26,533 SACK reorderings, 81 needless fast retransmits in 10 s: 83.4% of the ceiling);
  // with RPS on the host switch's node-facing ports, steering each flow to one CPU by its hash, where
  // a node's packets enter the lab: 7 reorderings, no needless retransmit, 98.8% (bench:lab, idle).
  const rps = rpsScript(rpsMask(availableParallelism()));
  for (const ns of new Set(plan.hostNs.values())) plan.nsShell.push({ ns, script: rps });
  return plan;
}

/** The rps_cpus mask naming every CPU (hex, comma every 32 CPUs, as sysfs writes it). */
export function rpsMask(cpus: number): string {
  const n = Math.max(1, Math.floor(cpus));
  const words: string[] = [];
  for (let left = n; left > 0; left -= 32) words.unshift((left >= 32 ? 0xffffffff : 2 ** left - 1).toString(16));
  return words.join(',');
}

/** Sets RPS on the receive queues of a host switch's node-facing ports (n0, n1, ...). */
export function rpsScript(mask: string): string {
  return `for q in /sys/class/net/n*/queues/rx-*/rps_cpus; do [ -e "$q" ] && echo ${mask} > "$q"; done; true`;
}

/** The site switch's own MAC (pinned, see siteNeighbours): locally administered, apart from the nodes' 02:1c:... and the VMMs' 02:1d:... */
export const siteBridgeMac = (i: number) => `02:1e:00:00:${((i >>> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;

/** Where site i's VXLAN sends frames for site j: the pair's relay endpoint (wanem) or j's gateway (netem). */
const vtep = (mode: WanMode, i: number, j: number) => (mode === 'wanem' ? relayFacing(i, j) : gwUnderlay(j));

/**
 * ARP is answered at the site switch: the site bridge knows every node of the testbed (one
 * permanent neighbour entry on its br0 per node, and a static FDB entry per node MAC: its host
 * port, or vx0 for another site's node) and its host ports are proxy-ARP ports. The kernel's
 * bridge (net/bridge/br_arp_nd_proxy.c) then answers a request arriving from a host port itself
 * with the target node's own MAC, and never floods anything to a proxy-ARP port; vx0 has neighbour
 * suppression, so an answered request does not cross the VXLAN either. The answer's source MAC
 * is the target's, so host bridges do not learn on their uplink (else a sibling node's MAC would
 * move up there); they know their own nodes statically and send unknown unicast only up. One ARP
 * request thus
 * reaches only the nodes of its own host (nodes-per-host, a constant) and the site switch; the
 * entries grow as nodes x sites, never as nodes squared. Unicast to a node never goes to an
 * unknown MAC (static FDB), so nothing else is flooded to hosts; broadcast between hosts is
 * given up (nodes use unicast IPv4 and ARP only; IPv6 is off).
 */
function siteNeighbours(spec: TestbedSpec, i: number): string[] {
  const out = spec.nodes.map((n) => `neigh replace ${n.address} lladdr ${nodeMac(n.index)} dev br0 nud permanent`);
  out.push(...spec.sites[i].hosts.map((_, k) => `link set dev h${k} type bridge_slave proxy_arp on`));
  if (spec.sites.length > 1) out.push('link set dev vx0 type bridge_slave neigh_suppress on');
  return out;
}

function siteSuppression(spec: TestbedSpec, i: number, mode: WanMode): string[] {
  const site = spec.sites[i];
  const idx = new Map(spec.sites.map((s, j) => [s.name, j]));
  const hostPort = new Map(site.hosts.map((h, k) => [h.name, `h${k}`]));
  const out: string[] = [];
  for (const n of spec.nodes) {
    const mac = nodeMac(n.index);
    const j = idx.get(n.site)!;
    if (j === i) out.push(`fdb replace ${mac} dev ${hostPort.get(n.host)} master static`);
    else out.push(`fdb replace ${mac} dev vx0 master static`, `fdb replace ${mac} dev vx0 dst ${vtep(mode, i, j)}`);
  }
  return out;
}

/** nsconf's script (infra/nsconf): every namespace's sysctls, then the node namespaces' links. */
export function nsconfScript(plan: LabPlan): string {
  const out: string[] = [];
  for (const ns of plan.namespaces) {
    const sys = plan.sysctl.get(ns),
      links = plan.links.get(ns);
    if (!sys && !links) continue;
    out.push(`ns ${ns}`);
    for (const [k, v] of Object.entries(sys ?? {})) out.push(`sysctl ${k} ${v}`);
    for (const l of links ?? []) out.push(l.op === 'up' ? `up ${l.dev}` : `addr ${l.dev} ${l.cidr}`);
  }
  return out.join('\n') + '\n';
}

/** The relay endpoints of pair (i, j) in the WAN namespace, and the gateways they talk to. */
export function relayEnds(i: number, j: number): RelayEnds {
  return {
    aBind: `${relayFacing(i, j)}:${VXLAN_PORT}`,
    aPeer: `${gwUnderlay(i)}:${VXLAN_PORT}`,
    bBind: `${relayFacing(j, i)}:${VXLAN_PORT}`,
    bPeer: `${gwUnderlay(j)}:${VXLAN_PORT}`,
  };
}

/** wanem's argv for a planned relay. */
export const relayArgv = (r: RelayPlan): string[] => wanemArgv(r.profile, r.ends, r.statsFile, r.tag);
