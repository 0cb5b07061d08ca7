/**
 * http runner: a real web server (nginx or busybox httpd) in the destination node, real `wrk`
 * load from the source node. One server per (destination, server kind) serves every pair, size and
 * repetition aimed at it, and is always stopped afterwards. Rows: requests_per_s, transfer,
 * latency_p50..p99, socket_errors (+ latency_mean/max, requests, non_2xx), flagged
 * `server=<kind>;size=<bytes>` so reports can tell them apart. A server that does not come up gives
 * failed rows for every sample it would have served, with the reason.
 */
import { parseWrk, WRK_FAILED_METRICS } from '../collectors/wrk.js';
import { failed, toRow, type Measurement, type Sample } from '../measurements/measurement.js';
import { checkAbort, record, sampleContext, type BenchNode, type RunContext } from './context.js';
import { startHttpServer, HttpServerError, type HttpServer, type HttpServerKind } from './http-server.js';
import type { Pair } from './pairs.js';
import { resolveHttpOptions, type HttpOptions, type ResolvedHttpOptions } from './http-options.js';
import { emulatorDown, runSample } from './sample.js';
import { wrkArgs, wrkDeadlineS } from './wrk-cmd.js';
import { tcpParams } from './tcp.js';
import { anyWanted, inCell, spareNote, standingNode, type CellSpec } from './cells.js';

export { checkHttpOptions, resolveHttpOptions, type HttpOptions } from './http-options.js';

export interface Job {
  p: Pair<BenchNode>;
  rep: number;
  size: number;
}

export async function runHttp(ctx: RunContext, opts: HttpOptions): Promise<Measurement[]> {
  const o = resolveHttpOptions(opts, ctx.nodes);
  const { pairs, servers, sizes, repetitions: reps } = o;
  const bench = o.benchmark ?? 'http';
  const dsts = [...new Set(pairs.map((p) => p.dst))];
  const total = pairs.length * servers.length * sizes.length * reps;
  ctx.progress.stage(
    'http',
    `${pairs.length} pairs x ${servers.join('+')} x ${sizes.length} sizes x ${reps} repetitions, ${o.durationS} s each, ${o.threads} threads / ${o.connections} connections`,
  );
  const out: Measurement[] = [];
  let done = 0;
  for (const dst of dsts)
    for (const kind of servers) {
      const jobs: Job[] = [];
      for (let rep = 1; rep <= reps; rep++) for (const p of pairs.filter((x) => x.dst === dst)) for (const size of sizes) jobs.push({ p, rep, size });
      checkAbort(ctx);
      const step = (j: Job, rows: Measurement[] | null) => {
        if (!rows) {
          done++;
          return;
        }
        out.push(...rows);
        const rps = rows.filter((r) => r.metric === 'requests_per_s').pop();
        const p50 = rows.filter((r) => r.metric === 'latency_p50').pop();
        ctx.progress.step(
          'http',
          ++done,
          total,
          `${kind} ${j.size} B: ${j.p.src.name} -> ${dst.name} (${j.p.path}) rep ${j.rep}${spareNote(rows, j.p)}: ${
            rps?.status === 'ok'
              ? `${rps.value?.toFixed(0)} req/s, p50 ${p50?.value?.toFixed(2)} ms${rps.flags.includes('socket-errors') ? ' [socket errors]' : ''}`
              : `${rps?.status}: ${rps?.reason}`
          }`,
        );
      };
      const specs = jobs.map((j) => httpCell(o, kind, j));
      // Every cell aimed at this server is done already (a fill), or its node is lost with no spare: no server is started.
      if (!anyWanted(ctx, specs) || !standingNode(ctx, dst)) {
        for (const [k, j] of jobs.entries()) step(j, await inCell(ctx, specs[k], async () => []));
        continue;
      }
      // One server per node it runs on: the destination's, and a spare's once one stands in for it.
      const running = new Map<string, HttpServer | HttpServerError>();
      const serverOn = async (node: BenchNode): Promise<HttpServer | HttpServerError> => {
        let s = running.get(node.name);
        if (!s) {
          try {
            s = await startHttpServer(ctx, node, { kind, port: o.port, sizes, workers: o.workers });
          } catch (e) {
            if (!(e instanceof HttpServerError)) throw e;
            ctx.progress.warn(e.message);
            ctx.store.raw(`${bench}/${kind}-${node.name}.server.txt`, e.output);
            s = e;
          }
          running.set(node.name, s);
        }
        return s;
      };
      try {
        for (const [k, j] of jobs.entries()) {
          checkAbort(ctx);
          // One cell: not run when its client or server node is lost (written missing) or a fill has it ok already;
          // a server that did not start gives failed rows (and its node is probed: gone, the cell is missing).
          const rows = await inCell(ctx, specs[k], async (cctx, at) => {
            const srv = await serverOn(at.pair.dst);
            const jj = { ...j, p: at.pair };
            return srv instanceof HttpServerError ? failedSample(cctx, o, kind, jj, srv.message) : measureHttp(cctx, srv, jj, o);
          });
          step(j, rows);
        }
      } finally {
        for (const [name, srv] of running) {
          if (srv instanceof HttpServerError) continue;
          const said = await srv.stop().catch((e) => `stop failed: ${(e as Error).message}`);
          if (said.trim()) ctx.store.raw(`${bench}/${kind}-${name}.server.txt`, said);
        }
      }
    }
  return out;
}

/** The cell of one wrk sample: its client -> server pair, repetition, server kind and body size. */
export const httpCell = (o: Pick<ResolvedHttpOptions, 'benchmark'>, kind: HttpServerKind, j: Job): CellSpec => ({
  benchmark: o.benchmark ?? 'http',
  pair: j.p,
  repetition: j.rep,
  params: { server: kind, size: j.size },
});

/** Row params: the server, the body size and the pair's TCP congestion control (tcp_cc, when known). */
const paramsOf = (ctx: RunContext, j: Job, kind: HttpServerKind, size: number) => ({ server: kind, size, ...tcpParams(ctx, j.p.src, j.p.dst) });

function failedSample(ctx: RunContext, o: ResolvedHttpOptions, kind: HttpServerKind, j: Job, reason: string): Measurement[] {
  const sctx = sampleContext(ctx, o.benchmark ?? 'http', j.p, j.rep, new Date());
  return record(
    ctx,
    WRK_FAILED_METRICS.map(([m, u]) => toRow(sctx, { ...failed(m, u, reason), params: paramsOf(ctx, j, kind, j.size) })),
  );
}

/** One wrk sample against a running server: rows (already stored). A tool failure is a failed row, never a throw. */
export async function measureHttp(ctx: RunContext, server: HttpServer, j: Job, opts: HttpOptions | ResolvedHttpOptions): Promise<Measurement[]> {
  const o = 'resolved' in opts ? opts : resolveHttpOptions(opts, ctx.nodes);
  const bench = o.benchmark ?? 'http';
  const sctx = sampleContext(ctx, bench, j.p, j.rep, new Date());
  const wo = { url: server.url(j.size), threads: o.threads, connections: o.connections, durationS: o.durationS, timeoutS: o.timeoutS };
  const res = await runSample({
    tool: 'wrk',
    argv: j.p.src.exec.wrap(wrkArgs(wo, 'http')),
    timeoutMs: wrkDeadlineS(wo) * 1000,
    failedMetrics: WRK_FAILED_METRICS,
    emulatorDown: emulatorDown(ctx, j.p),
    signal: ctx.signal,
    parse: (r) => parseWrk(r.stdout.trim() ? r.stdout + r.stderr : r.stderr).samples,
  });
  const r = res.result;
  if (r)
    ctx.store.raw(`${bench}/rep${j.rep}-${server.kind}-${j.size}-${j.p.src.name}--${j.p.dst.name}.txt`, r.stdout + (r.stderr ? `\n# stderr\n${r.stderr}` : ''));
  const samples: Sample[] = res.samples;
  const params = paramsOf(ctx, j, server.kind, j.size);
  return record(
    ctx,
    samples.map((s) => toRow(sctx, { ...s, params: { ...params, ...s.params } })),
  );
}
