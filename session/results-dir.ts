/**
 * The results directory is checked before anything is created: resolved, not under a pseudo
 * filesystem (/proc, /sys, /dev: mkdir there can fail in odd ways, and once looped at 100% CPU),
 * not a file, created (0700) when missing, and writable (a probe file created and removed).
 * Every failure is one ConfigError naming the option; nothing is retried.
 */
import { closeSync, mkdirSync, openSync, rmSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { ConfigError } from '../infra/units.js';

const EXPECTED = 'a writable directory';
const PSEUDO = ['/proc', '/sys', '/dev'];

function why(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const known: Record<string, string> = {
    EROFS: 'read-only file system',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOSPC: 'no space left on device',
    ENOTDIR: 'a path component is a file',
    EEXIST: 'exists and is not a directory',
    ENOENT: 'a path component does not exist',
    ELOOP: 'too many symbolic links',
    ENAMETOOLONG: 'name too long',
    EDQUOT: 'disk quota exceeded',
  };
  return (code && known[code]) ?? (e as Error).message;
}

/** Returns the resolved results directory, created and writable; throws ConfigError (field e.g. '--results') otherwise. */
export function checkResultsDir(path: string, field = '--results'): string {
  if (typeof path !== 'string' || path.trim() === '') throw new ConfigError(field, EXPECTED, path);
  const abs = resolve(path);
  const got = (reason: string) => {
    const e = new ConfigError(field, EXPECTED, path);
    e.message += ` (${reason})`;
    return e;
  };
  for (const p of PSEUDO) if (abs === p || abs.startsWith(p + sep)) throw got(`under ${p}`);
  let st: ReturnType<typeof statSync> | undefined;
  try {
    st = statSync(abs);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw got(why(e));
  }
  if (st && !st.isDirectory()) throw got('is a file');
  // An existing folder must be the user's and not writable by others: results are private, and a
  // folder others can write lets them plant files (or links) where the harness writes.
  if (st && process.getuid && st.uid !== process.getuid()) throw got(`owned by uid ${st.uid}, not by this user (uid ${process.getuid()})`);
  if (st && Number(st.mode) & 0o022) throw got(`writable by group or others (mode ${(Number(st.mode) & 0o777).toString(8).padStart(4, '0')}): chmod go-w it`);
  if (!st) {
    // One non-recursive mkdir per missing component, top down: the real errno surfaces (Node's
    // recursive mkdir reports EROFS as ENOENT) and nothing is retried.
    const parts = abs.split(sep).filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const p = sep + parts.slice(0, i).join(sep);
      try {
        mkdirSync(p, { mode: 0o700 });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST') throw got(why(e));
        if (!statSync(p).isDirectory()) throw got(i === parts.length ? 'is a file' : 'a path component is a file');
      }
    }
  }
  const probe = join(abs, `.icbench-probe-${process.pid}`);
  try {
    closeSync(openSync(probe, 'wx', 0o600));
  } catch (e) {
    throw got(why(e));
  } finally {
    try {
      rmSync(probe, { force: true });
    } catch {
      /* never created */
    }
  }
  return abs;
}
