/**
 * One lock per schedule, across processes: <state_dir>/lock (base/owner-lock.ts: created whole by
 * link(), with the holder's pid, its start time and a random id; taken over only from a holder
 * that is provably dead, under a takeover lock; released only by its holder). A second daemon or
 * `--once` is refused naming the holder; a takeover is reported to the caller to log.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tryLock, type LockIdentity } from '../../base/owner-lock.js';
import { startedAt } from '../../infra/process-owner.js';

export interface LockHolder {
  pid: number;
  pidStart?: number;
  at: string;
  /** Random per acquisition: two takes by one process within the same millisecond stay apart. */
  id?: string;
  schedule: string;
  /** 'daemon' or 'once'. */
  mode: string;
}

export class LockHeld extends Error {
  constructor(
    readonly holder: LockHolder,
    readonly path: string,
  ) {
    super(
      `schedule is locked by pid ${holder.pid} (${holder.mode}, started ${startedAt(holder.pidStart)}, lock ${path}); stop that process first, or wait for it`,
    );
    this.name = 'LockHeld';
  }
}

export interface ScheduleLock {
  path: string;
  /** The dead holder whose lock was taken over, if any. */
  tookOver: LockHolder | null;
  release(): void;
}

const asHolder = (h: LockIdentity | 'unreadable', schedule: string): LockHolder =>
  h === 'unreadable'
    ? { pid: 0, at: 'unknown', schedule, mode: 'unreadable lock file' }
    : { pid: h.pid, pidStart: h.pidStart, at: h.at, id: h.id, schedule: String(h.schedule ?? schedule), mode: String(h.mode ?? 'unknown') };

export function acquireLock(stateDir: string, o: { schedule: string; mode: string }): ScheduleLock {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const path = join(stateDir, 'lock');
  const r = tryLock(path, { schedule: o.schedule, mode: o.mode });
  if ('busy' in r) throw new LockHeld(asHolder(r.busy, o.schedule), path);
  const held = r.held;
  return {
    path,
    tookOver: held.tookOver === null ? null : asHolder(held.tookOver, o.schedule),
    release: () => {
      held.release();
    },
  };
}
