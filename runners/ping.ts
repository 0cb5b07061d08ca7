/**
 * ping runner: real iputils ping between node pairs. Keeps one row per reply (metric 'rtt') so
 * percentiles can be drawn later, plus summary rows (median, p99, loss...) from collectors/ping.
 */
import { pingArgs, pingDeadlineS } from './ping-cmd.js';
import { parsePing } from '../collectors/ping.js';
import { toRow, type Measurement, type Sample } from '../measurements/measurement.js';
import { run } from '../infra/exec.js';
import { checkAbort, record, sampleContext, type BenchNode, type RunContext } from './context.js';
import { selectPairs, type Pair, type PairSelection } from './pairs.js';
import { positiveInt, positiveNumber } from '../infra/units.js';

export interface PingOptions {
  pairs: PairSelection;
  count: number;
  intervalS: number;
  repetitions?: number;
  /** Pings sent (and not kept) first, so ARP and bridge learning do not show up as RTT. */
  warmup?: number;
  benchmark?: string;
}

export function checkPingOptions(o: PingOptions, field = 'ping'): void {
  positiveInt(o.count, `${field}.count`, 100000);
  positiveNumber(o.intervalS, `${field}.intervalS`, 60);
  if (o.repetitions !== undefined) positiveInt(o.repetitions, `${field}.repetitions`, 1000);
}

export async function runPing(ctx: RunContext, o: PingOptions): Promise<Measurement[]> {
  checkPingOptions(o);
  const pairs = selectPairs(ctx.nodes, o.pairs, 'ping.pairs');
  const reps = o.repetitions ?? 1;
  const total = pairs.length * reps;
  ctx.progress.stage('ping', `${pairs.length} pairs x ${reps} repetitions, ${o.count} packets every ${o.intervalS} s`);
  const out: Measurement[] = [];
  let i = 0;
  for (let rep = 1; rep <= reps; rep++) for (const p of pairs) {
    checkAbort(ctx);
    const rows = await measurePing(ctx, p, rep, o);
    out.push(...rows);
    const med = rows.find((r) => r.metric === 'rtt_median');
    ctx.progress.step('ping', ++i, total, `${p.src.name} -> ${p.dst.name} (${p.path}) rep ${rep}: ${med?.status === 'ok' ? `median ${med.value?.toFixed(3)} ms` : `${med?.status}: ${med?.reason}`}`);
  }
  return out;
}

export async function measurePing(ctx: RunContext, p: Pair<BenchNode>, rep: number, o: PingOptions): Promise<Measurement[]> {
  const bench = o.benchmark ?? 'ping';
  if (o.warmup) await run(p.src.exec.wrap(pingArgs({ target: p.dst.address, count: o.warmup, intervalS: 0.01 })), { timeoutMs: 10000 });
  const startedAt = new Date();
  const sctx = sampleContext(ctx, bench, p, rep, startedAt);
  const argv = pingArgs({ target: p.dst.address, count: o.count, intervalS: o.intervalS });
  const r = await run(p.src.exec.wrap(argv), { timeoutMs: pingDeadlineS({ count: o.count, intervalS: o.intervalS }) * 1000 });
  ctx.store.raw(`${bench}/rep${rep}-${p.src.name}--${p.dst.name}.txt`, r.stdout + (r.stderr ? `\n# stderr\n${r.stderr}` : ''));
  const parsed = parsePing(r.stdout + (r.stdout.trim() ? '' : r.stderr));
  const perPacket: Sample[] = parsed.rtts.map((x) => ({ metric: 'rtt', value: x.ms, unit: 'ms', status: 'ok' }));
  return record(ctx, [...perPacket, ...parsed.samples].map((s) => toRow(sctx, s)));
}
