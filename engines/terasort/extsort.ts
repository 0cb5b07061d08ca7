/**
 * External sort of 100-byte records within a memory budget. Records are copied into one run
 * buffer sized from the budget (100 bytes of record + 12 of index and sort scratch per record); when it is
 * full it is sorted (radix.ts, on an index array) and spilled to a run file. `finish` writes the
 * output directly when nothing was spilled, otherwise spills the rest and merges the runs
 * (merge.ts) with at most `maxFanIn` runs open at once, in several passes if there are more.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sortIndex } from './radix.js';
import { mergeRuns, RecordWriter, words } from './merge.js';

const REC = 100;
const PER_RECORD = REC + 12; // the record, its index entry and 8 bytes of sort scratch

export interface ExtSortOptions {
  /** Bytes of memory for records and their index; at least one record. */
  budgetBytes: number;
  /** Where run files go (created if missing; the run files are removed by `finish`/`cleanup`). */
  tmpDir: string;
  /** Most runs merged at once. Default 64. */
  maxFanIn?: number;
}

export interface ExtSortStats {
  records: number;
  /** Run files written (0 = everything fit in memory). */
  spills: number;
  spilledBytes: number;
  mergePasses: number;
  sortMs: number;
  spillMs: number;
  mergeMs: number;
}

export class ExternalSorter {
  private readonly capacity: number;
  private data: Buffer | null = null;
  private idx: Uint32Array | null = null;
  private tmp: Uint32Array | null = null;
  private n = 0;
  private runs: string[] = [];
  private runSeq = 0;
  private readonly fanIn: number;
  readonly stats: ExtSortStats = { records: 0, spills: 0, spilledBytes: 0, mergePasses: 0, sortMs: 0, spillMs: 0, mergeMs: 0 };

  constructor(private readonly o: ExtSortOptions) {
    if (!(o.budgetBytes >= PER_RECORD)) throw new RangeError(`budgetBytes: expected at least ${PER_RECORD} (one record and its index), got ${o.budgetBytes}`);
    this.capacity = Math.floor(Math.min(o.budgetBytes / PER_RECORD, 0xffffffff / REC));
    this.fanIn = Math.max(2, o.maxFanIn ?? 64);
  }

  /** Copies whole records from `buf[off .. off+len)`. */
  add(buf: Buffer, off = 0, len = buf.length - off): void {
    if (len % REC !== 0) throw new RangeError(`ExternalSorter.add: ${len} bytes is not a whole number of ${REC}-byte records`);
    if (!this.data) {
      // Untouched pages of a fresh allocation cost no memory, so the full run buffer is reserved at once.
      this.data = Buffer.allocUnsafe(this.capacity * REC);
      this.idx = new Uint32Array(this.capacity);
      this.tmp = new Uint32Array(2 * this.capacity);
    }
    while (len > 0) {
      if (this.n === this.capacity) this.spill();
      const take = Math.min(len, (this.capacity - this.n) * REC);
      buf.copy(this.data, this.n * REC, off, off + take);
      this.n += take / REC;
      this.stats.records += take / REC;
      off += take;
      len -= take;
    }
  }

  /** Sorts the buffered records; returns the index in key order. */
  private sortBuffered(): Uint32Array {
    const t0 = performance.now();
    const idx = this.idx!;
    sortIndex(this.data!, idx, this.tmp!, this.n);
    this.stats.sortMs += performance.now() - t0;
    return idx;
  }

  private writeSorted(w: RecordWriter): void {
    if (this.n === 0) return;
    const idx = this.sortBuffered();
    const t0 = performance.now();
    const data = this.data!,
      data32 = words(data);
    for (let i = 0; i < this.n; i++) w.record(data, data32, idx[i] * REC);
    this.stats.spillMs += performance.now() - t0;
  }

  private newRunPath(): string {
    mkdirSync(this.o.tmpDir, { recursive: true });
    return join(this.o.tmpDir, `run-${String(this.runSeq++).padStart(5, '0')}.dat`);
  }

  private spill(): void {
    if (this.n === 0) return;
    const path = this.newRunPath();
    this.runs.push(path);
    const w = new RecordWriter(path);
    try {
      this.writeSorted(w);
    } finally {
      w.close();
    }
    this.stats.spills++;
    this.stats.spilledBytes += this.n * REC;
    this.n = 0;
  }

  /** Writes all records in key order to `outPath`; resolves to the stats. */
  async finish(outPath: string): Promise<ExtSortStats> {
    if (this.runs.length === 0) {
      const w = new RecordWriter(outPath);
      try {
        this.writeSorted(w);
      } finally {
        w.close();
      }
      this.release();
      return this.stats;
    }
    this.spill();
    this.idx = null;
    this.tmp = null; // the merge reads through shares of the run buffer
    const t0 = performance.now();
    while (this.runs.length > this.fanIn) {
      const batch = this.runs.splice(0, this.fanIn);
      const path = this.newRunPath();
      await this.mergeInto(batch, path);
      this.runs.push(path);
    }
    await this.mergeInto(this.runs.splice(0), outPath);
    this.stats.mergeMs += performance.now() - t0;
    this.release();
    return this.stats;
  }

  /** Merges `runs` into `path` through k + 2 shares of the run buffer: one per run, two for the output. */
  private async mergeInto(runs: string[], path: string): Promise<void> {
    const mem = this.data!;
    const share = Math.floor(Math.min(8 << 20, mem.length / (runs.length + 2)) / REC) * REC;
    const part = (i: number) => (share >= REC ? mem.subarray(i * share, (i + 1) * share) : Buffer.allocUnsafe(REC));
    const w = new RecordWriter(path, part(runs.length), part(runs.length + 1));
    try {
      await mergeRuns(
        runs,
        w,
        runs.map((_, i) => part(i)),
      );
    } finally {
      await w.closeAsync();
    }
    for (const r of runs) rmSync(r, { force: true });
    this.stats.mergePasses++;
  }

  private release(): void {
    this.data = null;
    this.idx = null;
    this.tmp = null;
    this.n = 0;
  }

  /** Removes any run files left (after a failure). */
  cleanup(): void {
    for (const r of this.runs) rmSync(r, { force: true });
    this.runs = [];
    this.release();
  }
}
