/**
 * The TCP stack a result depends on: which congestion control each node's connections use (and
 * the default qdisc), read from the node, and the checks and settings that put one chosen
 * algorithm (--tcp-cc) on every node. Pure: scripts and parsers; the providers run them.
 *
 * What Linux does (seen on this machine's 6.18 kernel; per namespace since 4.15):
 *  - net.ipv4.tcp_congestion_control is per network namespace; a new one starts with the init
 *    namespace's. A namespace other than the init one may only be given an algorithm that is in
 *    net.ipv4.tcp_allowed_congestion_control (EPERM otherwise), and that list is the whole
 *    machine's: it holds the init namespace's default and reno unless an administrator adds more.
 *  - net.core.default_qdisc is not per namespace (a namespace has no such file): a node in a
 *    namespace or container gets its host kernel's. A VM has its own kernel and its own of both.
 *  - An algorithm a kernel lacks may be a module (tcp_<name>); `modprobe` loads it, as the kernel
 *    itself does when root asks for it.
 */
import { ConfigError } from './units.js';

/** --tcp-cc: `system` leaves each kernel's own (and records it); the others are set on every node. */
export const TCP_CC_CHOICES = ['system', 'cubic', 'bbr', 'reno'] as const;
export type TcpCcChoice = (typeof TCP_CC_CHOICES)[number];
/** An algorithm set on every node (a choice other than `system`). */
export type TcpCc = Exclude<TcpCcChoice, 'system'>;

export const CC_SYSCTL = 'net.ipv4.tcp_congestion_control';
export const QDISC_SYSCTL = 'net.core.default_qdisc';

/** The option value checked: one of TCP_CC_CHOICES; `system` when not given. Throws ConfigError naming `field`. */
export function tcpCcChoice(v: unknown, field = 'tcpCc'): TcpCcChoice {
  if (v === undefined) return 'system';
  if (typeof v !== 'string' || !(TCP_CC_CHOICES as readonly string[]).includes(v)) throw new ConfigError(field, `one of ${TCP_CC_CHOICES.join(', ')}`, v);
  return v as TcpCcChoice;
}

/** The algorithm to set on every node, or null for `system` (leave each kernel's own). */
export const chosenCc = (c: TcpCcChoice | undefined): TcpCc | null => (c && c !== 'system' ? c : null);

/** The node sysctl that sets `cc` (none for `system`): merged into the node namespaces' own sysctls. */
export const ccSysctls = (cc: string | null): Record<string, string> => (cc ? { [CC_SYSCTL]: cc } : {});

/** What one kernel offers: read on the lab machine, on each real host, or in a VM. */
export interface KernelTcp {
  available: string[];
  /** What namespaces other than the init one may be given (net.ipv4.tcp_allowed_congestion_control). */
  allowed: string[];
  /** The init namespace's algorithm: what a new namespace starts with. */
  default: string;
  /** net.core.default_qdisc, or null where the kernel has none to read. */
  qdisc: string | null;
  /** What `modprobe tcp_<want>` said when the algorithm was missing ('' when it was not tried or said nothing). */
  modprobe: string;
}

/** The key prefix of kernelTcpScript's lines, so they can share a probe with other key=value lines. */
const K = 'tcp';

/**
 * A POSIX sh script printing a kernel's congestion-control facts as key=value lines (tcp.available,
 * tcp.allowed, tcp.default, tcp.qdisc); with `load`, tries `modprobe tcp_<load>` first when the
 * kernel does not list it (tcp.modprobe= what modprobe said). `load` must be a checked choice.
 */
export function kernelTcpScript(load: string | null): string {
  if (load !== null && !/^[a-z0-9_]{1,32}$/.test(load)) throw new ConfigError('tcpCc', 'an algorithm name (letters, digits, _)', load);
  const want = load;
  const p = '/proc/sys/net';
  return `${[
    ...(want
      ? [
          `if ! grep -qw ${want} ${p}/ipv4/tcp_available_congestion_control 2>/dev/null; then`,
          `  echo "${K}.modprobe=$(modprobe tcp_${want} 2>&1 | tr '\\n' ' ' || true)"`,
          'fi',
        ]
      : []),
    `echo "${K}.available=$(cat ${p}/ipv4/tcp_available_congestion_control 2>/dev/null)"`,
    `echo "${K}.allowed=$(cat ${p}/ipv4/tcp_allowed_congestion_control 2>/dev/null)"`,
    `echo "${K}.default=$(cat ${p}/ipv4/tcp_congestion_control 2>/dev/null)"`,
    `echo "${K}.qdisc=$(cat ${p}/core/default_qdisc 2>/dev/null)"`,
  ].join('\n')}\n`;
}

const words = (s: string | undefined) => (s ?? '').split(/\s+/).filter(Boolean);

/** kernelTcpScript's lines (among other key=value lines) -> KernelTcp; null when they are missing. */
export function parseKernelTcp(kv: Record<string, string>): KernelTcp | null {
  if (kv[`${K}.available`] === undefined || !kv[`${K}.default`]) return null;
  return {
    available: words(kv[`${K}.available`]),
    allowed: words(kv[`${K}.allowed`]),
    default: kv[`${K}.default`].trim(),
    qdisc: kv[`${K}.qdisc`]?.trim() || null,
    modprobe: (kv[`${K}.modprobe`] ?? '').trim(),
  };
}

/** key=value lines -> a record (the first '=' splits; values trimmed). */
export function keyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

/**
 * Why `want` cannot be put on the nodes of a kernel (null: it can). `where` names the kernel (e.g.
 * "this machine", "host h1"). `namespaces`: nodes are namespaces or containers of that kernel,
 * so the algorithm must also be allowed there; `canAllow`: the harness may add it to the allowed
 * list itself (the lab, whose machine it is), else the run is refused (a real host's setting).
 */
export function tcpCcProblem(want: string, k: KernelTcp | null, where: string, o: { namespaces: boolean; canAllow: boolean }): string | null {
  if (!k) return `--tcp-cc ${want}: could not read the congestion controls of ${where}'s kernel (/proc/sys/net/ipv4)`;
  if (!k.available.includes(want)) {
    const tried = k.modprobe ? `; modprobe tcp_${want}: ${k.modprobe}` : o.canAllow ? '' : `; if it is a module there, modprobe tcp_${want} on the host`;
    const other = k.available.filter((a) => (TCP_CC_CHOICES as readonly string[]).includes(a));
    return `--tcp-cc ${want}: ${where}'s kernel has no ${want} (net.ipv4.tcp_available_congestion_control: ${k.available.join(' ') || 'empty'}${tried}); choose ${[...other, 'system'].join(', ')}`;
  }
  if (o.namespaces && !o.canAllow && want !== k.default && !k.allowed.includes(want))
    return (
      `--tcp-cc ${want}: ${where} lets network namespaces use only ${k.allowed.join(' ') || 'its default'} (net.ipv4.tcp_allowed_congestion_control, ` +
      `a setting of the whole host that the harness does not change on real hosts): add ${want} there (sysctl -w net.ipv4.tcp_allowed_congestion_control="${[...k.allowed, want].join(' ')}") or choose --tcp-cc system`
    );
  return null;
}

/** The allowed list with `want` added, or null when namespaces may already use it. */
export function allowedWith(k: KernelTcp, want: string): string[] | null {
  return want === k.default || k.allowed.includes(want) ? null : [...k.allowed, want];
}

/** One node's TCP stack as read from it after stand-up. */
export interface NodeTcp {
  /** net.ipv4.tcp_congestion_control in the node's network namespace (or its VM's kernel); null when it could not be read. */
  congestion_control: string | null;
  /** net.core.default_qdisc that applies to the node; null when it could not be read. */
  default_qdisc: string | null;
  /** Where default_qdisc comes from: the node's own kernel (a VM) or its host's (a namespace has none of its own). */
  qdisc_from: 'node' | 'host';
}

/** The run's TCP stack, for run.json: what was asked for, every node's, and what was changed outside the run's nodes to allow it. */
export interface TcpFacts {
  requested: TcpCcChoice;
  nodes: Record<string, NodeTcp>;
  /** Machine-wide changes the harness made (the lab only), e.g. the allowed list. */
  host_changes: string[];
}

/** Reads a VM's (or any single node's) own facts through its executor: `sh -c` printing cc= and qdisc=. */
export const NODE_TCP_READ: string[] = [
  'sh',
  '-c',
  'echo "cc=$(cat /proc/sys/net/ipv4/tcp_congestion_control 2>/dev/null)"; echo "qdisc=$(cat /proc/sys/net/core/default_qdisc 2>/dev/null)"',
];

/** Sets `cc` in a VM's kernel through its executor (the VM is the run's own: its init namespace is the node's). */
export const nodeCcSetArgv = (cc: string): string[] => ['sh', '-c', `echo ${cc} > /proc/sys/net/ipv4/tcp_congestion_control`];

/**
 * A POSIX sh script for a host: the congestion control of each of its node namespaces, as
 * `ns.<name>=<algorithm>` lines (empty when it could not be read). One process per namespace.
 */
export function namespacesTcpScript(namespaces: string[]): string {
  for (const ns of namespaces) if (!/^[A-Za-z0-9._-]{1,64}$/.test(ns)) throw new Error(`namespacesTcpScript: bad namespace name ${JSON.stringify(ns)}`);
  return `${namespaces.map((ns) => `echo "ns.${ns}=$(nsenter --net=/run/netns/${ns} cat /proc/sys/net/ipv4/tcp_congestion_control 2>/dev/null)"`).join('\n')}\n`;
}

/**
 * Checks what was read against what was asked: every node must run `cc`. Returns the nodes that
 * do not (with what they run), empty when all do or when nothing was chosen.
 */
export function ccMismatches(cc: string | null, nodes: Record<string, NodeTcp>): string[] {
  if (!cc) return [];
  return Object.entries(nodes)
    .filter(([, t]) => t.congestion_control !== cc)
    .map(([n, t]) => `${n} runs ${t.congestion_control ?? 'an unknown algorithm (not readable)'}`);
}
