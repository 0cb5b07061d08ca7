/**
 * Sort Benchmark records, byte-identical to gensort 1.5's default binary output (`gensort -bR N`).
 *
 * Record R is built from ten consecutive generator values X(R+1) .. X(R+10): the top ten bytes of
 * X(R+1+k) XOR a fixed 10-byte constant give bytes 10k .. 10k+9 (the constant is zero for the key,
 * k = 0). Record R+1 uses X(R+2) .. X(R+11), so the record stream is one generator step per record:
 * with T = the top ten bytes of X(R+1), X(R+2), ... laid end to end, record R+r is exactly
 * T[10r .. 10r+100) XOR MASK.
 *
 * Note: Hadoop's TeraGen follows the older gensort 1.1 layout (same keys, but the 90 payload bytes
 * hold the row number in hex and filler), so its payload and checksums differ from these.
 */
import { constants } from 'node:buffer';
import { ConfigError } from '../../infra/units.js';
import { MOD128 } from './u128.js';
import { Rand16 } from './rand16.js';

export const RECORD_BYTES = 100,
  KEY_BYTES = 10;

/** XOR constants for the ten 10-byte parts of a record (gensort 1.5, gen_rec). */
const MASK = Buffer.from(
  '00000000000000000000' +
    'f0e8e4e2e1d8d4d2d1cc' +
    'cac9c6c5c3b8b4b2b1ac' +
    'aaa9a6a5a39c9a999695' +
    '938e8d8b87787472716c' +
    '6a696665635c5a595655' +
    '534e4d4b473c3a393635' +
    '332e2d2b271e1d1b170f' +
    'c8c4c2c1989492918ce0' +
    '170f332e2d2b271e1d1b',
  'hex',
);

const MAX_BUFFER_ROWS = Math.floor(constants.MAX_LENGTH / RECORD_BYTES);

const MASK16 = new Uint16Array(MASK.buffer.slice(MASK.byteOffset, MASK.byteOffset + RECORD_BYTES));
const WORDS_PER_KEY = KEY_BYTES / 2,
  WORDS_PER_RECORD = RECORD_BYTES / 2;

/** Generates consecutive records from a starting row, carrying the generator across calls. */
export class RecordStream {
  private readonly rand: Rand16;
  /** Top ten bytes of the values not yet used up, as 16-bit words (5 per value). */
  private window = new Uint16Array(0);
  private pending = 0; // words at the front of `window` carried over from the previous call

  constructor(startRow: bigint) {
    this.rand = new Rand16(startRow + 1n);
  }

  /** Writes the next `rows` records into out[off ..]. */
  fill(out: Uint8Array, off: number, rows: number): void {
    const need = (rows + 9) * WORDS_PER_KEY;
    if (this.window.length < need) {
      const grown = new Uint16Array(need);
      grown.set(this.window.subarray(0, this.pending));
      this.window = grown;
    }
    const t = this.window;
    this.rand.writeTop10Words(t, this.pending, (need - this.pending) / WORDS_PER_KEY);
    if ((out.byteOffset + off) % 2 === 0) {
      const o = new Uint16Array(out.buffer, out.byteOffset + off, rows * WORDS_PER_RECORD);
      for (let r = 0; r < rows; r++) {
        const src = r * WORDS_PER_KEY,
          dst = r * WORDS_PER_RECORD;
        for (let i = 0; i < WORDS_PER_RECORD; i++) o[dst + i] = t[src + i] ^ MASK16[i];
      }
    } else {
      const tb = new Uint8Array(t.buffer, t.byteOffset, need * 2);
      for (let r = 0; r < rows; r++) {
        const src = r * KEY_BYTES,
          dst = off + r * RECORD_BYTES;
        for (let i = 0; i < RECORD_BYTES; i++) out[dst + i] = tb[src + i] ^ MASK[i];
      }
    }
    t.copyWithin(0, rows * WORDS_PER_KEY, need);
    this.pending = 9 * WORDS_PER_KEY;
  }
}

function checkRange(startRow: bigint, count: number, maxCount: number): void {
  if (typeof startRow !== 'bigint' || startRow < 0n || startRow >= MOD128) {
    throw new ConfigError('startRow', 'a row number (bigint) in [0, 2^128)', startRow);
  }
  if (!Number.isSafeInteger(count) || count < 0 || count > maxCount) {
    throw new ConfigError('count', `a whole number of rows in [0, ${maxCount}]`, count);
  }
  if (startRow + BigInt(count) > MOD128) {
    throw new ConfigError('count', `at most 2^128 - startRow = ${MOD128 - startRow} rows`, count);
  }
}

/** Writes rows [startRow, startRow+count) in gensort's binary (default, non -a) format. */
export function generateRecords(startRow: bigint, count: number): Buffer {
  checkRange(startRow, count, MAX_BUFFER_ROWS);
  const out = Buffer.allocUnsafe(count * RECORD_BYTES);
  if (count > 0) new RecordStream(startRow).fill(out, 0, count);
  return out;
}

/** Streaming: calls onChunk with buffers of whole records (<= chunkRows each). */
export async function generateRange(startRow: bigint, count: number, chunkRows: number, onChunk: (b: Buffer) => void | Promise<void>): Promise<void> {
  checkRange(startRow, count, Number.MAX_SAFE_INTEGER);
  if (!Number.isSafeInteger(chunkRows) || chunkRows < 1 || chunkRows > MAX_BUFFER_ROWS) {
    throw new ConfigError('chunkRows', `a whole number of rows in [1, ${MAX_BUFFER_ROWS}]`, chunkRows);
  }
  const stream = new RecordStream(startRow);
  for (let done = 0; done < count; ) {
    const rows = Math.min(chunkRows, count - done);
    // A fresh buffer per chunk: the consumer may keep it (e.g. queued on a socket).
    const buf = Buffer.allocUnsafe(rows * RECORD_BYTES);
    stream.fill(buf, 0, rows);
    done += rows;
    await onChunk(buf);
  }
}

/** memcmp of the 10-byte keys at a[aOff] and b[bOff]: negative, zero or positive. */
export function compareKeys(a: Buffer, aOff: number, b: Buffer, bOff: number): number {
  for (let i = 0; i < KEY_BYTES; i++) {
    const d = a[aOff + i] - b[bOff + i];
    if (d !== 0) return d;
  }
  return 0;
}
