/**
 * npm run bench:firewall -- --on veth: what the overlay firewall (infra/overlay-firewall.ts) costs on a fast path. Two hosts in
 * network namespaces joined by a VXLAN over a veth underlay (as a run's hosts are), iperf3 TCP
 * from one host's cluster address to the other's through the overlay, with the run's nftables table
 * on the receiver and without it, interleaved (off, on, off, on, ...) so drift hits both. Prints each
 * side's median with its interval and n, and whether the difference is beyond the noise; the same
 * for the mean RTT of 100 pings at 10 ms taken after each throughput sample.
 * Options (bench/firewall.ts): --samples N (per side, default 8), --seconds S (per sample, default 3).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseIperf3 } from '../collectors/iperf3.js';
import { firewallRuleset } from '../infra/overlay-firewall.js';
import { compareGroups, spread } from '../measurements/stats.js';
import { diffText, pairedText, sideText } from './firewall-summary.js';

const id = randomBytes(3).toString('hex');
const A = `icbb-fw${id}-a`;
const B = `icbb-fw${id}-b`;
const ip = (...a: string[]) => execFileSync('ip', a, { stdio: ['ignore', 'ignore', 'pipe'] });
const inNs = (ns: string, cmd: string[], input?: string) =>
  execFileSync('ip', ['netns', 'exec', ns, ...cmd], { input, stdio: ['pipe', 'pipe', 'pipe'] }).toString();

function up(): void {
  ip('netns', 'add', A);
  ip('netns', 'add', B);
  ip('link', 'add', 'u0', 'netns', A, 'type', 'veth', 'peer', 'name', 'u0', 'netns', B);
  for (const [ns, under, cluster, remote] of [
    [A, '198.51.100.1', '10.200.0.1', '198.51.100.2'],
    [B, '198.51.100.2', '10.200.0.2', '198.51.100.1'],
  ] as const) {
    inNs(ns, ['ip', 'link', 'set', 'lo', 'up']);
    inNs(ns, ['ip', 'addr', 'add', `${under}/24`, 'dev', 'u0']);
    inNs(ns, ['ip', 'link', 'set', 'u0', 'up']);
    inNs(ns, ['ip', 'link', 'add', 'ovx', 'type', 'vxlan', 'id', '4242', 'local', under, 'dstport', '4789', 'ttl', '64']);
    inNs(ns, ['ip', 'link', 'add', 'obr', 'type', 'bridge']);
    inNs(ns, ['ip', 'link', 'set', 'ovx', 'master', 'obr', 'up']);
    inNs(ns, ['ip', 'link', 'set', 'obr', 'up']);
    inNs(ns, ['ip', 'addr', 'add', `${cluster}/24`, 'dev', 'obr']);
    inNs(ns, ['bridge', 'fdb', 'append', '00:00:00:00:00:00', 'dev', 'ovx', 'dst', remote]);
  }
}

function down(): void {
  spawnSync('ip', ['netns', 'del', A]);
  spawnSync('ip', ['netns', 'del', B]);
}

async function sample(seconds: number): Promise<number> {
  const server = spawn('ip', ['netns', 'exec', B, 'iperf3', '-s', '-1', '-B', '10.200.0.2', '-p', '5201'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 300));
  const out = inNs(A, ['iperf3', '--json', '-c', '10.200.0.2', '-p', '5201', '-t', String(seconds)]);
  await new Promise((r) => server.once('exit', r));
  const res = parseIperf3(out);
  if (!res.ok || res.receiverMbps === undefined) throw new Error(`iperf3 failed: ${res.reason}`);
  return res.receiverMbps;
}

/** Median RTT of 100 pings at 10 ms over the overlay (ms). */
function rtt(): number {
  const out = inNs(A, ['ping', '-n', '-q', '-c', '100', '-i', '0.01', '10.200.0.2']);
  const m = /= [\d.]+\/([\d.]+)\//.exec(out);
  if (!m) throw new Error(`ping: no summary in ${out}`);
  return Number(m[1]);
}

/** The bench on two namespaces joined by a veth underlay: n samples of `seconds` per side. */
export async function benchFirewallVeth(n: number, seconds: number): Promise<void> {
  const table = firewallRuleset({ table: 'icb_bench', vni: 4242, vxlanPort: 4789, peers: ['198.51.100.1'] });
  process.on('exit', down);
  up();
  const off: number[] = [];
  const on: number[] = [];
  process.stdout.write(`bench:firewall: ${n} samples of ${seconds} s per side, interleaved; load average before ${loadavg()[0].toFixed(2)}\n`);
  const rttOff: number[] = [];
  const rttOn: number[] = [];
  for (let i = 0; i < n; i++) {
    off.push(await sample(seconds));
    rttOff.push(rtt());
    inNs(B, ['nft', '-f', '-'], table);
    on.push(await sample(seconds));
    rttOn.push(rtt());
    inNs(B, ['nft', 'delete', 'table', 'inet', 'icb_bench']);
    process.stdout.write(`  ${i + 1}/${n}: without ${off[i].toFixed(0)} Mbit/s, with ${on[i].toFixed(0)} Mbit/s\n`);
  }
  const so = spread(off);
  const sw = spread(on);
  const fmt = (s: ReturnType<typeof spread>) => `median ${s.median.toFixed(0)} Mbit/s (min ${s.min.toFixed(0)}, max ${s.max.toFixed(0)}, n=${s.n})`;
  process.stdout.write(`without the table: ${fmt(so)}\nwith the table:    ${fmt(sw)}\n`);
  process.stdout.write(`with vs without: ${compareGroups(off, on, { higher: 'faster', lower: 'slower' }).text}\n`);
  process.stdout.write(
    `with the table: ${sideText(on, 'Mbit/s')}\nwithout it:     ${sideText(off, 'Mbit/s')}\n${diffText(off, on, 2, { higher: 'faster', lower: 'slower' })}\n${pairedText(off, on)}\n`,
  );
  const ro = spread(rttOff);
  const rw = spread(rttOn);
  process.stdout.write(
    `mean RTT of 100 pings (median of ${n}): without ${ro.median.toFixed(3)} ms, with ${rw.median.toFixed(3)} ms; ${compareGroups(rttOff, rttOn, { higher: 'longer', lower: 'shorter', digits: 1 }).text}\n`,
  );
  process.stdout.write(`load average after ${loadavg()[0].toFixed(2)}\n`);
}
