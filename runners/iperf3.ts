/**
 * iperf3 runner: real `iperf3 --json` between node pairs, one pair at a time unless asked for
 * concurrency. Life cycle per sample: start a one-off server on the destination, wait until it
 * listens, run the client, archive both outputs, parse into rows (collectors/iperf3).
 */
import { iperf3ClientArgs, iperf3ServerArgs } from './iperf3-cmd.js';
import { IPERF3_FAILED_METRICS, parseIperf3 } from '../collectors/iperf3.js';
import { mapLimit } from '../infra/concurrency.js';
import { failed, toRow, type Measurement, type Sample } from '../measurements/measurement.js';
import { killQuietly, run, start } from '../infra/exec.js';
import { checkAbort, reachAllowanceS, record, sampleContext, type BenchNode, type RunContext } from './context.js';
import type { Pair } from './pairs.js';
import { resolveIperf3Options, resolveIperf3Settings, type Iperf3Options, type Iperf3Settings } from './iperf3-options.js';
import { emulatorDown, emulatorWatch, failAll, runSample } from './sample.js';
import { limitedLine, retryLimited, type Try } from './retry-limited.js';
import { attemptOf } from '../measurements/retries.js';
import { tcpParams } from './tcp.js';
import { inCell, spareNote } from './cells.js';

export { resolveIperf3Options, type Iperf3Options } from './iperf3-options.js';

/** The old check, kept for callers: resolves and drops the result (one set of limits, in iperf3-options). */
export function checkIperf3Options(o: Iperf3Options, field = 'iperf3'): void {
  resolveIperf3Settings(o, field);
}

export async function runIperf3(ctx: RunContext, opts: Iperf3Options): Promise<Measurement[]> {
  const o = resolveIperf3Options(opts, ctx.nodes);
  const { pairs, repetitions: reps } = o;
  const jobs = Array.from({ length: reps }, (_, r) => pairs.map((p) => ({ p, rep: o.firstRepetition + r }))).flat();
  const conc = Math.min(o.concurrency, jobs.length);
  const out: Measurement[] = [];
  let done = 0;
  ctx.progress.stage('iperf3', `${pairs.length} pairs x ${reps} repetitions, ${o.durationS} s each, ${o.parallel} streams, ${conc} at a time`);
  // Each of the `conc` slots owns a port, so pairs measured at the same time never share one.
  const freePorts = Array.from({ length: conc }, (_, i) => o.basePort + i);
  await mapLimit(jobs, conc, async ({ p, rep }) => {
    checkAbort(ctx);
    const port = freePorts.shift()!;
    try {
      const label = `${p.src.name} -> ${p.dst.name} (${p.path}) rep ${rep}`;
      // One cell: not run when a node of it is lost (written missing) or a fill has it ok already.
      // With spares, `at.pair` has a spare in place of a lost node.
      const rows = await inCell(ctx, { benchmark: o.benchmark, pair: p, repetition: rep }, (cctx, at) =>
        retryLimited(cctx, o, `[iperf3] ${label}`, (attempt) => iperf3Try(cctx, at.pair, rep, o, port, attempt)),
      );
      if (!rows) {
        done++;
        return;
      }
      out.push(...rows);
      const tp = rows.filter((r) => r.metric === 'throughput').pop();
      const attempt = tp ? attemptOf(tp) : 1;
      ctx.progress.step(
        'iperf3',
        ++done,
        jobs.length,
        `${label}${spareNote(rows, p)}: ${tp?.status === 'ok' ? `${tp.value?.toFixed(1)} Mbit/s${tp.flags ? ` [${tp.flags}]` : ''}` : `${tp?.status}: ${tp?.reason}`}${attempt > 1 ? ` (try ${attempt})` : ''}`,
      );
    } finally {
      freePorts.push(port);
    }
  });
  const limited = ctx.emulatorStats ? limitedLine(o.benchmark, out) : null; // a lab's emulator was watched
  if (limited) ctx.progress.info(limited);
  return out;
}

/**
 * How long a server started on `node` may take to listen: 5 s, plus twice the node's reach
 * allowance (the server's start and a check each cross it).
 */
export const listenWaitMs = (node: { virt: string }): number => 5000 + 2000 * reachAllowanceS(node);

/** Waits until a TCP server on `node` listens on `port` (bounded by `timeoutMs`); false when it did not. */
export async function waitListening(node: BenchNode, port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await run(node.exec.wrap(['ss', '-Hltn', `sport = :${port}`]), { timeoutMs: Math.max(5000, Math.min(30_000, deadline - Date.now())) });
    if (r.ok && r.stdout.includes(`:${port}`)) return true;
    await new Promise((res) => setTimeout(res, 50));
  }
  return false;
}

/**
 * One sample: returns its rows (already stored). Never throws for a tool failure: that is a failed row.
 * `o` is resolved here when it is not already (bench/ and tests call this with raw options).
 * One try only: runIperf3 tries a sample the emulator limited again (retry-limited.ts).
 */
export async function measureIperf3(
  ctx: RunContext,
  p: Pair<BenchNode>,
  rep: number,
  opts: Iperf3Options | Iperf3Settings,
  port: number,
): Promise<Measurement[]> {
  const o = 'resolved' in opts ? opts : resolveIperf3Settings(opts);
  return record(ctx, (await iperf3Try(ctx, p, rep, o, port, 1)).rows);
}

/** One try of a sample: its rows, not yet recorded, and why the emulator limited it (if it did). Raw files of a retry end `.try<n>`. */
export async function iperf3Try(ctx: RunContext, p: Pair<BenchNode>, rep: number, o: Iperf3Settings, port: number, attempt: number): Promise<Try> {
  const bench = o.benchmark;
  const startedAt = new Date();
  const sctx = sampleContext(ctx, bench, p, rep, startedAt);
  const tag = `${bench}/rep${rep}-${p.src.name}--${p.dst.name}${attempt > 1 ? `.try${attempt}` : ''}`;
  const down = emulatorDown(ctx, p);
  const downNow = down?.();
  if (downNow) return { rows: failAll(IPERF3_FAILED_METRICS, downNow).map((s) => toRow(sctx, s)) };
  const server = start(p.dst.exec.wrap(iperf3ServerArgs({ bind: p.dst.address, port, oneOff: true, idleTimeoutS: 30 })));
  let samples: Sample[];
  let flags: string[] = [];
  let why = '';
  try {
    if (!(await waitListening(p.dst, port, listenWaitMs(p.dst)))) {
      samples = [failed('throughput', 'Mbit/s', `iperf3 server on ${p.dst.name} did not listen on port ${port} within ${listenWaitMs(p.dst) / 1000} s`)];
    } else {
      const watch = emulatorWatch(ctx, p);
      const argv = iperf3ClientArgs({
        server: p.dst.address,
        port,
        durationS: o.durationS,
        parallel: o.parallel,
        omitS: o.omitS || undefined,
        bitrate: o.bitrate,
        lengthBytes: o.lengthBytes,
        pacingTimerUs: o.pacingTimerUs,
        fqRate: o.fqRate,
        congestion: ctx.tcp?.chosen ?? undefined,
        connectTimeoutMs: 3000,
      });
      const res = await runSample({
        tool: 'iperf3 client',
        argv: p.src.exec.wrap(argv),
        timeoutMs: (o.durationS + o.omitS + 20 + reachAllowanceS(p.src)) * 1000,
        failedMetrics: IPERF3_FAILED_METRICS,
        parse: (r) => parseIperf3(r.stdout || r.stderr).samples,
        emulatorDown: down,
        signal: ctx.signal,
      });
      samples = res.samples;
      if (res.result) {
        ctx.store.raw(`${tag}.client.json`, res.result.stdout);
        if (res.result.stderr.trim()) ctx.store.raw(`${tag}.client.stderr`, res.result.stderr);
      }
      flags = await watch.flags();
      why = watch.detail;
    }
  } finally {
    const s = await Promise.race([server, new Promise<null>((res) => setTimeout(() => res(null), 3000))]);
    if (s === null) {
      await killQuietly(server, 'SIGKILL');
    }
    const so = s ?? (await server.catch(() => null));
    if (so) ctx.store.raw(`${tag}.server.txt`, so.stdout + so.stderr);
  }
  // tcp_cc: what iperf3 reports the sender used (collectors/iperf3), else the nodes' as read after stand-up.
  const cc = tcpParams(ctx, p.src, p.dst);
  return {
    rows: samples.map((s) => toRow(sctx, { ...(s.status === 'ok' ? { ...s, flags: [...(s.flags ?? []), ...flags] } : s), params: { ...cc, ...s.params } })),
    why,
  };
}
