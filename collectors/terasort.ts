/**
 * Lab Terasort worker output (one JSON line per worker and phase, engines/terasort/worker.ts) ->
 * samples. Pure: no I/O. A phase that failed anywhere makes its metrics failed rows with the
 * reason, and the metrics of the phases after it failed rows saying why they did not run.
 */
import { failed, type Sample } from '../measurements/measurement.js';

export interface TeragenOut {
  node: string;
  elapsedMs: number;
  rows: number;
  checksum: string;
}
export interface SampleOut {
  node: string;
  elapsedMs: number;
  keys: string[];
}
export interface SortOut {
  node: string;
  elapsedMs: number;
  recordsIn: number;
  recordsOut: number;
  wanBytes: number;
  bytesSent: Record<string, number>;
  peakRssKiB: number | null;
}
/** One partition's TeraValidate summary (engines/terasort/validate.ts's Summary has this shape). */
export interface PartitionSummary {
  records: number;
  checksum: string;
  ok: boolean;
  error: string | null;
}
export interface ValidateOut {
  node: string;
  elapsedMs: number;
  summary: PartitionSummary;
}
/** The whole output checked across partitions (order at the boundaries, count, checksum vs teragen). */
export interface ClusterVerdict {
  ok: boolean;
  error: string | null;
}
export type WorkerOut = { teragen: TeragenOut; sample: SampleOut; sort: SortOut; validate: ValidateOut };
export type PhaseName = keyof WorkerOut;

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

const REQUIRED: { [P in PhaseName]: [string, (v: unknown) => boolean][] } = {
  teragen: [
    ['rows', isNum],
    ['checksum', (v) => typeof v === 'string'],
  ],
  sample: [['keys', (v) => Array.isArray(v) && v.every((k) => typeof k === 'string')]],
  sort: [
    ['recordsIn', isNum],
    ['recordsOut', isNum],
    ['wanBytes', isNum],
    ['bytesSent', isObj],
  ],
  validate: [['summary', (v) => isObj(v) && isNum(v.records) && typeof v.checksum === 'string' && typeof v.ok === 'boolean']],
};

/** The worker's JSON line for `phase`, checked for the fields the runner uses. */
export function parseWorkerOutput<P extends PhaseName>(phase: P, stdout: string): Parsed<WorkerOut[P]> {
  const line = stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (!line) return { ok: false, reason: `${phase} worker printed no JSON result` };
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch (e) {
    return { ok: false, reason: `${phase} worker JSON is invalid: ${(e as Error).message}` };
  }
  if (!isObj(doc) || doc.phase !== phase) return { ok: false, reason: `expected a ${phase} result, got ${line.slice(0, 120)}` };
  if (typeof doc.node !== 'string' || !isNum(doc.elapsedMs)) return { ok: false, reason: `${phase} result lacks node or elapsedMs` };
  for (const [k, check] of REQUIRED[phase]) if (!check(doc[k])) return { ok: false, reason: `${phase} result from ${doc.node} lacks a valid ${k}` };
  return { ok: true, value: doc as unknown as WorkerOut[P] };
}

/** One phase across the cluster: wall time seen by the coordinator, every worker's result, or why it failed. */
export type PhaseRun<P extends PhaseName> = { ok: true; wallMs: number; outputs: WorkerOut[P][] } | { ok: false; reason: string };

export interface TerasortRuns {
  rows: number;
  teragen?: PhaseRun<'teragen'>;
  sample?: PhaseRun<'sample'>;
  sort?: PhaseRun<'sort'>;
  validate?: PhaseRun<'validate'>;
  /** Set by the runner once validate ran: the cross-partition check of every partition. */
  cluster?: ClusterVerdict;
}

const MB = 1e6;

export function terasortSamples(r: TerasortRuns): Sample[] {
  const out: Sample[] = [];
  const notRun = (why: string) => `not run: ${why}`;
  let blocked: string | null = null;
  const gate = (name: string, p: PhaseRun<PhaseName> | undefined): string | null => {
    if (blocked) return notRun(blocked);
    if (!p) return (blocked = `${name} did not run`);
    if (!p.ok) {
      blocked = `${name} failed`;
      return `${name}: ${p.reason}`;
    }
    return null;
  };
  const timed = (name: string, wallMs: number, tput: boolean) => {
    out.push({ metric: `${name}_elapsed`, value: wallMs / 1000, unit: 's', status: 'ok' });
    if (tput) out.push({ metric: `${name}_throughput`, value: (r.rows * 100) / MB / (wallMs / 1000), unit: 'MB/s', status: 'ok' });
  };
  const fail = (name: string, reason: string, tput: boolean) => {
    out.push(failed(`${name}_elapsed`, 's', reason));
    if (tput) out.push(failed(`${name}_throughput`, 'MB/s', reason));
  };

  const g = gate('teragen', r.teragen);
  if (g) fail('teragen', g, true);
  else timed('teragen', (r.teragen as { wallMs: number }).wallMs, true);

  const s = gate('sample', r.sample) ?? gate('sort', r.sort);
  if (s) {
    fail('terasort', s, true);
    out.push(failed('wan_bytes', 'bytes', s));
  } else {
    const sort = r.sort as { wallMs: number; outputs: SortOut[] };
    timed('terasort', (r.sample as { wallMs: number }).wallMs + sort.wallMs, true);
    out.push({ metric: 'wan_bytes', value: sort.outputs.reduce((a, o) => a + o.wanBytes, 0), unit: 'bytes', status: 'ok' });
  }

  const v = gate('validate', r.validate);
  if (v) {
    fail('teravalidate', v, false);
    out.push(failed('validate', 'count', v));
  } else {
    const val = r.validate as { wallMs: number; outputs: ValidateOut[] };
    timed('teravalidate', val.wallMs, false);
    const sum = r.cluster ?? { ok: false, error: 'the cross-partition check did not run' };
    out.push(sum.ok ? { metric: 'validate', value: 1, unit: 'count', status: 'ok' } : failed('validate', 'count', `output is not a valid sort: ${sum.error}`));
  }
  return out;
}
