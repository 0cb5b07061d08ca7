/**
 * Per-run journal: every resource is appended (and fsynced) here *before* it is created, so that
 * `icbench clean` can remove it even after the harness was killed with SIGKILL.
 * One JSON object per line in <stateDir>/<run-id>.journal.
 */
import { appendFileSync, chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../base/atomic-file.js';
import { ownerAlive } from './process-owner.js';
import { RUN_ID_RE } from './run-id.js';

/**
 * What a journal line can be, by kind. Open: a provider that journals a resource of its own adds its
 * kind from its own folder (`declare module '../journal.js' { interface JournalKinds { ... } }`)
 * and names it in its ProviderModule's `owns`, so that `clean` hands such entries to it.
 */
export interface JournalKinds {
  /** The run itself: its owning process (pid, and its start time in clock ticks since boot, field 22 of /proc/<pid>/stat). */
  run: { runId: string; scenario: string; resultsDir: string; pid: number; pidStart?: number; at: string };
  netns: { name: string };
  /**
   * An LXC container of a lab node, under its run's own lxcpath. `netns`: the named network
   * namespace lxc-start ran in (a container sharing it, as the isolated SSH-sites fixture's hosts
   * do): LXC's command socket is an abstract unix socket, reachable only from that namespace.
   */
  lxc: { name: string; lxcpath: string; netns?: string };
  /** A Docker container of a lab node (also labelled icbench.run=<run-id>). */
  docker: { name: string };
  file: { path: string };
  /** A QEMU VM (qemu node, or a migration target): its private dir (QMP socket, pid file, serial log), then its process once started. */
  qemu: { name: string; dir: string; pid?: number; pidStart?: number };
  /**
   * A long-running process the harness started on this machine (e.g. the QEMU of a nested Xen
   * host), written before it starts (pidfile, and `name`, an argument its command line holds), then
   * again with its pid and start time once it runs; clean kills it only if pid and start time match
   * (infra/owned-process.ts).
   */
  process: { name: string; pidfile: string; pid?: number; pidStart?: number };
  /** Real hosts of the run (reached over SSH with this inventory); each keeps its own journal of what was made on it. */
  remote: { inventory: string; hosts: string[] };
  /**
   * A bundle shipped to real hosts' content-addressed cache (/var/cache/icbench-remote/<sha256>,
   * infra/remote/ship.ts), journaled before the copy: `clean` keeps it (later runs reuse it) and
   * moves the entry to <run>.kept; `clean --purge-cache` removes it from the hosts.
   */
  'remote-cache': { inventory: string; hosts: string[]; bundle: string; sha256: string; bytes: number };
  /**
   * A host gone for good, dropped from this journal on purpose (`icbench clean <run> --forget-host`):
   * who did it, when, and why (its last error). What the run made on it was NOT removed.
   */
  forgotten: { host: string; at: string; by: string; why: string };
}

export type JournalKind = keyof JournalKinds;
/** One journal line: `{ kind, ...fields of that kind }`. */
export type JournalEntry = { [K in JournalKind]: { kind: K } & JournalKinds[K] }[JournalKind];

export function stateDir(): string {
  return process.env.ICBENCH_STATE_DIR ?? '/run/icbench';
}

/**
 * Creates the state dir private: 0711, not 0700, because PostgreSQL inside a node runs as user
 * postgres and must traverse <state>/<run>.d/... to its data dir; nobody else can list or read it.
 * An existing dir that others could list or write is tightened the same way.
 */
export function ensureStateDir(dir = stateDir()): void {
  const made = mkdirSync(dir, { recursive: true, mode: 0o711 }) !== undefined;
  const st = statSync(dir);
  // Journals say what to remove as root: a state dir someone else owns could hand us theirs.
  if (process.getuid && st.uid !== process.getuid())
    throw new Error(`state dir ${dir} is owned by uid ${st.uid}, not by this user (uid ${process.getuid()}): refusing to keep journals there`);
  const mode = st.mode & 0o777;
  // A dir made here is exactly 0711 whatever the umask (under umask 077 mkdir gives 0700, and postgres
  // could not reach its data dir); an existing one that others could list or write is tightened.
  if (made && mode !== 0o711) chmodSync(dir, 0o711);
  else if (mode & 0o066) chmodSync(dir, mode & ~0o066);
}

export class Journal {
  readonly path: string;
  constructor(
    readonly runId: string,
    dir = stateDir(),
  ) {
    if (!RUN_ID_RE.test(runId)) throw new Error(`journal: bad run id ${JSON.stringify(runId)}`);
    ensureStateDir(dir);
    this.path = join(dir, `${runId}.journal`);
  }

  /** Appends entries durably; returns only after they are on disk. A run's head entry also registers it as live on this machine. */
  record(...entries: JournalEntry[]): void {
    if (entries.length === 0) return;
    for (const e of entries) if (e.kind === 'run') registerLive(this.runId, { pid: e.pid, pidStart: e.pidStart }, dirname(this.path));
    const fd = openSync(this.path, 'a', 0o600);
    try {
      appendFileSync(fd, entries.map((e) => JSON.stringify(e) + '\n').join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  entries(): JournalEntry[] {
    return readJournal(this.path);
  }

  /**
   * Rewrites the journal (atomically, fsynced, 0600): every entry through `map` (null drops it; a
   * line torn by a crash is kept as it is), then `append`. Only for a run whose process is gone:
   * a live run's append in between would be lost.
   */
  amend(map: (e: JournalEntry) => JournalEntry | null, append: JournalEntry[] = []): void {
    const text = existsSync(this.path) ? readFileSync(this.path, 'utf8') : '';
    const lines = text.split('\n').flatMap((line) => {
      if (!line.trim()) return [];
      let e: JournalEntry;
      try {
        e = JSON.parse(line);
      } catch {
        return [line];
      }
      const m = map(e);
      return m === null ? [] : [m === e ? line : JSON.stringify(m)];
    });
    writeFileAtomic(this.path, [...lines, ...append.map((e) => JSON.stringify(e))].map((l) => `${l}\n`).join(''), 0o600);
  }

  remove(): void {
    rmSync(this.path, { force: true });
    unregisterLive(this.runId, dirname(this.path));
  }
}

export function readJournal(path: string): JournalEntry[] {
  if (!existsSync(path)) return [];
  const out: JournalEntry[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      /* a line torn by a crash mid-write: the rest still counts */
    }
  }
  return out;
}

/**
 * What a clean left on purpose (a shipped cache that later runs reuse), by run: <stateDir>/<run>.kept,
 * journal lines (0600), read by `icbench list` and by `clean <run> --purge-cache`.
 */
export const keptPath = (runId: string, dir = stateDir()): string => join(dir, `${runId}.kept`);

export function readKept(runId: string, dir = stateDir()): JournalEntry[] {
  return readJournal(keptPath(runId, dir));
}

/** Records entries a clean kept (each once); an empty list removes the record. */
export function writeKept(runId: string, entries: JournalEntry[], dir = stateDir()): void {
  const lines = [...new Set(entries.map((e) => JSON.stringify(e)))];
  if (lines.length === 0) rmSync(keptPath(runId, dir), { force: true });
  else {
    ensureStateDir(dir);
    writeFileAtomic(keptPath(runId, dir), lines.map((l) => `${l}\n`).join(''), 0o600);
  }
}

/** Run ids with something kept on purpose, oldest first. */
export function keptRuns(dir = stateDir()): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.kept') && RUN_ID_RE.test(f.slice(0, -5)))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** Run ids that still have a journal, oldest first. */
export function journaledRuns(dir = stateDir()): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.journal') && RUN_ID_RE.test(f.slice(0, -8)))
    .map((f) => f.slice(0, -8))
    .sort();
}

/**
 * The machine-wide registry of live runs, whatever their state dir: <live dir>/<run id> holds the
 * state dir and the owning process (pid + start time). `clean --orphans` of one state dir must not
 * take another state dir's running run for an orphan because its journal is elsewhere; a run is
 * live while its owner runs (a registration whose owner died is stale and ignored).
 */
export function liveDir(): string {
  return process.env.ICBENCH_LIVE_DIR ?? '/run/icbench-live';
}

interface LiveRecord {
  runId: string;
  stateDir: string;
  pid: number;
  pidStart?: number;
}

function registerLive(runId: string, owner: { pid: number; pidStart?: number }, dir: string): void {
  const live = liveDir();
  mkdirSync(live, { recursive: true, mode: 0o700 });
  const rec: LiveRecord = { runId, stateDir: resolve(dir), ...owner };
  writeFileAtomic(join(live, runId), JSON.stringify(rec));
}

function unregisterLive(runId: string, dir: string): void {
  const f = join(liveDir(), runId);
  try {
    const rec = JSON.parse(readFileSync(f, 'utf8')) as LiveRecord;
    if (rec.stateDir === resolve(dir)) rmSync(f, { force: true });
  } catch {
    /* none */
  }
}

/** Runs registered as live by any state dir on this machine whose owning process still runs. */
export function liveRuns(): { runId: string; stateDir: string; pid: number }[] {
  const live = liveDir();
  if (!existsSync(live)) return [];
  const out: { runId: string; stateDir: string; pid: number }[] = [];
  for (const f of readdirSync(live)) {
    if (!RUN_ID_RE.test(f)) continue;
    try {
      const rec = JSON.parse(readFileSync(join(live, f), 'utf8')) as LiveRecord;
      if (rec.runId === f && ownerAlive({ pid: rec.pid, pidStart: rec.pidStart })) out.push({ runId: f, stateDir: rec.stateDir, pid: rec.pid });
    } catch {
      /* torn or gone: not live */
    }
  }
  return out;
}

/** Run ids an orphan search must leave alone: journaled in this state dir, or live in any. */
export function knownRuns(): Set<string> {
  return new Set([...journaledRuns(), ...liveRuns().map((r) => r.runId)]);
}
