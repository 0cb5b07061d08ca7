import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { ConfigError } from '../../../infra/units.js';
import { RECORD_BYTES, KEY_BYTES, RecordStream, compareKeys, generateRange, generateRecords } from '../../../engines/terasort/records.js';
import { RANGES, gensortBytes, gensortText, sha256 } from './gensort-fixtures.js';

for (const [start, rows, name] of RANGES) {
  test(`gensort -b${start} ${rows}: byte-identical`, () => {
    const want = gensortBytes(`${name}.dat`);
    const got = generateRecords(start, rows);
    assert.is(got.length, rows * RECORD_BYTES);
    assert.ok(got.equals(want), `${name}: first differing byte ${got.findIndex((v, i) => v !== want[i])}`);
  });
}

test('row 0 key is gensort\'s "JimGrayRIP"', () => {
  assert.is(generateRecords(0n, 1).subarray(0, KEY_BYTES).toString('latin1'), 'JimGrayRIP');
});

test('any sub-range is generated independently (skip-ahead), e.g. rows 123456799..123456803', () => {
  const want = gensortBytes('b123456789-n50.dat').subarray(10 * RECORD_BYTES, 15 * RECORD_BYTES);
  assert.ok(generateRecords(123456799n, 5).equals(want));
  // a single row just past 2^32 and one just past 2^64
  assert.ok(generateRecords(4294967296n, 1).equals(gensortBytes('b4294967290-n20.dat').subarray(600, 700)));
  assert.ok(generateRecords(18446744073709551616n, 1).equals(gensortBytes('b18446744073709551610-n10.dat').subarray(600, 700)));
});

/** bigranges.txt: "<file> sha256 <hash>", "first <hex>", "last <hex>" per big range. */
function bigRange(file: string) {
  const lines = gensortText('bigranges.txt').split('\n');
  const i = lines.findIndex((l) => l.startsWith(`${file} sha256 `));
  assert.ok(i >= 0, `${file} in bigranges.txt`);
  return { sha: lines[i].split(' ')[2], first: lines[i + 1].split(' ')[1], last: lines[i + 2].split(' ')[1] };
}

test('200,000 rows from 10^12 (gensort -b1000000000000): same sha256, first and last record', () => {
  const want = bigRange('b1e12-n200000.dat');
  const got = generateRecords(1_000_000_000_000n, 200_000);
  assert.is(got.subarray(0, RECORD_BYTES).toString('hex'), want.first);
  assert.is(got.subarray(got.length - RECORD_BYTES).toString('hex'), want.last);
  assert.is(sha256(got), want.sha);
});

test('generateRange streams whole records in order, <= chunkRows each, same bytes as gensort', async () => {
  const want = bigRange('b0-n100000.dat');
  const chunks: Buffer[] = [];
  let inFlight = false;
  await generateRange(0n, 100_000, 7_777, async (b) => {
    assert.not.ok(inFlight, 'next chunk only after the previous promise settled');
    inFlight = true;
    assert.ok(b.length > 0 && b.length % RECORD_BYTES === 0 && b.length <= 7_777 * RECORD_BYTES);
    chunks.push(b);
    await new Promise((r) => setImmediate(r));
    inFlight = false;
  });
  assert.is(chunks.length, Math.ceil(100_000 / 7_777));
  assert.is(sha256(Buffer.concat(chunks)), want.sha);
});

test('generateRange with 1-row and odd-sized chunks equals generateRecords', async () => {
  for (const chunkRows of [1, 3, 9, 10, 11, 64]) {
    const parts: Buffer[] = [];
    await generateRange(4294967290n, 20, chunkRows, (b) => {
      parts.push(b);
    });
    assert.ok(Buffer.concat(parts).equals(gensortBytes('b4294967290-n20.dat')), `chunkRows ${chunkRows}`);
  }
  let calls = 0;
  await generateRange(5n, 0, 10, () => {
    calls++;
  });
  assert.is(calls, 0, 'zero rows: no chunk');
});

test('RecordStream writes the same bytes at an odd (unaligned) offset', () => {
  const out = Buffer.alloc(1 + 50 * RECORD_BYTES);
  new RecordStream(123456789n).fill(out, 1, 50);
  assert.ok(out.subarray(1).equals(gensortBytes('b123456789-n50.dat')));
});

test('compareKeys is memcmp of the first 10 bytes only', () => {
  const a = Buffer.alloc(RECORD_BYTES),
    b = Buffer.alloc(RECORD_BYTES);
  assert.is(compareKeys(a, 0, b, 0), 0);
  b[KEY_BYTES] = 1; // payload differs: keys still equal
  assert.is(compareKeys(a, 0, b, 0), 0);
  b[9] = 1;
  assert.ok(compareKeys(a, 0, b, 0) < 0);
  assert.ok(compareKeys(b, 0, a, 0) > 0);
  a[0] = 0x80; // unsigned bytes: 0x80 > 0x01
  assert.ok(compareKeys(a, 0, b, 0) > 0);
  for (let i = 0; i < 200; i++) {
    const x = randomBytes(14),
      y = randomBytes(14);
    y[0] = x[2]; // make equal-first-byte cases common
    const want = Math.sign(Buffer.compare(x.subarray(2, 12), y.subarray(3, 13)));
    assert.is(Math.sign(compareKeys(x, 2, y, 3)), want);
  }
});

test('bad ranges are ConfigErrors naming the field', async () => {
  const bad: Array<[() => unknown, string]> = [
    [() => generateRecords(-1n, 1), 'startRow'],
    [() => generateRecords(1n << 128n, 1), 'startRow'],
    [() => generateRecords(5 as unknown as bigint, 1), 'startRow'],
    [() => generateRecords(0n, 1.5), 'count'],
    [() => generateRecords(0n, -1), 'count'],
    [() => generateRecords((1n << 128n) - 2n, 3), 'count'],
  ];
  for (const [f, field] of bad) {
    try {
      f();
      assert.unreachable(`${field} accepted`);
    } catch (e) {
      assert.instance(e, ConfigError);
      assert.is((e as ConfigError).field, field);
    }
  }
  try {
    await generateRange(0n, 10, 0, () => {});
    assert.unreachable('chunkRows 0 accepted');
  } catch (e) {
    assert.is((e as ConfigError).field, 'chunkRows');
  }
  // the very last rows of the 128-bit space are fine
  assert.is(generateRecords((1n << 128n) - 2n, 2).length, 200);
});

test.run();
