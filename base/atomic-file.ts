/** Crash-safe file replacement, shared by the result store, the history database and the nightly state. */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** fsync of a directory (a rename in it is then durable); best effort. */
export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* best effort */
  }
}

/** A new file only: never an existing one, never through a symbolic link (O_EXCL | O_NOFOLLOW). */
export const NEW_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Replaces `file` with `data`: a new temp file beside it (`<file>.tmp-<pid>-<random>`, created
 * with O_EXCL|O_NOFOLLOW and its final mode, default 0600), fsynced, renamed over it (a symlink
 * planted at `file` is replaced, not followed), the directory fsynced.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o600): void {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    const fd = openSync(tmp, NEW_FILE, mode);
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDir(dirname(file));
}
