/** Helpers for the gensort/valsort fixtures (test/fixtures/gensort/README.md says how they were made). */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fixture, fixturePath } from '../../helpers/fixtures.js';
import { RECORD_BYTES, compareKeys } from '../../../engines/terasort/records.js';

export const gensortBytes = (name: string): Buffer => readFileSync(fixturePath(`gensort/${name}`));
export const gensortText = (name: string): string => fixture(`gensort/${name}`);
export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Binary fixtures: [start row, rows, file]. */
export const RANGES: ReadonlyArray<[bigint, number, string]> = [
  [0n, 100, 'b0-n100'],
  [123456789n, 50, 'b123456789-n50'],
  [4294967290n, 20, 'b4294967290-n20'],
  [18446744073709551610n, 10, 'b18446744073709551610-n10'],
];

/** What valsort printed (stderr) and its exit status. */
export interface ValsortOutput {
  records?: number;
  checksum?: string;
  duplicates?: number;
  unordered: number;
  firstUnordered?: number;
  partial: boolean;
  rc: number;
}

export function parseValsort(text: string): ValsortOutput {
  const num = (re: RegExp) => {
    const m = re.exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const rc = num(/^rc=(\d+)$/m);
  if (rc === undefined) throw new Error('valsort fixture without rc= line');
  return {
    records: num(/^Records: (\d+)$/m),
    checksum: /^Checksum: ([0-9a-f]+)$/m.exec(text)?.[1],
    duplicates: num(/^Duplicate keys: (\d+)$/m),
    unordered: num(/^ERROR - there are (\d+) unordered records$/m) ?? 0,
    firstUnordered: num(/^First unordered record is record (\d+)$/m),
    partial: /^partial record found at end$/m.test(text),
    rc,
  };
}

/** sha256sums.txt as name (without .dat) -> hash. */
export function sha256sums(): Map<string, string> {
  return new Map(
    gensortText('sha256sums.txt')
      .trim()
      .split('\n')
      .map((l) => {
        const [hash, file] = l.split(/\s+/);
        return [file.replace(/\.dat$/, ''), hash];
      }),
  );
}

/** Records sorted by key (stable), as the fixtures' recsort did for distinct keys. */
export function sortRecords(buf: Buffer): Buffer {
  const n = buf.length / RECORD_BYTES;
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => compareKeys(buf, a * RECORD_BYTES, buf, b * RECORD_BYTES) || a - b);
  const out = Buffer.allocUnsafe(buf.length);
  idx.forEach((from, to) => buf.copy(out, to * RECORD_BYTES, from * RECORD_BYTES, (from + 1) * RECORD_BYTES));
  return out;
}

/** Rebuilds the damaged copies of the sorted 100-row file exactly as the README describes. */
export function mutate(sorted: Buffer, name: string): Buffer {
  const b = Buffer.from(sorted);
  switch (name) {
    case 'mut-key37':
      b[3700] = 0x00;
      return b;
    case 'mut-key37b9':
      b[3709] = 0xff;
      return b;
    case 'mut-payload50':
      b[5055] ^= 0x01;
      return b;
    case 'mut-swap10-60':
      sorted.copy(b, 1000, 6000, 6100);
      sorted.copy(b, 6000, 1000, 1100);
      return b;
    case 'mut-trunc':
      return b.subarray(0, 9963);
    case 'mut-dup20':
      sorted.copy(b, 2100, 2000, 2100);
      sorted.copy(b, 2200, 2000, 2010);
      return b;
    default:
      throw new Error(`unknown mutation ${name}`);
  }
}
