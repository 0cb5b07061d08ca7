/**
 * A lock file across processes that says who holds it and is taken over only from a holder that is
 * provably dead. Used by the history database (measurements/history/db.ts) and the nightly
 * schedule (session/nightly/lock.ts).
 *
 * - Atomic, with identity: the holder's identity (pid, the process's start time from /proc, a
 *   random id, when) is written and fsynced to a file of our own (O_EXCL, O_NOFOLLOW, mode 0600)
 *   and hard-linked into place; link() fails with EEXIST when the lock is held, so the lock is
 *   never visible empty or half-written.
 * - Takeover only from the dead: a holder is alive while its pid exists and started at the
 *   recorded time (a reused pid is another process: the holder is dead). A takeover is done under
 *   a second lock (<lock>.takeover, taken the same way), re-reads the lock and removes it only if
 *   it still names the same dead holder: two takers never both remove, and a fresh live lock is
 *   never removed.
 * - Released only by its holder: release removes the lock only while it still names us.
 * Residual case: a taker that dies while holding <lock>.takeover (a window of a few system calls)
 * leaves it to be taken over the same way, by identity; its private files are swept by the next take.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fsyncSync, linkSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ownerAlive, pidStartTime } from './process-owner.js';

export interface LockIdentity {
  pid: number;
  /** Start time of the holder in clock ticks since boot; absent in a lock of an older version (then alive while the pid exists). */
  pidStart?: number;
  /** Random per acquisition: two takes by one process stay apart. */
  id: string;
  at: string;
  /** What the caller adds for messages (e.g. schedule, mode). */
  [extra: string]: unknown;
}

/** A lock file older than this that cannot be read as an identity (a crash of an old version mid-write) is stale. */
export const UNREADABLE_STALE_MS = 60_000;

export type LockTry = { held: HeldLock } | { busy: LockIdentity };

export interface HeldLock {
  path: string;
  me: LockIdentity;
  /** The dead holder whose lock was taken over, if any ('unreadable' when its file held no identity). */
  tookOver: LockIdentity | 'unreadable' | null;
  /** Removes the lock if it still names us; false when it did not (nothing removed). */
  release(): boolean;
}

const O_EXCL_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Reads a lock file: an identity, 'unreadable' (no identity in it), or null (no such file). */
export function readLock(path: string): LockIdentity | 'unreadable' | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return 'unreadable';
  }
  // An older version's lock: the pid alone.
  if (/^\d+\n?$/.test(text)) return { pid: Number.parseInt(text, 10), id: 'legacy', at: 'unknown' };
  try {
    const h = JSON.parse(text) as LockIdentity;
    if (h && Number.isInteger(h.pid) && h.pid > 0) return h;
  } catch {
    /* torn or foreign */
  }
  return 'unreadable';
}

export const sameHolder = (a: LockIdentity | 'unreadable' | null, b: LockIdentity | 'unreadable' | null): boolean =>
  !!a && !!b && a !== 'unreadable' && b !== 'unreadable' && a.pid === b.pid && a.pidStart === b.pidStart && a.id === b.id && a.at === b.at;

const alive = (h: LockIdentity) => ownerAlive({ pid: h.pid, pidStart: h.pidStart });

function stale(path: string, h: LockIdentity | 'unreadable'): boolean {
  if (h !== 'unreadable') return !alive(h);
  try {
    return Date.now() - statSync(path).mtimeMs > UNREADABLE_STALE_MS;
  } catch {
    return false;
  }
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* gone already */
  }
}

/** Writes `me` to a new file of our own (never an existing one, never through a symlink) and returns its path. */
function writeIdentity(path: string, me: LockIdentity): string {
  const tmp = `${path}.new-${process.pid}-${randomBytes(6).toString('hex')}`;
  const fd = openSync(tmp, O_EXCL_NEW, 0o600);
  try {
    writeSync(fd, JSON.stringify(me));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return tmp;
}

/**
 * Removes the private files (<lock>.new-PID-*, <lock>.aside-PID-*) that a process killed between
 * making and removing them left beside the lock: those of a pid that no longer runs. A live pid's
 * files (its take may be in progress) are left alone. Also a <lock>.takeover of a dead taker.
 */
function sweepDeadWriters(path: string): void {
  const base = basename(path);
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const f of names) {
    if (!f.startsWith(`${base}.`)) continue;
    const m = /^\.(?:new|aside)-(\d+)-[0-9a-f]+$/.exec(f.slice(base.length));
    if (m && Number(m[1]) !== process.pid && !ownerAlive({ pid: Number(m[1]) })) unlinkQuiet(join(dirname(path), f));
  }
  // A taker killed inside its takeover leaves <lock>.takeover naming it.
  const t = `${path}.takeover`;
  const th = readLock(t);
  if (th && stale(t, th)) removeIfStill(t, th);
}

/** Removes `path` if it names `expected` (compare-and-remove through a private name; put back when it was not). */
function removeIfStill(path: string, expected: LockIdentity | 'unreadable'): void {
  const aside = `${path}.aside-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch {
    return;
  }
  const got = readLock(aside);
  if (expected === 'unreadable' ? got === 'unreadable' : sameHolder(got, expected)) {
    unlinkQuiet(aside);
    return;
  }
  try {
    linkSync(aside, path); // not ours to remove: put it back (link never overwrites)
  } catch {
    /* another holder is in place now: it keeps it */
  }
  unlinkQuiet(aside);
}

/** Under <path>.takeover: removes the lock at `path` if it still names the dead `stale` holder. */
function takeOver(path: string, tmp: string, me: LockIdentity, dead: LockIdentity | 'unreadable'): boolean {
  const t = `${path}.takeover`;
  try {
    linkSync(tmp, t);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const th = readLock(t);
    if (th && stale(t, th)) removeIfStill(t, th); // a taker that died mid-takeover
    return false; // try again from the start
  }
  try {
    const now = readLock(path);
    if (!now || !(dead === 'unreadable' ? now === 'unreadable' : sameHolder(now, dead))) return false;
    unlinkSync(path);
    return true;
  } finally {
    if (sameHolder(readLock(t), me)) unlinkQuiet(t);
  }
}

/** One attempt to take the lock (a few rounds when it is being taken over): held, or busy with its live holder. */
export function tryLock(path: string, extra: Record<string, unknown> = {}): LockTry {
  const me: LockIdentity = {
    ...extra,
    pid: process.pid,
    pidStart: pidStartTime(process.pid) ?? undefined,
    id: randomBytes(8).toString('hex'),
    at: new Date().toISOString(),
  };
  sweepDeadWriters(path);
  const tmp = writeIdentity(path, me);
  let tookOver: HeldLock['tookOver'] = null;
  try {
    for (let round = 0; round < 20; round++) {
      try {
        linkSync(tmp, path);
        return {
          held: {
            path,
            me,
            tookOver,
            release: () => {
              if (!sameHolder(readLock(path), me)) return false;
              unlinkQuiet(path);
              return true;
            },
          },
        };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const h = readLock(path);
      if (h === null) continue; // released meanwhile
      if (!stale(path, h)) {
        if (h === 'unreadable') return { busy: { pid: 0, id: 'unreadable', at: 'unknown' } };
        return { busy: h };
      }
      if (takeOver(path, tmp, me, h)) tookOver = h;
    }
    throw new Error(`lock ${path}: not taken after 20 rounds (other processes keep taking it over)`);
  } finally {
    unlinkQuiet(tmp);
  }
}
