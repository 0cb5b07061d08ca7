/**
 * results/<run-id>/: raw/ (every tool's output as it came), measurements.csv (appended as rows
 * arrive, so a crash loses nothing already measured) and run.json (rewritten at each stage).
 *
 * Durable and private: each add() is one write on an O_APPEND fd, fsynced; a write that fails
 * part-way (ENOSPC) is cut back to the size before it, so the file never ends in a torn line,
 * and a ResultsWriteError says how many rows were kept and where. run.json goes through
 * run.json.tmp (fsynced, renamed; removed when it cannot be written). A raw file that cannot be
 * written is dropped (raw() returns null): losing raw output must not stop a run. Dirs are 0700,
 * files 0600.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { fsyncDir } from '../base/atomic-file.js';
import { dirname, join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { MEASUREMENT_COLUMNS, paramsJson, type Measurement } from './measurement.js';
import type { RunMeta } from './run-meta.js';

/** Results could not be written (a full disk, a read-only or vanished directory). */
export class ResultsWriteError extends Error {
  constructor(
    readonly file: string,
    readonly rowsKept: number,
    readonly csvPath: string,
    cause: unknown,
  ) {
    super(`cannot write ${file}: ${(cause as Error)?.message ?? cause}; ${rowsKept} rows kept in ${csvPath}`, { cause });
    this.name = 'ResultsWriteError';
  }
}

/** Writes all of `data` at the fd's position (O_APPEND: the end), retrying short writes. */
function writeAll(fd: number, data: Buffer): void {
  let off = 0;
  while (off < data.length) off += writeSync(fd, data, off, data.length - off);
}

/** Space kept free (as a file) so that the final run.json can be written after the disk filled up. */
const RESERVE_BYTES = 32 * 1024;

export class ResultStore {
  readonly dir: string;
  readonly csvPath: string;
  readonly metaPath: string;
  /** Raw files that could not be written (relative paths), for run.json. */
  readonly rawFailures: string[] = [];
  private rows = 0;

  constructor(
    resultsRoot: string,
    readonly runId: string,
  ) {
    this.dir = join(resultsRoot, runId);
    this.csvPath = join(this.dir, 'measurements.csv');
    this.metaPath = join(this.dir, 'run.json');
    mkdirSync(join(this.dir, 'raw'), { recursive: true, mode: 0o700 });
    if (!existsSync(this.csvPath)) this.append(Buffer.from(stringify([MEASUREMENT_COLUMNS])), this.csvPath);
    this.reservePath = join(this.dir, '.space-reserve');
    try {
      // Room for the final run.json on a disk that fills up during the run (released on ENOSPC).
      const fd = openSync(this.reservePath, 'w', 0o600);
      try {
        writeAll(fd, Buffer.alloc(RESERVE_BYTES));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch {
      rmSync(this.reservePath, { force: true });
    }
  }

  private readonly reservePath: string;
  /** Set when rows cannot be written, or run.json needed the reserve: no more rows, so room stays for the final run.json. */
  private full = false;
  /** Set at the first raw file that did not fit: no more raw files (rows still go on). */
  private rawOff = false;

  /** Gives back the space kept for the final run.json (call when the run is over). */
  releaseReserve(): void {
    rmSync(this.reservePath, { force: true });
  }

  /** Keeps a tool's raw output under raw/; returns the path relative to the run directory, or null when it could not be written. */
  raw(relPath: string, content: string): string | null {
    const safe = relPath.replace(/[^A-Za-z0-9._/-]/g, '_').replace(/\.\.+/g, '.');
    const p = join(this.dir, 'raw', safe);
    if (this.full || this.rawOff) {
      this.rawFailures.push(join('raw', safe));
      return null;
    }
    try {
      mkdirSync(dirname(p), { recursive: true, mode: 0o700 });
      const fd = openSync(p, 'w', 0o600);
      try {
        writeAll(fd, Buffer.from(content));
      } finally {
        closeSync(fd);
      }
      return join('raw', safe);
    } catch (e) {
      // Raw output is the first to go on a full disk: rows go on in what it leaves.
      if ((e as NodeJS.ErrnoException).code === 'ENOSPC') this.rawOff = true;
      try {
        rmSync(p, { force: true });
      } catch {
        /* gone or unreachable */
      }
      this.rawFailures.push(join('raw', safe));
      return null;
    }
  }

  /** Appends one sample's rows durably (all or none); throws ResultsWriteError when they cannot be written. */
  add(rows: Measurement[]): void {
    if (rows.length === 0) return;
    // A full results filesystem stops the measuring: what is kept stays whole, run.json gets the reserve.
    if (this.full) throw new ResultsWriteError(this.csvPath, this.rows, this.csvPath, new Error('the results filesystem is full'));
    const records = rows.map((r) => MEASUREMENT_COLUMNS.map((c) => (c === 'params' ? paramsJson(r.params) : r[c] === null ? '' : r[c])));
    this.append(Buffer.from(stringify(records)), this.csvPath);
    this.rows += rows.length;
  }

  private append(data: Buffer, file: string): void {
    let fd: number;
    try {
      fd = openSync(file, 'a', 0o600);
    } catch (e) {
      throw new ResultsWriteError(file, this.rows, this.csvPath, e);
    }
    try {
      const before = fstatSync(fd).size;
      try {
        writeAll(fd, data);
        fsyncSync(fd);
      } catch (e) {
        try {
          ftruncateSync(fd, before);
          fsyncSync(fd);
        } catch {
          /* the reader still drops a torn last line */
        }
        if ((e as NodeJS.ErrnoException).code === 'ENOSPC') this.full = true;
        throw new ResultsWriteError(file, this.rows, this.csvPath, e);
      }
    } catch (e) {
      throw e instanceof ResultsWriteError ? e : new ResultsWriteError(file, this.rows, this.csvPath, e);
    } finally {
      closeSync(fd);
    }
  }

  /** Rows written (and kept) so far. */
  get rowCount(): number {
    return this.rows;
  }

  /** Replaces run.json atomically (temp file, fsync, rename); throws ResultsWriteError, leaving no temp file, when it cannot. */
  writeMeta(meta: RunMeta): void {
    try {
      this.writeMetaOnce(meta);
    } catch (e) {
      // A full disk: give back the reserve kept for this moment, and try once more.
      this.full = true;
      if (!existsSync(this.reservePath)) throw e;
      this.releaseReserve();
      this.writeMetaOnce(meta);
    }
  }

  private writeMetaOnce(meta: RunMeta): void {
    const tmp = this.metaPath + '.tmp';
    try {
      const fd = openSync(tmp, 'w', 0o600);
      try {
        writeAll(fd, Buffer.from(JSON.stringify(meta, null, 2) + '\n'));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.metaPath);
    } catch (e) {
      try {
        rmSync(tmp, { force: true });
      } catch {
        /* unreachable dir */
      }
      throw new ResultsWriteError(this.metaPath, this.rows, this.csvPath, e);
    }
    fsyncDir(this.dir);
  }
}
