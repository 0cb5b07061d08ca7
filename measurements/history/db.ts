/**
 * The history database: <results>/history.sqlite, SQLite through sql.js (SQLite compiled to
 * WebAssembly, from npm alone: better-sqlite3 needs a prebuilt binary from github.com or a
 * native build, neither of which a fresh machine here can count on).
 *
 * sql.js works on an in-memory copy, so durability and isolation are ours:
 * - every change goes through `withHistory`, which holds an exclusive lock file
 *   (<db>.lock, base/owner-lock.ts: created whole, holding the holder's identity; a lock of a
 *   provably dead process is taken over) while it
 *   reads the file, applies the change in one SQL transaction and writes it back;
 * - writing back is temp file (same directory), fsync, rename over the old file, fsync of the
 *   directory: a crash (kill -9, power) at any point leaves the old or the new database whole,
 *   never a mix. A leftover temp file is removed at the next open.
 * The run folders stay the source of truth: `rebuildHistory` re-indexes them.
 */
import { tryLock, type LockTry } from '../../base/owner-lock.js';
import { pidStartTime } from '../../base/process-owner.js';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { writeFileAtomic } from '../../base/atomic-file.js';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import initSqlJs, { type Database, type SqlJsStatic, type SqlValue } from 'sql.js';

export const DB_FILE = 'history.sqlite';
export const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
  run_id TEXT PRIMARY KEY,
  run_dir TEXT NOT NULL,          -- relative to the results directory
  scenario TEXT NOT NULL,
  params_json TEXT NOT NULL,      -- scenario parameters (keys sorted), testbed_* timings left out
  params_hash TEXT NOT NULL,
  testbed TEXT NOT NULL,          -- lab | ssh
  host_fp TEXT NOT NULL,          -- host fingerprint (hostname, cpus, memory; remote host names)
  harness_commit TEXT NOT NULL,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  status TEXT NOT NULL,           -- ok | degraded | failed | interrupted | running
  origin TEXT NOT NULL,           -- manual | nightly
  origin_entry TEXT,
  origin_slot TEXT,
  report_path TEXT,               -- relative to the results directory
  suspect INTEGER NOT NULL DEFAULT 0,
  confirmed INTEGER NOT NULL DEFAULT 0,
  regressions_json TEXT           -- the run's regressions.json
);
CREATE INDEX IF NOT EXISTS runs_scenario ON runs (scenario, started_at);
CREATE TABLE IF NOT EXISTS series (
  series_key TEXT PRIMARY KEY,    -- sha256 of the key fields below
  scenario TEXT NOT NULL, benchmark TEXT NOT NULL, metric TEXT NOT NULL, unit TEXT NOT NULL,
  path TEXT NOT NULL, src_site TEXT NOT NULL, dst_site TEXT NOT NULL,
  row_params TEXT NOT NULL, params_hash TEXT NOT NULL,
  testbed TEXT NOT NULL, virt TEXT NOT NULL, host_fp TEXT NOT NULL,
  direction TEXT NOT NULL         -- higher | lower | none: which way is better
);
CREATE TABLE IF NOT EXISTS summaries (
  run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
  series_key TEXT NOT NULL REFERENCES series (series_key),
  n INTEGER NOT NULL, median REAL NOT NULL, p05 REAL NOT NULL, q1 REAL NOT NULL, q3 REAL NOT NULL, p95 REAL NOT NULL,
  min REAL NOT NULL, max REAL NOT NULL, mad REAL NOT NULL, iqr REAL NOT NULL,
  values_json TEXT NOT NULL,      -- the repetitions (at most 200 kept), for the significance test
  verdict TEXT NOT NULL DEFAULT 'no-baseline', -- the detector's verdict on this point (suspect, confirmed, within-noise, ...)
  base_median REAL, base_lo REAL, base_hi REAL, -- the baseline it was compared with and its band (median ± threshold)
  PRIMARY KEY (run_id, series_key)
);
CREATE INDEX IF NOT EXISTS summaries_series ON summaries (series_key);
CREATE TABLE IF NOT EXISTS findings (
  run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
  series_key TEXT NOT NULL,
  kind TEXT NOT NULL,             -- suspect | confirmed | guard | change-point
  detail_json TEXT NOT NULL,
  confirmed_by TEXT,              -- a suspect later confirmed: the run that confirmed it
  PRIMARY KEY (run_id, series_key, kind)
);
CREATE TABLE IF NOT EXISTS missed (
  entry TEXT NOT NULL, slot TEXT NOT NULL, scenario TEXT NOT NULL, reason TEXT NOT NULL, recorded_at TEXT NOT NULL,
  PRIMARY KEY (entry, slot)
);
`;

let sqlPromise: Promise<SqlJsStatic> | null = null;
function sql(): Promise<SqlJsStatic> {
  if (!sqlPromise) {
    const wasm = createRequire(import.meta.url).resolve('sql.js/dist/sql-wasm.wasm');
    sqlPromise = initSqlJs({ locateFile: () => wasm });
  }
  return sqlPromise;
}

export function dbPath(resultsRoot: string): string {
  return join(resultsRoot, DB_FILE);
}

/** A thin typed wrapper: all() returns rows as objects. */
export class HistoryDb {
  constructor(readonly db: Database) {}
  run(q: string, params: SqlValue[] = []): void {
    this.db.run(q, params);
  }
  all<T = Record<string, SqlValue>>(q: string, params: SqlValue[] = []): T[] {
    const st = this.db.prepare(q);
    try {
      st.bind(params);
      const out: T[] = [];
      while (st.step()) out.push(st.getAsObject() as T);
      return out;
    } finally {
      st.free();
    }
  }
  get<T = Record<string, SqlValue>>(q: string, params: SqlValue[] = []): T | undefined {
    return this.all<T>(q, params)[0];
  }
}

/**
 * Takes <db>.lock (base/owner-lock.ts: atomic, with the holder's identity; a dead holder's lock is
 * taken over, a live one waited for up to `waitMs` without blocking the event loop); returns the
 * release function. Another process is kept out by the lock file; callers in this process queue on
 * `inProcess` first, so one never waits for a lock its own process holds.
 */
async function lock(file: string, waitMs: number, warn: (s: string) => void): Promise<() => void> {
  const lockFile = `${file}.lock`;
  const deadline = Date.now() + waitMs;
  for (;;) {
    let r: LockTry;
    try {
      r = tryLock(lockFile, { what: 'history' });
    } catch (e) {
      throw new Error(`history: cannot take lock ${lockFile}: ${(e as Error).message}`, { cause: e });
    }
    if ('held' in r) {
      const t = r.held.tookOver;
      if (t) warn(`history: taking over the lock ${lockFile} left by ${t === 'unreadable' ? 'an unreadable holder' : `dead process ${t.pid}`}`);
      return () => void r.held.release();
    }
    if (Date.now() > deadline) throw new Error(`history: ${lockFile} is held by live process ${r.busy.pid} (waited ${waitMs} ms)`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

/** The tail of each database file's queue of writers in this process (settled, never rejected). */
const inProcess = new Map<string, Promise<void>>();

/** Runs `fn` after every earlier writer of `file` in this process has finished. */
async function queued<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const mine = (inProcess.get(file) ?? Promise.resolve()).then(fn);
  const tail = mine.then(
    () => {},
    () => {},
  );
  inProcess.set(file, tail);
  try {
    return await mine;
  } finally {
    if (inProcess.get(file) === tail) inProcess.delete(file);
  }
}

async function load(file: string): Promise<HistoryDb> {
  const SQL = await sql();
  const db = new SQL.Database(existsSync(file) ? readFileSync(file) : undefined);
  const h = new HistoryDb(db);
  h.run('PRAGMA foreign_keys = ON');
  db.exec(SCHEMA);
  const v = h.get<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'");
  if (v && Number(v.value) !== SCHEMA_VERSION)
    throw new Error(`history: ${file} has schema version ${v.value}, this harness writes ${SCHEMA_VERSION}; run icbench history rebuild`);
  if (!v) h.run("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", [String(SCHEMA_VERSION)]);
  return h;
}

function removeStaleTemps(file: string): void {
  const dir = dirname(file);
  const base = `${file.slice(dir.length + 1)}.tmp-`;
  try {
    for (const f of readdirSync(dir)) {
      if (!f.startsWith(base)) continue;
      const pid = Number.parseInt(f.slice(base.length), 10); // <db>.tmp-<pid>-<random> (base/atomic-file.ts)
      if (pidStartTime(pid) === null) rmSync(join(dir, f), { force: true });
    }
  } catch {
    /* nothing to remove */
  }
}
export interface HistoryOptions {
  /** How long to wait for another writer (default 60 s). */
  waitMs?: number;
  warn?: (s: string) => void;
}

/**
 * Runs `fn` on the database under the lock, inside one transaction; when `fn` returns, the
 * database is written back atomically. When `fn` throws, nothing is written.
 */
export async function withHistory<T>(resultsRoot: string, fn: (db: HistoryDb) => T | Promise<T>, opts: HistoryOptions = {}): Promise<T> {
  mkdirSync(resultsRoot, { recursive: true, mode: 0o700 });
  const file = dbPath(resultsRoot);
  return queued(file, () => underLock(file, fn, opts));
}

async function underLock<T>(file: string, fn: (db: HistoryDb) => T | Promise<T>, opts: HistoryOptions): Promise<T> {
  const release = await lock(file, opts.waitMs ?? 60_000, opts.warn ?? ((s) => process.stderr.write(`${s}\n`)));
  try {
    removeStaleTemps(file);
    const h = await load(file);
    try {
      h.run('BEGIN');
      const out = await fn(h);
      h.run('COMMIT');
      writeFileAtomic(file, h.db.export());
      return out;
    } finally {
      h.db.close();
    }
  } finally {
    release();
  }
}

/** Opens the database read-only (no lock: the file is only ever replaced whole). Null when none exists. */
export async function readHistory<T>(resultsRoot: string, fn: (db: HistoryDb) => T): Promise<T | null> {
  const file = dbPath(resultsRoot);
  if (!existsSync(file)) return null;
  const h = await load(file);
  try {
    return fn(h);
  } finally {
    h.db.close();
  }
}
