/**
 * Packet drops on the lab's own interfaces: `ip -s link` in every network namespace the run
 * journaled, summed per interface (rx + tx dropped). bench:lab diffs two snapshots around a TCP
 * run to tell losses on the lab path (veths, bridges, VXLAN devices) from the emulator's own; with
 * each namespace's UDP and TCP drop counters (/proc/net/snmp and netstat, read inside it), which
 * say whether a retransmission followed a drop in a socket or was spurious (DSACK).
 */
import { run } from '../infra/exec.js';
import type { Lab } from '../infra/lab/lab.js';

interface IpLinkStats {
  ifname: string;
  stats64?: { rx?: { dropped?: number }; tx?: { dropped?: number } };
}

/** Counters of /proc/net/snmp and /proc/net/netstat that mean a packet was dropped or a retransmission was needless. */
const PROTO_COUNTERS = [
  'Udp.InErrors',
  'Udp.RcvbufErrors',
  'TcpExt.TCPBacklogDrop',
  'TcpExt.TCPRcvQDrop',
  'TcpExt.TCPOFODrop',
  'TcpExt.TCPZeroWindowDrop',
  'TcpExt.TCPTimeouts',
  'TcpExt.TCPDSACKRecv',
  'TcpExt.TCPSpuriousRTOs',
  'TcpExt.TCPLossProbes',
  'TcpExt.TCPLossProbeRecovery',
  'TcpExt.TCPDSACKUndo',
  'TcpExt.TCPLossUndo',
  'TcpExt.TCPFastRetrans',
  'TcpExt.TCPSACKReorder',
];

/** "Proto.Name" -> value from the header/value line pairs of /proc/net/snmp and /proc/net/netstat. */
export function parseProcNet(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    const [hp, ...names] = lines[i].trim().split(/\s+/);
    const [vp, ...values] = lines[i + 1].trim().split(/\s+/);
    if (!hp?.endsWith(':') || hp !== vp || names.length !== values.length || values.some((v) => !/^-?\d+$/.test(v))) continue;
    names.forEach((n, k) => out.set(`${hp.slice(0, -1)}.${n}`, Number(values[k])));
    i++;
  }
  return out;
}

/** "netns/ifname" -> rx + tx dropped for every interface of the run's namespaces, and "netns/Proto.Counter" -> value. */
export async function dropSnapshot(lab: Lab): Promise<Map<string, number>> {
  const names = lab.journal.entries().flatMap((e) => (e.kind === 'netns' ? [e.name] : []));
  const out = new Map<string, number>();
  await Promise.all(
    names.map(async (ns) => {
      const r = await run(['ip', '-n', ns, '-j', '-s', 'link', 'show']);
      if (!r.ok) return;
      for (const l of JSON.parse(r.stdout) as IpLinkStats[]) out.set(`${ns}/${l.ifname}`, (l.stats64?.rx?.dropped ?? 0) + (l.stats64?.tx?.dropped ?? 0));
      const p = await run(['ip', 'netns', 'exec', ns, 'cat', '/proc/net/snmp', '/proc/net/netstat']);
      if (!p.ok) return;
      const c = parseProcNet(p.stdout);
      for (const k of PROTO_COUNTERS) if (c.has(k)) out.set(`${ns}/${k}`, c.get(k) ?? 0);
    }),
  );
  return out;
}

/** Interfaces and counters that grew between two snapshots, largest first. */
export function dropsBetween(before: Map<string, number>, after: Map<string, number>): { iface: string; dropped: number }[] {
  return [...after]
    .map(([iface, n]) => ({ iface, dropped: n - (before.get(iface) ?? 0) }))
    .filter((d) => d.dropped > 0)
    .sort((a, b) => b.dropped - a.dropped);
}
