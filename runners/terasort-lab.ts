/**
 * The `lab` Terasort engine: engines/terasort/worker.js runs on every node of the cluster (through
 * the node's Executor), phase by phase, all nodes in parallel: teragen (each node writes its share
 * of the rows), sample (keys for the split points, chosen here), sort (TCP shuffle + external
 * sort) and validate. Each phase is timed here; any failure becomes failed rows with the reason,
 * and the workers still running are killed. Worker output is kept raw in the run's store.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { ProcessOutput, ProcessPromise } from 'zx';
import { start, run as runCmd } from '../infra/exec.js';
import { ConfigError, positiveInt } from '../infra/units.js';
import { toRow, type Measurement } from '../measurements/measurement.js';
import { validatePartitions, type Summary } from '../engines/terasort/validate.js';
import { Checksum } from '../engines/terasort/checksum.js';
import { parseWorkerOutput, terasortSamples, type PhaseName, type PhaseRun, type TerasortRuns, type WorkerOut } from '../collectors/terasort.js';
import { chooseSplits, keyFromHex, keyHex } from '../engines/terasort/sample.js';
import { checkAbort, Interrupted, record, type BenchNode, type RunContext } from './context.js';
import type { TerasortEngine, TerasortOptions } from './terasort.js';

/** The worker next to this file's compiled form: dist/engines/... from dist/runners/ (any outDir). */
export const workerPath = (): string => fileURLToPath(new URL('../engines/terasort/worker.js', import.meta.url));

export const SHUFFLE_PORT = 17700;
const SAMPLE_KEYS = 100_000;

export function checkLabTerasortOptions(o: TerasortOptions, cluster: readonly unknown[], field = 'terasort'): void {
  if (cluster.length === 0) throw new ConfigError(`${field}.cluster`, 'at least one node', cluster);
  positiveInt(o.rows, `${field}.rows`, 2 ** 40);
  if (o.startRow !== undefined && (!Number.isSafeInteger(o.startRow) || o.startRow < 0))
    throw new ConfigError(`${field}.startRow`, 'a whole number >= 0', o.startRow);
  if (o.maps !== undefined && o.maps !== 1) throw new ConfigError(`${field}.maps`, '1 (the lab engine runs one generator per node)', o.maps);
  if (o.reducers !== undefined && o.reducers !== cluster.length)
    throw new ConfigError(`${field}.reducers`, `${cluster.length} (the lab engine sorts one partition per node)`, o.reducers);
  if (o.memoryMiB !== undefined) positiveInt(o.memoryMiB, `${field}.memoryMiB`, 1 << 20);
  if (o.repetitions !== undefined) positiveInt(o.repetitions, `${field}.repetitions`, 1000);
  if (o.label !== undefined && !/^[A-Za-z0-9._-]{1,40}$/.test(o.label))
    throw new ConfigError(`${field}.label`, '1-40 letters, digits, ".", "_" or "-"', o.label);
}

export const labTerasort: TerasortEngine = {
  name: 'lab',
  async run(ctx, cluster, o) {
    checkLabTerasortOptions(o, cluster);
    const out: Measurement[] = [];
    for (let rep = 1; rep <= (o.repetitions ?? 1); rep++) {
      checkAbort(ctx);
      out.push(...(await oneRepetition(ctx, cluster, o, rep)));
    }
    return out;
  },
};

async function oneRepetition(ctx: RunContext, cluster: BenchNode[], o: TerasortOptions, rep: number): Promise<Measurement[]> {
  const label = o.label ?? 'cluster';
  const startedAt = new Date();
  const n = cluster.length;
  const dirs = cluster.map((node) => join(ctx.workDir, 'nodes', node.name, `terasort-${label}-rep${rep}`));
  const first = BigInt(o.startRow ?? 0);
  const share = (i: number) => Math.floor((i * o.rows) / n);
  const timeoutMs = 60_000 + Math.ceil(((o.rows / n) * 100) / 1e6) * 2000; // at least 0.5 MB/s per node
  const base = (i: number) => ({ node: cluster[i].name, dir: dirs[i], timeoutMs });
  const runs: TerasortRuns = { rows: o.rows };
  const phase = <P extends PhaseName>(p: P, cfg: (i: number) => object) => runPhase(ctx, cluster, p, cfg, timeoutMs, `terasort/${label}/rep${rep}`);
  ctx.progress.stage('terasort', `${label}: ${o.rows} rows on ${n} nodes, rep ${rep}`);
  try {
    runs.teragen = await phase('teragen', (i) => ({ ...base(i), startRow: String(first + BigInt(share(i))), rows: share(i + 1) - share(i) }));
    if (runs.teragen.ok) {
      checkAbort(ctx);
      const per = Math.ceil(Math.min(o.rows, SAMPLE_KEYS) / n);
      runs.sample = await phase('sample', (i) => ({ ...base(i), samples: per }));
    }
    if (runs.sample?.ok) {
      checkAbort(ctx);
      const keys = runs.sample.outputs.flatMap((s) => s.keys.map((k, j) => keyFromHex(k, `${s.node}.keys[${j}]`)));
      const splits = chooseSplits(keys, n).map(keyHex);
      const peers = cluster.map((node, id) => ({ id, name: node.name, address: node.address, port: SHUFFLE_PORT, site: node.site }));
      const budgetBytes = (o.memoryMiB ?? 256) * 2 ** 20;
      runs.sort = await phase('sort', (i) => ({ ...base(i), self: i, peers, splits, budgetBytes }));
    }
    if (runs.sort?.ok) {
      checkAbort(ctx);
      runs.validate = await phase('validate', base);
      runs.cluster = clusterVerdict(runs);
    }
  } finally {
    await Promise.all(cluster.map((node, i) => runCmd(node.exec.wrap(['rm', '-rf', dirs[i]]), { timeoutMs: 60_000 })));
  }
  const samples = terasortSamples(runs);
  for (const s of samples) if (s.status !== 'ok') ctx.progress.warn(`terasort ${label} rep ${rep}: ${s.metric}: ${s.reason}`);
  return record(
    ctx,
    samples.map((s) => toRow(terasortContext(ctx, cluster, rep, startedAt), s)),
  );
}

function terasortContext(ctx: RunContext, cluster: BenchNode[], rep: number, startedAt: Date) {
  const a = cluster[0],
    z = cluster[cluster.length - 1];
  const sites = new Set(cluster.map((c) => c.site));
  return {
    run_id: ctx.runId,
    scenario: ctx.scenario,
    benchmark: 'terasort',
    src_site: a.site,
    src_node: a.name,
    dst_site: z.site,
    dst_node: z.name,
    path: sites.size > 1 ? ('inter-site' as const) : ('intra-site' as const),
    virt: [...new Set(cluster.map((c) => c.virt))].join('/'),
    nodes: cluster.length,
    repetition: rep,
    started_at: startedAt.toISOString(),
  };
}

/**
 * Runs one phase on every node at once. The first worker to fail (or the deadline, or an abort)
 * kills the others; the phase then fails with that worker's message.
 */
async function runPhase<P extends PhaseName>(
  ctx: RunContext,
  cluster: BenchNode[],
  phase: P,
  cfg: (i: number) => object,
  timeoutMs: number,
  rawDir: string,
): Promise<PhaseRun<P>> {
  const t0 = performance.now();
  const procs: ProcessPromise[] = cluster.map((node, i) => start(node.exec.wrap([process.execPath, workerPath(), phase, JSON.stringify(cfg(i))])));
  let reason: string | null = null;
  const killAll = (why: string) => {
    reason ??= why;
    for (const p of procs) if (p.stage === 'running') p.kill('SIGKILL').catch(() => {});
  };
  const onAbort = () => killAll('interrupted');
  ctx.signal.addEventListener('abort', onAbort);
  const timer = setTimeout(() => killAll(`${phase} did not finish within ${timeoutMs / 1000 + 10} s`), timeoutMs + 10_000);
  const outputs: WorkerOut[P][] = [];
  try {
    await Promise.all(
      procs.map(async (p, i) => {
        const r: ProcessOutput = await p;
        const node = cluster[i].name;
        ctx.store.raw(`${rawDir}/${node}.${phase}.json`, r.stdout);
        if (r.stderr.trim()) ctx.store.raw(`${rawDir}/${node}.${phase}.stderr`, r.stderr);
        if (r.exitCode !== 0) {
          const msg = r.stderr.trim().split('\n').pop() || `worker on ${node} exited ${r.exitCode ?? `by signal ${r.signal}`}`;
          killAll(`${node}: ${msg}`);
          return;
        }
        const parsed = parseWorkerOutput(phase, r.stdout);
        if (!parsed.ok) return killAll(`${node}: ${parsed.reason}`);
        outputs[i] = parsed.value;
      }),
    );
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onAbort);
  }
  if (ctx.signal.aborted) throw new Interrupted();
  const wallMs = performance.now() - t0;
  ctx.progress.step(
    'terasort',
    1 + ['teragen', 'sample', 'sort', 'validate'].indexOf(phase),
    4,
    `${phase}: ${reason ? `failed: ${reason}` : `${(wallMs / 1000).toFixed(2)} s`}`,
  );
  return reason ? { ok: false, reason } : { ok: true, wallMs, outputs };
}

/**
 * The cross-partition check once every node validated its partition: global order at the
 * partition boundaries, the record count and valsort's checksum against teragen's. The workers'
 * summaries are engines/terasort/validate.ts Summaries, as the worker wrote them.
 */
export function clusterVerdict(runs: TerasortRuns): TerasortRuns['cluster'] {
  if (!runs.validate?.ok || !runs.teragen?.ok) return undefined;
  const checksum = Checksum.combine(runs.teragen.outputs.map((g) => Checksum.fromHex(g.checksum))).toHex();
  return validatePartitions(
    runs.validate.outputs.map((p) => p.summary as Summary),
    { records: runs.rows, checksum },
  );
}
