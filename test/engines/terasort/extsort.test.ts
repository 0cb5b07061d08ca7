/** External sort: spilled and merged output equals an in-memory reference sort, whatever the budget. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExternalSorter } from '../../../engines/terasort/extsort.js';
import { mergeRuns, RecordWriter, words } from '../../../engines/terasort/merge.js';
import { sortIndex } from '../../../engines/terasort/radix.js';

const REC = 100;
const PER = 112; // bytes of budget per record: the record, its index and sort scratch
const dir = mkdtempSync(join(tmpdir(), 'h2-extsort-'));

/** Records with random keys; `keyBytes` < 10 leaves the rest of the key zero (many equal prefixes/keys). */
function records(n: number, keyBytes = 10): Buffer {
  const b = randomBytes(n * REC);
  for (let i = 0; i < n; i++) b.fill(0, i * REC + keyBytes, i * REC + 10);
  return b;
}

const split = (b: Buffer) => Array.from({ length: b.length / REC }, (_, i) => b.subarray(i * REC, (i + 1) * REC));
const keys = (b: Buffer) => split(b).map((r) => r.subarray(0, 10).toString('hex'));
/** Reference: keys in order, and the records as a multiset (records with equal keys may come in any order). */
function reference(b: Buffer) {
  return {
    keys: keys(b).sort(),
    all: split(b)
      .map((r) => r.toString('hex'))
      .sort(),
  };
}
function assertSortedPermutation(out: Buffer, input: Buffer, what: string) {
  const ref = reference(input);
  assert.is(out.length, input.length, `${what}: same size`);
  assert.equal(keys(out), ref.keys, `${what}: keys in order`);
  assert.equal(
    split(out)
      .map((r) => r.toString('hex'))
      .sort(),
    ref.all,
    `${what}: same records`,
  );
}

async function sortWith(input: Buffer, budgetBytes: number, chunk = 7 * REC, maxFanIn?: number) {
  const tmp = mkdtempSync(join(dir, 'runs-'));
  const s = new ExternalSorter({ budgetBytes, tmpDir: tmp, maxFanIn });
  for (let off = 0; off < input.length; off += chunk) s.add(input, off, Math.min(chunk, input.length - off));
  const out = join(tmp, 'out.dat');
  const stats = await s.finish(out);
  const left = readdirSync(tmp).filter((f) => f !== 'out.dat');
  return { out: readFileSync(out), stats, left };
}

test('everything fits: no spill, sorted output', async () => {
  const input = records(5000);
  const r = await sortWith(input, 10 << 20);
  assert.is(r.stats.spills, 0);
  assert.is(r.stats.records, 5000);
  assertSortedPermutation(r.out, input, 'in memory');
});

test('a tiny budget forces spills; the merged output equals the in-memory sort', async () => {
  const input = records(5000);
  const r = await sortWith(input, 300 * PER); // 300 records per run
  assert.is(r.stats.spills, Math.ceil(5000 / 300));
  assert.is(r.stats.mergePasses, 1);
  assert.equal(r.left, [], 'run files removed after the merge');
  assertSortedPermutation(r.out, input, 'spilled');
});

test('more runs than the fan-in: several merge passes, same output', async () => {
  const input = records(3000);
  const r = await sortWith(input, 100 * PER, 1000 * REC, 4); // 30 runs, 4 at a time
  assert.is(r.stats.spills, 30);
  assert.ok(r.stats.mergePasses > 1, `${r.stats.mergePasses} passes`);
  assert.equal(r.left, []);
  assertSortedPermutation(r.out, input, 'multi-pass');
});

test('duplicates and shared prefixes: keys with only 1 or 2 random bytes, in memory and spilled', async () => {
  for (const kb of [1, 2]) {
    const input = records(4000, kb);
    assertSortedPermutation((await sortWith(input, 10 << 20)).out, input, `${kb} key bytes, in memory`);
    assertSortedPermutation((await sortWith(input, 500 * PER)).out, input, `${kb} key bytes, spilled`);
  }
  const same = Buffer.concat(Array.from({ length: 2000 }, () => Buffer.concat([Buffer.alloc(10, 7), randomBytes(90)])));
  assertSortedPermutation((await sortWith(same, 300 * PER)).out, same, 'all keys equal');
});

test('empty input: an empty output file, no run files', async () => {
  const r = await sortWith(Buffer.alloc(0), 1000 * PER);
  assert.is(r.out.length, 0);
  assert.is(r.stats.spills, 0);
  assert.equal(r.left, []);
});

test('a single record and a budget of one record', async () => {
  const one = records(1);
  assert.equal((await sortWith(one, PER)).out, one);
  const few = records(7);
  assertSortedPermutation((await sortWith(few, PER, REC)).out, few, 'one record per run');
});

test('partial records are refused', async () => {
  const s = new ExternalSorter({ budgetBytes: 10000, tmpDir: join(dir, 'x') });
  assert.throws(() => s.add(Buffer.alloc(150)), /not a whole number of 100-byte records/);
  assert.throws(() => new ExternalSorter({ budgetBytes: 50, tmpDir: dir }), /budgetBytes: expected at least 112/);
});

test('mergeRuns merges k sorted runs of different lengths, including an empty one', async () => {
  const runs = [0, 1, 13, 250, 4].map((n, i) => {
    const b = Buffer.concat(split(records(n)).sort((x, y) => Buffer.compare(x.subarray(0, 10), y.subarray(0, 10))));
    const p = join(dir, `merge-${i}.dat`);
    writeFileSync(p, b);
    return { p, b };
  });
  const outPath = join(dir, 'merged.dat');
  const w = new RecordWriter(outPath, 3 * REC);
  const n = await mergeRuns(
    runs.map((r) => r.p),
    w,
    runs.map(() => Buffer.alloc(2 * REC)),
  );
  w.close();
  assert.is(n, 268);
  assertSortedPermutation(readFileSync(outPath), Buffer.concat(runs.map((r) => r.b)), 'merged');
});

test('RecordWriter.record copies whole records from aligned (word copy) and unaligned (Buffer.copy) memory', async () => {
  const recs = records(5);
  const odd = Buffer.from(new ArrayBuffer(5 * REC + 1), 1, 5 * REC);
  recs.copy(odd);
  assert.is(words(odd), null);
  const p = join(dir, 'rw.dat');
  const w = new RecordWriter(p, 2 * REC);
  for (const i of [4, 0, 2]) w.record(recs, words(recs), i * REC);
  for (const i of [1, 3]) w.record(odd, words(odd), i * REC);
  w.close();
  const got = readFileSync(p);
  assert.equal(
    split(got).map((r) => r.toString('hex')),
    [4, 0, 2, 1, 3].map((i) => recs.subarray(i * REC, (i + 1) * REC).toString('hex')),
  );
});

test('a run file cut inside a record is an error, not a short output', async () => {
  const p = join(dir, 'torn.dat');
  writeFileSync(p, records(3).subarray(0, 250));
  const w = new RecordWriter(join(dir, 'torn-out.dat'));
  const err = await mergeRuns([p], w, [Buffer.alloc(10 * REC)]).then(
    () => null,
    (e: Error) => e,
  );
  assert.match(err?.message ?? 'no error', /ends inside a record/);
  w.close();
});

test('sortIndex: the packed 64-bit path and the radix path give the same key order, skewed keys included', async () => {
  for (const kb of [10, 3, 1]) {
    const input = records(3000, kb);
    const ref = reference(input).keys;
    for (const scratch of [3000, 6000]) {
      // n entries: radix passes only; 2n: packed numbers
      const idx = new Uint32Array(3000);
      sortIndex(input, idx, new Uint32Array(scratch), 3000);
      assert.equal(
        Array.from(idx, (i) => input.subarray(i * REC, i * REC + 10).toString('hex')),
        ref,
        `${kb} key bytes, scratch ${scratch}`,
      );
      assert.is(new Set(idx).size, 3000, 'a permutation');
    }
  }
});

test.after(() => {
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
});
test.run();
