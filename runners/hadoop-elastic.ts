/**
 * Elastic scale-out of a real Hadoop cluster (the Kumoi experiment): NameNode + ResourceManager on
 * the first node, DataNode + NodeManager on `initialWorkers` workers; TeraGen once, then a stream of
 * TeraSort jobs on that input while more workers are started one by one, `addEveryS` apart. Rows
 * (benchmark 'hadoop-elastic'):
 *   job_elapsed (s), job_throughput (MB/s)    one per TeraSort job; params: job, workers (registered at its
 *                                              start), t_start_s / t_end_s (seconds since the stream began)
 *   worker_join (s)                           from its daemons' start to its NodeManager RUNNING at the RM;
 *   worker_first_task (s)                     ... to the first container seen on it; params: t_added_s, workers
 * dst_node is the worker for worker rows; for job rows it is the newest worker registered at the job's
 * start (path inter-site once that cluster spans sites). A job or a worker that fails gives failed rows
 * with the reason.
 * Times seen by polling `yarn node -list` every pollMs (default 2 s): that is their resolution.
 */
import { run, type CmdResult } from '../infra/exec.js';
import { activity, during } from '../infra/heartbeat.js';
import { ConfigError, positiveInt } from '../infra/units.js';
import { checkCluster } from '../infra/hadoop/config.js';
import {
  benchPaths,
  cleanupSteps,
  findExamplesJarArgv,
  masterStartSteps,
  removeHdfsArgv,
  setupSteps,
  stopSteps,
  teragenArgv,
  terasortArgv,
  workerStartSteps,
  yarnNodeListArgv,
  type Step,
} from '../infra/hadoop/commands.js';
import { parseJobLog, parseYarnNodeList } from '../collectors/hadoop.js';
import { failed, toRow, type Measurement, type Sample } from '../measurements/measurement.js';
import { checkAbort, record, sampleContext, type BenchNode, type RunContext } from './context.js';
import { placeHadoop, shipHadoop } from './hadoop-nodes.js';
import { followJob, jobFailure, type HadoopEngineOptions } from './terasort-hadoop.js';
import { inCell, type CellSpec } from './cells.js';

export interface ElasticOptions {
  /** Node names in order (master, initial workers, then workers in the order they are added); default every node. */
  nodes?: string[];
  /** Workers at the start (default 3). The cluster's first node is the master, not a worker. */
  initialWorkers?: number;
  /** Teragen rows, the input every TeraSort job of the stream sorts (default 2,000,000 = 200 MB). */
  rows: number;
  /** Seconds between two worker additions, counted from the stream's start (default 60). */
  addEveryS?: number;
  /** Most TeraSort jobs (default 20); the stream stops earlier once every worker joined and `afterJobs` more jobs ran. */
  maxJobs?: number;
  afterJobs?: number;
  reducers?: number;
  hadoop?: HadoopEngineOptions;
}

/** What an option left out means (the runner, its check and the dry-run plan all read these). */
export const ELASTIC_DEFAULTS = { initialWorkers: 3, addEveryS: 60, maxJobs: 20, afterJobs: 2 } as const;

export function checkElasticOptions(o: ElasticOptions, nodes: readonly unknown[], field = 'hadoopElastic'): void {
  if (typeof o !== 'object' || o === null) throw new ConfigError(field, 'an object', o);
  positiveInt(o.rows, `${field}.rows`, 1e12);
  const init = o.initialWorkers ?? ELASTIC_DEFAULTS.initialWorkers;
  positiveInt(init, `${field}.initialWorkers`, 10_000);
  if (nodes.length < init + 1) throw new ConfigError(`${field}.cluster`, `at least ${init + 1} nodes (a master and ${init} workers)`, nodes.length);
  if (o.addEveryS !== undefined) positiveInt(o.addEveryS, `${field}.addEveryS`, 86_400);
  if (o.maxJobs !== undefined) positiveInt(o.maxJobs, `${field}.maxJobs`, 10_000);
  if (o.afterJobs !== undefined) positiveInt(o.afterJobs, `${field}.afterJobs`, 10_000);
  if (o.reducers !== undefined) positiveInt(o.reducers, `${field}.reducers`, 100_000);
}

/** The nodes named by `o.nodes`, in that order (all nodes when not given). */
export function elasticNodes<N extends { name: string }>(all: readonly N[], o: ElasticOptions, field = 'hadoopElastic'): N[] {
  if (o.nodes === undefined) return [...all];
  if (!Array.isArray(o.nodes)) throw new ConfigError(`${field}.nodes`, 'an array of node names', o.nodes);
  const by = new Map(all.map((n) => [n.name, n]));
  return o.nodes.map((name, i) => {
    const n = by.get(name);
    if (!n) throw new ConfigError(`${field}.nodes[${i}]`, `one of the testbed's nodes (${[...by.keys()].slice(0, 6).join(', ')}...)`, name);
    return n;
  });
}

/**
 * The whole elastic stream is one cell (its jobs depend on the cluster's growth over time, so one
 * job alone cannot be run again): `hadoop-elastic|<master>><last worker>|r1|{engine, rows,
 * initial_workers, workers}`, every node a member. A node lost before the stream starts makes it
 * missing (with spares: a spare of its site takes its place from the start); a worker found gone
 * just before it is added is skipped and the stream goes on over the others; the members are probed
 * after the stream, so a node lost during it makes the cell missing (its rows are kept, those
 * recorded after the loss flagged `member-lost`), and `icbench fill` runs the stream again. The
 * stream is not run again on a spare within the run (an hour-long stream twice, and its first rows
 * would count twice).
 */
export const elasticCell = (nodes: readonly BenchNode[], o: ElasticOptions): CellSpec => ({
  benchmark: 'hadoop-elastic',
  pair: { src: nodes[0], dst: nodes[nodes.length - 1] },
  repetition: 1,
  params: { engine: 'hadoop', rows: o.rows, initial_workers: o.initialWorkers ?? ELASTIC_DEFAULTS.initialWorkers, workers: nodes.length - 1 },
  members: nodes,
  probeAfter: true,
  again: false,
});

export async function runHadoopElastic(ctx: RunContext, all: BenchNode[], o: ElasticOptions): Promise<Measurement[]> {
  const given = elasticNodes(all, o);
  checkElasticOptions(o, given);
  checkCluster(given);
  return (await inCell(ctx, elasticCell(given, o), (cctx, at) => elasticStream(cctx, at.members, o))) ?? [];
}

/** The stream on `nodes` (master first; spares in place of nodes lost before it started); a worker found gone before it is added is skipped. */
async function elasticStream(ctx: RunContext, nodes: BenchNode[], o: ElasticOptions): Promise<Measurement[]> {
  const e = o.hadoop ?? {};
  const placed = placeHadoop(ctx, nodes, e, 'hadoopElastic.hadoop');
  const { dataDirOf } = placed;
  let h = placed.h;
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const master = nodes[0];
  const mdir = dataDirOf(master);
  const workers = nodes.slice(1);
  const init = o.initialWorkers ?? ELASTIC_DEFAULTS.initialWorkers;
  const addEveryMs = (o.addEveryS ?? ELASTIC_DEFAULTS.addEveryS) * 1000;
  const pollMs = e.pollMs ?? 2000;
  const spans = new Set(nodes.map((n) => n.site)).size > 1;
  const exec = (s: Step, timeoutMs = 120_000, onLine?: (line: string) => void): Promise<CmdResult> =>
    run(byName.get(s.node)!.exec.wrap(s.argv), { input: s.input, timeoutMs, onLine });
  // A job as an activity: the client's log as it streams (map/reduce %) is the detail of the "still ..." lines.
  const jobExec = async (s: Step, doing: string): Promise<CmdResult> => {
    const act = activity(ctx.progress, doing);
    try {
      return await exec(s, e.jobTimeoutMs ?? 6 * 3600_000, followJob(act));
    } finally {
      act.end();
    }
  };
  const must = async (s: Step) => {
    const r = await exec(s);
    if (!r.ok) throw new Error(`${s.what} failed (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' | ')}`);
  };
  const nodeList = async () => parseYarnNodeList((await exec({ node: master.name, what: 'yarn node -list', argv: yarnNodeListArgv(h, mdir) })).stdout);
  const ctxFor = (dst: BenchNode, rep: number, at: Date) => ({
    ...sampleContext(ctx, 'hadoop-elastic', { src: master, dst, path: dst.site !== master.site ? 'inter-site' : 'intra-site' }, rep, at),
    nodes: nodes.length,
    params: { ...ctx.params, engine: 'hadoop' },
  });
  const out: Measurement[] = [];
  // Rows recorded once a node of the stream is known lost measure a cluster that shrank: flagged.
  const lostMember = () => ctx.cells?.lostNodes().some((l) => byName.has(l.node)) ?? false;
  const keep = (rows: Measurement[]) =>
    out.push(...record(ctx, lostMember() ? rows.map((r) => ({ ...r, flags: r.flags ? `${r.flags};member-lost` : 'member-lost' })) : rows));
  ctx.progress.stage(
    'hadoop elastic',
    `${init} -> ${workers.length} workers${spans ? ' across sites' : ''}, one every ${addEveryMs / 1000} s, TeraSort of ${o.rows} rows per job`,
  );
  // Real hosts: the distribution goes to their cache first (nothing else is on them yet).
  h = (await during(ctx.progress, `shipping Hadoop to the cluster's hosts`, () => shipHadoop(ctx, placed, nodes, 'hadoop-elastic/shipped.json'))).h;
  try {
    await during(ctx.progress, `starting Hadoop: a master and ${init} workers`, async (up) => {
      const steps = [
        ...setupSteps(nodes, dataDirOf, h, `icbench-${ctx.runId}`),
        ...masterStartSteps(master, dataDirOf, h),
        ...workers.slice(0, init).flatMap((w) => workerStartSteps(w, dataDirOf, h)),
      ];
      for (const [i, s] of steps.entries()) {
        checkAbort(ctx);
        up.detail(`${s.what} (step ${i + 1} of ${steps.length})`);
        await must(s);
      }
      const deadline = Date.now() + (e.registerTimeoutMs ?? 600_000);
      up.detail(`waiting for ${init} NodeManagers to register`);
      for (let running = 0; (running = (await nodeList()).running) < init; ) {
        up.detail(`${running} of ${init} NodeManagers registered`);
        checkAbort(ctx);
        if (Date.now() > deadline) throw new Error(`fewer than ${init} NodeManagers registered within ${(e.registerTimeoutMs ?? 600_000) / 1000} s`);
        await new Promise((r) => setTimeout(r, pollMs));
      }
    });
    const jar = e.examplesJar ?? (await exec({ node: master.name, what: 'find the examples jar', argv: findExamplesJarArgv(h) })).stdout.trim().split('\n')[0];
    const p = benchPaths(ctx.runId, 1);
    const gen = await jobExec(
      { node: master.name, what: 'teragen', argv: teragenArgv(h, mdir, jar, o.rows, init, p.input) },
      `running teragen of ${o.rows} rows`,
    );
    ctx.store.raw('hadoop-elastic/teragen.log', gen.stderr);
    const genFail = jobFailure(gen, parseJobLog(gen.stderr + '\n' + gen.stdout));
    if (genFail) throw new Error(`teragen: ${genFail}`);

    // The stream of jobs and the worker additions run side by side.
    const t0 = performance.now();
    const since = () => (performance.now() - t0) / 1000;
    let added = init;
    let joined = init;
    let stop = false;
    const adder = (async () => {
      for (let i = init; i < workers.length && !stop; i++) {
        const at = i - init + 1;
        while (since() * 1000 < at * addEveryMs && !stop) await new Promise((r) => setTimeout(r, 200));
        if (stop || ctx.signal.aborted) return;
        // A worker found gone now is not added: the stream goes on with the others (the cell ends missing).
        const w = workers[i];
        if (ctx.cells && (await ctx.cells.check(w))) {
          ctx.progress.warn(`worker ${w.name} is lost: not added; the stream goes on with the others`);
          const why = `node ${w.name} lost before it was added`;
          keep([failed('worker_join', 's', why), failed('worker_first_task', 's', why)].map((x) => toRow(ctxFor(w, i - init + 1, new Date()), x)));
          added = i + 1;
          continue;
        }
        const tAdded = since();
        const startedAt = new Date();
        added = i + 1;
        ctx.progress.info(`adding worker ${w.name} (${w.site}) at ${tAdded.toFixed(0)} s`);
        const rows: Sample[] = [];
        const act = activity(ctx.progress, `adding worker ${w.name}`);
        try {
          for (const s of workerStartSteps(w, dataDirOf, h)) {
            act.detail(s.what);
            await must(s);
          }
          act.detail('waiting for its NodeManager to be RUNNING');
          let joinS: number | undefined, firstS: number | undefined;
          const limit = performance.now() + (e.registerTimeoutMs ?? 600_000);
          while ((joinS === undefined || firstS === undefined) && performance.now() < limit && !ctx.signal.aborted && !(stop && joinS === undefined)) {
            const me = (await nodeList()).nodes.find((n) => n.id.startsWith(`${w.address}:`));
            if (me?.state === 'RUNNING' && joinS === undefined) {
              joinS = since() - tAdded;
              joined++;
              act.detail(`RUNNING after ${joinS.toFixed(0)} s, waiting for its first container`);
            }
            if (me && me.containers > 0 && firstS === undefined) firstS = since() - tAdded;
            if (stop && joinS !== undefined) break;
            await new Promise((r) => setTimeout(r, pollMs));
          }
          rows.push(
            joinS === undefined
              ? failed('worker_join', 's', 'its NodeManager did not reach RUNNING')
              : { metric: 'worker_join', value: joinS, unit: 's', status: 'ok' },
          );
          rows.push(
            firstS === undefined
              ? failed('worker_first_task', 's', 'no container ran on it before the stream ended')
              : { metric: 'worker_first_task', value: firstS, unit: 's', status: 'ok' },
          );
        } catch (err) {
          rows.push(failed('worker_join', 's', (err as Error).message), failed('worker_first_task', 's', (err as Error).message));
        } finally {
          act.end();
        }
        keep(rows.map((s) => toRow(ctxFor(w, at, startedAt), { ...s, params: { t_added_s: Math.round(tAdded * 10) / 10, workers: i + 1 } })));
      }
    })();
    const maxJobs = o.maxJobs ?? ELASTIC_DEFAULTS.maxJobs;
    let after = 0;
    try {
      for (let job = 1; job <= maxJobs; job++) {
        checkAbort(ctx);
        const workersAtStart = joined;
        const tStart = since();
        const startedAt = new Date();
        const outDir = `${p.base}/out${job}`;
        const r = await jobExec(
          { node: master.name, what: `terasort ${job}`, argv: terasortArgv(h, mdir, jar, o.reducers ?? workers.length, p.input, outDir) },
          `running terasort job ${job} of at most ${maxJobs} on ${workersAtStart} workers`,
        );
        const tEnd = since();
        ctx.store.raw(`hadoop-elastic/terasort-${job}.log`, r.stderr);
        const fail = jobFailure(r, parseJobLog(r.stderr + '\n' + r.stdout));
        const params = { job, workers: workersAtStart, t_start_s: Math.round(tStart * 10) / 10, t_end_s: Math.round(tEnd * 10) / 10 };
        const el = tEnd - tStart;
        const samples: Sample[] = fail
          ? [failed('job_elapsed', 's', `terasort: ${fail}`), failed('job_throughput', 'MB/s', `terasort: ${fail}`)]
          : [
              { metric: 'job_elapsed', value: el, unit: 's', status: 'ok' },
              { metric: 'job_throughput', value: (o.rows * 100) / 1e6 / el, unit: 'MB/s', status: 'ok' },
            ];
        keep(samples.map((s) => toRow(ctxFor(newestWorker(workers, workersAtStart), job, startedAt), { ...s, params })));
        ctx.progress.step(
          'hadoop elastic',
          job,
          maxJobs,
          `${workersAtStart} workers: ${fail ?? `${el.toFixed(1)} s, ${((o.rows * 100) / 1e6 / el).toFixed(2)} MB/s`}`,
        );
        await exec({ node: master.name, what: 'remove the job output', argv: removeHdfsArgv(h, mdir, outDir) });
        if (added === workers.length && joined === workers.length && ++after >= (o.afterJobs ?? ELASTIC_DEFAULTS.afterJobs)) break;
      }
    } finally {
      stop = true;
      await adder;
    }
  } catch (err) {
    if ((err as Error).name === 'Interrupted') throw err;
    const reason = `hadoop elastic: ${(err as Error).message}`;
    ctx.progress.warn(reason);
    keep([toRow(ctxFor(newestWorker(workers, init), 1, new Date()), failed('job_throughput', 'MB/s', reason))]);
  } finally {
    await during(ctx.progress, 'stopping Hadoop', async (down) => {
      const steps = [...stopSteps(nodes, dataDirOf, h, workers), ...cleanupSteps(nodes, dataDirOf)];
      for (const [i, s] of steps.entries()) {
        down.detail(`${s.what} (step ${i + 1} of ${steps.length})`);
        const r = await exec(s, 60_000).catch(() => null);
        if (r && !r.ok) ctx.progress.warn(`${s.what}: exit ${r.exitCode}`);
      }
    });
  }
  return out;
}

/** The newest of the first `registered` workers (workers join in list order): a job row's dst_node. */
export function newestWorker<T>(workers: readonly T[], registered: number): T {
  if (!workers.length) throw new Error('newestWorker: no workers');
  return workers[Math.min(Math.max(registered, 1), workers.length) - 1];
}
