/**
 * valsort's checksum: the sum, modulo 2^128, of the CRC-32 (zlib's, initial value 0) of every
 * 100-byte record. A sum is order-independent, so partitions can be checksummed apart and added.
 * valsort prints it as lowercase hex without leading zeros.
 */
import * as zlib from 'node:zlib';
import { MAX128, toHex } from './u128.js';
import { RECORD_BYTES } from './records.js';

type Crc32 = (data: Uint8Array, value?: number) => number;

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** Table-driven CRC-32 (IEEE 802.3, reflected), the same function as zlib's crc32(). */
export function crc32Table(data: Uint8Array, value = 0): number {
  let c = ~value >>> 0;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** zlib.crc32 where Node has it (20.15+ / 22.2+), else the table. */
export const crc32: Crc32 = typeof (zlib as { crc32?: unknown }).crc32 === 'function' ? (zlib as unknown as { crc32: Crc32 }).crc32 : crc32Table;

/** Records whose CRCs are summed in a double before folding into the BigInt (exact below 2^53). */
const FOLD_EVERY = 1 << 20;

export class Checksum {
  private sum = 0n;

  /** Starts from a printed (hex) checksum, e.g. one reported by another process. */
  static fromHex(hex: string): Checksum {
    if (!/^[0-9a-f]{1,32}$/i.test(hex)) throw new RangeError(`checksum: expected 1-32 hex digits, got ${JSON.stringify(hex)}`);
    const c = new Checksum();
    c.sum = BigInt('0x' + hex);
    return c;
  }

  /** Adds the records in buf[start .. end) (default: all of buf); the range must hold whole records. */
  addRecords(buf: Uint8Array, start = 0, end = buf.length): this {
    if ((end - start) % RECORD_BYTES !== 0) {
      throw new RangeError(`checksum: ${end - start} bytes is not a whole number of ${RECORD_BYTES}-byte records`);
    }
    let partial = 0,
      n = 0;
    for (let off = start; off < end; off += RECORD_BYTES) {
      partial += crc32(buf.subarray(off, off + RECORD_BYTES));
      if (++n === FOLD_EVERY) {
        this.sum += BigInt(partial);
        partial = 0;
        n = 0;
      }
    }
    this.sum = (this.sum + BigInt(partial)) & MAX128;
    return this;
  }

  /** Adds one record's CRC, already computed. */
  addCrc(crc: number): this {
    this.sum = (this.sum + BigInt(crc >>> 0)) & MAX128;
    return this;
  }

  /** Adds another checksum (another partition's) into this one. */
  merge(other: Checksum): this {
    this.sum = (this.sum + other.sum) & MAX128;
    return this;
  }

  /** Sum of several partitions' checksums. */
  static combine(parts: Iterable<Checksum>): Checksum {
    const c = new Checksum();
    for (const p of parts) c.merge(p);
    return c;
  }

  get value(): bigint {
    return this.sum;
  }

  /** As valsort prints it: lowercase hex, no leading zeros. */
  toHex(): string {
    return toHex(this.sum);
  }

  toString(): string {
    return this.toHex();
  }
}
