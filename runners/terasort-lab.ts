/**
 * The `lab` Terasort engine: engines/terasort/worker.js runs on every node of the cluster (through
 * the node's Executor), phase by phase, all nodes in parallel: teragen (each node writes its share
 * of the rows), sample (keys for the split points, chosen here), sort (TCP shuffle + external
 * sort) and validate. Each phase is timed here; any failure becomes failed rows with the reason,
 * and the workers still running are killed. Worker output is kept raw in the run's store.
 */
import { inCell } from './cells.js';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { nsfdsBinary } from '../infra/paths.js';
import type { ProcessOutput, ProcessPromise } from 'zx';
import { killQuietly, start, run as runCmd } from '../infra/exec.js';
import { activity } from '../infra/heartbeat.js';
import { ConfigError, positiveInt } from '../infra/units.js';
import { toRow, type Measurement } from '../measurements/measurement.js';
import { validatePartitions, type Summary } from '../engines/terasort/validate.js';
import { Checksum } from '../engines/terasort/checksum.js';
import { parseWorkerOutput, terasortSamples, type PhaseName, type PhaseRun, type TerasortRuns, type WorkerOut } from '../collectors/terasort.js';
import { chooseSplits, keyFromHex, keyHex } from '../engines/terasort/sample.js';
import { checkAbort, Interrupted, nodeDir, reachAllowanceS, record, type BenchNode, type RunContext } from './context.js';
import { esmBundle, type Bundle } from '../infra/bundle.js';
import type { TerasortEngine, TerasortOptions } from './terasort.js';

/** The worker next to this file's compiled form: dist/engines/... from dist/runners/ (any outDir). */
export const workerPath = (): string => fileURLToPath(new URL('../engines/terasort/worker.js', import.meta.url));

export const groupWorkerPath = (): string => fileURLToPath(new URL('../engines/terasort/group-worker.js', import.meta.url));

/** The worker's path inside its bundle (relative to the compiled tree's root). */
export const WORKER_IN_BUNDLE = 'engines/terasort/worker.js';

/**
 * The worker and the modules it imports, as a bundle for nodes that do not share this machine's
 * files (real hosts): shipped to their hosts' cache and run there by the host's Node.js.
 */
export function workerBundle(): Bundle {
  return esmBundle('terasort-worker', fileURLToPath(new URL('../', import.meta.url)), workerPath());
}

/** How each node starts the worker: from this machine's tree, or from the shipped copy by the host's `node`. */
type WorkerCommand = (i: number) => string[];

/**
 * Nodes that see this machine's files run this tree's worker with this Node.js; on a testbed that
 * ships (real hosts), the bundle goes to their hosts first (once per run; reused from the hosts'
 * cache) and what shipping did is kept in raw/.
 */
async function workerCommand(ctx: RunContext, cluster: BenchNode[], rawDir: string): Promise<WorkerCommand> {
  if (!ctx.ship) return () => [process.execPath, workerPath()];
  const shipped = await ctx.ship.ship(workerBundle(), cluster);
  ctx.store.raw(`${rawDir}/shipped.json`, `${JSON.stringify(shipped.hosts, null, 2)}\n`);
  return (i) => {
    const dir = shipped.dirs.get(cluster[i].name);
    if (!dir) throw new Error(`terasort: the worker was not shipped to ${cluster[i].name}`);
    return ['node', `${dir}/${WORKER_IN_BUNDLE}`];
  };
}

export const SHUFFLE_PORT = 17700;
/** Above this many nodes, the lab engine serves nodes by groups (one worker process per group). */
export const GROUP_ABOVE = 48;
export const DEFAULT_GROUP_SIZE = 100;
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
  if (o.firstRepetition !== undefined) positiveInt(o.firstRepetition, `${field}.firstRepetition`, 1_000_000);
  if (o.groupSize !== undefined) positiveInt(o.groupSize, `${field}.groupSize`, 4096);
  if (groupSizeFor(o, cluster.length) > 1 && !cluster.every((n) => isNetnsNode(n)))
    throw new ConfigError(
      `${field}.groupSize`,
      "1 unless every node is a netns lab node (a group worker opens sockets in the nodes' namespaces)",
      o.groupSize ?? DEFAULT_GROUP_SIZE,
    );
  if (o.label !== undefined && !/^[A-Za-z0-9._-]{1,40}$/.test(o.label))
    throw new ConfigError(`${field}.label`, '1-40 letters, digits, ".", "_" or "-"', o.label);
}

export const groupSizeFor = (o: TerasortOptions, n: number): number => Math.min(n, o.groupSize ?? (n > GROUP_ABOVE ? DEFAULT_GROUP_SIZE : 1));
/**
 * A netns node of the lab. Before stand-up (the check pass: a node spec, no executor yet) its
 * virt is all there is to go by; a stood-up node must also name its namespace (remote netns
 * nodes do not: their namespaces are on other machines).
 */
const isNetnsNode = (n: unknown): boolean => {
  if (typeof n !== 'object' || n === null || (n as { virt?: string }).virt !== 'netns') return false;
  return !('exec' in n) || typeof (n as { ns?: unknown }).ns === 'string';
};

/** Cluster indices in G contiguous groups of near-equal size (at most `size` each). */
export function clusterGroups(n: number, size: number): number[][] {
  const g = Math.ceil(n / size);
  return Array.from({ length: g }, (_, k) =>
    Array.from({ length: Math.floor(((k + 1) * n) / g) - Math.floor((k * n) / g) }, (_, j) => Math.floor((k * n) / g) + j),
  );
}

export const labTerasort: TerasortEngine = {
  name: 'lab',
  async run(ctx, cluster, o) {
    checkLabTerasortOptions(o, cluster);
    const out: Measurement[] = [];
    const first = o.firstRepetition ?? 1;
    for (let rep = first; rep < first + (o.repetitions ?? 1); rep++) {
      checkAbort(ctx);
      // One cell per job: a member lost before it starts, or found gone when it fails, makes it
      // missing (a smaller cluster would not be the same cell); later jobs on that node are missing too.
      // With spares the job runs (again) with a spare of the member's site in its place.
      const cell = {
        benchmark: 'terasort',
        pair: { src: cluster[0], dst: cluster[cluster.length - 1] },
        repetition: rep,
        params: { engine: 'lab', label: o.label ?? 'cluster', nodes: cluster.length },
        members: cluster,
      };
      // With spares, `at.members` has a spare of the same site in place of a lost member (the same shape: the same cell).
      out.push(...((await inCell(ctx, cell, (cctx, at) => oneRepetition(cctx, at.members, o, rep))) ?? []));
    }
    return out;
  },
};

async function oneRepetition(ctx: RunContext, cluster: BenchNode[], o: TerasortOptions, rep: number): Promise<Measurement[]> {
  const label = o.label ?? 'cluster';
  const startedAt = new Date();
  const n = cluster.length;
  const dirs = cluster.map((node) => join(nodeDir(ctx, node), `terasort-${label}-rep${rep}`));
  const first = BigInt(o.startRow ?? 0);
  const share = (i: number) => Math.floor((i * o.rows) / n);
  // At least 0.5 MB/s per node; a Xen guest (emulated under TCG in the lab: Node.js alone starts in tens of seconds) gets 4 x its reach allowance on top.
  const slowMs = Math.max(...cluster.map((x) => reachAllowanceS(x))) * 4000;
  const timeoutMs = 60_000 + slowMs + Math.ceil(((o.rows / n) * 100) / 1e6) * 2000;
  const base = (i: number) => ({ node: cluster[i].name, dir: dirs[i], timeoutMs });
  const runs: TerasortRuns = { rows: o.rows };
  const gsize = groupSizeFor(o, n);
  const groups = gsize > 1 ? clusterGroups(n, gsize) : null;
  const worker = groups ? null : await workerCommand(ctx, cluster, `terasort/${label}/rep${rep}`);
  const phase = <P extends PhaseName>(p: P, cfg: (i: number) => object, sort?: GroupSort) =>
    worker
      ? runPhase(ctx, cluster, p, cfg, timeoutMs, `terasort/${label}/rep${rep}`, worker)
      : runGroupPhase(ctx, cluster as GroupNode[], p, cfg, timeoutMs, `terasort/${label}/rep${rep}`, groups ?? [], sort);
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
      runs.sort = await phase('sort', (i) => ({ ...base(i), self: i, peers, splits, budgetBytes }), {
        splits,
        budgetBytes: Math.max(2 ** 20, Math.floor(budgetBytes / gsize)),
      });
    }
    if (runs.sort?.ok) {
      checkAbort(ctx);
      runs.validate = await phase('validate', base);
      runs.cluster = clusterVerdict(runs);
    }
  } finally {
    // Grouped nodes are netns nodes: their files are this machine's, no process per node to remove them.
    if (groups) for (const d of dirs) rmSync(d, { recursive: true, force: true });
    else await Promise.all(cluster.map((node, i) => runCmd(node.exec.wrap(['rm', '-rf', dirs[i]]), { timeoutMs: 60_000 })));
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
  worker: WorkerCommand,
): Promise<PhaseRun<P>> {
  const t0 = performance.now();
  const procs: ProcessPromise[] = cluster.map((node, i) => start(node.exec.wrap([...worker(i), phase, JSON.stringify(cfg(i))])));
  const outputs: WorkerOut[P][] = [];
  const { reason, wallMs } = await superviseWorkers(ctx, phase, procs, timeoutMs, t0, '', (r, i, fail) => {
    const node = cluster[i].name;
    ctx.store.raw(`${rawDir}/${node}.${phase}.json`, r.stdout);
    if (r.stderr.trim()) ctx.store.raw(`${rawDir}/${node}.${phase}.stderr`, r.stderr);
    if (r.exitCode !== 0) return fail(`${node}: ${r.stderr.trim().split('\n').pop() || `worker on ${node} exited ${r.exitCode ?? `by signal ${r.signal}`}`}`);
    const parsed = parseWorkerOutput(phase, r.stdout);
    if (!parsed.ok) return fail(`${node}: ${parsed.reason}`);
    outputs[i] = parsed.value;
  });
  return reason ? { ok: false, reason } : { ok: true, wallMs, outputs };
}

/**
 * Waits for one phase's worker processes: a failure reported by `onExit`, an abort or the deadline
 * kills them all (the first reason is kept); then the phase's progress line.
 */
async function superviseWorkers(
  ctx: RunContext,
  phase: PhaseName,
  procs: ProcessPromise[],
  timeoutMs: number,
  t0: number,
  note: string,
  onExit: (r: ProcessOutput, k: number, fail: (why: string) => void) => void,
): Promise<{ reason: string | null; wallMs: number }> {
  let reason: string | null = null;
  const killAll = (why: string) => {
    reason ??= why;
    for (const p of procs) if (p.stage === 'running') void killQuietly(p, 'SIGKILL');
  };
  const onAbort = () => killAll('interrupted');
  ctx.signal.addEventListener('abort', onAbort);
  const timer = setTimeout(() => killAll(`${phase} did not finish within ${timeoutMs / 1000 + 10} s`), timeoutMs + 10_000);
  // The "still ..." lines say how many workers are done (a worker prints only its result, at its end).
  const act = activity(ctx.progress, `running the Terasort ${phase} phase`);
  let finished = 0;
  const done = () => act.detail(`${finished} of ${procs.length} ${note ? 'group ' : ''}workers finished`);
  done();
  try {
    await Promise.all(
      procs.map(async (p, k) => {
        const r = await p;
        finished++;
        done();
        onExit(r, k, killAll);
      }),
    );
  } finally {
    act.end();
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onAbort);
  }
  if (ctx.signal.aborted) throw new Interrupted();
  const wallMs = performance.now() - t0;
  ctx.progress.step(
    'terasort',
    1 + ['teragen', 'sample', 'sort', 'validate'].indexOf(phase),
    4,
    `${phase}: ${reason ? `failed: ${reason}` : `${(wallMs / 1000).toFixed(2)} s`}${note}`,
  );
  return { reason, wallMs };
}

type GroupNode = BenchNode & { ns: string };
interface GroupSort {
  splits: string[];
  budgetBytes: number;
}

/**
 * Runs one phase with one worker process per group of nodes (engines/terasort/group-worker.ts),
 * all groups at once; each prints one result per member node, the same as a per-node worker. For
 * the sort, infra/nsconf/nsfds first opens each group's sockets inside its nodes' namespaces: a
 * listening socket per member node, and one connection to every other group between real node
 * addresses (member b mod k of this group to member a mod k of group b).
 */
async function runGroupPhase<P extends PhaseName>(
  ctx: RunContext,
  cluster: GroupNode[],
  phase: P,
  cfg: (i: number) => object,
  timeoutMs: number,
  rawDir: string,
  groups: number[][],
  sort?: GroupSort,
): Promise<PhaseRun<P>> {
  const t0 = performance.now();
  const dir = join(ctx.workDir, 'terasort-groups', rawDir.replaceAll('/', '-'), phase);
  mkdirSync(dir, { recursive: true });
  const groupOf: number[] = [];
  groups.forEach((g, k) => {
    for (const i of g) groupOf[i] = k;
  });
  const procs: ProcessPromise[] = groups.map((g, k) => {
    const members = g.map((i) => ({ ...cfg(i), id: i, node: cluster[i].name, site: cluster[i].site }));
    const conf: Record<string, unknown> = { group: k, members, timeoutMs };
    const file = join(dir, `group-${k}.json`);
    const argv = [process.execPath, groupWorkerPath(), phase, file];
    if (phase === 'sort' && sort) {
      const spec = g.map((i) => `listen ${cluster[i].ns} ${cluster[i].address} ${SHUFFLE_PORT}`);
      const links = groups.flatMap((h, b) => {
        if (b === k) return [];
        const from = g[b % g.length],
          to = h[k % h.length];
        spec.push(`connect ${cluster[from].ns} ${cluster[from].address} ${cluster[to].address} ${SHUFFLE_PORT}`);
        return [
          {
            group: b,
            fd: 2 + spec.length,
            from,
            to: { id: to, name: cluster[to].name, address: cluster[to].address, port: SHUFFLE_PORT, site: cluster[to].site },
          },
        ];
      });
      Object.assign(conf, { groups: groups.length, groupOf, splits: sort.splits, budgetBytes: sort.budgetBytes, listenFds: g.map((_, j) => 3 + j), links });
      writeFileSync(join(dir, `group-${k}.fds`), spec.join('\n') + '\n');
      argv.unshift(nsfdsBinary(), '-t', String(timeoutMs), join(dir, `group-${k}.fds`), '--');
    }
    writeFileSync(file, JSON.stringify(conf));
    return start(argv);
  });
  const outputs: WorkerOut[P][] = [];
  const { reason, wallMs } = await superviseWorkers(ctx, phase, procs, timeoutMs, t0, ` (${groups.length} group workers)`, (r, k, fail) => {
    const first = cluster[groups[k][0]].name;
    ctx.store.raw(`${rawDir}/group-${k}.${phase}.json`, r.stdout);
    if (r.stderr.trim()) ctx.store.raw(`${rawDir}/group-${k}.${phase}.stderr`, r.stderr);
    if (r.exitCode !== 0)
      return fail(`group ${k} (${first}...): ${r.stderr.trim().split('\n').pop() || `group worker ${k} exited ${r.exitCode ?? `by signal ${r.signal}`}`}`);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('{'));
    for (const i of groups[k]) {
      const line = lines.find((l) => l.includes(`"node":${JSON.stringify(cluster[i].name)},`));
      const parsed = parseWorkerOutput(phase, line ?? '');
      if (!parsed.ok) return fail(`${cluster[i].name}: ${parsed.reason}`);
      outputs[i] = parsed.value;
    }
  });
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
