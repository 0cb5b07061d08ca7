/**
 * Transactions runner (Fig. 3 analogue): a real PostgreSQL server on one node, real pgbench on
 * client nodes at the same site and at the other sites, one client at a time so that they do not
 * disturb each other. Rows: tps, latency_avg, latency_stddev, failed_tx, connection_time,
 * transactions (and latency_p50/p95/p99 from the per-transaction log when asked), each flagged
 * `script=<name>` so that reports group by script while metric names stay the same for all.
 */
import { failed, toRow, type Measurement, type Sample } from '../measurements/measurement.js';
import { latencyPercentileSamples, LATENCY_PERCENTILES, parsePgbench, parsePgbenchLog, PGBENCH_FAILED_METRICS } from '../collectors/pgbench.js';
import { run } from '../infra/exec.js';
import { during } from '../infra/heartbeat.js';
import { ConfigError } from '../infra/units.js';
import { checkAbort, nodeDir, record, sampleContext, type BenchNode, type RunContext } from './context.js';
import type { Pair } from './pairs.js';
import { pgbenchRunArgs, type PgbenchScript } from './pgbench-cmd.js';
import { resolvePgbenchOptions, resolvePgbenchSettings, type PgbenchOptions, type PgbenchSettings } from './pgbench-options.js';
import { emulatorDown, runSample } from './sample.js';
import { startPostgres, type PostgresServer } from './postgres-server.js';
import { tcpParams } from './tcp.js';
import { anyWanted, inCell, missingIfLost, spareNote, standingNode, type CellSpec } from './cells.js';

export { pgbenchPairs, resolvePgbenchOptions } from './pgbench-options.js';

export async function runPgbench(ctx: RunContext, opts: PgbenchOptions): Promise<Measurement[]> {
  const o = resolvePgbenchOptions(opts, ctx.nodes);
  const { pairs, scripts, repetitions: reps } = o;
  const first = o.firstRepetition ?? 1;
  const total = reps * scripts.length * pairs.length;
  const srvNode = pairs[0].dst;
  ctx.progress.stage(
    'pgbench',
    `server ${srvNode.name}, clients ${pairs.map((p) => `${p.src.name} (${p.path})`).join(', ')}; ${scripts.join(', ')} x ${reps} repetitions, ${o.durationS} s, -c ${o.clients} -j ${o.threads ?? 1}, scale ${o.scale ?? 1}`,
  );
  const out: Measurement[] = [];
  const cells = Array.from({ length: reps }, (_, r) => scripts.flatMap((script) => pairs.map((p) => cellOf(o, p, first + r, script)))).flat();
  // The server (one per node it runs on: with spares, a spare in place of a lost server node gets its own).
  const servers = new Map<string, PostgresServer>();
  /** Nodes whose server could not be set up, and why (not tried again within the call). */
  const broken = new Map<string, string>();
  const ready = new Set<string>();
  const bringUp = async (node: BenchNode): Promise<PostgresServer> => {
    const srv = await during(ctx.progress, `starting PostgreSQL on ${node.name}`, () =>
      startPostgres(ctx, node, { port: o.port, fsync: o.fsync, needConnections: o.clients }),
    );
    servers.set(node.name, srv); // stopped at the end, also when its tables could not be made
    // pgbench -i prints its steps and a line per 100,000 rows: the detail of the "still ..." lines.
    const s = await during(ctx.progress, `initialising pgbench tables (pgbench -i -s ${o.scale ?? 1}) on ${node.name}`, (a) =>
      srv.initPgbench(o.scale ?? 1, (line) => a.detail(line)),
    );
    ctx.progress.info(`postgres on ${node.name} ready, pgbench -i -s ${o.scale ?? 1} done in ${s} s`);
    ready.add(node.name);
    return srv;
  };
  /** The server on `node` (started when a spare stands in for the server's node), or why it could not start. */
  const serverOn = async (node: BenchNode): Promise<PostgresServer | string> => {
    if (ready.has(node.name)) return servers.get(node.name)!;
    const why = broken.get(node.name);
    if (why) return why;
    try {
      return await bringUp(node);
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      broken.set(node.name, (e as Error).message);
      return (e as Error).message;
    }
  };
  try {
    // Every cell of this call is done already (a fill) or its server node is lost with no spare: no server is started.
    for (;;) {
      const at = standingNode(ctx, srvNode);
      if (!at || !anyWanted(ctx, cells)) {
        for (const c of cells) missingIfLost(ctx, c, [srvNode]);
        return out;
      }
      try {
        await bringUp(at);
        break;
      } catch (e) {
        if (e instanceof ConfigError) throw e;
        // The server's node is gone: its cells are missing (not failed one by one), or a spare takes its place.
        if (ctx.cells && !ctx.signal.aborted && (await ctx.cells.check(at))) continue;
        // The server could not be set up: every planned sample is a failed row saying why.
        const why = (e as Error).message;
        ctx.progress.warn(why);
        for (let rep = first; rep < first + reps; rep++)
          for (const script of scripts)
            for (const p of pairs)
              out.push(...((await inCell(ctx, cellOf(o, p, rep, script), async (cctx, cn) => failedRows(cctx, o, cn.pair, rep, script, why))) ?? []));
        return out;
      }
    }
    let i = 0;
    for (let rep = first; rep < first + reps; rep++)
      for (const script of scripts)
        for (const p of pairs) {
          checkAbort(ctx);
          // One cell: not run when its client or the server node is lost (written missing) or a fill has it ok already;
          // with spares, `cn.pair` has a spare in place of a lost client or server node.
          const rows = await inCell(ctx, cellOf(o, p, rep, script), async (cctx, cn) => {
            const srv = await serverOn(cn.pair.dst);
            if (typeof srv !== 'string') return measurePgbench(cctx, srv, cn.pair, rep, script, o);
            return failedRows(cctx, o, cn.pair, rep, script, srv);
          });
          if (!rows) {
            i++;
            continue;
          }
          out.push(...rows);
          const tps = rows.filter((r) => r.metric === 'tps').pop();
          const lat = rows.filter((r) => r.metric === 'latency_avg').pop();
          ctx.progress.step(
            'pgbench',
            ++i,
            total,
            `${script} ${p.src.name} -> ${p.dst.name} (${p.path}) rep ${rep}${spareNote(rows, p)}: ${tps?.status === 'ok' ? `${tps.value?.toFixed(1)} tx/s, latency ${lat?.value?.toFixed(2)} ms` : `${tps?.status}: ${tps?.reason}`}`,
          );
        }
    return out;
  } finally {
    for (const [name, server] of servers) {
      await server.stop().catch((e) => ctx.progress.warn(`stopping PostgreSQL on ${name}: ${(e as Error).message}`));
      ctx.store.raw(`pgbench/server-${name}.log`, server.log());
    }
  }
}

/** The cell of one pgbench sample: its client -> server pair, repetition and script. */
const cellOf = (o: PgbenchSettings, p: Pair<BenchNode>, rep: number, script: PgbenchScript): CellSpec => ({
  benchmark: o.benchmark ?? 'pgbench',
  pair: p,
  repetition: rep,
  params: { script, ...(o.rttMs !== undefined ? { rtt_ms: o.rttMs } : {}), ...(o.label ? { label: o.label } : {}) },
});

function rowsOf(
  ctx: RunContext,
  o: PgbenchSettings,
  p: Pair<BenchNode>,
  rep: number,
  script: PgbenchScript,
  startedAt: Date,
  samples: Sample[],
): Measurement[] {
  const sctx = sampleContext(ctx, o.benchmark ?? 'pgbench', p, rep, startedAt);
  const params = { script, ...(o.rttMs !== undefined ? { rtt_ms: o.rttMs } : {}), ...(o.label ? { label: o.label } : {}), ...tcpParams(ctx, p.src, p.dst) };
  return samples.map((s) => toRow(sctx, { ...s, params: { ...params, ...s.params } }));
}

/** Every pgbench metric of one cell as a failed row with `why` (no server to measure against), recorded. */
function failedRows(ctx: RunContext, o: PgbenchSettings, p: Pair<BenchNode>, rep: number, script: PgbenchScript, why: string): Measurement[] {
  return record(
    ctx,
    rowsOf(
      ctx,
      o,
      p,
      rep,
      script,
      new Date(),
      PGBENCH_FAILED_METRICS.map(([m, u]) => failed(m, u, why)),
    ),
  );
}

/** One pgbench run of `script` from p.src against the server. Never throws for a tool failure: that is a failed row. */
export async function measurePgbench(
  ctx: RunContext,
  server: PostgresServer,
  p: Pair<BenchNode>,
  rep: number,
  script: PgbenchScript,
  opts: PgbenchOptions | PgbenchSettings,
): Promise<Measurement[]> {
  const o = 'resolved' in opts ? opts : resolvePgbenchSettings(opts);
  const startedAt = new Date();
  const tag = `${o.benchmark ?? 'pgbench'}/rep${rep}-${script}-${p.src.name}--${p.dst.name}`;
  // On the client node's own filesystem (a real host's run dir); read back over its executor below.
  const logDir = `${nodeDir(ctx, p.src)}/pgbench-log/rep${rep}-${script}`;
  const on = (argv: string[]) => p.src.exec.wrap(argv);
  if (o.percentiles) {
    await run(on(['rm', '-rf', logDir]));
    await run(on(['mkdir', '-p', logDir]));
  }
  const argv = pgbenchRunArgs({
    host: server.address,
    port: server.port,
    script,
    clients: o.clients,
    threads: o.threads,
    durationS: o.durationS,
    progressS: o.progressS ?? 1,
    perStatement: o.perStatement,
    ...(o.percentiles ? { logPrefix: `${logDir}/tx`, samplingRate: o.samplingRate } : {}),
  });
  let ok = false;
  let env: string[] = [];
  try {
    env = await server.clientEnv(p.src);
  } catch {
    /* no password file on the client: pgbench then fails to log in, and that is its row's reason */
  }
  const res = await runSample({
    tool: 'pgbench',
    argv: on([...env, ...argv]),
    timeoutMs: (o.durationS + 60) * 1000,
    failedMetrics: PGBENCH_FAILED_METRICS,
    emulatorDown: emulatorDown(ctx, p),
    signal: ctx.signal,
    parse: (r) => {
      const x = parsePgbench(r.stdout, r.stderr, r.exitCode);
      ok = x.ok;
      return x.samples;
    },
  });
  if (res.result) {
    ctx.store.raw(`${tag}.txt`, res.result.stdout);
    if (res.result.stderr.trim()) ctx.store.raw(`${tag}.stderr`, res.result.stderr);
  }
  let samples: Sample[] = res.samples;
  if (o.percentiles) {
    if (!ok || samples.some((x) => x.status !== 'ok' && x.metric === 'tps')) {
      samples = [...samples, ...LATENCY_PERCENTILES.map(([m]) => failed(m, 'ms', samples[0].reason ?? 'pgbench failed'))];
    } else {
      const files = (await run(on(['find', logDir, '-maxdepth', '1', '-type', 'f', '-name', 'tx.*']))).stdout.split('\n').filter(Boolean).sort();
      let text = '';
      for (const f of files) text += (await run(on(['cat', f]), { timeoutMs: 60000 })).stdout;
      ctx.store.raw(`${tag}.txlog`, text);
      const flags = o.samplingRate !== undefined ? [`sampling_rate=${o.samplingRate}`] : [];
      samples = [...samples, ...latencyPercentileSamples(parsePgbenchLog(text), flags)];
    }
    await run(on(['rm', '-rf', logDir]));
  }
  return record(ctx, rowsOf(ctx, o, p, rep, script, startedAt, samples));
}
