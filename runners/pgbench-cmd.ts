/**
 * Pure pgbench command builders and option checks: options in, argv out (never a shell string).
 * Binaries are those of PostgreSQL 15 (Debian's /usr/lib/postgresql/15/bin), called by full path
 * so the pg_wrapper in /usr/bin cannot pick another installed version.
 */
import { ConfigError, positiveInt } from '../infra/units.js';
import { host, port, wholeNumber } from './values.js';

export const PG_BIN_DIR = '/usr/lib/postgresql/15/bin';
export const PGBENCH_SCRIPTS = ['tpcb-like', 'select-only'] as const;
export type PgbenchScript = (typeof PGBENCH_SCRIPTS)[number];

/** Limits checked before anything is created. */
export const PGBENCH_LIMITS = { scale: 10000, clients: 1000, durationS: 3600, repetitions: 1000 } as const;

export interface PgbenchConnection {
  host: string;
  port: number;
  /** Default 'postgres'. */
  user?: string;
  /** Default 'postgres'. */
  dbname?: string;
  binDir?: string;
}

export interface PgbenchRunOptions extends PgbenchConnection {
  script: PgbenchScript;
  /** -c: concurrent database sessions. */
  clients: number;
  /** -j: worker threads; at most `clients` (pgbench refuses more). Default 1. */
  threads?: number;
  /** -T: whole seconds. */
  durationS: number;
  /** -P: a progress line every n seconds on stderr (also makes pgbench print the latency stddev). */
  progressS?: number;
  /** -r: per-statement latencies in the report. */
  perStatement?: boolean;
  /** -l --log-prefix: one line per transaction in <prefix>.<pid>[.<thread>] files. */
  logPrefix?: string;
  /** --sampling-rate: fraction (0..1] of transactions written to the log. */
  samplingRate?: number;
  /**
   * Vacuum the pgbench tables before the run. Default: yes for scripts that write (tpcb-like),
   * no (-n) for select-only, whose result a vacuum would not change.
   */
  vacuum?: boolean;
}

export interface PgbenchInitOptions extends PgbenchConnection {
  scale: number;
}

const PATH_RE = /^\/[A-Za-z0-9_./-]+$/;

function connArgs(o: PgbenchConnection, field: string): string[] {
  const user = o.user ?? 'postgres',
    db = o.dbname ?? 'postgres';
  for (const [k, v] of [
    ['user', user],
    ['dbname', db],
  ] as const)
    if (typeof v !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(v))
      throw new ConfigError(`${field}.${k}`, 'a PostgreSQL name (letters, digits, _; not starting with a digit)', v);
  return ['-h', host(o.host, `${field}.host`), '-p', port(o.port, `${field}.port`), '-U', user];
}

export function binDir(o: { binDir?: string }, field = 'pgbench.binDir'): string {
  const d = o.binDir ?? PG_BIN_DIR;
  if (!PATH_RE.test(d)) throw new ConfigError(field, 'an absolute directory path', d);
  return d;
}

export function checkScript(v: unknown, field: string): PgbenchScript {
  if (!PGBENCH_SCRIPTS.includes(v as PgbenchScript)) throw new ConfigError(field, `one of ${PGBENCH_SCRIPTS.map((s) => `'${s}'`).join(', ')}`, v);
  return v as PgbenchScript;
}

export function checkClientsThreads(clients: unknown, threads: unknown, field: string): void {
  positiveInt(clients, `${field}.clients`, PGBENCH_LIMITS.clients);
  if (threads !== undefined) positiveInt(threads, `${field}.threads`, clients as number);
}

/** `pgbench -i -s <scale>`: (re)creates and fills the pgbench tables. */
export function pgbenchInitArgs(o: PgbenchInitOptions): string[] {
  positiveInt(o.scale, 'pgbench.scale', PGBENCH_LIMITS.scale);
  return [`${binDir(o)}/pgbench`, '-i', '-s', String(o.scale), ...connArgs(o, 'pgbench'), o.dbname ?? 'postgres'];
}

/** A timed pgbench run with a builtin script. */
export function pgbenchRunArgs(o: PgbenchRunOptions): string[] {
  const script = checkScript(o.script, 'pgbench.script');
  checkClientsThreads(o.clients, o.threads, 'pgbench');
  const argv = [
    `${binDir(o)}/pgbench`,
    '-b',
    script,
    '-c',
    String(o.clients),
    '-j',
    String(o.threads ?? 1),
    '-T',
    wholeNumber(o.durationS, 'pgbench.durationS', 1, PGBENCH_LIMITS.durationS, 'seconds'),
  ];
  if (!(o.vacuum ?? script !== 'select-only')) argv.push('-n');
  if (o.progressS !== undefined) argv.push('-P', wholeNumber(o.progressS, 'pgbench.progressS', 1, 3600, 'seconds'));
  if (o.perStatement) argv.push('-r');
  if (o.logPrefix !== undefined) {
    if (typeof o.logPrefix !== 'string' || !PATH_RE.test(o.logPrefix) || o.logPrefix.endsWith('/'))
      throw new ConfigError('pgbench.logPrefix', 'an absolute file path prefix (letters, digits, _ . / -)', o.logPrefix);
    argv.push('-l', `--log-prefix=${o.logPrefix}`);
  }
  if (o.samplingRate !== undefined) {
    if (o.logPrefix === undefined)
      throw new ConfigError('pgbench.samplingRate', 'to be set only together with logPrefix (it samples the transaction log)', o.samplingRate);
    checkSamplingRate(o.samplingRate, 'pgbench.samplingRate');
    argv.push(`--sampling-rate=${o.samplingRate}`);
  }
  argv.push(...connArgs(o, 'pgbench'), o.dbname ?? 'postgres');
  return argv;
}

export function checkSamplingRate(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > 1) throw new ConfigError(field, 'a fraction greater than 0 and at most 1', v);
  return v;
}
