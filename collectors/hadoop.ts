/**
 * Parsers for Hadoop's console output (formats of Hadoop 2.x/3.x; 0.20's JobClient lines where noted):
 * - the MapReduce job client log that `hadoop jar` prints on stderr: job id, final state, and the
 *   counters block ("Counters: N", then groups and `name=value` lines);
 * - TeraValidate's report (`checksum<TAB>hex`, or `error<TAB>...` lines);
 * - `hdfs dfsadmin -report` (live DataNodes) and `yarn node -list` (NodeManagers and their state);
 * - the ResourceManager's REST list of nodes (`/ws/v1/cluster/nodes?states=LOST`).
 * Counter values are kept exactly (bigint): TeraGen's CHECKSUM counter does not fit a double.
 * A counter that is absent stays absent: never a made-up zero.
 */

export type JobState = 'succeeded' | 'failed' | 'killed' | 'unknown';

export interface JobLog {
  jobId?: string;
  state: JobState;
  /** Why the job failed, as Hadoop said it (the "due to: ..." text and the lines right after it). */
  reason?: string;
  /** "Counters: N" as printed (the number of counters Hadoop reported). */
  counterCount?: number;
  /** group -> counter name -> value. */
  counters: Map<string, Map<string, bigint>>;
  /** Lines that report an error outside a job (e.g. an exception before submission). */
  errors: string[];
  /**
   * Seconds from the "Running job" line to the line with the final state, by the client's own
   * log timestamps (1 s resolution before Hadoop 3). Absent when either line is missing.
   */
  logSeconds?: number;
}

// "17/03/14 13:29:10 INFO x.Y: msg" (2.x) or "2019-09-02 11:30:55,223 INFO x.Y: msg" (3.x)
const LOG_RE =
  /^\s*(\d{2}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}|\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:,\d{3})?) (TRACE|DEBUG|INFO|WARN|ERROR|FATAL) ([\w.$-]+): ?(.*)$/;

/** Log timestamps carry no zone; only differences between them are used. */
function logTime(ts: string): number {
  const a = /^(\d{2})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(ts);
  if (a) return Date.UTC(2000 + +a[1], +a[2] - 1, +a[3], +a[4], +a[5], +a[6]);
  const b = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:,(\d{3}))?$/.exec(ts)!;
  return Date.UTC(+b[1], +b[2] - 1, +b[3], +b[4], +b[5], +b[6], +(b[7] ?? 0));
}
const COUNTER_RE = /^(.*?)=(-?\d+)\s*$/;

export function parseJobLog(text: string): JobLog {
  const log: JobLog = { state: 'unknown', counters: new Map(), errors: [] };
  const lines = text.split(/\r?\n/);
  let inCounters = false;
  let group: Map<string, bigint> | undefined;
  let runningAt: number | undefined, endedAt: number | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const m = LOG_RE.exec(line);
    // 0.20's JobClient prints the counters as log messages: treat their bodies as block lines.
    const body = m && m[3] === 'mapred.JobClient' && inCounters && /^\s/.test(m[4]) ? m[4] : m ? null : line;
    if (inCounters && body !== null && body.trim() !== '') {
      const c = COUNTER_RE.exec(body.trim());
      if (c) {
        if (!group) log.counters.set('', (group = new Map()));
        group.set(c[1].trim(), BigInt(c[2]));
      } else {
        log.counters.set(body.trim(), (group = log.counters.get(body.trim()) ?? new Map()));
      }
      continue;
    }
    inCounters = false;
    if (!m) {
      if (/^\s*Exception in thread|^\s*(?:java|org)\.[\w.$]+(?:Exception|Error):/.test(line)) log.errors.push(line.trim());
      continue;
    }
    const [, ts, level, , msg] = m;
    let x: RegExpExecArray | null;
    if ((x = /^Counters: (\d+)\s*$/.exec(msg))) {
      inCounters = true;
      group = undefined;
      log.counterCount = Number(x[1]);
    } else if ((x = /^Running job: (job_\S+)/.exec(msg))) {
      log.jobId = x[1];
      runningAt = logTime(ts);
    } else if ((x = /^Submitting tokens for job: (job_\S+)/.exec(msg))) log.jobId ??= x[1];
    else if ((x = /^Job (job_\S+) completed successfully/.exec(msg))) {
      log.jobId = x[1];
      log.state = 'succeeded';
      endedAt = logTime(ts);
    } else if ((x = /^Job complete: (job_\S+)/.exec(msg))) {
      log.jobId = x[1];
      log.state = 'succeeded';
    } // 0.20
    else if ((x = /^Job (job_\S+) failed with state (\w+) due to: ?(.*)$/.exec(msg))) {
      log.jobId = x[1];
      log.state = x[2] === 'KILLED' ? 'killed' : 'failed';
      endedAt = logTime(ts);
      const more: string[] = [];
      for (let j = i + 1; j < lines.length && lines[j].trim() !== '' && !LOG_RE.test(lines[j]); j++) more.push(lines[j].trim());
      log.reason = [x[3].trim(), ...more].filter(Boolean).join(' ') || `job ended in state ${x[2]}`;
    } else if (level === 'ERROR' || level === 'FATAL') log.errors.push(msg.trim());
  }
  if (runningAt !== undefined && endedAt !== undefined && endedAt >= runningAt) log.logSeconds = (endedAt - runningAt) / 1000;
  return log;
}

/**
 * Where a job stands by its client log so far, folded line by line while `hadoop jar` runs: for
 * progress lines only (results come from parseJobLog of the whole log).
 */
export interface JobProgress {
  step: 'preparing' | 'submitted' | 'running' | 'succeeded' | 'failed';
  jobId?: string;
  splits?: number;
  mapPct?: number;
  reducePct?: number;
}

export const JOB_STARTING: JobProgress = { step: 'preparing' };

/** Pure: `p` updated by one line of the job client's log (an unrelated line leaves it as it was). */
export function jobProgress(p: JobProgress, line: string): JobProgress {
  const m = LOG_RE.exec(line);
  if (!m) return p;
  const msg = m[4];
  let x: RegExpExecArray | null;
  if ((x = /^\s*map (\d+)% reduce (\d+)%/.exec(msg))) return { ...p, step: 'running', mapPct: Number(x[1]), reducePct: Number(x[2]) };
  if ((x = /^number of splits:(\d+)/.exec(msg))) return { ...p, splits: Number(x[1]) };
  if ((x = /^Running job: (job_\S+)/.exec(msg))) return { ...p, step: 'submitted', jobId: x[1] };
  if ((x = /^Job (job_\S+) running in uber mode/.exec(msg))) return { ...p, step: 'running', jobId: x[1] };
  if ((x = /^Job (job_\S+) completed successfully|^Job complete: (job_\S+)/.exec(msg))) return { ...p, step: 'succeeded', jobId: x[1] ?? x[2] };
  if ((x = /^Job (job_\S+) failed with state/.exec(msg))) return { ...p, step: 'failed', jobId: x[1] };
  return p;
}

/** One short phrase for a "still ..." line, e.g. "job_..._0002 map 100% reduce 33%". */
export function jobProgressText(p: JobProgress): string {
  const job = p.jobId ?? 'the job';
  switch (p.step) {
    case 'preparing':
      return p.splits === undefined ? 'preparing the job (client JVM, input splits)' : `preparing the job: ${p.splits} input splits`;
    case 'submitted':
      return `${job} submitted, waiting for YARN to start its ApplicationMaster`;
    case 'running':
      return `${job} map ${p.mapPct ?? 0}% reduce ${p.reducePct ?? 0}%`;
    case 'succeeded':
      return `${job} completed, client printing its counters`;
    case 'failed':
      return `${job} failed`;
  }
}

export function counter(log: JobLog, group: string, name: string): bigint | undefined {
  return log.counters.get(group)?.get(name);
}

/** The counters a Terasort run uses, as numbers (undefined when the job did not print them). */
export interface JobSummary {
  hdfsBytesRead?: number;
  hdfsBytesWritten?: number;
  mapInputRecords?: number;
  mapOutputRecords?: number;
  reduceOutputRecords?: number;
  launchedMaps?: number;
  launchedReduces?: number;
  failedMaps?: number;
  failedReduces?: number;
  killedMaps?: number;
  killedReduces?: number;
  /** Map output bytes fetched by reducers, all of it: local and remote fetches are not told apart. */
  reduceShuffleBytes?: number;
  /** Records written to local disk by map and reduce sides (map spills plus reduce merges). */
  spilledRecords?: number;
  cpuMs?: number;
  /** TeraGen's CHECKSUM counter in hex, the form TeraValidate prints. */
  teragenChecksum?: string;
}

const n = (v: bigint | undefined) => (v === undefined ? undefined : Number(v));

export function summarizeJob(log: JobLog): JobSummary {
  const fs = 'File System Counters',
    job = 'Job Counters',
    mr = 'Map-Reduce Framework';
  const sum = (name: string) => {
    let found: bigint | undefined;
    for (const g of log.counters.values()) {
      const v = g.get(name);
      if (v !== undefined) found = (found ?? 0n) + v;
    }
    return found;
  };
  const ck = counter(log, 'org.apache.hadoop.examples.terasort.TeraGen$Counters', 'CHECKSUM');
  return {
    hdfsBytesRead: n(counter(log, fs, 'HDFS: Number of bytes read') ?? sum('HDFS_BYTES_READ')),
    hdfsBytesWritten: n(counter(log, fs, 'HDFS: Number of bytes written') ?? sum('HDFS_BYTES_WRITTEN')),
    mapInputRecords: n(counter(log, mr, 'Map input records') ?? sum('Map input records')),
    mapOutputRecords: n(counter(log, mr, 'Map output records') ?? sum('Map output records')),
    reduceOutputRecords: n(counter(log, mr, 'Reduce output records') ?? sum('Reduce output records')),
    launchedMaps: n(counter(log, job, 'Launched map tasks') ?? sum('Launched map tasks')),
    launchedReduces: n(counter(log, job, 'Launched reduce tasks') ?? sum('Launched reduce tasks')),
    failedMaps: n(counter(log, job, 'Failed map tasks')),
    failedReduces: n(counter(log, job, 'Failed reduce tasks')),
    killedMaps: n(counter(log, job, 'Killed map tasks')),
    killedReduces: n(counter(log, job, 'Killed reduce tasks')),
    reduceShuffleBytes: n(counter(log, mr, 'Reduce shuffle bytes') ?? sum('Reduce shuffle bytes')),
    spilledRecords: n(counter(log, mr, 'Spilled Records') ?? sum('Spilled Records')),
    cpuMs: n(counter(log, mr, 'CPU time spent (ms)')),
    teragenChecksum: ck !== undefined && ck >= 0n ? ck.toString(16) : undefined,
  };
}

/**
 * What YARN did with one job's task attempts, from its "Job Counters" group (JobCounter
 * TOTAL_LAUNCHED_MAPS "Launched map tasks", NUM_FAILED_MAPS "Failed map tasks", NUM_KILLED_MAPS
 * "Killed map tasks", and the same for reduces). An attempt that failed or was killed was run
 * again when the job succeeded (speculation is off), so `failed + killed` are the re-runs.
 */
export interface TaskAttempts {
  mapsLaunched: number;
  mapsFailed: number;
  mapsKilled: number;
  reducesLaunched: number;
  reducesFailed: number;
  reducesKilled: number;
}

const JOB_COUNTERS: [keyof TaskAttempts, string][] = [
  ['mapsLaunched', 'Launched map tasks'],
  ['mapsFailed', 'Failed map tasks'],
  ['mapsKilled', 'Killed map tasks'],
  ['reducesLaunched', 'Launched reduce tasks'],
  ['reducesFailed', 'Failed reduce tasks'],
  ['reducesKilled', 'Killed reduce tasks'],
];

/**
 * The job's task attempts, or undefined when the client printed no "Job Counters" group (no
 * counters at all, e.g. a job that never started). Within the group a counter the job never
 * incremented is not printed (Hadoop lists a counter once it was incremented: a clean job has no
 * "Killed map tasks" line, a map-only job no "Launched reduce tasks"), so there an absent one is 0.
 */
export function taskAttempts(log: JobLog): TaskAttempts | undefined {
  const g = log.counters.get('Job Counters');
  if (!g) return undefined;
  return Object.fromEntries(JOB_COUNTERS.map(([k, name]) => [k, Number(g.get(name) ?? 0n)])) as unknown as TaskAttempts;
}

/** Attempts that failed or were killed, maps and reduces: each was run again (or the job failed). */
export const reruns = (a: TaskAttempts): number => a.mapsFailed + a.mapsKilled + a.reducesFailed + a.reducesKilled;

export interface RmNode {
  /** host:port of the NodeManager. */
  id: string;
  /** The host the NodeManager registered with (here: the node's cluster address). */
  host: string;
  state: string;
}

/**
 * The ResourceManager's REST list of nodes (`GET /ws/v1/cluster/nodes[?states=...]`:
 * {"nodes":{"node":[{"id","nodeHostName","state",...}]}}, "nodes": null when none).
 * Undefined when the text is not that document (an error page, nothing).
 */
export function parseRmNodes(text: string): RmNode[] | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null || !('nodes' in doc)) return undefined;
  const nodes = (doc as { nodes: { node?: unknown } | null }).nodes;
  if (nodes === null) return [];
  const list = nodes.node ?? [];
  if (!Array.isArray(list)) return undefined;
  return list
    .filter((n): n is Record<string, unknown> => typeof n === 'object' && n !== null)
    .map((n) => ({ id: String(n.id ?? ''), host: String(n.nodeHostName ?? String(n.id ?? '').replace(/:\d+$/, '')), state: String(n.state ?? '') }));
}

export interface ValidateReport {
  checksum?: string;
  errors: string[];
  /** True only with a checksum line and no error line. */
  valid: boolean;
  reason?: string;
}

/** TeraValidate's part-r-00000: `checksum<TAB>hex` when sorted; `error<TAB>...` lines otherwise. */
export function parseValidateReport(text: string): ValidateReport {
  const errors: string[] = [];
  let checksum: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    const [key, ...rest] = line.split(/\s+/);
    const value = line.slice(key.length).trim();
    if (key === 'checksum' && rest.length === 1 && /^[0-9a-f]+$/i.test(value)) checksum = value.toLowerCase();
    else if (key === 'error') errors.push(value);
    else errors.push(`unexpected line in the TeraValidate report: ${line}`);
  }
  const valid = errors.length === 0 && checksum !== undefined;
  const reason = valid
    ? undefined
    : errors.length
      ? errors.slice(0, 3).join('; ') + (errors.length > 3 ? ` (+${errors.length - 3} more)` : '')
      : 'the TeraValidate report has no checksum line';
  return { checksum, errors, valid, reason };
}

export interface DfsReport {
  live?: number;
  dead?: number;
  datanodes: { address: string; hostname: string }[];
}

/** `hdfs dfsadmin -report`: "Live datanodes (N):" (2.x/3.x) or "Datanodes available: N (T total, D dead)" (0.20/1.x). */
export function parseDfsadminReport(text: string): DfsReport {
  const r: DfsReport = { datanodes: [] };
  let section: 'live' | 'other' = 'other';
  for (const line of text.split(/\r?\n/)) {
    let x: RegExpExecArray | null;
    if ((x = /^Live datanodes \((\d+)\):/.exec(line))) {
      r.live = Number(x[1]);
      section = 'live';
    } else if ((x = /^Dead datanodes \((\d+)\):/.exec(line))) {
      r.dead = Number(x[1]);
      section = 'other';
    } else if (/^\w[\w ]*datanodes \(\d+\):/.test(line)) section = 'other';
    else if ((x = /^Datanodes available: (\d+) \((\d+) total, (\d+) dead\)/.exec(line))) {
      r.live = Number(x[1]);
      r.dead = Number(x[3]);
      section = 'live';
    } else if (section === 'live' && (x = /^Name: (\S+)(?: \(([^)]*)\))?/.exec(line))) r.datanodes.push({ address: x[1], hostname: x[2] ?? '' });
  }
  return r;
}

export interface YarnNode {
  id: string;
  state: string;
  httpAddress: string;
  containers: number;
}
export interface YarnNodeList {
  total?: number;
  running: number;
  nodes: YarnNode[];
}

/** `yarn node -list`: "Total Nodes:N", a header, then one tab-separated row per node. */
export function parseYarnNodeList(text: string): YarnNodeList {
  const r: YarnNodeList = { running: 0, nodes: [] };
  for (const line of text.split(/\r?\n/)) {
    const t = /^Total Nodes:\s*(\d+)/.exec(line);
    if (t) {
      r.total = Number(t[1]);
      continue;
    }
    const f = line.trim().split(/\s+/);
    if (f.length !== 4 || f[0] === 'Node-Id' || !/^[A-Z_]+$/.test(f[1]) || !/^\d+$/.test(f[3])) continue;
    r.nodes.push({ id: f[0], state: f[1], httpAddress: f[2], containers: Number(f[3]) });
    if (f[1] === 'RUNNING') r.running++;
  }
  return r;
}

/**
 * A number from a Hadoop daemon's JMX servlet (`/jmx?qry=...`: {"beans":[{...}]}), e.g. the
 * NameNode's NumLiveDataNodes or the ResourceManager's NumActiveNMs. Undefined when absent.
 */
export function parseJmxNumber(text: string, name: string): number | undefined {
  try {
    const beans = (JSON.parse(text) as { beans?: Record<string, unknown>[] }).beans ?? [];
    for (const b of beans) if (typeof b[name] === 'number') return b[name] as number;
  } catch {
    /* not JSON: an error page or nothing */
  }
  return undefined;
}
