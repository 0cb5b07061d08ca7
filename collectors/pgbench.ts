/**
 * pgbench (PostgreSQL 15) text report and per-transaction logs -> samples. Pure: no I/O.
 * A run that did not finish cleanly (non-zero exit, "pgbench: error: ...", aborted clients,
 * "Run was aborted") is failed: its numbers describe an incomplete run, so none become a value.
 */
import { failed, type Sample } from '../measurements/measurement.js';
import { percentile } from '../measurements/stats.js';
import { sampleAdder } from './sample-helpers.js';

export interface PgbenchStatement {
  latencyMs: number;
  failures: number | null;
  command: string;
}

export interface PgbenchResult {
  ok: boolean;
  /** Why the run failed (pgbench's own error text where it gave one). Undefined when ok. */
  reason?: string;
  version?: string;
  /** "transaction type" as printed, e.g. "<builtin: select only>". */
  transactionType?: string;
  scale?: number;
  clients?: number;
  threads?: number;
  durationS?: number;
  processed?: number;
  failedTx?: number;
  latencyAvgMs?: number;
  /** Printed only with -P, --rate or --latency-limit. */
  latencyStddevMs?: number;
  initialConnectionMs?: number;
  tps?: number;
  /** With -r. */
  statements: PgbenchStatement[];
  samples: Sample[];
}

/** Metrics reported as failed rows when a run did not complete. */
export const PGBENCH_FAILED_METRICS: [metric: string, unit: string][] = [
  ['tps', 'tx/s'],
  ['latency_avg', 'ms'],
];

const num = (re: RegExp, text: string): number | undefined => {
  const m = re.exec(text);
  return m ? Number(m[1]) : undefined;
};

function errorLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^pgbench: error: /.test(l))
    .map((l) => l.replace(/^pgbench: error: /, ''));
}

/** Why a run failed, or undefined if it finished cleanly. */
function failureReason(stdout: string, stderr: string, exitCode: number | null): string | undefined {
  const errors = errorLines(stderr);
  const aborted = errors.find((e) => /^Run was aborted/.test(e));
  if (aborted) {
    const first = errors.find((e) => e !== aborted);
    return `pgbench: ${aborted}${first ? ` (first error: ${first})` : ''}`;
  }
  if (errors.length) return `pgbench: ${errors[0]}`;
  if (exitCode === null) return 'pgbench was killed before it finished';
  if (exitCode !== 0) {
    const last = stderr.trim().split('\n').pop()?.trim();
    return `pgbench exited ${exitCode}${last ? `: ${last.slice(0, 200)}` : ' with no error text'}`;
  }
  if (stdout.trim() === '') return 'pgbench produced no report';
  if (!/^tps = /m.test(stdout)) return 'pgbench report has no "tps = ..." line (run cut short?)';
  if (!/^latency average = /m.test(stdout)) return 'pgbench report has no "latency average = ..." line';
  return undefined;
}

export function parsePgbench(stdout: string, stderr: string, exitCode: number | null): PgbenchResult {
  const r: PgbenchResult = { ok: false, statements: [], samples: [] };
  r.version = /^pgbench \((.+)\)$/m.exec(stdout)?.[1];
  r.transactionType = /^transaction type: (.+)$/m.exec(stdout)?.[1];
  r.scale = num(/^scaling factor: (\d+)$/m, stdout);
  r.clients = num(/^number of clients: (\d+)$/m, stdout);
  r.threads = num(/^number of threads: (\d+)$/m, stdout);
  r.durationS = num(/^duration: (\d+) s$/m, stdout);
  const reason = failureReason(stdout, stderr, exitCode);
  if (reason !== undefined) {
    r.reason = reason;
    r.samples = PGBENCH_FAILED_METRICS.map(([m, u]) => failed(m, u, reason));
    return r;
  }
  r.ok = true;
  r.processed = num(/^number of transactions actually processed: (\d+)/m, stdout);
  r.failedTx = num(/^number of failed transactions: (\d+)/m, stdout);
  r.latencyAvgMs = num(/^latency average = ([\d.]+) ms$/m, stdout);
  r.latencyStddevMs = num(/^latency stddev = ([\d.]+) ms$/m, stdout);
  r.initialConnectionMs = num(/^initial connection time = ([\d.]+) ms$/m, stdout);
  r.tps = num(/^tps = ([\d.]+) \(without initial connection time\)$/m, stdout);
  const stmts = stdout.split(/^statement latencies in milliseconds.*$/m)[1];
  for (const line of stmts?.split('\n') ?? []) {
    const m = /^\s+([\d.]+)\s+(?:(\d+)\s+)?(\S.*)$/.exec(line);
    if (m) r.statements.push({ latencyMs: Number(m[1]), failures: m[2] === undefined ? null : Number(m[2]), command: m[3] });
  }
  const add = sampleAdder(r.samples);
  add('tps', r.tps, 'tx/s');
  add('latency_avg', r.latencyAvgMs, 'ms');
  add('latency_stddev', r.latencyStddevMs, 'ms');
  add('failed_tx', r.failedTx, 'count');
  add('connection_time', r.initialConnectionMs, 'ms');
  add('transactions', r.processed, 'count');
  if (r.tps === undefined || r.latencyAvgMs === undefined) {
    // The lines were there but did not hold numbers: never report the rest as a success.
    const why = 'pgbench report lines "tps" or "latency average" hold no number';
    return { ...r, ok: false, reason: why, samples: PGBENCH_FAILED_METRICS.map(([m, u]) => failed(m, u, why)) };
  }
  return r;
}

export interface PgbenchTxLog {
  /** Latency of each logged transaction that completed, in ms. */
  latenciesMs: number[];
  /** Transactions logged as "failed" or "skipped" (no latency). */
  failed: number;
  skipped: number;
  /** Lines that are not transaction records (reported, not guessed at). */
  malformed: number;
}

/**
 * Per-transaction log lines: client_id transaction_no time script_no time_epoch time_us
 * [schedule_lag] [retries]; `time` is the latency in microseconds, or "failed"/"skipped".
 */
export function parsePgbenchLog(text: string): PgbenchTxLog {
  const out: PgbenchTxLog = { latenciesMs: [], failed: 0, skipped: 0, malformed: 0 };
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const f = line.trim().split(/\s+/);
    if (
      f.length < 6 ||
      !f
        .slice(0, 2)
        .concat(f.slice(3, 6))
        .every((x) => /^\d+$/.test(x))
    ) {
      out.malformed++;
      continue;
    }
    if (f[2] === 'failed') out.failed++;
    else if (f[2] === 'skipped') out.skipped++;
    else if (/^\d+$/.test(f[2])) out.latenciesMs.push(Number(f[2]) / 1000);
    else out.malformed++;
  }
  return out;
}

export const LATENCY_PERCENTILES = [
  ['latency_p50', 50],
  ['latency_p95', 95],
  ['latency_p99', 99],
] as const;

/** p50/p95/p99 of the logged latencies (type-7 percentiles); failed samples when nothing was logged. */
export function latencyPercentileSamples(log: PgbenchTxLog, flags: string[] = []): Sample[] {
  if (log.latenciesMs.length === 0) {
    const why = `per-transaction log holds no completed transaction (${log.failed} failed, ${log.skipped} skipped, ${log.malformed} malformed lines)`;
    return LATENCY_PERCENTILES.map(([m]) => failed(m, 'ms', why));
  }
  const f = log.malformed ? [...flags, `log-malformed-lines=${log.malformed}`] : flags;
  return LATENCY_PERCENTILES.map(([m, p]) => ({ metric: m, value: percentile(log.latenciesMs, p), unit: 'ms', status: 'ok' as const, flags: f }));
}

/** Totals of `pgbench -i`: "done in 0.31 s (...)". */
export function parsePgbenchInit(output: string): { ok: boolean; seconds?: number; reason?: string } {
  const s = num(/^done in ([\d.]+) s/m, output);
  if (s !== undefined) return { ok: true, seconds: s };
  const err = errorLines(output)[0];
  return { ok: false, reason: err ? `pgbench -i: ${err}` : `pgbench -i did not finish: ${output.trim().split('\n').pop()?.slice(0, 200) ?? '(no output)'}` };
}
