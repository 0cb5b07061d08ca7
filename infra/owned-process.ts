/**
 * Long-running processes the harness starts on this machine (the QEMU of a nested Xen host),
 * journaled before they start and killed by `clean` by pid + start time, never by name: a pid
 * reused by another process after the harness died is left alone.
 *
 * Two journal lines per process: before the start (`name` = an argument of its command line,
 * `pidfile` = where the process writes its pid), and after (pid and start time). A kill -9 between
 * the two leaves only the first: clean then reads the pidfile and kills that pid only if its
 * command line still holds `name`.
 */
import { readFileSync } from 'node:fs';
import type { JournalEntry } from './journal.js';
import { pidStartTime } from './process-owner.js';

export type ProcessEntry = Extract<JournalEntry, { kind: 'process' }>;

function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

/** Does this argv name the process? `name` itself, or QEMU's `-name name,opt=...` form. */
const namesIt = (argv: string[], name: string) => argv.some((a) => a === name || a.startsWith(`${name},`));

/** The pid an entry still stands for (alive, same start time, or else its argv naming it), or null. */
export function livePid(e: Pick<ProcessEntry, 'name' | 'pidfile' | 'pid' | 'pidStart'>): number | null {
  if (e.pid !== undefined && e.pidStart !== undefined) return pidStartTime(e.pid) === e.pidStart ? e.pid : null;
  let pid = e.pid;
  if (pid === undefined) {
    try {
      pid = Number(readFileSync(e.pidfile, 'utf8').trim());
    } catch {
      return null;
    }
  }
  if (!Number.isInteger(pid) || pid <= 0 || pidStartTime(pid) === null) return null;
  return namesIt(cmdline(pid), e.name) ? pid : null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Kills what the entries of one process stand for (SIGTERM, then SIGKILL after `graceMs`); true when none runs any more. */
export async function killOwned(entries: Pick<ProcessEntry, 'name' | 'pidfile' | 'pid' | 'pidStart'>[], graceMs = 3000): Promise<boolean> {
  // The latest entry with a pid wins; else the pidfile entry.
  const withPid = entries.filter((e) => e.pid !== undefined);
  const pids = new Set<number>();
  for (const e of withPid.length ? withPid : entries) {
    const p = livePid(e);
    if (p !== null) pids.add(p);
  }
  if (pids.size === 0) return true;
  const starts = new Map([...pids].map((p) => [p, pidStartTime(p)]));
  const alive = () => [...pids].filter((p) => pidStartTime(p) !== null && pidStartTime(p) === starts.get(p));
  for (const p of pids) {
    try {
      process.kill(p, 'SIGTERM');
    } catch {
      /* gone */
    }
  }
  for (let t = 0; t < graceMs && alive().length; t += 100) await sleep(100);
  for (const p of alive()) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  for (let t = 0; t < 5000 && alive().length; t += 100) await sleep(100);
  return alive().length === 0;
}

/** Groups a journal's process entries by name (one process each) and kills them; returns the names still running. */
export async function killJournaled(entries: JournalEntry[]): Promise<string[]> {
  const byName = new Map<string, ProcessEntry[]>();
  for (const e of entries) if (e.kind === 'process') byName.set(e.name, [...(byName.get(e.name) ?? []), e]);
  const left: string[] = [];
  for (const [name, es] of byName) if (!(await killOwned(es))) left.push(`process ${name}`);
  return left;
}
