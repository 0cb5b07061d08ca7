/**
 * Who owns a run: the pid journaled at its start and that process's start time (field 22 of
 * /proc/<pid>/stat, clock ticks since boot), so that a pid reused by another process after the
 * run died is not taken for the run.
 */
import { readFileSync } from 'node:fs';

/** Start time of `pid` in clock ticks since boot, or null when no such process (or a zombie) exists. */
export function pidStartTime(pid: number): number | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses; fields resume after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (rest[0] === 'Z' || rest[0] === 'X') return null; // dead, waiting to be reaped
  const start = Number(rest[19]); // field 22 overall: 3 is rest[0]
  return Number.isFinite(start) ? start : null;
}

export interface Owner {
  pid: number;
  pidStart?: number;
}

/**
 * True when the run's owning process still runs: the pid exists and, when the journal has its
 * start time, started at that time. A journal written before start times were recorded counts
 * as alive while its pid exists (the cautious answer; --force overrides).
 */
export function ownerAlive(o: Owner): boolean {
  const now = pidStartTime(o.pid);
  if (now === null) return false;
  return o.pidStart === undefined || o.pidStart === now;
}

/** Wall-clock time at which a process started (from its start time in ticks), for messages. */
export function startedAt(pidStart: number | undefined): string {
  if (pidStart === undefined) return 'at an unknown time';
  try {
    const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    const ticks = 100; // USER_HZ is 100 on every Linux this runs on
    return new Date(Date.now() - (uptime - pidStart / ticks) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  } catch {
    return 'at an unknown time';
  }
}
