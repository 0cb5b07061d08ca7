/**
 * ping runner: real iputils ping between node pairs. Keeps one row per reply (metric 'rtt') so
 * percentiles can be drawn later, plus summary rows (median, p99, loss...) from collectors/ping.
 * Inter-site samples during which the WAN emulator fell behind are flagged 'emulator-saturated' and
 * tried again (retry-limited.ts).
 */
import { pingArgs, pingDeadlineS } from './ping-cmd.js';
import { parsePing, PING_RTT_METRICS } from '../collectors/ping.js';
import { toRow, type Measurement, type Sample } from '../measurements/measurement.js';
import { run } from '../infra/exec.js';
import { checkAbort, reachAllowanceS, record, sampleContext, type BenchNode, type RunContext } from './context.js';
import type { Pair } from './pairs.js';
import { resolvePingOptions, resolvePingSettings, type PingOptions, type PingSettings } from './ping-options.js';
import { emulatorDown, emulatorWatch, runSample } from './sample.js';
import { limitedLine, retryLimited, type Try } from './retry-limited.js';
import { attemptOf } from '../measurements/retries.js';
import { inCell, spareNote } from './cells.js';

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
      const label = `${p.src.name} -> ${p.dst.name} (${p.path}) rep ${rep}`;
      // One cell: not run when a node of it is lost (written missing) or a fill has it ok already.
      // With spares, `at.pair` has a spare in place of a lost node.
      const rows = await inCell(ctx, { benchmark: o.benchmark, pair: p, repetition: rep }, async (cctx, at) => {
        await pingWarmup(cctx, at.pair, o);
        return retryLimited(cctx, o, `[ping] ${label}`, (attempt) => pingTry(cctx, at.pair, rep, o, attempt));
      });
      if (!rows) {
        i++;
        continue;
      }
      out.push(...rows);
      const med = rows.filter((r) => r.metric === 'rtt_median').pop();
      const attempt = med ? attemptOf(med) : 1;
      ctx.progress.step(
        'ping',
        ++i,
        total,
        `${label}${spareNote(rows, p)}: ${med?.status === 'ok' ? `median ${med.value?.toFixed(3)} ms` : `${med?.status}: ${med?.reason}`}${attempt > 1 ? ` (try ${attempt})` : ''}`,
      );
    }
  const limited = ctx.emulatorStats ? limitedLine(o.benchmark, out) : null; // a lab's emulator was watched
  if (limited) ctx.progress.info(limited);
  return out;
}

/** One sample, one try (rows already stored). `o` is resolved here when it is not already (bench/ and tests pass raw options). */
export async function measurePing(ctx: RunContext, p: Pair<BenchNode>, rep: number, opts: PingOptions | PingSettings): Promise<Measurement[]> {
  const o = 'resolved' in opts ? opts : resolvePingSettings(opts);
  await pingWarmup(ctx, p, o);
  return record(ctx, (await pingTry(ctx, p, rep, o, 1)).rows);
}

/** Pings sent first and not kept (ARP, bridge learning); none across a WAN emulator that is down. */
async function pingWarmup(ctx: RunContext, p: Pair<BenchNode>, o: PingSettings): Promise<void> {
  if (o.warmup && !emulatorDown(ctx, p)?.())
    await run(p.src.exec.wrap(pingArgs({ target: p.dst.address, count: o.warmup, intervalS: 0.01 })), { timeoutMs: 10000 + 1000 * reachAllowanceS(p.src) });
}

/** One try of a sample: its rows, not yet recorded, and why the emulator limited it (if it did). The raw file of a retry ends `.try<n>.txt`. */
export async function pingTry(ctx: RunContext, p: Pair<BenchNode>, rep: number, o: PingSettings, attempt: number): Promise<Try> {
  const bench = o.benchmark;
  const down = emulatorDown(ctx, p);
  const startedAt = new Date();
  const sctx = sampleContext(ctx, bench, p, rep, startedAt);
  const argv = pingArgs({ target: p.dst.address, count: o.count, intervalS: o.intervalS });
  let perPacket: Sample[] = [];
  const watch = emulatorWatch(ctx, p);
  const res = await runSample({
    tool: 'ping',
    argv: p.src.exec.wrap(argv),
    timeoutMs: (pingDeadlineS({ count: o.count, intervalS: o.intervalS }) + reachAllowanceS(p.src)) * 1000,
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
  if (r)
    ctx.store.raw(
      `${bench}/rep${rep}-${p.src.name}--${p.dst.name}${attempt > 1 ? `.try${attempt}` : ''}.txt`,
      r.stdout + (r.stderr ? `\n# stderr\n${r.stderr}` : ''),
    );
  return {
    rows: [...perPacket, ...res.samples].map((s) => toRow(sctx, s.status === 'ok' && flags.length ? { ...s, flags: [...(s.flags ?? []), ...flags] } : s)),
    why: watch.detail,
  };
}
