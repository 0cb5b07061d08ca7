/**
 * Pure planning for real sites: inventory + testbed spec in, one shell script per host out (and
 * the script that removes what it made). Nothing here touches a host, so every command is
 * unit-testable. On each host, for run R:
 *
 *   bridge   <tag>br          the host's share of the cluster segment
 *   vxlan    <tag>vx          VNI from R, unicast to every other host's data-plane address (vxlan
 *                             and vxlan-wireguard modes; head-end replication, no multicast)
 *   node ns  icb-R-<node>     eth0 (cluster address) <-> veth <tag>n<m> in the bridge
 *   (lxc)    container icb-R-<node> under /var/lib/icbench-remote/R/<host>/lxc, its network
 *            namespace named icb-R-<node> (ip netns attach) and wired as above
 *   (docker) container icb-R-<node> (label icbench.run=R, --network none) of the host's node
 *            image icbench-node:1 (imported from the skeleton when missing, kept), its network
 *            namespace named and wired as above
 *
 * Every name carries the run: interface names hold a 7-character tag derived from R (interface
 * names are limited to 15 bytes), namespaces the whole run id. Each create is preceded by a line
 * appended to the host's own journal (/run/icbench-remote/R.journal) and synced, so `clean` can
 * remove it from the host even after the controller was killed.
 */
import { etcShellFunctions } from '../virt/etc-allow.js';
import { createHash } from 'node:crypto';
import type { TestbedSpec } from '../config.js';
import { posixQuote as q } from '../exec.js';
import { NODE_SYSCTLS } from '../node-net.js';
import { ccSysctls } from '../tcp-stack.js';
import { nsName } from '../run-id.js';
import { dockerRunArgs } from '../virt/docker.js';
import type { LxcAppArmor } from '../virt/lxc-apparmor.js';
import { lxcConfig } from '../virt/lxc-config.js';
import { NODE_IMAGE, REUSABLE_LABEL } from '../virt/rootfs.js';
import type { XenGuestImage } from '../inventory/types.js';
import { renderDomainConfig, type XenDomainConfig } from '../xen/domain-config.js';
import { firewallRuleset, firewallTable } from '../overlay-firewall.js';
import { guestInitrd } from '../xen/guest-hostkey.js';

/** Where each host keeps its journal of a run (private to the host; tmpfs is fine: a reboot removes the run too). */
export const REMOTE_STATE_DIR = '/run/icbench-remote';
export const VXLAN_PORT = 4789;
/** IPv4 + UDP + VXLAN + inner Ethernet. */
export const VXLAN_OVERHEAD = 50;

/** Where a host keeps the files of a run's containers (per host: hosts may share a filesystem). */
export const REMOTE_DATA_DIR = '/var/lib/icbench-remote';
export const remoteRunDir = (runId: string, host: string) => `${REMOTE_DATA_DIR}/${runId}/${host}`;
/** Where every host keeps bundles the harness shipped, one folder per content key, reused across runs (infra/remote/ship.ts). */
export const REMOTE_CACHE_DIR = '/var/cache/icbench-remote';

/** A node on a remote host: its network namespace and, for lxc or docker, its container. */
export interface RemoteNode {
  /** Spec node name (e.g. nii-h1-n1). */
  node: string;
  ns: string;
  lxc: { name: string; lxcpath: string } | null;
  /** The container's name; its init pid is printed by the up script as `pid.<node>=<pid>`. */
  docker?: { name: string } | null;
  /** A Xen PV guest (no namespace on the host): created after the up script by XenHost (infra/xen/xl.ts). */
  xen?: XenDomainConfig | null;
  /** The image's own ramdisk; the domain boots a per-run copy with the guest's host key appended (infra/xen/guest-hostkey.ts). */
  xenRamdisk?: string | null;
}

/** Where a run keeps its Xen domain configs and the guests' known_hosts on a host. */
export const remoteXenDir = (runId: string, host: string) => `${remoteRunDir(runId, host)}/xen`;

/** The journal line a host appends (and syncs) before a Xen domain of the run is created. */
export function xenJournalScript(runId: string, name: string): string {
  return `${[
    'set -e',
    `mkdir -p ${REMOTE_STATE_DIR}`,
    `chmod 0700 ${REMOTE_STATE_DIR}`,
    `printf '%s\\n' ${q(JSON.stringify({ kind: 'xen', name }))} >> ${q(journalPath(runId))}`,
    `sync ${q(journalPath(runId))} 2>/dev/null || sync`,
  ].join('\n')}\n`;
}

export interface RemoteHostPlan {
  /** The inventory host (its ssh alias). */
  host: string;
  dataAddress: string;
  /** Node namespaces on this host, in creation order. */
  namespaces: string[];
  nodes: RemoteNode[];
  /** Shell script (sh -s) that journals and creates everything on the host. */
  up: string;
  /** The overlay's nftables table on this host and its ruleset as applied (null with a provided L2). */
  firewall: { table: string; ruleset: string } | null;
}

export interface RemotePlan {
  tag: string;
  vni: number;
  /** MTU of the cluster segment (node eth0): the underlay MTU less the VXLAN overhead. */
  mtu: number;
  hosts: RemoteHostPlan[];
  /** vxlan-wireguard: the WireGuard port and interface MTU (the cluster MTU is this less VXLAN's 50). */
  wireguard: { port: number; mtu: number } | null;
}

/** Short, stable per-run tag for interface names: 'i' + 6 hex of the run id's hash. */
export function runTag(runId: string): string {
  return `i${createHash('sha256').update(runId).digest('hex').slice(0, 6)}`;
}

/** A VXLAN network identifier per run (1..2^24-1), so runs side by side on one host do not mix. */
export function runVni(runId: string): number {
  const n = Number.parseInt(createHash('sha256').update(`vni:${runId}`).digest('hex').slice(0, 6), 16) & 0xffffff;
  return n === 0 ? 1 : n;
}

export interface HostPlace {
  /** Inventory host name. */
  name: string;
  /** The spec's host it carries (e.g. nii-h1). */
  specHost: string;
  dataAddress: string;
}

export function journalPath(runId: string): string {
  return `${REMOTE_STATE_DIR}/${runId}.journal`;
}

/** WireGuard's own overhead on IPv4 (outer IP + UDP + WireGuard header + tag). */
export const WIREGUARD_OVERHEAD = 80;

/** A run's WireGuard port and the address of host k on the encrypted underlay (172.30.<run>.<k+1>/24). */
export function wgPort(runId: string): number {
  return 40000 + (Number.parseInt(createHash('sha256').update(`wg:${runId}`).digest('hex').slice(0, 4), 16) % 20000);
}
export function wgAddress(runId: string, k: number): string {
  if (k > 253) throw new Error('vxlan-wireguard: at most 254 hosts per run');
  return `172.30.${Number.parseInt(createHash('sha256').update(`wgnet:${runId}`).digest('hex').slice(0, 2), 16)}.${k + 1}`;
}
export const wgIfname = (runId: string, k: number) => `${runTag(runId)}w${k}`;
export const wgKeyFile = (runId: string, k: number) => `${REMOTE_STATE_DIR}/${runId}.wg${k}.key`;

/**
 * Phase 1 of vxlan-wireguard on host k: journal and create the WireGuard interface (the kernel's
 * where it has one, wireguard-go otherwise; a unique name per host, since wireguard-go's control
 * socket is named after the interface), generate its private key on the host (0600, never
 * printed), and print only the public key.
 */
export function wgKeyScript(runId: string, k: number): string {
  const wg = wgIfname(runId, k);
  const key = wgKeyFile(runId, k);
  return `${[
    'set -e',
    `mkdir -p ${REMOTE_STATE_DIR}`,
    `chmod 0700 ${REMOTE_STATE_DIR}`,
    `J=${q(journalPath(runId))}`,
    `printf '%s\\n' ${q(JSON.stringify({ kind: 'link', name: wg }))} >> "$J"`,
    'sync "$J" 2>/dev/null || sync',
    `ip link add ${wg} type wireguard 2>/dev/null || wireguard-go ${wg} >/dev/null 2>&1`,
    `(umask 077; [ -s ${key} ] || wg genkey > ${key})`,
    `echo "pubkey=$(wg pubkey < ${key})"`,
  ].join('\n')}\n`;
}

/** The merged-/usr skeleton (as infra/virt/rootfs.ts makes it), built by the host's shell. */
const SKEL_DIRS = ['usr', 'etc', 'proc', 'sys', 'dev', 'tmp', 'run', 'root', 'home', 'mnt', 'var/tmp', 'var/lib', 'var/log'];
const SKEL_LINKS = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'];

/**
 * Shell functions for lxc nodes: `lxc_rootfs DIR` makes the offline skeleton root (the host's
 * /usr and /etc are bind-mounted read-only by the container config; nothing is downloaded);
 * `lxc_up LXCPATH NAME` starts a container and prints its init pid once it runs.
 */
const skeletonFunction = (fn: string, what: string) => [
  `${fn}() {`,
  `  for d in ${SKEL_DIRS.join(' ')}; do mkdir -p "$1/$d"; done`,
  `  for l in ${SKEL_LINKS.join(' ')}; do`,
  '    [ -L "/$l" ] || continue',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion
  '    t=$(readlink "/$l"); t=${t#/}',
  `    case "$t" in usr/*) ln -sfn "$t" "$1/$l" ;; *) echo "/$l -> $t: ${what} need a merged-/usr host (Debian 12 or later)" >&2; return 1 ;; esac`,
  '  done',
  '  ln -sfn ../run "$1/var/run"',
  '}',
];

export const LXC_FUNCTIONS = [
  ...skeletonFunction('lxc_rootfs', 'lxc nodes'),
  'lxc_up() {',
  '  lxc-start -P "$1" -n "$2" -d -o "$1/$2.log" -l ERROR || true',
  '  i=0',
  '  while [ $i -lt 500 ]; do',
  '    if [ "$(lxc-info -P "$1" -n "$2" -s -H 2>/dev/null)" = RUNNING ]; then',
  '      p=$(lxc-info -P "$1" -n "$2" -p -H 2>/dev/null || true)',
  '      [ -n "$p" ] && [ "$p" -gt 0 ] 2>/dev/null && { echo "$p"; return 0; }',
  '    fi',
  '    i=$((i + 1)); sleep 0.02',
  '  done',
  `  echo "container $2 did not start: $(tail -n 3 "$1/$2.log" 2>/dev/null | tr '\\n' ' ')" >&2`,
  '  return 1',
  '}',
];

/**
 * Shell functions for docker nodes, as infra/virt/rootfs.ts and docker.ts do it on the lab:
 * `docker_image IMAGE DIR` imports the node image from the skeleton (made in DIR, removed after)
 * unless the host's engine has it (labelled reusable and kept between runs; nothing is
 * downloaded); `docker_pid NAME` prints the host pid of a started container's init.
 */
export const DOCKER_FUNCTIONS = [
  ...skeletonFunction('docker_rootfs', 'docker nodes'),
  'docker_image() {',
  `  docker image inspect --format '{{.Id}}' "$1" >/dev/null 2>&1 && return 0`,
  '  docker_rootfs "$2"',
  `  tar -C "$2" -c . | docker import -c ${q(`LABEL ${REUSABLE_LABEL}`)} -m 'intercloud-bench node: empty skeleton, host /usr and /etc mounted at run time' - "$1" >/dev/null`,
  '  rm -rf --one-file-system "$2"',
  `  docker image inspect --format '{{.Id}}' "$1" >/dev/null`,
  '}',
  'docker_pid() {',
  `  s=$(docker inspect --format '{{.State.Pid}} {{.State.Status}}' "$1")`,
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion
  '  p=${s%% *}',
  '  case "$s" in *" running") [ "$p" -gt 0 ] 2>/dev/null && { echo "$p"; return 0; } ;; esac',
  '  echo "container $1 is $s after start" >&2',
  '  return 1',
  '}',
];

/** What lxc and docker nodes on a host see of it, read-only: its /usr and the shipped cache (and the allowed /etc entries, listed by the host's shell). */
const CONTAINER_MOUNTS = [
  { path: '/usr', readOnly: true },
  { path: REMOTE_CACHE_DIR, readOnly: true },
];

/** A node's scratch dir on its host (the run's dir; inside lxc and docker nodes the same path, in their own root). */
export const remoteNodeDir = (runId: string, host: string, node: string) => `${remoteRunDir(runId, host)}/nodes/${node}`;

/**
 * Pure: the `docker run` of a node on a remote host (the lab's argv): the host's /usr, the shipped
 * cache and the allowed entries of its /etc (infra/virt/etc-allow.ts), listed by the host's shell
 * (`icb_etc_docker`, from etcShellFunctions, must be defined in the script), but its own /etc/hosts
 * (`hostsFile`, written on the host by the plan: the host's plus the node's name on 127.0.1.1).
 */
export function remoteDockerRun(runId: string, name: string, hostname: string, hostsFile: string): string {
  const argv = dockerRunArgs({ name, runId, hostname, mounts: CONTAINER_MOUNTS, hostsFile }).map((a) => q(a));
  const at = argv.indexOf(q('--entrypoint'));
  return [...argv.slice(0, at), "$(icb_etc_docker | sed 's#-v /etc/hosts:/etc/hosts:ro ##')", ...argv.slice(at)].join(' ');
}

export interface WireguardPeers {
  /** Public key of every host, by inventory host name. */
  pubkeys: Map<string, string>;
}

/**
 * icbench_l2vpn provided: the sites already share one L2 segment; each host's bridge enslaves its
 * interface on it (never the one carrying SSH: preflight refuses that) and the cluster MTU is the
 * segment's (the smallest interface MTU).
 */
export interface ProvidedL2 {
  /** The interface on the segment, by inventory host name. */
  interfaces: Map<string, string>;
  mtu: number;
}

export const IFNAME_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,14}$/;

export function planRemote(
  spec: TestbedSpec,
  runId: string,
  places: HostPlace[],
  o: {
    underlayMtu?: number;
    wireguard?: WireguardPeers;
    provided?: ProvidedL2;
    xen?: Map<string, XenGuestImage>;
    tcpCc?: string | null;
    /** lxc nodes: each host's AppArmor choice, from its preflight probe (infra/virt/lxc-apparmor.ts). */
    lxcApparmor?: Map<string, LxcAppArmor>;
  } = {},
): RemotePlan {
  const tag = runTag(runId);
  const vni = runVni(runId);
  const wgMtu = (o.underlayMtu ?? 1500) - WIREGUARD_OVERHEAD;
  if (o.provided && o.wireguard) throw new Error('remote plan: provided L2 and vxlan-wireguard exclude each other');
  const mtu = o.provided ? o.provided.mtu : (o.wireguard ? wgMtu : (o.underlayMtu ?? 1500)) - VXLAN_OVERHEAD;
  // With WireGuard, VXLAN runs between the hosts' WireGuard addresses.
  const under = (k: number) => (o.wireguard ? wgAddress(runId, k) : places[k].dataAddress);
  const br = `${tag}br`;
  const vx = `${tag}vx`;
  const journal = journalPath(runId);
  const hosts = places.map((p, k): RemoteHostPlan => {
    const specHost = spec.sites.flatMap((s) => s.hosts).find((h) => h.name === p.specHost);
    if (!specHost) throw new Error(`remote plan: no host ${p.specHost} in the spec`);
    const lines: string[] = ['set -e', `mkdir -p ${REMOTE_STATE_DIR}`, `chmod 0700 ${REMOTE_STATE_DIR}`, `J=${q(journal)}`];
    let firewall: RemoteHostPlan['firewall'] = null;
    // Append a journal line and make it durable before the resource exists.
    const rec = (entry: Record<string, string>) => lines.push(`printf '%s\\n' ${q(JSON.stringify(entry))} >> "$J"`, 'sync "$J" 2>/dev/null || sync');
    if (o.wireguard) {
      const wg = wgIfname(runId, k);
      const peers = places
        .filter((x) => x !== p)
        .map((x) => {
          const pub = o.wireguard!.pubkeys.get(x.name);
          if (!pub || !/^[A-Za-z0-9+/]{42,43}=$/.test(pub)) throw new Error(`vxlan-wireguard: no valid public key from host ${x.name}`);
          const j = places.indexOf(x);
          return `peer ${pub} allowed-ips ${wgAddress(runId, j)}/32 endpoint ${x.dataAddress}:${wgPort(runId)} persistent-keepalive 25`;
        });
      lines.push(
        `wg set ${wg} listen-port ${wgPort(runId)} private-key ${wgKeyFile(runId, k)} ${peers.join(' ')}`,
        `ip addr add ${wgAddress(runId, k)}/24 dev ${wg}`,
        `ip link set ${wg} mtu ${wgMtu} up`,
      );
    }
    rec({ kind: 'link', name: br });
    lines.push(`ip link add ${br} type bridge stp_state 0 forward_delay 0 mcast_snooping 0`, `ip link set ${br} up`);
    if (o.provided) {
      // The provided segment: the host's interface on it becomes a port of the bridge (released at clean, never deleted).
      const ifname = o.provided.interfaces.get(p.name);
      if (!ifname || !IFNAME_RE.test(ifname)) throw new Error(`provided L2: no interface on the segment for host ${p.name}`);
      rec({ kind: 'enslaved', name: ifname });
      lines.push(`ip link set ${ifname} up`, `ip link set ${ifname} master ${br}`);
    } else {
      // The overlay's firewall exists before the VXLAN device does (infra/overlay-firewall.ts).
      const others = places.filter((x) => x !== p).map((x) => x.dataAddress);
      firewall = {
        table: firewallTable(tag),
        ruleset: firewallRuleset({
          table: firewallTable(tag),
          vni,
          vxlanPort: VXLAN_PORT,
          peers: others,
          wireguard: o.wireguard ? { ifname: wgIfname(runId, k), port: wgPort(runId) } : undefined,
        }),
      };
      rec({ kind: 'nft', name: firewall.table });
      lines.push(`nft -f - <<'ICB_NFT'\n${firewall.ruleset}ICB_NFT`);
      rec({ kind: 'link', name: vx });
      lines.push(
        `ip link add ${vx} type vxlan id ${vni} local ${under(k)} dstport ${VXLAN_PORT} ttl 64`,
        `ip link set ${vx} mtu ${mtu} master ${br} up`,
        ...places.filter((x) => x !== p).map((x) => `bridge fdb append 00:00:00:00:00:00 dev ${vx} dst ${under(places.indexOf(x))}`),
      );
    }
    const namespaces: string[] = [];
    const nodes: RemoteNode[] = [];
    const lxc = specHost.nodes.some((n) => n.virt === 'lxc');
    const xen = specHost.nodes.some((n) => n.virt === 'xen');
    const runDir = remoteRunDir(runId, p.name);
    const lxcpath = `${runDir}/lxc`;
    const containers = lxc || specHost.nodes.some((n) => n.virt === 'docker');
    // The run's dir on the host (private to the run): the nodes' scratch dirs (remoteNodeDir), lxc
    // containers, Xen configs, the docker skeleton. Journaled before it is made, removed by clean.
    rec({ kind: 'dir', path: runDir });
    lines.push(`mkdir -p ${q(`${runDir}/nodes`)}`, `chmod 0700 ${q(`${REMOTE_DATA_DIR}/${runId}`)}`);
    // Containers see the shipped cache (infra/remote/ship.ts) read-only, at the host's path: its root exists before they start.
    if (containers) lines.push(`mkdir -p ${REMOTE_CACHE_DIR}`, `chmod 0700 ${REMOTE_CACHE_DIR}`);
    if (xen) {
      // Domain configs (written by XenHost) and the guests' known_hosts live in the run's dir on the host.
      lines.push(`mkdir -p ${q(remoteXenDir(runId, p.name))}`);
    }
    const docker = specHost.nodes.some((n) => n.virt === 'docker');
    if (lxc || docker) lines.push(...etcShellFunctions({ lxc, docker }));
    if (lxc) {
      lines.push(...LXC_FUNCTIONS);
      lines.push(`mkdir -p ${q(lxcpath)}`);
    }
    if (specHost.nodes.some((n) => n.virt === 'docker')) {
      // The skeleton is made under the run's dir (journaled) and removed once imported; the image stays.
      lines.push(...DOCKER_FUNCTIONS);
      lines.push(`docker_image ${NODE_IMAGE} ${q(`${runDir}/skel`)}`);
    }
    specHost.nodes.forEach((node, m) => {
      const ns = nsName(runId, node.name);
      if (node.virt === 'xen') {
        // A PV guest with a vif on the run's bridge and its cluster address on the kernel command line.
        const img = o.xen?.get(p.name);
        if (!img) throw new Error(`remote plan: no Xen guest image (icbench_xen_kernel) for host ${p.name}`);
        // The guest's host key rides in its initramfs (no trust on first use): an image without one cannot carry it.
        if (!img.ramdisk)
          throw new Error(`remote plan: the Xen guest image of host ${p.name} has no ramdisk (icbench_xen_ramdisk): the run's guest host key is put into it`);
        const name = nsName(runId, node.name);
        const config = renderDomainConfig({
          runId,
          node: node.name,
          type: 'pv',
          vcpus: img.vcpus,
          memoryMiB: img.memoryMiB,
          kernel: img.kernel,
          ramdisk: guestInitrd(remoteXenDir(runId, p.name), name),
          extra: 'console=hvc0',
          vifs: [{ bridge: br }],
          // Read-only: every guest of the host shares it (its init puts a writable layer over it).
          ...(img.disk ? { disks: [{ target: img.disk, vdev: 'xvda', access: 'ro' as const }] } : {}),
          guest: { address: node.address, prefix: spec.prefix },
        });
        nodes.push({ node: node.name, ns, lxc: null, xen: config, xenRamdisk: img.ramdisk });
        return;
      }
      namespaces.push(ns);
      const veth = `${tag}n${m}`;
      if (node.virt === 'lxc') {
        // The container's own network namespace (lxc.net.0.type = empty), then named like a netns node's.
        const name = ns;
        const apparmor = o.lxcApparmor?.get(p.name);
        if (!apparmor) throw new Error(`remote plan: no AppArmor choice for the lxc nodes of host ${p.name} (its preflight probe makes it)`);
        const dir = `${lxcpath}/${name}`;
        nodes.push({ node: node.name, ns, lxc: { name, lxcpath } });
        rec({ kind: 'lxc', name, lxcpath });
        lines.push(
          `mkdir -p ${q(dir)}`,
          `lxc_rootfs ${q(`${dir}/rootfs`)}`,
          `cat > ${q(`${dir}/config`)} <<'ICBENCH_EOF'`,
          lxcConfig({
            name,
            hostname: node.name,
            rootfs: `${dir}/rootfs`,
            mounts: CONTAINER_MOUNTS,
            apparmor,
          }).trimEnd(),
          'ICBENCH_EOF',
          // The allowed entries of the host's /etc that exist there (never shadow, SSH host keys, ...),
          // but its own /etc/hosts: the host's plus its name on 127.0.1.1 (its name must resolve: Java, Hadoop).
          `icb_etc_lxc | grep -v '^lxc.mount.entry = /etc/hosts ' >> ${q(`${dir}/config`)}`,
          `{ grep -v '^127\\.0\\.1\\.1[[:space:]]' /etc/hosts 2>/dev/null || true; printf '127.0.1.1\\t%s\\n' ${q(node.name)}; } > ${q(`${dir}/hosts`)}`,
          `echo ${q(`lxc.mount.entry = ${dir}/hosts etc/hosts none ro,bind,create=file 0 0`)} >> ${q(`${dir}/config`)}`,
          `pid=$(lxc_up ${q(lxcpath)} ${name})`,
        );
        rec({ kind: 'netns', name: ns });
        lines.push(`ip netns attach ${ns} "$pid"`);
      } else if (node.virt === 'docker') {
        // The container's own network namespace (--network none), then named like a netns node's.
        const name = ns;
        nodes.push({ node: node.name, ns, lxc: null, docker: { name } });
        rec({ kind: 'docker', name });
        // Its own /etc/hosts, as an lxc node's: the host's plus its name on 127.0.1.1 (in the run's dir).
        const hosts = `${runDir}/${name}.hosts`;
        lines.push(
          `{ grep -v '^127\\.0\\.1\\.1[[:space:]]' /etc/hosts 2>/dev/null || true; printf '127.0.1.1\\t%s\\n' ${q(node.name)}; } > ${q(hosts)}`,
          `${remoteDockerRun(runId, name, node.name, hosts)} >/dev/null`,
          `pid=$(docker_pid ${name})`,
          `echo "pid.${node.name}=$pid"`,
        );
        rec({ kind: 'netns', name: ns });
        lines.push(`ip netns attach ${ns} "$pid"`);
      } else {
        nodes.push({ node: node.name, ns, lxc: null });
        rec({ kind: 'netns', name: ns });
        lines.push(`ip netns add ${ns}`);
      }
      rec({ kind: 'link', name: veth });
      lines.push(
        `ip link add ${veth} mtu ${mtu} type veth peer name eth0 netns ${ns}`,
        `ip link set ${veth} master ${br} up`,
        `ip -n ${ns} link set lo up`,
        `ip -n ${ns} link set eth0 mtu ${mtu} up`,
        `ip -n ${ns} addr add ${node.address}/${spec.prefix} dev eth0`,
        `ip netns exec ${ns} sysctl -q ${Object.entries(NODE_SYSCTLS)
          .map(([k, v]) => q(`${k}=${v}`))
          .join(' ')} >/dev/null || true`,
        // --tcp-cc: in the node's own namespace only (preflight checked the host lets namespaces use it); a failure stops the script.
        ...Object.entries(ccSysctls(o.tcpCc ?? null)).map(([k, v]) => `ip netns exec ${ns} sysctl -q -w ${q(`${k}=${v}`)} >/dev/null`),
      );
    });
    lines.push('echo ok');
    return { host: p.name, dataAddress: p.dataAddress, namespaces, nodes, up: `${lines.join('\n')}\n`, firewall };
  });
  return { tag, vni: o.provided ? 0 : vni, mtu, hosts, wireguard: o.wireguard ? { port: wgPort(runId), mtu: wgMtu } : null };
}

/**
 * The script that removes what a run made on a host, from the host's own journal: containers
 * (docker, lxc), processes in the run's namespaces, the namespaces, the links, the run's files;
 * then the journal. Idempotent; touches only
 * names in the journal, and only names that carry the run (namespace prefix or the run's tag).
 */
export function remoteCleanScript(runId: string): string {
  const tag = runTag(runId);
  const prefix = nsName(runId, '');
  const j = q(journalPath(runId));
  const base = `${REMOTE_DATA_DIR}/${runId}`;
  return `${[
    `J=${j}`,
    '[ -f "$J" ] || { echo "clean: nothing journaled"; exit 0; }',
    'left=0',
    // Docker containers of the run (already gone counts as removed).
    `for c in $(sed -n 's/.*"kind":"docker","name":"\\(${prefix}[A-Za-z0-9._-]*\\)".*/\\1/p' "$J"); do`,
    '  out=$(docker rm -f -v "$c" 2>&1) || case "$out" in *"No such container"*) ;; *) echo "left: docker $c"; left=1 ;; esac',
    'done',
    // Containers first (their init holds the namespace): stop, destroy (config and rootfs).
    `for x in $(sed -n 's#.*"kind":"lxc","name":"\\(${prefix}[A-Za-z0-9._-]*\\)","lxcpath":"\\(${base}/[A-Za-z0-9._-]*/lxc\\)".*#\\1,\\2#p' "$J"); do`,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion
    '  c=${x%%,*}; lp=${x#*,}',
    '  rm -f "$lp/$c.log"',
    '  [ -d "$lp/$c" ] || continue',
    '  lxc-stop -P "$lp" -n "$c" -k >/dev/null 2>&1 || true',
    '  lxc-destroy -P "$lp" -n "$c" >/dev/null 2>&1 || true',
    '  [ -d "$lp/$c" ] || continue',
    '  if lxc-info -P "$lp" -n "$c" -s 2>/dev/null | grep -Eq "RUNNING|STARTING|STOPPING|FREEZING|FROZEN"; then echo "left: lxc $c"; left=1;',
    '  else rm -rf --one-file-system "$lp/$c"; fi',
    'done',
    // Xen domains of the run (already gone counts as removed); their vifs leave the bridge with them.
    `for d in $(sed -n 's/.*"kind":"xen","name":"\\(${prefix}[A-Za-z0-9._-]*\\)".*/\\1/p' "$J"); do`,
    '  xl list "$d" >/dev/null 2>&1 || continue',
    '  xl destroy "$d" >/dev/null 2>&1 || true',
    '  xl list "$d" >/dev/null 2>&1 && { echo "left: xen $d"; left=1; }',
    'done',
    `for ns in $(sed -n 's/.*"kind":"netns","name":"\\(${prefix}[A-Za-z0-9._-]*\\)".*/\\1/p' "$J"); do`,
    '  [ -e "/run/netns/$ns" ] || continue',
    '  for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done',
    '  ip netns del "$ns" 2>/dev/null || { echo "left: netns $ns"; left=1; }',
    'done',
    // Provided L2: the host's own interface leaves the run's bridge (it is never deleted).
    `for l in $(sed -n 's/.*"kind":"enslaved","name":"\\([A-Za-z0-9._@-]*\\)".*/\\1/p' "$J"); do`,
    `  [ "$(basename "$(readlink "/sys/class/net/$l/master" 2>/dev/null)" 2>/dev/null)" = ${tag}br ] && ip link set "$l" nomaster`,
    'done',
    `for l in $(sed -n 's/.*"kind":"link","name":"\\(${tag}[A-Za-z0-9]*\\)".*/\\1/p' "$J"); do`,
    '  ip link show "$l" >/dev/null 2>&1 || continue',
    // A node's veth goes with its namespace, asynchronously: a del that loses that race is not a
    // leftover. Whatever still exists after a bounded wait (2 s) is.
    '  ip link del "$l" 2>/dev/null && continue',
    '  n=0; while ip link show "$l" >/dev/null 2>&1 && [ $n -lt 20 ]; do sleep 0.1; n=$((n+1)); done',
    '  ip link show "$l" >/dev/null 2>&1 && ! ip link del "$l" 2>/dev/null && { echo "left: link $l"; left=1; }',
    'done',
    // Staging dirs of shipped bundles a killed run left next to the cache (their names carry the run's tag; the cache itself stays).
    `for p in $(sed -n 's#.*"kind":"cache-staging","prefix":"\\(${REMOTE_CACHE_DIR}/\\.[0-9a-f]*\\.${tag}\\.\\)".*#\\1#p' "$J"); do`,
    '  rm -rf "$p"* 2>/dev/null; for x in "$p"*; do [ -e "$x" ] && { echo "left: staging $x"; left=1; }; done',
    'done',
    // The overlay's firewall goes last, once the run's VXLAN device is gone.
    `for t in $(sed -n 's/.*"kind":"nft","name":"\\(icb_${tag}\\)".*/\\1/p' "$J"); do`,
    '  nft list table inet "$t" >/dev/null 2>&1 || continue',
    '  nft delete table inet "$t" 2>/dev/null || { echo "left: nft table $t"; left=1; }',
    'done',
    `if [ "$left" = 0 ]; then`,
    `  for d in $(sed -n 's#.*"kind":"dir","path":"\\(${base}/[A-Za-z0-9._-]*\\)".*#\\1#p' "$J"); do`,
    // busybox rm (a minimal dom0) has no --one-file-system: then plain rm, only if nothing is mounted below.
    '    rm -rf --one-file-system "$d" 2>/dev/null || { grep -qF " $d/" /proc/mounts || rm -rf "$d"; }',
    '    [ -e "$d" ] && { echo "left: dir $d"; left=1; }',
    '  done',
    `  rmdir ${base} 2>/dev/null || true`,
    // The shipped cache's root, made for containers' mounts, goes when nothing was shipped into it.
    `  rmdir ${REMOTE_CACHE_DIR} 2>/dev/null || true`,
    'fi',
    `[ "$left" = 0 ] && rm -f "$J" ${REMOTE_STATE_DIR}/${runId}.wg*.key`,
    'exit $left',
  ].join('\n')}\n`;
}

/** Kills what runs in the run's namespaces on a host (Ctrl-C: the sample in flight ends). */
export function remoteInterruptScript(namespaces: string[]): string {
  return `${namespaces.map((ns) => `for p in $(ip netns pids ${ns} 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done`).join('\n')}\ntrue\n`;
}
