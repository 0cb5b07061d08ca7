/**
 * One-way loss per direction between two nodes: a bounded UDP flood both ways at once (iperf3
 * `-u --bidir`, small datagrams at a fixed packet rate) and the receiving hosts' own UDP drop
 * counters, so that a busy receiver's socket overflow is not counted as WAN loss. Two rows per
 * sample: metric `udp_loss` (%) src->dst and dst->src, with the counts in params.
 */
import { arrived, lossPct, parseUdpLoss, udpReceiveDrops, type DirectionCount } from '../collectors/udp-loss.js';
import { host, port as portArg, wholeNumber } from './values.js';
import { killQuietly, run, start } from '../infra/exec.js';
import { failed, toRow, type Measurement, type Sample } from '../measurements/measurement.js';
import { checkAbort, record, sampleContext, type BenchNode, type RunContext } from './context.js';
import type { Pair } from './pairs.js';
import { listenWaitMs, waitListening } from './iperf3.js';

export interface UdpLossOptions {
  /** Datagrams per direction (at least). */
  packets: number;
  /** Datagrams per second per direction. */
  pps: number;
  /** UDP payload bytes (iperf3 needs at least 16). Default 64. */
  lengthBytes?: number;
  /**
   * Run both iperf3 ends SCHED_FIFO at this priority (chrt), so that a receiver on a busy machine
   * reads its socket in time: otherwise its own socket overflows, not the WAN, dominate the count
   * (5% of the datagrams at a load average of 45). Unset = normal scheduling.
   */
  rtPrio?: number;
  benchmark: string;
}

/** Seconds the flood lasts: enough for `packets` at `pps`, plus one for iperf3's pacing start. */
export const udpLossSeconds = (o: UdpLossOptions): number => Math.ceil(o.packets / o.pps) + 1;

/** iperf3 client argv for the flood (pure; limits checked here). */
export function udpLossClientArgs(server: string, port: number, o: UdpLossOptions): string[] {
  wholeNumber(o.packets, 'udpLoss.packets', 1, 10_000_000, 'a number of datagrams');
  wholeNumber(o.pps, 'udpLoss.pps', 1, 1_000_000, 'datagrams per second');
  const len = o.lengthBytes ?? 64;
  wholeNumber(len, 'udpLoss.lengthBytes', 16, 1400, 'bytes of UDP payload');
  return [
    'iperf3',
    '--json',
    '-c',
    host(server, 'udpLoss.server'),
    '-p',
    portArg(port, 'udpLoss.port'),
    '-u',
    '--bidir',
    '-l',
    String(len),
    '-b',
    String(o.pps * len * 8),
    '-t',
    String(udpLossSeconds(o)),
    '--connect-timeout',
    '3000',
  ];
}

/** argv under `chrt -f PRIO` when asked (util-linux). */
export const rt = (o: UdpLossOptions, argv: string[]): string[] =>
  o.rtPrio ? ['chrt', '-f', wholeNumber(o.rtPrio, 'udpLoss.rtPrio', 1, 99, 'a SCHED_FIFO priority'), ...argv] : argv;

async function drops(node: BenchNode): Promise<number | null> {
  const r = await run(node.exec.wrap(['cat', '/proc/net/snmp']), { timeoutMs: 5000 });
  return r.ok ? udpReceiveDrops(r.stdout) : null;
}

/** Floods one round; counts per direction with the receivers' own drops, or a reason. */
async function round(p: Pair<BenchNode>, argv: string[], o: UdpLossOptions, port: number, ctx: RunContext, n: number, rep: number) {
  const server = start(p.dst.exec.wrap(rt(o, ['iperf3', '-s', '-1', '-B', p.dst.address, '-p', String(port), '--idle-timeout', '30', '--json'])));
  try {
    if (!(await waitListening(p.dst, port, listenWaitMs(p.dst))))
      return { error: `iperf3 server on ${p.dst.name} did not listen on port ${port} within ${listenWaitMs(p.dst) / 1000} s` };
    const [d0src, d0dst] = [await drops(p.src), await drops(p.dst)];
    const r = await run(p.src.exec.wrap(rt(o, argv)), { timeoutMs: (udpLossSeconds(o) + 20) * 1000 });
    const [d1src, d1dst] = [await drops(p.src), await drops(p.dst)];
    ctx.store.raw(`${o.benchmark}/${rep > 1 ? `rep${rep}-` : ''}${p.src.name}--${p.dst.name}.udp${n}.json`, r.stdout);
    const c = parseUdpLoss(r.stdout || r.stderr);
    if ('error' in c) return c;
    const delta = (a: number | null, b: number | null) => (a === null || b === null ? 0 : Math.max(0, b - a));
    return { ...c, dropsAtDst: delta(d0dst, d1dst), dropsAtSrc: delta(d0src, d1src) };
  } finally {
    const s = await Promise.race([server, new Promise<null>((res) => setTimeout(() => res(null), 3000))]);
    if (s === null) await killQuietly(server, 'SIGKILL');
  }
}

/** Rounds at most: a busy sender may fall short of the packet rate, so floods repeat until both directions judged enough. */
export const UDP_LOSS_MAX_ROUNDS = 4;

/** Runs the flood (up to UDP_LOSS_MAX_ROUNDS rounds); rows for both directions (failed rows, never zeros, when the tool failed). */
export async function measureUdpLoss(ctx: RunContext, p: Pair<BenchNode>, o: UdpLossOptions, port: number, repetition = 1): Promise<Measurement[]> {
  const argv = udpLossClientArgs(p.dst.address, port, o);
  const startedAt = new Date();
  const fwd = sampleContext(ctx, o.benchmark, p, repetition, startedAt);
  const rev = sampleContext(ctx, o.benchmark, { src: p.dst, dst: p.src, path: p.path }, repetition, startedAt);
  const fail = (reason: string) => record(ctx, [toRow(fwd, failed('udp_loss', '%', reason)), toRow(rev, failed('udp_loss', '%', reason))]);
  const f: DirectionCount = { sent: 0, seen: 0, gaps: 0 },
    b: DirectionCount = { sent: 0, seen: 0, gaps: 0 };
  let dropsF = 0,
    dropsB = 0,
    rounds = 0;
  while (rounds < UDP_LOSS_MAX_ROUNDS && Math.min(f.seen, b.seen) < o.packets) {
    checkAbort(ctx);
    const r = await round(p, argv, o, port, ctx, ++rounds, repetition);
    if ('error' in r) return fail(`round ${rounds}: ${r.error}`);
    for (const [acc, d] of [
      [f, r.forward],
      [b, r.reverse],
    ] as const) {
      acc.sent += d.sent;
      acc.seen += d.seen;
      acc.gaps += d.gaps;
    }
    dropsF += r.dropsAtDst;
    dropsB += r.dropsAtSrc;
  }
  const sample = (d: DirectionCount, hostDrops: number): Sample => ({
    metric: 'udp_loss',
    value: lossPct(d, hostDrops),
    unit: '%',
    status: 'ok',
    flags: [...(hostDrops > 0 ? ['receiver-host-drops'] : []), ...(d.seen < o.packets ? ['fewer-packets-than-asked'] : [])],
    params: { sent: d.sent, judged: d.seen, gaps: d.gaps, received: arrived(d), host_drops: hostDrops, pps: o.pps, rounds },
  });
  return record(ctx, [toRow(fwd, sample(f, dropsF)), toRow(rev, sample(b, dropsB))]);
}
