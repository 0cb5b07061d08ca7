/**
 * Range partitioning for the lab Terasort: a sample of keys is read from evenly spaced stretches
 * of each node's input (as TeraSort's input sampler reads a few splits), the coordinator sorts the
 * whole sample and takes N-1 evenly spaced keys as split points, and every record then goes to
 * partition i where split[i-1] <= key < split[i] (binary search over the split points).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export const REC = 100;
export const KEY = 10;

/** Keys of up to `max` records of a record file, taken from `stretches` evenly spaced places. */
export function sampleFile(path: string, max: number, stretches = 10): Buffer[] {
  const fd = openSync(path, 'r');
  try {
    const records = Math.floor(fstatSync(fd).size / REC);
    return sampleRecords(records, max, stretches, (first, count) => {
      const buf = Buffer.allocUnsafe(count * REC);
      const got = readSync(fd, buf, 0, buf.length, first * REC);
      return buf.subarray(0, got - (got % REC));
    });
  } finally {
    closeSync(fd);
  }
}

/** Same as sampleFile, over records held in memory (used by tests and small inputs). */
export function sampleBuffer(buf: Buffer, max: number, stretches = 10): Buffer[] {
  return sampleRecords(Math.floor(buf.length / REC), max, stretches, (first, count) => buf.subarray(first * REC, (first + count) * REC));
}

function sampleRecords(records: number, max: number, stretches: number, read: (first: number, count: number) => Buffer): Buffer[] {
  const want = Math.min(records, Math.max(0, Math.floor(max)));
  if (want === 0) return [];
  const parts = Math.max(1, Math.min(stretches, want));
  const per = Math.ceil(want / parts);
  const keys: Buffer[] = [];
  for (let p = 0; p < parts && keys.length < want; p++) {
    const first = Math.floor((p * records) / parts);
    const chunk = read(first, Math.min(per, records - first, want - keys.length));
    for (let off = 0; off + REC <= chunk.length; off += REC) keys.push(Buffer.from(chunk.subarray(off, off + KEY)));
  }
  return keys;
}

/** N-1 split points for N partitions: the sample sorted, cut into N equal shares. */
export function chooseSplits(sample: Buffer[], partitions: number): Buffer[] {
  if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`partitions: expected a whole number >= 1, got ${partitions}`);
  if (partitions === 1) return [];
  if (sample.length === 0) throw new RangeError(`cannot choose ${partitions - 1} split points from an empty sample`);
  const sorted = [...sample].sort(Buffer.compare);
  const splits: Buffer[] = [];
  for (let i = 1; i < partitions; i++) splits.push(sorted[Math.min(sorted.length - 1, Math.round((i * sorted.length) / partitions))]);
  return splits;
}

/**
 * Which partition a key belongs to. The first 6 bytes of each split point are kept as a number so
 * that most steps of the search compare numbers; only equal prefixes fall back to the bytes.
 */
export class Partitioner {
  private readonly hi: Float64Array;
  private readonly splits: Buffer;
  readonly partitions: number;

  constructor(splits: Buffer[]) {
    for (let i = 0; i < splits.length; i++) {
      if (splits[i].length !== KEY) throw new RangeError(`split point ${i}: expected ${KEY} bytes, got ${splits[i].length}`);
      if (i > 0 && Buffer.compare(splits[i - 1], splits[i]) > 0) throw new RangeError(`split points are not in order at ${i}`);
    }
    this.partitions = splits.length + 1;
    this.splits = Buffer.concat(splits);
    this.hi = Float64Array.from(splits, (s) => s.readUIntBE(0, 6));
  }

  /** Partition of the key at `buf[off .. off+10)`: the number of split points <= key. */
  partitionOf(buf: Buffer, off: number): number {
    let lo = 0,
      hi = this.hi.length;
    if (hi === 0) return 0;
    const k = buf.readUIntBE(off, 6);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = this.hi[mid];
      const le = s < k || (s === k && this.splits.compare(buf, off + 6, off + KEY, mid * KEY + 6, mid * KEY + KEY) <= 0);
      if (le) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export const keyHex = (k: Buffer): string => k.toString('hex');

export function keyFromHex(s: unknown, field: string): Buffer {
  if (typeof s !== 'string' || !/^[0-9a-f]{20}$/i.test(s)) throw new RangeError(`${field}: expected a key of ${KEY} bytes in hex, got ${JSON.stringify(s)}`);
  return Buffer.from(s, 'hex');
}
