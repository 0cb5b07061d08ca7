/**
 * Per-run journal: every resource is appended (and fsynced) here *before* it is created, so that
 * `icbench clean` can remove it even after the harness was killed with SIGKILL.
 * One JSON object per line in <stateDir>/<run-id>.journal.
 */
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
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
  /** An LXC container of a lab node, under its run's own lxcpath. */
  lxc: { name: string; lxcpath: string };
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
  mkdirSync(dir, { recursive: true, mode: 0o711 });
  const mode = statSync(dir).mode & 0o777;
  if (mode & 0o066) chmodSync(dir, mode & ~0o066);
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

  /** Appends entries durably; returns only after they are on disk. */
  record(...entries: JournalEntry[]): void {
    if (entries.length === 0) return;
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

  remove(): void {
    rmSync(this.path, { force: true });
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

/** Run ids that still have a journal, oldest first. */
export function journaledRuns(dir = stateDir()): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.journal') && RUN_ID_RE.test(f.slice(0, -8)))
    .map((f) => f.slice(0, -8))
    .sort();
}
