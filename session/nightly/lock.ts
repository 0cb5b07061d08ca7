/**
 * One lock per schedule, across processes: <state_dir>/lock, created with O_EXCL, holding the
 * holder's pid and that process's start time (from /proc, so a reused pid is not taken for the
 * holder). A second daemon or `--once` is refused naming the holder. A lock whose holder is dead
 * (kill -9, power loss) is taken over, and the takeover is reported to the caller to log.
 *
 * Takeover is race-safe between two starters: the stale file is renamed to a name of our own
 * (rename is atomic, so only one starter gets it), then checked to be the stale one we read; a
 * live lock moved by mistake is linked back (link fails rather than overwrite).
 */
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { ownerAlive, pidStartTime, startedAt } from '../../infra/process-owner.js';

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

function readHolder(path: string): LockHolder | null {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
    return Number.isInteger(h.pid) ? h : null;
  } catch {
    return null; // gone, or torn by a crash between create and write: treated as stale
  }
}

const same = (a: LockHolder | null, b: LockHolder | null) => !!a && !!b && a.pid === b.pid && a.pidStart === b.pidStart && a.at === b.at && a.id === b.id;

export function acquireLock(stateDir: string, o: { schedule: string; mode: string }): ScheduleLock {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const path = join(stateDir, 'lock');
  const me: LockHolder = {
    pid: process.pid,
    pidStart: pidStartTime(process.pid) ?? undefined,
    at: new Date().toISOString(),
    id: randomUUID(),
    schedule: o.schedule,
    mode: o.mode,
  };
  let tookOver: LockHolder | null = null;
  // The lock appears complete or not at all: written to a file of our own, then hard-linked in place (EEXIST if held).
  const mine = `${path}.new-${process.pid}`;
  const fd = openSync(mine, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(me));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    for (let attempt = 0; ; attempt++) {
      if (attempt === 5) throw new Error(`could not take the lock ${path} after 5 attempts (other starters keep taking it)`);
      try {
        linkSync(mine, path);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const h = readHolder(path);
      if (h && ownerAlive(h)) throw new LockHeld(h, path);
      // Stale: move it aside under a name only we use, then make sure it was the stale one.
      const aside = `${path}.stale-${process.pid}`;
      try {
        renameSync(path, aside);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // another starter moved it first
        throw err;
      }
      const moved = readHolder(aside);
      if (moved && !same(moved, h) && ownerAlive(moved)) {
        // A live starter's fresh lock: put it back (link never overwrites) and give way.
        try {
          linkSync(aside, path);
        } catch {
          /* someone else holds it now */
        }
        rmSync(aside, { force: true });
        throw new LockHeld(moved, path);
      }
      rmSync(aside, { force: true });
      tookOver = h ?? { pid: 0, at: 'unknown', schedule: o.schedule, mode: 'unreadable lock file' };
    }
  } finally {
    rmSync(mine, { force: true });
  }
  let released = false;
  return {
    path,
    tookOver,
    release: () => {
      if (released) return;
      released = true;
      if (same(readHolder(path), me)) rmSync(path, { force: true });
    },
  };
}
