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
import { ConfigError } from '../infra/units.js';
import { checkAbort, record, sampleContext, type BenchNode, type RunContext } from './context.js';
import { pathOf, type Pair } from './pairs.js';
import { checkPgbenchOptions, PGBENCH_SCRIPTS, pgbenchRunArgs, type ClientNodeSelection, type PgbenchOptions, type PgbenchScript } from './pgbench-cmd.js';
import { startPostgres, type PostgresServer } from './postgres-server.js';

/** Server node and client nodes (as pairs client -> server) for a selection; ConfigError on unknown names. */
export function pgbenchPairs<N extends BenchNode>(nodes: N[], server: string | undefined, sel: ClientNodeSelection = 'default', field = 'pgbench'): Pair<N>[] {
  const srv = server === undefined ? nodes[0] : nodes.find((n) => n.name === server);
  if (!srv) throw new ConfigError(`${field}.server`, 'the name of a node of this testbed', server);
  const others = nodes.filter((n) => n !== srv);
  let clients: N[];
  if (sel === 'all') clients = others;
  else if (Array.isArray(sel)) {
    clients = sel.map((name, i) => {
      const n = others.find((x) => x.name === name);
      if (!n) throw new ConfigError(`${field}.clientNodes[${i}]`, `the name of a node of this testbed other than the server ${srv.name}`, name);
      return n;
    });
  } else {
    // One at the server's site (on another host when there is one), then the first node of each other site.
    const here = others.filter((n) => n.site === srv.site);
    const sameSite = here.find((n) => n.host !== srv.host) ?? here[0];
    const sites = [...new Set(others.map((n) => n.site))].filter((s) => s !== srv.site);
    clients = [...(sameSite ? [sameSite] : []), ...sites.map((s) => others.find((n) => n.site === s)!)];
  }
  if (clients.length === 0) throw new ConfigError(`${field}.clientNodes`, 'at least one node other than the server', sel);
  return clients.map((c) => ({ src: c, dst: srv, path: pathOf(c, srv) }));
}

export async function runPgbench(ctx: RunContext, o: PgbenchOptions): Promise<Measurement[]> {
  checkPgbenchOptions(o);
  const pairs = pgbenchPairs(ctx.nodes, o.server, o.clientNodes);
  const scripts = o.scripts ?? [...PGBENCH_SCRIPTS];
  const reps = o.repetitions ?? 1;
  const total = reps * scripts.length * pairs.length;
  const srvNode = pairs[0].dst;
  ctx.progress.stage('pgbench', `server ${srvNode.name}, clients ${pairs.map((p) => `${p.src.name} (${p.path})`).join(', ')}; ${scripts.join(', ')} x ${reps} repetitions, ${o.durationS} s, -c ${o.clients} -j ${o.threads ?? 1}, scale ${o.scale ?? 1}`);
  const out: Measurement[] = [];
  let server: PostgresServer | null = null;
  try {
    try {
      server = await startPostgres(ctx, srvNode, { port: o.port, fsync: o.fsync, needConnections: o.clients });
      const s = await server.initPgbench(o.scale ?? 1);
      ctx.progress.info(`postgres on ${srvNode.name} ready, pgbench -i -s ${o.scale ?? 1} done in ${s} s`);
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      // The server could not be set up: every planned sample is a failed row saying why.
      const why = (e as Error).message;
      ctx.progress.warn(why);
      for (let rep = 1; rep <= reps; rep++) for (const script of scripts) for (const p of pairs)
        out.push(...record(ctx, rowsOf(ctx, o, p, rep, script, new Date(), PGBENCH_FAILED_METRICS.map(([m, u]) => failed(m, u, why)))));
      return out;
    }
    let i = 0;
    for (let rep = 1; rep <= reps; rep++) for (const script of scripts) for (const p of pairs) {
      checkAbort(ctx);
      const rows = await measurePgbench(ctx, server, p, rep, script, o);
      out.push(...rows);
      const tps = rows.find((r) => r.metric === 'tps');
      const lat = rows.find((r) => r.metric === 'latency_avg');
      ctx.progress.step('pgbench', ++i, total, `${script} ${p.src.name} -> ${p.dst.name} (${p.path}) rep ${rep}: ${tps?.status === 'ok' ? `${tps.value?.toFixed(1)} tx/s, latency ${lat?.value?.toFixed(2)} ms` : `${tps?.status}: ${tps?.reason}`}`);
    }
    return out;
  } finally {
    if (server) {
      await server.stop();
      ctx.store.raw(`pgbench/server-${srvNode.name}.log`, server.log());
    }
  }
}

function rowsOf(ctx: RunContext, o: PgbenchOptions, p: Pair<BenchNode>, rep: number, script: PgbenchScript, startedAt: Date, samples: Sample[]): Measurement[] {
  const sctx = sampleContext(ctx, o.benchmark ?? 'pgbench', p, rep, startedAt);
  const params = { script, ...(o.rttMs !== undefined ? { rtt_ms: o.rttMs } : {}), ...(o.label ? { label: o.label } : {}) };
  return samples.map((s) => toRow(sctx, { ...s, params: { ...params, ...s.params } }));
}

/** One pgbench run of `script` from p.src against the server. Never throws for a tool failure: that is a failed row. */
export async function measurePgbench(ctx: RunContext, server: PostgresServer, p: Pair<BenchNode>, rep: number, script: PgbenchScript, o: PgbenchOptions): Promise<Measurement[]> {
  const startedAt = new Date();
  const tag = `${o.benchmark ?? 'pgbench'}/rep${rep}-${script}-${p.src.name}--${p.dst.name}`;
  const logDir = `${ctx.workDir}/nodes/${p.src.name}/pgbench-log/rep${rep}-${script}`;
  const on = (argv: string[]) => p.src.exec.wrap(argv);
  if (o.percentiles) {
    await run(on(['rm', '-rf', logDir]));
    await run(on(['mkdir', '-p', logDir]));
  }
  const argv = pgbenchRunArgs({
    host: server.address, port: server.port, script, clients: o.clients, threads: o.threads, durationS: o.durationS,
    progressS: o.progressS ?? 1, perStatement: o.perStatement,
    ...(o.percentiles ? { logPrefix: `${logDir}/tx`, samplingRate: o.samplingRate } : {}),
  });
  const limitMs = (o.durationS + 60) * 1000;
  const r = await run(on(argv), { timeoutMs: limitMs });
  ctx.store.raw(`${tag}.txt`, r.stdout);
  if (r.stderr.trim()) ctx.store.raw(`${tag}.stderr`, r.stderr);
  const res = parsePgbench(r.stdout, r.stderr, r.exitCode);
  let samples: Sample[] = r.exitCode === null
    ? PGBENCH_FAILED_METRICS.map(([m, u]) => failed(m, u, `pgbench killed after ${limitMs / 1000} s without finishing`, 'timeout'))
    : res.samples;
  if (o.percentiles) {
    if (!res.ok || r.exitCode === null) {
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
