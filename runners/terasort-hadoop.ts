/**
 * The `hadoop` Terasort engine: a real Hadoop 3.x installation on the cluster's nodes, driven
 * node by node through each node's Executor (no SSH between the nodes themselves).
 * Life cycle: write configs + format -> start daemons -> wait until every DataNode and NodeManager
 * registered -> per repetition teragen, terasort, teravalidate, read the report -> always stop the
 * daemons and remove the per-node run directories (finally).
 *
 * Rows (runners/terasort.ts): *_elapsed is the wall clock of `hadoop jar` as seen by the harness
 * (submission and JVM start included); MB/s = rows * 100 B / 1e6 / elapsed. `validate` is 1 only if
 * the report has a checksum, no error line, and the checksum equals TeraGen's CHECKSUM counter.
 * Hadoop's counters do not split by site ("Reduce shuffle bytes" is the whole shuffle), so `wan_bytes`
 * is measured on the WAN itself: the emulator's byte counters between the cluster's sites, before and
 * after the terasort job (HDFS reads and writes and the shuffle that crossed, both directions; 0 for
 * a one-site cluster). Job counters of terasort: shuffle_bytes, map_tasks, reduce_tasks, spilled_records.
 *
 * A lost worker (issue 28): YARN re-runs what was lost on the survivors by itself (infra/hadoop/config.ts:
 * a NodeManager is LOST after lostNodeAfterS; with replication >= 2 the data survives its DataNode). What
 * YARN did is read from each job's own counters (launched/failed/killed map and reduce attempts) and from
 * the ResourceManager's list of LOST NodeManagers after the job: the terasort job's go into rows
 * (map_attempts_failed, map_attempts_killed, reduce_attempts_failed, reduce_attempts_killed, nodes_lost),
 * every job's into the cell's ledger entry (`yarn`), and the timing rows of a job that re-ran attempts carry
 * the flag `yarn-reran`. Each repetition is a cell (runners/cells.ts, key params engine/label/nodes as the lab
 * engine's): a fill re-runs only the missing ones, and a cluster that lost a NodeManager does not run its
 * later repetitions (a smaller cluster is another cell): they are missing, and a fill runs them.
 */
import { run, type CmdResult } from '../infra/exec.js';
import { activity, during } from '../infra/heartbeat.js';
import type { Activity } from '../infra/progress.js';
import { ConfigError, positiveInt } from '../infra/units.js';
import { checkCluster, type HadoopNode, type HadoopOptions, type ResolvedHadoop } from '../infra/hadoop/config.js';
import {
  benchPaths,
  catReportArgv,
  cleanupSteps,
  daemonLogReasonArgv,
  daemonStatusStep,
  dfsadminReportArgv,
  findExamplesJarArgv,
  jmxArgv,
  NAMENODE_STATE_BEAN,
  RM_CLUSTER_BEAN,
  removeHdfsArgv,
  rmLostNodesArgv,
  setupSteps,
  startSteps,
  stopSteps,
  teragenArgv,
  terasortArgv,
  teravalidateArgv,
  yarnLostNodesArgv,
  yarnNodeListArgv,
  type Step,
} from '../infra/hadoop/commands.js';
import {
  JOB_STARTING,
  jobProgress,
  jobProgressText,
  parseDfsadminReport,
  parseJmxNumber,
  parseJobLog,
  parseRmNodes,
  parseValidateReport,
  parseYarnNodeList,
  reruns,
  summarizeJob,
  taskAttempts,
  type JobLog,
} from '../collectors/hadoop.js';
import type { YarnJob } from '../measurements/ledger.js';
import { failed, toRow, type Measurement, type Sample, type SampleContext } from '../measurements/measurement.js';
import { inCell, missingBecause, missingIfLost, type CellNote, type CellSpec } from './cells.js';
import { Interrupted, checkAbort, record, sampleContext, type BenchNode, type RunContext } from './context.js';
import type { TerasortEngine, TerasortOptions } from './terasort.js';
import { placeHadoop, shipHadoop } from './hadoop-nodes.js';
import { wanCounters, wanDelta, type WanBytes } from './wan-bytes.js';

export interface HadoopEngineOptions extends Partial<HadoopOptions> {
  /** Where each node keeps its run directory. Default: its node dir's `hadoop` (lab: `${ctx.workDir}/nodes/<node>/hadoop`;
   * real hosts: the node's own dir on its host); or a local path, e.g. '/var/tmp' -> /var/tmp/icbench-hadoop-<run>-<node>. */
  dataRoot?: string;
  /** Full path of the examples jar; default: the one found under HADOOP_HOME/share/hadoop/mapreduce. */
  examplesJar?: string;
  /** How long to wait for DataNodes/NodeManagers to register (default 600 s: JVM start-up of a whole cluster on a few
   * shared cores takes minutes) and how often to ask (default 2 s). */
  registerTimeoutMs?: number;
  pollMs?: number;
  /** Limit for one MapReduce job (default 6 h). */
  jobTimeoutMs?: number;
}

const METRICS: [string, string][] = [
  ['teragen_elapsed', 's'],
  ['teragen_throughput', 'MB/s'],
  ['terasort_elapsed', 's'],
  ['terasort_throughput', 'MB/s'],
  ['shuffle_bytes', 'bytes'],
  ['map_tasks', 'count'],
  ['reduce_tasks', 'count'],
  ['spilled_records', 'count'],
  ['map_attempts_failed', 'count'],
  ['map_attempts_killed', 'count'],
  ['reduce_attempts_failed', 'count'],
  ['reduce_attempts_killed', 'count'],
  ['nodes_lost', 'count'],
  ['wan_bytes', 'bytes'],
  ['teravalidate_elapsed', 's'],
  ['validate', 'count'],
];
const failAll = (metrics: [string, string][], reason: string): Sample[] => metrics.map(([m, u]) => failed(m, u, reason));
const from = (metric: string) => METRICS.slice(METRICS.findIndex(([m]) => m === metric));

export function checkTerasortOptions(o: TerasortOptions, field = 'terasort'): void {
  positiveInt(o.rows, `${field}.rows`, 1e13);
  if (o.startRow !== undefined && o.startRow !== 0)
    throw new ConfigError(`${field}.startRow`, '0 or nothing (Hadoop TeraGen always starts at row 0)', o.startRow);
  if (o.maps !== undefined) positiveInt(o.maps, `${field}.maps`, 1_000_000);
  if (o.reducers !== undefined) positiveInt(o.reducers, `${field}.reducers`, 1_000_000);
  if (o.repetitions !== undefined) positiveInt(o.repetitions, `${field}.repetitions`, 1000);
  if (o.firstRepetition !== undefined) positiveInt(o.firstRepetition, `${field}.firstRepetition`, 1_000_000);
}

export function createHadoopTerasort(e: HadoopEngineOptions = {}): TerasortEngine {
  return { name: 'hadoop', run: (ctx, cluster, o) => runHadoopTerasort(ctx, cluster, o, e) };
}

/** Reads HADOOP_HOME / JAVA_HOME from the environment when the scenario does not give them. */
export const hadoopTerasort: TerasortEngine = createHadoopTerasort();

async function runHadoopTerasort(ctx: RunContext, cluster: BenchNode[], o: TerasortOptions, e: HadoopEngineOptions): Promise<Measurement[]> {
  // Everything is checked before anything is created on a node.
  checkTerasortOptions(o);
  checkCluster(cluster);
  const placed = placeHadoop(ctx, cluster, e, 'hadoop');
  const { dataDirOf } = placed;
  let h = placed.h;
  const byName = new Map(cluster.map((n) => [n.name, n]));
  const master = cluster[0];
  const mdir = dataDirOf(master);
  const reps = o.repetitions ?? 1;
  const first = o.firstRepetition ?? 1;
  const maps = o.maps ?? cluster.length,
    reduces = o.reducers ?? cluster.length;
  const spans = new Set(cluster.map((n) => n.site)).size > 1;
  const pair = { src: master, dst: cluster[cluster.length - 1], path: spans ? ('inter-site' as const) : ('intra-site' as const) };
  const sctxOf = (rep: number, at: Date): SampleContext => ({
    ...sampleContext(ctx, 'terasort', pair, rep, at),
    nodes: cluster.length,
    virt: [...new Set(cluster.map((n) => n.virt))].join('/'),
    // The report puts Hadoop's rows beside the lab engine's for the same cluster (reports/specs/terasort.ts).
    params: { ...ctx.params, engine: 'hadoop' },
  });
  const tag = (name: string) => `terasort-hadoop${o.label ? `-${o.label}` : ''}/${name}`;
  // One cell per repetition, named as the lab engine's (params engine, label, nodes).
  const cellOf = (rep: number): CellSpec => ({
    benchmark: 'terasort',
    pair,
    repetition: rep,
    params: { engine: 'hadoop', label: o.label ?? 'cluster', nodes: cluster.length },
    members: cluster,
    // YARN re-runs a lost worker's tasks itself; a spare cannot join a running Hadoop cluster.
    standIn: false,
  });
  // A fill runs only the repetitions not ok; a member already lost makes every repetition missing. Neither starts a cluster.
  const todo = Array.from({ length: reps }, (_, i) => first + i).filter((rep) => !missingIfLost(ctx, cellOf(rep), cluster));
  if (!todo.length) return [];
  // Real hosts: the distribution goes to their cache first (nothing else is on them yet).
  h = (await during(ctx.progress, `shipping Hadoop to the cluster's hosts`, () => shipHadoop(ctx, placed, cluster, tag('shipped.json')))).h;

  const exec = (s: Step, timeoutMs = 120_000, onLine?: (line: string) => void): Promise<CmdResult> =>
    run(byName.get(s.node)!.exec.wrap(s.argv), { input: s.input, timeoutMs, onLine });
  const must = async (s: Step, timeoutMs?: number) => {
    const r = await exec(s, timeoutMs);
    if (!r.ok) throw new Error(`${s.what} failed (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ') || '(no output)'}`);
    return r;
  };
  const onMaster = (what: string, argv: string[]): Step => ({ node: master.name, what, argv });
  const byAddress = new Map(cluster.map((n) => [n.address, n.name]));

  ctx.progress.stage(
    'terasort (hadoop)',
    `${cluster.length} nodes${spans ? ' spanning sites' : ''}, ${o.rows} rows, ${maps} maps, ${reduces} reduces, ${todo.length} repetitions`,
  );
  if (spans && !ctx.emulatorStats) ctx.progress.info('wan_bytes: no WAN emulator counters on this testbed (real sites or netem): not reported');
  const out: Measurement[] = [];
  let touched = false;
  // What the "still ..." lines say while daemons start (each step is a JVM: seconds to tens of seconds here).
  const up = activity(ctx.progress, `starting Hadoop on ${cluster.length} nodes`);
  try {
    try {
      touched = true;
      const setup = setupSteps(cluster, dataDirOf, h, `icbench-${ctx.runId}`),
        start = startSteps(cluster, dataDirOf, h);
      const stepText = (s: Step, i: number) => `${s.what} (step ${i + 1} of ${setup.length + start.length})`;
      for (const [i, s] of setup.entries()) {
        up.detail(stepText(s, i));
        await must(s);
      }
      for (const [i, s] of start.entries()) {
        checkAbort(ctx);
        up.detail(stepText(s, setup.length + i));
        await must(s);
      }
      // JMX over HTTP first (no JVM per poll); the CLI where curl or the web server is not there.
      // A daemon still starting (connection refused, or its bean not registered yet) counts 0; only a node
      // without curl (exit 127) falls back to the CLI.
      const viaJmx = async (port: number, bean: string, name: string) => {
        const r = await exec(onMaster(`read ${name} over JMX`, jmxArgv(master.address, port, bean)), 30_000).catch(() => null);
        if (!r || r.exitCode === 127) return undefined;
        return (r.ok ? parseJmxNumber(r.stdout, name) : undefined) ?? 0;
      };
      const stopped = (d: 'datanode' | 'nodemanager') => daemonStopped(cluster, dataDirOf, h, d, exec);
      await waitRegistered(
        ctx,
        up,
        cluster.length,
        e,
        async () =>
          (await viaJmx(h.ports.namenodeHttp, NAMENODE_STATE_BEAN, 'NumLiveDataNodes')) ??
          parseDfsadminReport((await exec(onMaster('hdfs dfsadmin -report', dfsadminReportArgv(h, mdir)))).stdout).live ??
          0,
        'DataNodes',
        () => stopped('datanode'),
      );
      await waitRegistered(
        ctx,
        up,
        cluster.length,
        e,
        async () =>
          (await viaJmx(h.ports.rmWebapp, RM_CLUSTER_BEAN, 'NumActiveNMs')) ??
          parseYarnNodeList((await exec(onMaster('yarn node -list', yarnNodeListArgv(h, mdir)))).stdout).running,
        'NodeManagers',
        () => stopped('nodemanager'),
      );
    } catch (err) {
      if (err instanceof Interrupted) throw err;
      const reason = `hadoop cluster did not come up: ${(err as Error).message}`;
      await keepDaemonLogs(ctx, cluster, dataDirOf, exec, tag);
      ctx.progress.warn(reason);
      // Each repetition's cell fails with the reason (or is missing, when a member's probe finds it gone).
      for (const rep of todo)
        out.push(
          ...((await inCell(ctx, cellOf(rep), async (cctx) =>
            record(
              cctx,
              failAll(METRICS, reason).map((s) => toRow(sctxOf(rep, new Date()), s)),
            ),
          )) ?? []),
        );
      return out;
    } finally {
      up.end();
    }
    const jar = e.examplesJar ?? (await must(onMaster('find the MapReduce examples jar', findExamplesJarArgv(h)))).stdout.trim().split('\n')[0];
    // NodeManagers the ResourceManager has declared LOST so far (node names), and the first one lost in this cluster.
    const lostSoFar = new Set<string>();
    let lostNm: { node: string; at: string; why: string } | undefined;
    for (const [i, rep] of todo.entries()) {
      checkAbort(ctx);
      if (lostNm) {
        // The cluster is smaller now: its later repetitions would be other cells.
        if (missingIfLost(ctx, cellOf(rep), cluster) || missingBecause(ctx, cellOf(rep), lostNm.node, lostNm.at, lostNm.why)) continue;
        out.push(
          ...record(
            ctx,
            failAll(METRICS, `not run: ${lostNm.why}`).map((s) => toRow(sctxOf(rep, new Date()), s)),
          ),
        );
        continue;
      }
      const note: CellNote = {};
      const rows = await inCell(ctx, cellOf(rep), async (cctx, _at, n) => {
        n.yarn = note.yarn = [];
        return record(cctx, await repetition(rep, n.yarn));
      });
      if (rows) {
        out.push(...rows);
        const v = rows.find((r) => r.metric === 'validate');
        ctx.progress.step(
          'terasort',
          i + 1,
          todo.length,
          rows
            .filter((r) => r.unit === 's' && r.status === 'ok')
            .map((r) => `${r.metric.replace('_elapsed', '')} ${r.value!.toFixed(1)} s`)
            .join(', ') + (v?.status === 'ok' ? ', valid' : `, ${v?.reason}`),
        );
      }
      const lost = (note.yarn ?? []).find((j) => j.lost_nodes?.length);
      if (lost) {
        const node = lost.lost_nodes![0];
        lostNm = { node, at: new Date().toISOString(), why: `the ResourceManager declared the NodeManager of ${node} LOST during ${lost.job} (rep ${rep})` };
        // Is the node itself gone (its command channel)? Then the ledger records it lost, and its other cells are missing too.
        for (const name of new Set((note.yarn ?? []).flatMap((j) => j.lost_nodes ?? []))) {
          const n = byName.get(name);
          if (n && ctx.cells) await ctx.cells.check(n);
        }
      }
    }
    return out;

    async function job(name: string, argv: string[], rep: number): Promise<{ r: CmdResult; log: JobLog; elapsedS: number; wanBytes: WanBytes }> {
      const before = wanCounters(ctx, cluster);
      // The job client's log as it streams (map/reduce %) is the detail of the "still ..." lines.
      const act = activity(ctx.progress, `running ${name} of ${o.rows} rows on ${cluster.length} nodes (rep ${rep} of ${reps})`);
      const t0 = performance.now();
      const r = await exec(onMaster(name, argv), e.jobTimeoutMs ?? 6 * 3600_000, followJob(act)).finally(() => act.end());
      const elapsedS = (performance.now() - t0) / 1000;
      // wanem writes its counters every 100 ms: wait for a snapshot taken after the job.
      if (before.kind === 'ok') await new Promise((res) => setTimeout(res, 250));
      const wanBytes = wanDelta(before, wanCounters(ctx, cluster));
      ctx.store.raw(tag(`rep${rep}/${name}.log`), r.stderr + (r.stdout ? `\n--- stdout ---\n${r.stdout}` : ''));
      return { r, log: parseJobLog(r.stderr + '\n' + r.stdout), elapsedS, wanBytes };
    }

    /**
     * The NodeManagers the ResourceManager lists as LOST (node names), or null when it could not be asked.
     * Its answer is kept in raw/ when it names any.
     */
    async function lostNodeManagers(raw: string): Promise<string[] | null> {
      const r = await exec(onMaster('list the LOST NodeManagers', rmLostNodesArgv(master.address, h.ports.rmWebapp)), 30_000).catch(() => null);
      let hosts: string[] | undefined;
      let text = '';
      if (r && r.exitCode !== 127) {
        hosts = r.ok ? parseRmNodes(r.stdout)?.map((n) => n.host) : undefined;
        text = r.stdout;
      } else {
        const c = await exec(onMaster('yarn node -list -states LOST', yarnLostNodesArgv(h, mdir))).catch(() => null);
        hosts = c?.ok
          ? parseYarnNodeList(c.stdout)
              .nodes.filter((n) => n.state === 'LOST')
              .map((n) => n.id.replace(/:\d+$/, ''))
          : undefined;
        text = c?.stdout ?? '';
      }
      if (hosts?.length) ctx.store.raw(tag(raw), text);
      return hosts === undefined ? null : hosts.map((a) => byAddress.get(a) ?? a);
    }

    /** What YARN did in one job: its task attempts, and the NodeManagers newly LOST by its end. */
    async function yarnJob(name: string, rep: number, log: JobLog): Promise<YarnJob> {
      const a = taskAttempts(log);
      const all = await lostNodeManagers(`rep${rep}/${name}-lost-nodemanagers.txt`);
      const lost = all === null ? null : all.filter((x) => !lostSoFar.has(x));
      for (const x of lost ?? []) lostSoFar.add(x);
      const y: YarnJob = {
        job: name,
        ...(log.jobId ? { id: log.jobId } : {}),
        state: log.state,
        maps_launched: a?.mapsLaunched ?? null,
        maps_failed: a?.mapsFailed ?? null,
        maps_killed: a?.mapsKilled ?? null,
        reduces_launched: a?.reducesLaunched ?? null,
        reduces_failed: a?.reducesFailed ?? null,
        reduces_killed: a?.reducesKilled ?? null,
        reran: a ? reruns(a) : null,
        lost_nodes: lost,
      };
      if (y.reran || lost?.length)
        ctx.progress.info(
          `${name}${log.jobId ? ` ${log.jobId}` : ''}: YARN re-ran ${y.reran ?? '?'} task attempt(s) (maps failed ${y.maps_failed ?? '?'}, killed ${y.maps_killed ?? '?'}; reduces failed ${y.reduces_failed ?? '?'}, killed ${y.reduces_killed ?? '?'})${lost?.length ? `; NodeManagers LOST: ${lost.join(', ')}` : ''}`,
        );
      return y;
    }

    async function repetition(rep: number, yarn: YarnJob[]): Promise<Measurement[]> {
      const sctx = sctxOf(rep, new Date());
      const p = benchPaths(ctx.runId, rep);
      const samples: Sample[] = [];
      const done = (s: Sample[]) => s.map((x) => toRow(sctx, x));
      const runJob = async (name: string, argv: string[]) => {
        const j = await job(name, argv, rep);
        const y = await yarnJob(name, rep, j.log);
        yarn.push(y);
        return { ...j, yarn: y };
      };
      try {
        const gen = await runJob('teragen', teragenArgv(h, mdir, jar, o.rows, maps, p.input));
        const genFail = jobFailure(gen.r, gen.log);
        if (genFail) return done(failAll(METRICS, `teragen: ${genFail}`));
        samples.push(...timed('teragen', gen, o.rows));

        const sort = await runJob('terasort', terasortArgv(h, mdir, jar, reduces, p.input, p.output));
        const sortFail = jobFailure(sort.r, sort.log);
        if (sortFail) return done([...samples, ...failAll(from('terasort_elapsed'), `terasort: ${sortFail}`)]);
        samples.push(...timed('terasort', sort, o.rows));
        const js = summarizeJob(sort.log);
        const countRow = (metric: string, unit: string, v: number | undefined | null, name: string): Sample =>
          v === undefined || v === null ? failed(metric, unit, `terasort printed no "${name}" counter`) : { metric, value: v, unit, status: 'ok' };
        const y = sort.yarn;
        samples.push(
          countRow('shuffle_bytes', 'bytes', js.reduceShuffleBytes, 'Reduce shuffle bytes'),
          countRow('map_tasks', 'count', js.launchedMaps, 'Launched map tasks'),
          countRow('reduce_tasks', 'count', js.launchedReduces, 'Launched reduce tasks'),
          countRow('spilled_records', 'count', js.spilledRecords, 'Spilled Records'),
          countRow('map_attempts_failed', 'count', y.maps_failed, 'Job Counters'),
          countRow('map_attempts_killed', 'count', y.maps_killed, 'Job Counters'),
          countRow('reduce_attempts_failed', 'count', y.reduces_failed, 'Job Counters'),
          countRow('reduce_attempts_killed', 'count', y.reduces_killed, 'Job Counters'),
          y.lost_nodes === null
            ? failed('nodes_lost', 'count', 'could not list the LOST NodeManagers at the ResourceManager')
            : { metric: 'nodes_lost', value: y.lost_nodes.length, unit: 'count', status: 'ok' },
          ...wanRows(sort.wanBytes),
        );

        const val = await runJob('teravalidate', teravalidateArgv(h, mdir, jar, p.output, p.report));
        const valFail = jobFailure(val.r, val.log);
        if (valFail) return done([...samples, ...failAll(from('teravalidate_elapsed'), `teravalidate: ${valFail}`)]);
        samples.push({ metric: 'teravalidate_elapsed', value: val.elapsedS, unit: 's', status: 'ok', flags: rerunFlags(val) });

        const cat = await during(ctx.progress, `reading the TeraValidate report (rep ${rep})`, () =>
          exec(onMaster('read the TeraValidate report', catReportArgv(h, mdir, p.report))),
        );
        ctx.store.raw(tag(`rep${rep}/teravalidate-report.txt`), cat.stdout);
        if (!cat.ok)
          return done([
            ...samples,
            failed('validate', 'count', `could not read the TeraValidate report (exit ${cat.exitCode}): ${cat.stderr.trim().split('\n').pop() ?? ''}`),
          ]);
        const report = parseValidateReport(cat.stdout);
        const expected = summarizeJob(gen.log).teragenChecksum;
        if (!report.valid) samples.push(failed('validate', 'count', `TeraValidate: ${report.reason}`));
        else if (expected !== undefined && expected !== report.checksum)
          samples.push(failed('validate', 'count', `checksum ${report.checksum} of the sorted data differs from TeraGen's ${expected}`));
        else samples.push({ metric: 'validate', value: 1, unit: 'count', status: 'ok', flags: expected === undefined ? ['checksum-not-compared'] : [] });
        return done(samples);
      } finally {
        const rm = await during(ctx.progress, `removing rep ${rep}'s data from HDFS`, () =>
          exec(onMaster('remove the repetition data from HDFS', removeHdfsArgv(h, mdir, p.base))),
        );
        if (!rm.ok) ctx.progress.warn(`could not remove ${p.base} from HDFS: ${rm.stderr.trim().split('\n').pop()}`);
      }
    }
  } finally {
    if (touched) await teardown(ctx, [...stopSteps(cluster, dataDirOf, h), ...cleanupSteps(cluster, dataDirOf)], exec);
  }
}

/** Feeds the job client's log lines, as they stream, to `act` as its detail ("job_... map 45% reduce 0%"). */
export function followJob(act: Activity): (line: string) => void {
  let state = JOB_STARTING;
  act.detail(jobProgressText(state));
  return (line) => {
    const next = jobProgress(state, line);
    if (next !== state) act.detail(jobProgressText((state = next)));
  };
}

/** Failure text when `hadoop jar` did not run its job to success; undefined when it did. */
export function jobFailure(r: CmdResult, log: JobLog): string | undefined {
  if (log.state === 'failed' || log.state === 'killed') return `job ${log.jobId ?? '(no id)'} ${log.state}: ${log.reason}`;
  if (r.exitCode === null) return 'killed by the harness after its time limit';
  if (!r.ok) return `exit ${r.exitCode}: ${log.errors[0] ?? ((r.stderr || r.stdout).trim().split('\n').pop() || '(no output)')}`;
  return undefined;
}

function wanRows(w: WanBytes): Sample[] {
  if (w.kind === 'ok') return [{ metric: 'wan_bytes', value: w.bytes, unit: 'bytes', status: 'ok' }];
  return w.kind === 'unavailable' ? [] : [failed('wan_bytes', 'bytes', w.reason)];
}

/** `yarn-reran` when YARN ran some of the job's attempts again (a lost node, a failed task): its time includes that. */
function rerunFlags(j: { yarn: YarnJob }): string[] {
  return j.yarn.reran ? ['yarn-reran'] : [];
}

function timed(kind: 'teragen' | 'terasort', j: { log: JobLog; elapsedS: number; yarn: YarnJob }, rows: number): Sample[] {
  const s = summarizeJob(j.log);
  const flags: string[] = rerunFlags(j);
  const records = kind === 'teragen' ? s.mapOutputRecords : s.reduceOutputRecords;
  if (records !== undefined && records !== rows) flags.push(`records-${records}-not-${rows}`);
  // The client's own log cannot show a job longer than the harness's wall clock around it.
  if (j.log.logSeconds !== undefined && j.log.logSeconds > j.elapsedS + 1) flags.push('elapsed-below-job-log');
  return [
    { metric: `${kind}_elapsed`, value: j.elapsedS, unit: 's', status: 'ok', flags },
    { metric: `${kind}_throughput`, value: (rows * 100) / 1e6 / j.elapsedS, unit: 'MB/s', status: 'ok', flags },
  ];
}

/**
 * The first daemon of this kind in the cluster that is no longer running, with the reason its log
 * gives (e.g. its host's own name does not resolve), or null when all of them run.
 */
export async function daemonStopped(
  cluster: HadoopNode[],
  dataDirOf: (n: { name: string }) => string,
  h: ResolvedHadoop,
  d: 'datanode' | 'nodemanager',
  exec: (s: Step, t?: number) => Promise<CmdResult>,
): Promise<string | null> {
  for (const n of cluster) {
    const st = await exec(daemonStatusStep(n, dataDirOf, h, d), 60_000).catch(() => null);
    // LSB status codes (Hadoop 3's scripts and the installed launcher): 0 running, 1 dead with a pid file, 3 not running.
    // Anything else (the check itself did not run) is not a verdict.
    if (!st || (st.exitCode !== 1 && st.exitCode !== 3)) continue;
    const why = await exec({ node: n.name, what: `read why the ${d} of ${n.name} stopped`, argv: daemonLogReasonArgv(dataDirOf(n), d) }, 30_000).catch(
      () => null,
    );
    return `the ${d} on ${n.name} stopped${why?.stdout.trim() ? `: ${why.stdout.trim().slice(0, 400)}` : ' (nothing in its log)'}`;
  }
  return null;
}

async function waitRegistered(
  ctx: RunContext,
  act: Activity,
  want: number,
  e: HadoopEngineOptions,
  count: () => Promise<number>,
  what: string,
  stopped?: () => Promise<string | null>,
): Promise<void> {
  const deadline = Date.now() + (e.registerTimeoutMs ?? 600_000);
  let have = 0;
  let polls = 0;
  act.detail(`waiting for ${want} ${what} to register`);
  for (;;) {
    checkAbort(ctx);
    have = await count();
    act.detail(`${have} of ${want} ${what} registered`);
    if (have >= want) {
      ctx.progress.info(`${have} of ${want} ${what} registered`);
      return;
    }
    // A daemon that died will never register: say why now rather than after the whole wait (every 5th poll: a JVM each on real Hadoop).
    if (stopped && ++polls % 5 === 0) {
      const why = await stopped();
      if (why) throw new Error(`only ${have} of ${want} ${what} registered: ${why}`);
    }
    if (Date.now() > deadline) throw new Error(`only ${have} of ${want} ${what} registered within ${(e.registerTimeoutMs ?? 600_000) / 1000} s`);
    await new Promise((res) => setTimeout(res, e.pollMs ?? 2000));
  }
}

/** The last lines of every daemon's log, kept raw: why a cluster did not come up. */
async function keepDaemonLogs(
  ctx: RunContext,
  cluster: BenchNode[],
  dataDirOf: (n: { name: string }) => string,
  exec: (s: Step, t?: number) => Promise<CmdResult>,
  tag: (name: string) => string,
): Promise<void> {
  for (const n of cluster) {
    const argv = ['sh', '-c', 'for f in "$1"/logs/*.out "$1"/logs/*.log; do [ -f "$f" ] && { echo "== $f"; tail -n 40 "$f"; }; done; true', 'sh', dataDirOf(n)];
    const r = await exec({ node: n.name, what: `read the daemon logs on ${n.name}`, argv }, 30_000).catch(() => null);
    if (r?.stdout) ctx.store.raw(tag(`daemon-logs/${n.name}.txt`), r.stdout);
  }
}

/** Every stop and removal is attempted; failures are warnings (the run's results stand). */
async function teardown(ctx: RunContext, steps: Step[], exec: (s: Step, t?: number) => Promise<CmdResult>): Promise<void> {
  const act = activity(ctx.progress, 'stopping Hadoop');
  try {
    for (const [i, s] of steps.entries()) {
      act.detail(`${s.what} (step ${i + 1} of ${steps.length})`);
      const r = await exec(s, 60_000).catch((err: Error) => ({ ok: false, exitCode: null, stderr: err.message, stdout: '' }) as unknown as CmdResult);
      if (!r.ok) ctx.progress.warn(`${s.what}: exit ${r.exitCode}: ${(r.stderr || r.stdout).trim().split('\n').pop() ?? ''}`);
    }
  } finally {
    act.end();
  }
}
