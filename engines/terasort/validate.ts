/**
 * TeraValidate / valsort semantics: a partition of sort output is summarised by its record count,
 * checksum, duplicate-key count, first and last key and the first out-of-order record; summaries
 * of consecutive partitions combine into the summary of their concatenation.
 *
 * Like valsort, a record is out of order when its key is less than the previous record's key
 * (memcmp of the 10-byte keys); the first such record is named by its 0-based index, and the scan
 * goes on so that counts and checksum cover the whole file. A file whose size is not a multiple of
 * 100 bytes is truncated: its last, partial record is named.
 */
import { open } from 'node:fs/promises';
import { Checksum } from './checksum.js';
import { RECORD_BYTES, KEY_BYTES, compareKeys } from './records.js';

export interface OutOfOrder {
  /** 0-based index of the record (in the partition, or in the concatenation for a combined summary). */
  index: number;
  previousKey: string;
  key: string;
  /** For a combined summary: the partition holding the record. */
  partition?: number;
}

export interface Summary {
  records: number;
  /** valsort's checksum (sum of per-record CRC-32s) in lowercase hex. */
  checksum: string;
  duplicates: number;
  /** Records whose key is less than the previous key (valsort's "unordered records"). */
  unordered: number;
  firstKey: string | null;
  lastKey: string | null;
  firstUnordered: OutOfOrder | null;
  /** Set when the data ends in a partial record: its index and how many bytes of it there are. */
  truncated: { index: number; bytes: number; partition?: number } | null;
  ok: boolean;
  error: string | null;
}

export interface Expected {
  records?: number;
  checksum?: string;
}

const hex = (b: Uint8Array, off: number) => Buffer.from(b.buffer, b.byteOffset + off, KEY_BYTES).toString('hex');

/** Incremental validator of one partition: push() byte chunks in order, then summary(). */
export class Validator {
  private readonly checksum = new Checksum();
  private records = 0;
  private duplicates = 0;
  private unordered = 0;
  private firstKey: string | null = null;
  private firstUnordered: OutOfOrder | null = null;
  private readonly prevKey = Buffer.alloc(KEY_BYTES);
  private carry = Buffer.alloc(0);

  push(chunk: Uint8Array): void {
    let start = 0;
    if (this.carry.length > 0) {
      const need = RECORD_BYTES - this.carry.length;
      if (chunk.length < need) {
        this.carry = Buffer.concat([this.carry, chunk]);
        return;
      }
      this.scan(Buffer.concat([this.carry, chunk.subarray(0, need)]), 0, RECORD_BYTES);
      start = need;
    }
    const end = start + Math.floor((chunk.length - start) / RECORD_BYTES) * RECORD_BYTES;
    this.scan(chunk, start, end);
    this.carry = Buffer.from(chunk.subarray(end));
  }

  private scan(buf: Uint8Array, start: number, end: number): void {
    if (start === end) return;
    const b = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
    this.checksum.addRecords(b, start, end);
    for (let off = start; off < end; off += RECORD_BYTES) {
      if (this.records === 0) this.firstKey = hex(b, off);
      else {
        const d = off === start ? compareKeys(this.prevKey, 0, b, off) : compareKeys(b, off - RECORD_BYTES, b, off);
        if (d === 0) this.duplicates++;
        else if (d > 0) {
          if (this.unordered++ === 0) {
            const prev = off === start ? this.prevKey.toString('hex') : hex(b, off - RECORD_BYTES);
            this.firstUnordered = { index: this.records, previousKey: prev, key: hex(b, off) };
          }
        }
      }
      this.records++;
    }
    b.copy(this.prevKey, 0, end - RECORD_BYTES, end - RECORD_BYTES + KEY_BYTES);
  }

  summary(expected: Expected = {}): Summary {
    const truncated = this.carry.length > 0 ? { index: this.records, bytes: this.carry.length } : null;
    return finish(
      {
        records: this.records,
        checksum: this.checksum.toHex(),
        duplicates: this.duplicates,
        unordered: this.unordered,
        firstKey: this.firstKey,
        lastKey: this.records > 0 ? this.prevKey.toString('hex') : null,
        firstUnordered: this.firstUnordered,
        truncated,
      },
      expected,
    );
  }
}

/** Sets ok and error from the findings, earliest problem first. */
function finish(s: Omit<Summary, 'ok' | 'error'>, expected: Expected, extra: string[] = []): Summary {
  const errors: string[] = [];
  const u = s.firstUnordered;
  if (u) {
    const where = u.partition === undefined ? '' : ` (partition ${u.partition})`;
    errors.push(
      `record ${u.index}${where} is out of order: key ${u.key} < previous key ${u.previousKey}` +
        (s.unordered > 1 ? `; ${s.unordered} unordered records in all` : ''),
    );
  }
  if (s.truncated) {
    const t = s.truncated;
    const where = t.partition === undefined ? '' : ` of partition ${t.partition}`;
    errors.push(`truncated: record ${t.index}${where} is partial (${t.bytes} of ${RECORD_BYTES} bytes)`);
  }
  errors.push(...extra);
  if (expected.records !== undefined && expected.records !== s.records) {
    errors.push(`expected ${expected.records} records, found ${s.records}`);
  }
  if (expected.checksum !== undefined && Checksum.fromHex(expected.checksum).value !== Checksum.fromHex(s.checksum).value) {
    errors.push(`checksum ${s.checksum} differs from the expected ${expected.checksum.toLowerCase()}`);
  }
  return { ...s, ok: errors.length === 0, error: errors.length ? errors.join('; ') : null };
}

export function validateBuffer(buf: Uint8Array, expected?: Expected): Summary {
  const v = new Validator();
  v.push(buf);
  return v.summary(expected);
}

/** Streams a file through a Validator with bounded memory. */
export async function validateFile(path: string, expected?: Expected, chunkBytes = 40_000 * RECORD_BYTES): Promise<Summary> {
  const v = new Validator();
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(chunkBytes);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, chunkBytes, null);
      if (bytesRead === 0) break;
      v.push(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return v.summary(expected);
}

/**
 * Summary of the concatenation of partitions, in order (valsort -s): sums counts and checksums,
 * and checks each boundary (last key of i <= first key of the next non-empty partition).
 */
export function validatePartitions(parts: readonly Summary[], expected?: Expected): Summary {
  const checksum = new Checksum();
  let records = 0,
    duplicates = 0,
    unordered = 0;
  let firstKey: string | null = null,
    lastKey: string | null = null;
  let firstUnordered: OutOfOrder | null = null;
  let truncated: Summary['truncated'] = null;
  parts.forEach((p, index) => {
    const i = parts.length > 1 ? index : undefined; // name the partition only when there are several
    checksum.merge(Checksum.fromHex(p.checksum));
    if (p.truncated && !truncated) truncated = { index: records + p.truncated.index, bytes: p.truncated.bytes, partition: i };
    if (p.records === 0 || p.firstKey === null) return;
    if (lastKey !== null) {
      const d = Buffer.compare(Buffer.from(lastKey, 'hex'), Buffer.from(p.firstKey, 'hex'));
      if (d === 0) duplicates++;
      else if (d > 0 && unordered++ === 0) firstUnordered = { index: records, previousKey: lastKey, key: p.firstKey, partition: i };
    }
    if (!firstUnordered && p.firstUnordered) firstUnordered = { ...p.firstUnordered, index: records + p.firstUnordered.index, partition: i };
    firstKey ??= p.firstKey;
    lastKey = p.lastKey;
    records += p.records;
    duplicates += p.duplicates;
    unordered += p.unordered;
  });
  const extra = parts.length === 0 ? ['no partitions given'] : records === 0 ? ['no records to validate'] : [];
  return finish({ records, checksum: checksum.toHex(), duplicates, unordered, firstKey, lastKey, firstUnordered, truncated }, expected ?? {}, extra);
}
