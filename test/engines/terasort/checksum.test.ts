import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as zlib from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { Checksum, crc32, crc32Table } from '../../../engines/terasort/checksum.js';
import { RECORD_BYTES, generateRecords } from '../../../engines/terasort/records.js';
import { RANGES, gensortBytes, gensortText, parseValsort, sortRecords } from './gensort-fixtures.js';

const gensortC = (name: string) => gensortText(`${name}.gensort-c.txt`).trim();

for (const [, , name] of RANGES) {
  test(`${name}: checksum equals gensort -c and valsort's "Checksum:"`, () => {
    const c = new Checksum().addRecords(gensortBytes(`${name}.dat`));
    assert.is(c.toHex(), gensortC(name));
    assert.is(c.toHex(), parseValsort(gensortText(`${name}.valsort.txt`)).checksum);
  });
}

test('big ranges (generated here): 100,000 rows from 0 and 200,000 from 10^12', () => {
  assert.is(new Checksum().addRecords(generateRecords(0n, 100_000)).toHex(), gensortC('b0-n100000'));
  assert.is(new Checksum().addRecords(generateRecords(1_000_000_000_000n, 200_000)).toHex(), gensortC('b1e12-n200000'));
});

test('partition checksums (valsort -o per part) sum to the whole (valsort -s)', () => {
  const sorted = sortRecords(generateRecords(0n, 100_000));
  const q = 25_000 * RECORD_BYTES;
  const parts = [0, 1, 2, 3].map((i) => new Checksum().addRecords(sorted, i * q, (i + 1) * q));
  parts.forEach((p, i) => assert.is(p.toHex(), parseValsort(gensortText(`part${i}.valsort.txt`)).checksum, `part${i}`));
  assert.is(Checksum.combine(parts).toHex(), parseValsort(gensortText('parts-0123.valsort.txt')).checksum);
  // and a sum is order-independent: the unsorted input has the same checksum
  assert.is(Checksum.combine(parts).toHex(), gensortC('b0-n100000'));
  assert.is(Checksum.combine([parts[2], parts[0], parts[3], parts[1]]).toHex(), gensortC('b0-n100000'));
});

test('table-driven crc32 equals zlib.crc32 (and the exported crc32)', () => {
  const recs = gensortBytes('b0-n100.dat');
  const z = (zlib as unknown as { crc32?: (b: Uint8Array, v?: number) => number }).crc32;
  for (let off = 0; off < recs.length; off += RECORD_BYTES) {
    const r = recs.subarray(off, off + RECORD_BYTES);
    assert.is(crc32Table(r), crc32(r));
    if (z) assert.is(crc32Table(r), z(r));
  }
  assert.is(crc32Table(Buffer.from('123456789')), 0xcbf43926); // the standard CRC-32 check value
  const b = randomBytes(1000);
  assert.is(crc32Table(b.subarray(500), crc32Table(b.subarray(0, 500))), crc32Table(b), 'continuation');
});

test('printed like valsort: lowercase hex, no leading zeros, "0" for nothing, > 64 bits unpadded', () => {
  assert.is(new Checksum().toHex(), '0');
  assert.is(new Checksum().addRecords(Buffer.alloc(0)).toHex(), '0');
  // valsort: hi word as %llx then lo word as %016llx -> same as the full number in hex
  assert.is(Checksum.fromHex('10000000000000005').toHex(), '10000000000000005');
  assert.is(Checksum.fromHex('00FF').toHex(), 'ff');
  const wrap = Checksum.fromHex('f'.repeat(32)).addCrc(2);
  assert.is(wrap.toHex(), '1', 'sum is mod 2^128');
  assert.throws(() => Checksum.fromHex('xyz'), /hex digits/);
});

test('addRecords: a sub-range of a buffer; refuses partial records', () => {
  const recs = gensortBytes('b0-n100.dat');
  const a = new Checksum().addRecords(recs, 0, 4000);
  const b = new Checksum().addRecords(recs, 4000);
  assert.is(a.merge(b).toHex(), gensortC('b0-n100'));
  assert.throws(() => new Checksum().addRecords(recs, 0, 150), /not a whole number/);
});

test.run();
