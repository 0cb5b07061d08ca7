/**
 * ping runner: real iputils ping between node pairs. Keeps one row per reply (metric 'rtt') so
 * percentiles can be drawn later, plus summary rows (median, p99, loss...) from collectors/ping.
 * Inter-site samples during which the WAN emulator fell behind are flagged 'emulator-saturated'.
 */
import { pingArgs, pingDeadlineS } from './ping-cmd.js';
import { parsePing, PING_RTT_METRICS } from '../collectors/ping.js';
import { toRow, type Measurement, type Sample } from '../measurements/measurement.js';
import { run } from '../infra/exec.js';
import { checkAbort, record, sampleContext, type BenchNode, type RunContext } from './context.js';
import type { Pair } from './pairs.js';
import { resolvePingOptions, resolvePingSettings, type PingOptions, type PingSettings } from './ping-options.js';
import { emulatorDown, emulatorWatch, runSample } from './sample.js';

export { resolvePingOptions, type PingOptions } from './ping-options.js';

/** The old check, kept for callers: resolves and drops the result (one set of limits, in ping-options). */
export function checkPingOptions(o: PingOptions, field = 'ping'): void {
  resolvePingSettings(o, field);
}

/** Failed rows of a ping sample that produced nothing to parse. */
export const PING_FAILED_METRICS: [string, string][] = [['loss', '%'], ...PING_RTT_METRICS.map((m): [string, string] => [m, 'ms'])];

export async function runPing(ctx: RunContext, opts: PingOptions): Promise<Measurement[]> {
  const o = resolvePingOptions(opts, ctx.nodes);
  const { pairs, repetitions: reps } = o;
  const total = pairs.length * reps;
  ctx.progress.stage('ping', `${pairs.length} pairs x ${reps} repetitions, ${o.count} packets every ${o.intervalS} s`);
  const out: Measurement[] = [];
  let i = 0;
  for (let rep = 1; rep <= reps; rep++)
    for (const p of pairs) {
      checkAbort(ctx);
      const rows = await measurePing(ctx, p, rep, o);
      out.push(...rows);
      const med = rows.find((r) => r.metric === 'rtt_median');
      ctx.progress.step(
        'ping',
        ++i,
        total,
        `${p.src.name} -> ${p.dst.name} (${p.path}) rep ${rep}: ${med?.status === 'ok' ? `median ${med.value?.toFixed(3)} ms` : `${med?.status}: ${med?.reason}`}`,
      );
    }
  return out;
}

/** One sample (rows already stored). `o` is resolved here when it is not already (bench/ and tests pass raw options). */
export async function measurePing(ctx: RunContext, p: Pair<BenchNode>, rep: number, opts: PingOptions | PingSettings): Promise<Measurement[]> {
  const o = 'resolved' in opts ? opts : resolvePingSettings(opts);
  const bench = o.benchmark;
  const down = emulatorDown(ctx, p);
  if (o.warmup && !down?.()) await run(p.src.exec.wrap(pingArgs({ target: p.dst.address, count: o.warmup, intervalS: 0.01 })), { timeoutMs: 10000 });
  const startedAt = new Date();
  const sctx = sampleContext(ctx, bench, p, rep, startedAt);
  const argv = pingArgs({ target: p.dst.address, count: o.count, intervalS: o.intervalS });
  let perPacket: Sample[] = [];
  const watch = emulatorWatch(ctx, p);
  const res = await runSample({
    tool: 'ping',
    argv: p.src.exec.wrap(argv),
    timeoutMs: pingDeadlineS({ count: o.count, intervalS: o.intervalS }) * 1000,
    failedMetrics: PING_FAILED_METRICS,
    emulatorDown: down,
    signal: ctx.signal,
    parse: (r) => {
      const parsed = parsePing(r.stdout + (r.stdout.trim() ? '' : r.stderr));
      perPacket = parsed.rtts.map((x) => ({ metric: 'rtt', value: x.ms, unit: 'ms', status: 'ok' }));
      return parsed.samples;
    },
  });
  const flags = res.result ? await watch.flags() : [];
  const r = res.result;
  if (r) ctx.store.raw(`${bench}/rep${rep}-${p.src.name}--${p.dst.name}.txt`, r.stdout + (r.stderr ? `\n# stderr\n${r.stderr}` : ''));
  return record(
    ctx,
    [...perPacket, ...res.samples].map((s) => toRow(sctx, s.status === 'ok' && flags.length ? { ...s, flags: [...(s.flags ?? []), ...flags] } : s)),
  );
}
