/**
 * iperf3 runner: real `iperf3 --json` between node pairs, one pair at a time unless asked for
 * concurrency. Life cycle per sample: start a one-off server on the destination, wait until it
 * listens, run the client, archive both outputs, parse into rows (collectors/iperf3).
 */
import { iperf3ClientArgs, iperf3ServerArgs } from './iperf3-cmd.js';
import { parseIperf3 } from '../collectors/iperf3.js';
import { emulatorVerdict, pairKey } from '../infra/wan/wanem-stats.js';
import { failed, toRow, type Measurement, type Sample } from '../measurements/measurement.js';
import { run, start } from '../infra/exec.js';
import { checkAbort, record, sampleContext, type BenchNode, type RunContext } from './context.js';
import { selectPairs, type Pair, type PairSelection } from './pairs.js';
import { positiveInt, positiveNumber } from '../infra/units.js';

export interface Iperf3Options {
  pairs: PairSelection;
  durationS: number;
  parallel?: number;
  repetitions?: number;
  omitS?: number;
  /** iperf3 -b target, e.g. '500M' (TCP pacing); unset = as fast as possible. */
  bitrate?: string;
  /** iperf3 -l and --pacing-timer, for a smooth paced load. */
  lengthBytes?: number;
  pacingTimerUs?: number;
  /** Pairs measured at the same time (each on its own port). Default 1. */
  concurrency?: number;
  basePort?: number;
  benchmark?: string;
}

export function checkIperf3Options(o: Iperf3Options, field = 'iperf3'): void {
  positiveNumber(o.durationS, `${field}.durationS`, 3600);
  if (o.parallel !== undefined) positiveInt(o.parallel, `${field}.parallel`, 128);
  if (o.repetitions !== undefined) positiveInt(o.repetitions, `${field}.repetitions`, 1000);
  if (o.concurrency !== undefined) positiveInt(o.concurrency, `${field}.concurrency`, 64);
}

export async function runIperf3(ctx: RunContext, o: Iperf3Options): Promise<Measurement[]> {
  checkIperf3Options(o);
  const pairs = selectPairs(ctx.nodes, o.pairs, 'iperf3.pairs');
  const reps = o.repetitions ?? 1;
  const jobs = Array.from({ length: reps }, (_, r) => pairs.map((p) => ({ p, rep: r + 1 }))).flat();
  const conc = Math.min(o.concurrency ?? 1, jobs.length);
  const out: Measurement[] = [];
  let next = 0, done = 0;
  ctx.progress.stage('iperf3', `${pairs.length} pairs x ${reps} repetitions, ${o.durationS} s each, ${o.parallel ?? 1} streams, ${conc} at a time`);
  const worker = async (slot: number) => {
    while (next < jobs.length) {
      checkAbort(ctx);
      const { p, rep } = jobs[next++];
      const rows = await measureIperf3(ctx, p, rep, o, (o.basePort ?? 5201) + slot);
      out.push(...rows);
      const tp = rows.find((r) => r.metric === 'throughput');
      ctx.progress.step('iperf3', ++done, jobs.length,
        `${p.src.name} -> ${p.dst.name} (${p.path}) rep ${rep}: ${tp?.status === 'ok' ? `${tp.value?.toFixed(1)} Mbit/s${tp.flags ? ` [${tp.flags}]` : ''}` : `${tp?.status}: ${tp?.reason}`}`);
    }
  };
  await Promise.all(Array.from({ length: conc }, (_, i) => worker(i)));
  return out;
}

async function waitListening(node: BenchNode, port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await run(node.exec.wrap(['ss', '-Hltn', `sport = :${port}`]), { timeoutMs: 5000 });
    if (r.ok && r.stdout.includes(`:${port}`)) return true;
    await new Promise((res) => setTimeout(res, 50));
  }
  return false;
}

/** One sample: returns its rows (already stored). Never throws for a tool failure: that is a failed row. */
export async function measureIperf3(ctx: RunContext, p: Pair<BenchNode>, rep: number, o: Iperf3Options, port: number): Promise<Measurement[]> {
  const bench = o.benchmark ?? 'iperf3';
  const startedAt = new Date();
  const sctx = sampleContext(ctx, bench, p, rep, startedAt);
  const tag = `${bench}/rep${rep}-${p.src.name}--${p.dst.name}`;
  const server = start(p.dst.exec.wrap(iperf3ServerArgs({ bind: p.dst.address, port, oneOff: true, idleTimeoutS: 30 })));
  let samples: Sample[];
  let flags: string[] = [];
  try {
    if (!(await waitListening(p.dst, port, 5000))) {
      samples = [failed('throughput', 'Mbit/s', `iperf3 server on ${p.dst.name} did not listen on port ${port} within 5 s`)];
    } else {
      const key = ctx.emulatorStats && p.path === 'inter-site' ? pairKey(ctx.emulatorStats(), p.src.site, p.dst.site) : null;
      const before = key ? ctx.emulatorStats!()[key] : undefined;
      const argv = iperf3ClientArgs({ server: p.dst.address, port, durationS: o.durationS, parallel: o.parallel, omitS: o.omitS, bitrate: o.bitrate, lengthBytes: o.lengthBytes, pacingTimerUs: o.pacingTimerUs, connectTimeoutMs: 3000 });
      const limitMs = (o.durationS + (o.omitS ?? 0) + 20) * 1000;
      const r = await run(p.src.exec.wrap(argv), { timeoutMs: limitMs });
      ctx.store.raw(`${tag}.client.json`, r.stdout);
      if (r.stderr.trim()) ctx.store.raw(`${tag}.client.stderr`, r.stderr);
      if (r.exitCode === null || (r.durationMs >= limitMs && !r.ok)) {
        samples = [failed('throughput', 'Mbit/s', `iperf3 client killed after ${limitMs / 1000} s without finishing`, 'timeout')];
      } else {
        samples = parseIperf3(r.stdout || r.stderr).samples;
      }
      if (key) {
        await new Promise((res) => setTimeout(res, 150)); // let the relay publish counters covering the sample's end
        const v = emulatorVerdict(before, ctx.emulatorStats!()[key]);
        if (v.saturated) {
          flags = ['emulator-saturated'];
          ctx.progress.warn(`${p.src.name} -> ${p.dst.name}: emulator limited this sample: ${v.detail}`);
        }
      }
    }
  } finally {
    const s = await Promise.race([server, new Promise<null>((res) => setTimeout(() => res(null), 3000))]);
    if (s === null) { await server.kill('SIGKILL').catch(() => {}); }
    const so = s ?? (await server.catch(() => null));
    if (so) ctx.store.raw(`${tag}.server.txt`, so.stdout + so.stderr);
  }
  return record(ctx, samples.map((s) => toRow(sctx, s.status === 'ok' ? { ...s, flags: [...(s.flags ?? []), ...flags] } : s)));
}
