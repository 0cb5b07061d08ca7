/**
 * Latency under load, in the manner of flent's RRUL test: for each pair, ping from src to dst
 * while the link is idle, then ping again while an iperf3 TCP load (several streams) runs from
 * src to dst between the same nodes. The difference is the queueing delay the load adds
 * (bufferbloat) on that path.
 *
 * Rows (benchmark 'load-latency', one set per pair and repetition):
 *   rtt_idle, rtt_loaded                    ms   one row per reply (for CDFs)
 *   rtt_idle_median, rtt_loaded_median, ... ms   the ping summary of each phase (collectors/ping)
 *   loss_idle, loss_loaded                  %
 *   load_throughput                         Mbit/s  what the load achieved meanwhile
 * Loaded rows and load_throughput carry params { load: 'tcp', load_streams: n, tcp_cc }; idle rows { load: 'none' }.
 */
import { parseIperf3 } from '../collectors/iperf3.js';
import { parsePing } from '../collectors/ping.js';
import { killQuietly, run, start } from '../infra/exec.js';
import { failed, toRow, type Measurement, type Params, type Sample } from '../measurements/measurement.js';
import { checkAbort, reachAllowanceS, record, sampleContext, type BenchNode, type RunContext } from './context.js';
import { iperf3ClientArgs, iperf3ServerArgs } from './iperf3-cmd.js';
import { listenWaitMs, waitListening } from './iperf3.js';
import { tcpParams } from './tcp.js';
import { resolveLoadLatencyOptions, resolveLoadLatencySettings, type LoadLatencyOptions, type LoadLatencySettings } from './load-latency-options.js';
import type { Pair } from './pairs.js';
import { pingArgs, pingDeadlineS } from './ping-cmd.js';
import { PING_FAILED_METRICS } from './ping.js';
import { emulatorDown, failAll, runSample } from './sample.js';
import { inCell, spareNote, type CellSpec } from './cells.js';

export { resolveLoadLatencyOptions, type LoadLatencyOptions } from './load-latency-options.js';

/** rtt -> rtt_idle, rtt_median -> rtt_idle_median, loss -> loss_idle. */
export function phaseMetric(metric: string, phase: 'idle' | 'loaded'): string {
  if (metric === 'rtt') return `rtt_${phase}`;
  if (metric.startsWith('rtt_')) return `rtt_${phase}_${metric.slice(4)}`;
  return `${metric}_${phase}`;
}

export async function runLoadLatency(ctx: RunContext, opts: LoadLatencyOptions): Promise<Measurement[]> {
  const o = resolveLoadLatencyOptions(opts, ctx.nodes);
  const total = o.pairs.length * o.repetitions;
  ctx.progress.stage(
    'load-latency',
    `${o.pairs.length} pairs x ${o.repetitions} repetitions: ${o.count} pings idle, then under ${o.loadS} s of TCP load (${o.streams} streams)`,
  );
  const out: Measurement[] = [];
  let i = 0;
  for (let rep = 1; rep <= o.repetitions; rep++)
    for (const p of o.pairs) {
      checkAbort(ctx);
      // One cell: not run when a node of it is lost (written missing) or a fill has it ok already;
      // with spares, `at.pair` has a spare in place of a lost node.
      const rows = await inCell(ctx, loadLatencyCell(o, p, rep), (cctx, at) => measureLoadLatency(cctx, at.pair, rep, o));
      if (!rows) {
        i++;
        continue;
      }
      out.push(...rows);
      const med = (m: string) => rows.filter((r) => r.metric === m).pop();
      const show = (r?: Measurement) => (r?.status === 'ok' ? `${r.value?.toFixed(2)} ms` : (r?.reason ?? 'no value'));
      ctx.progress.step(
        'load-latency',
        ++i,
        total,
        `${p.src.name} -> ${p.dst.name} (${p.path}) rep ${rep}${spareNote(rows, p)}: median RTT idle ${show(med('rtt_idle_median'))}, loaded ${show(med('rtt_loaded_median'))}`,
      );
    }
  return out;
}

/** The cell of one sample: its pair and repetition (the rows' own params, e.g. load_streams, are the call's and the same for every cell). */
export const loadLatencyCell = (o: Pick<LoadLatencySettings, 'benchmark'>, p: Pair<BenchNode>, rep: number): CellSpec => ({
  benchmark: o.benchmark,
  pair: p,
  repetition: rep,
});

/** Params of loaded rows: the TCP load, its streams and its congestion control (tcp_cc, when known). */
const loadParamsOf = (ctx: RunContext, p: Pair<BenchNode>, o: LoadLatencySettings): Params => ({
  load: 'tcp',
  load_streams: o.streams,
  ...tcpParams(ctx, p.src, p.dst),
});

async function pingPhase(ctx: RunContext, p: Pair<BenchNode>, o: LoadLatencySettings, phase: 'idle' | 'loaded', tag: string): Promise<Sample[]> {
  const params: Params = phase === 'idle' ? { load: 'none' } : loadParamsOf(ctx, p, o);
  const res = await runSample({
    tool: 'ping',
    argv: p.src.exec.wrap(pingArgs({ target: p.dst.address, count: o.count, intervalS: o.intervalS })),
    timeoutMs: (pingDeadlineS({ count: o.count, intervalS: o.intervalS }) + reachAllowanceS(p.src)) * 1000,
    failedMetrics: PING_FAILED_METRICS,
    emulatorDown: emulatorDown(ctx, p),
    signal: ctx.signal,
    parse: (r) => {
      const parsed = parsePing(r.stdout + (r.stdout.trim() ? '' : r.stderr));
      return [...parsed.rtts.map((x): Sample => ({ metric: 'rtt', value: x.ms, unit: 'ms', status: 'ok' })), ...parsed.samples];
    },
  });
  if (res.result) ctx.store.raw(`${tag}.ping-${phase}.txt`, res.result.stdout + (res.result.stderr ? `\n# stderr\n${res.result.stderr}` : ''));
  return res.samples.map((s) => ({ ...s, metric: phaseMetric(s.metric, phase), params: { ...s.params, ...params } }));
}

/** One sample (rows already stored): idle pings, then pings under load. A failed load fails the loaded rows with its reason. */
export async function measureLoadLatency(
  ctx: RunContext,
  p: Pair<BenchNode>,
  rep: number,
  opts: LoadLatencyOptions | LoadLatencySettings,
): Promise<Measurement[]> {
  const o = 'resolved' in opts ? opts : resolveLoadLatencySettings(opts);
  const sctx = sampleContext(ctx, o.benchmark, p, rep, new Date());
  const tag = `${o.benchmark}/rep${rep}-${p.src.name}--${p.dst.name}`;
  const loadParams = loadParamsOf(ctx, p, o);
  const samples: Sample[] = [...(await pingPhase(ctx, p, o, 'idle', tag))];
  checkAbort(ctx);
  const server = start(p.dst.exec.wrap(iperf3ServerArgs({ bind: p.dst.address, port: o.port, oneOff: true, idleTimeoutS: 30 })));
  try {
    if (!(await waitListening(p.dst, o.port, listenWaitMs(p.dst)))) {
      const why = `iperf3 server on ${p.dst.name} did not listen on port ${o.port} within ${listenWaitMs(p.dst) / 1000} s (no load)`;
      samples.push(...failAll(PING_FAILED_METRICS, why).map((s) => ({ ...s, metric: phaseMetric(s.metric, 'loaded'), params: loadParams })));
      samples.push({ ...failed('load_throughput', 'Mbit/s', why), params: loadParams });
    } else {
      const timeoutMs = (o.loadS + 20 + reachAllowanceS(p.src)) * 1000;
      const load = run(
        p.src.exec.wrap(
          iperf3ClientArgs({
            server: p.dst.address,
            port: o.port,
            durationS: o.loadS,
            parallel: o.streams,
            congestion: ctx.tcp?.chosen ?? undefined,
            connectTimeoutMs: 3000,
          }),
        ),
        { timeoutMs },
      );
      await new Promise((res) => setTimeout(res, 1000)); // past slow start, queues filled
      samples.push(...(await pingPhase(ctx, p, o, 'loaded', tag)));
      const r = await load;
      ctx.store.raw(`${tag}.load.client.json`, r.stdout);
      const parsed = parseIperf3(r.stdout || r.stderr);
      const tp = parsed.samples.find((s) => s.metric === 'throughput');
      samples.push({
        ...(tp ?? failed('throughput', 'Mbit/s', parsed.reason ?? 'no throughput in the load output')),
        metric: 'load_throughput',
        params: loadParams,
      });
      // Pings "under load" that ran while the load was not there measure nothing: say so.
      if (!parsed.ok) {
        const why = `the TCP load failed: ${parsed.reason}`;
        for (let i = 0; i < samples.length; i++) {
          const s = samples[i];
          if (s.params?.load === 'tcp' && s.status === 'ok' && s.metric !== 'load_throughput')
            samples[i] = { ...failed(s.metric, s.unit, why), params: loadParams };
        }
      }
    }
  } finally {
    const s = await Promise.race([server, new Promise<null>((res) => setTimeout(() => res(null), 3000))]);
    if (s === null) await killQuietly(server, 'SIGKILL');
  }
  return record(
    ctx,
    samples.map((s) => toRow(sctx, s)),
  );
}
