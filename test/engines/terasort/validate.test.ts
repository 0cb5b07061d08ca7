import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RECORD_BYTES, generateRecords } from '../../../engines/terasort/records.js';
import { validateBuffer, validateFile, validatePartitions, type Summary } from '../../../engines/terasort/validate.js';
import { RANGES, gensortBytes, gensortText, mutate, parseValsort, sha256, sha256sums, sortRecords, type ValsortOutput } from './gensort-fixtures.js';

const keyOf = (b: Buffer, i: number) => b.subarray(i * RECORD_BYTES, i * RECORD_BYTES + 10).toString('hex');

/** Our summary says what valsort said about the same bytes. */
function assertLikeValsort(s: Summary, v: ValsortOutput, what: string) {
  assert.is(s.ok, v.rc === 0, `${what}: ok`);
  if (v.partial) {
    assert.ok(s.truncated, `${what}: truncated`);
    return;
  }
  assert.is(s.records, v.records, `${what}: records`);
  assert.is(s.checksum, v.checksum, `${what}: checksum`);
  assert.is(s.unordered, v.unordered, `${what}: unordered`);
  assert.is(s.firstUnordered?.index, v.firstUnordered, `${what}: first unordered`);
  if (v.duplicates !== undefined) assert.is(s.duplicates, v.duplicates, `${what}: duplicates`);
}

const SORTED = sortRecords(gensortBytes('b0-n100.dat'));
const SUMS = sha256sums();

test('the sorted 100 rows are the bytes valsort saw; valid, no duplicates', () => {
  assert.is(sha256(SORTED), SUMS.get('b0-n100.sorted'));
  const s = validateBuffer(SORTED);
  assertLikeValsort(s, parseValsort(gensortText('b0-n100.sorted.valsort.txt')), 'sorted');
  assert.is(s.error, null);
  assert.is(s.firstKey, keyOf(SORTED, 0));
  assert.is(s.lastKey, keyOf(SORTED, 99));
});

for (const [, , name] of RANGES) {
  test(`unsorted gensort output ${name}: same verdict, first unordered record and counts as valsort`, () => {
    const data = gensortBytes(`${name}.dat`);
    const s = validateBuffer(data);
    assertLikeValsort(s, parseValsort(gensortText(`${name}.valsort.txt`)), name);
    const i = s.firstUnordered!.index;
    assert.is(s.firstUnordered!.key, keyOf(data, i));
    assert.is(s.firstUnordered!.previousKey, keyOf(data, i - 1));
    assert.match(s.error!, new RegExp(`^record ${i} is out of order: key ${keyOf(data, i)} < previous key ${keyOf(data, i - 1)}`));
  });
}

for (const name of ['mut-key37', 'mut-key37b9', 'mut-payload50', 'mut-swap10-60', 'mut-trunc', 'mut-dup20']) {
  test(`${name}: same bytes and same verdict as valsort`, () => {
    const data = mutate(SORTED, name);
    assert.is(sha256(data), SUMS.get(name), 'rebuilt the captured file');
    assertLikeValsort(validateBuffer(data), parseValsort(gensortText(`${name}.valsort.txt`)), name);
  });
}

test('a corrupted key byte names the first bad record and both keys', () => {
  const s = validateBuffer(mutate(SORTED, 'mut-key37'));
  assert.is(s.ok, false);
  assert.equal(s.firstUnordered, { index: 37, previousKey: keyOf(SORTED, 36), key: '00' + keyOf(SORTED, 37).slice(2) });
  assert.match(s.error!, /^record 37 is out of order/);
});

test('two swapped records: the first record after the displaced one is named', () => {
  const data = mutate(SORTED, 'mut-swap10-60');
  const s = validateBuffer(data);
  assert.equal(s.firstUnordered, { index: 11, previousKey: keyOf(SORTED, 60), key: keyOf(SORTED, 11) });
  assert.is(s.unordered, 2);
  assert.match(s.error!, /record 11 is out of order.*2 unordered records in all/);
});

test('a truncated file: the partial record is named; counts cover the whole records', () => {
  const s = validateBuffer(mutate(SORTED, 'mut-trunc'));
  assert.is(s.ok, false);
  assert.equal(s.truncated, { index: 99, bytes: 63 });
  assert.is(s.records, 99);
  assert.is(s.error, 'truncated: record 99 is partial (63 of 100 bytes)');
});

test('damage that keeps the order shows only against the expected checksum (TeraValidate vs TeraGen sum)', () => {
  const expected = { records: 100, checksum: parseValsort(gensortText('b0-n100.valsort.txt')).checksum! };
  assert.is(validateBuffer(SORTED, expected).ok, true);
  for (const name of ['mut-payload50', 'mut-key37b9']) {
    const s = validateBuffer(mutate(SORTED, name), expected);
    assert.is(s.ok, false, name);
    assert.match(s.error!, /^checksum [0-9a-f]+ differs from the expected 319e1030c3$/);
  }
  const short = validateBuffer(SORTED.subarray(0, 9900), expected);
  assert.match(short.error!, /expected 100 records, found 99/);
});

test('validateFile streams with chunks that split records: same summary as in memory', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'icb-test-terasort-validate-'));
  try {
    for (const name of ['mut-swap10-60', 'mut-trunc', 'mut-dup20']) {
      const data = mutate(SORTED, name);
      const f = join(dir, `${name}.dat`);
      await writeFile(f, data);
      for (const chunk of [37, 100, 333, 1 << 20]) {
        assert.equal(await validateFile(f, undefined, chunk), validateBuffer(data), `${name} chunk ${chunk}`);
      }
    }
    const empty = join(dir, 'empty.dat');
    await writeFile(empty, Buffer.alloc(0));
    const e = await validateFile(empty);
    assert.equal([e.records, e.firstKey, e.ok], [0, null, true], 'an empty partition is valid on its own');
    assert.is(validatePartitions([e]).error, 'no records to validate');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('partitions: like valsort -s over part0..3, and the 0,2,1,3 order fails at record 50000', () => {
  const sorted = sortRecords(generateRecords(0n, 100_000));
  assert.is(sha256(sorted), SUMS.get('b0-n100000.sorted'));
  const q = 25_000 * RECORD_BYTES;
  const parts = [0, 1, 2, 3].map((i) => validateBuffer(sorted.subarray(i * q, (i + 1) * q)));
  parts.forEach((p, i) => assertLikeValsort(p, parseValsort(gensortText(`part${i}.valsort.txt`)), `part${i}`));

  const all = validatePartitions(parts);
  assertLikeValsort(all, parseValsort(gensortText('parts-0123.valsort.txt')), '0123');
  assert.is(all.firstKey, parts[0].firstKey);
  assert.is(all.lastKey, parts[3].lastKey);

  const bad = validatePartitions([parts[0], parts[2], parts[1], parts[3]]);
  assertLikeValsort(bad, parseValsort(gensortText('parts-0213.valsort.txt')), '0213');
  assert.equal(bad.firstUnordered, { index: 50_000, previousKey: parts[2].lastKey, key: parts[1].firstKey, partition: 2 });
  assert.match(bad.error!, /^record 50000 \(partition 2\) is out of order/);
});

test('partitions: inner disorder, empty parts, boundary duplicates and truncation get global indexes', () => {
  const a = validateBuffer(SORTED.subarray(0, 3000));
  const b = validateBuffer(mutate(SORTED, 'mut-key37').subarray(3000)); // bad record 37 -> local 7
  const empty = validateBuffer(Buffer.alloc(0));
  const s = validatePartitions([empty, a, empty, b]);
  assert.equal(s.firstUnordered, { index: 30 + 7, previousKey: keyOf(SORTED, 36), key: '00' + keyOf(SORTED, 37).slice(2), partition: 3 });
  assert.equal([s.records, s.unordered], [100, 1]);
  assert.is(s.checksum, validateBuffer(mutate(SORTED, 'mut-key37')).checksum);
  // a part that starts before the previous one ends: the boundary is named first
  const overlap = validatePartitions([validateBuffer(SORTED.subarray(0, 5000)), b]);
  assert.equal(overlap.firstUnordered, { index: 50, previousKey: keyOf(SORTED, 49), key: keyOf(SORTED, 30), partition: 1 });
  assert.is(overlap.unordered, 2);

  const dupEdge = validatePartitions([validateBuffer(SORTED.subarray(0, 2100)), validateBuffer(SORTED.subarray(2000))]);
  assert.is(dupEdge.duplicates, 1);
  assert.is(dupEdge.ok, true);

  const t = validatePartitions([a, validateBuffer(SORTED.subarray(3000, 7050)), validateBuffer(SORTED.subarray(7100))]);
  assert.equal(t.truncated, { index: 70, bytes: 50, partition: 1 });
  assert.match(t.error!, /^truncated: record 70 of partition 1 is partial/);
  assert.is(validatePartitions([]).error, 'no partitions given');
});

test.run();
