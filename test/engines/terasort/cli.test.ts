import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RANGES, gensortBytes, gensortText, mutate, parseValsort, sortRecords } from './gensort-fixtures.js';

// The CLIs compiled next to this test (dist/engines/terasort/*.js, whatever the outDir).
const cli = (name: string) => fileURLToPath(new URL(`../../../engines/terasort/${name}.js`, import.meta.url));

function run(name: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli(name), ...args], (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

let dir = '';
test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'icb-test-terasort-cli-'));
});
test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("gen-cli writes the same bytes as gensort and prints gensort -c's checksum", async () => {
  const [start, rows, name] = RANGES[2];
  const out = join(dir, 'gen.dat');
  const r = await run('gen-cli', ['--start', String(start), '--rows', String(rows), '--out', out, '--chunk-rows', '7', '--checksum']);
  assert.is(r.code, 0, r.stderr);
  const line = JSON.parse(r.stdout);
  assert.equal([line.start, line.rows, line.bytes], [String(start), rows, rows * 100]);
  assert.is(line.checksum, gensortText(`${name}.gensort-c.txt`).trim());
  assert.ok((await readFile(out)).equals(gensortBytes(`${name}.dat`)));
});

test('gen-cli: bad input exits 2 naming the option, and creates no file', async () => {
  const out = join(dir, 'never.dat');
  for (const args of [
    ['--rows', 'ten', '--out', out],
    ['--start', '1.5', '--rows', '3', '--out', out],
    ['--rows', '3'],
  ]) {
    const r = await run('gen-cli', args);
    assert.is(r.code, 2, args.join(' '));
    assert.match(r.stderr, /--(rows|start|out): expected/);
  }
  await readFile(out).then(
    () => assert.unreachable('file created'),
    () => {},
  );
});

test("validate-cli: sorted file -> exit 0 and valsort's figures", async () => {
  const f = join(dir, 'sorted.dat');
  await writeFile(f, sortRecords(gensortBytes('b0-n100.dat')));
  const r = await run('validate-cli', ['--expect-records', '100', '--expect-checksum', '319e1030c3', f]);
  assert.is(r.code, 0, r.stdout + r.stderr);
  const s = JSON.parse(r.stdout);
  const v = parseValsort(gensortText('b0-n100.sorted.valsort.txt'));
  assert.equal([s.records, s.checksum, s.duplicates, s.ok, s.error], [v.records, v.checksum, v.duplicates, true, null]);
});

test('validate-cli: swapped records -> exit 1 naming record 11; several files are partitions', async () => {
  const sorted = sortRecords(gensortBytes('b0-n100.dat'));
  const bad = join(dir, 'swapped.dat');
  await writeFile(bad, mutate(sorted, 'mut-swap10-60'));
  const r = await run('validate-cli', [bad]);
  assert.is(r.code, 1);
  const s = JSON.parse(r.stdout);
  assert.is(s.firstUnordered.index, 11);
  assert.match(s.error, /^record 11 is out of order/);

  const p0 = join(dir, 'p0.dat'),
    p1 = join(dir, 'p1.dat');
  await writeFile(p0, sorted.subarray(0, 6000));
  await writeFile(p1, sorted.subarray(6000));
  const ok = await run('validate-cli', [p0, p1]);
  assert.is(ok.code, 0, ok.stdout);
  assert.equal(
    JSON.parse(ok.stdout).partitions.map((p: { records: number }) => p.records),
    [60, 40],
  );
  const wrongOrder = await run('validate-cli', [p1, p0]);
  assert.is(wrongOrder.code, 1);
  assert.match(JSON.parse(wrongOrder.stdout).error, /^record 40 \(partition 1\) is out of order/);
});

test('validate-cli: truncated file exits 1; missing file and no file exit 2', async () => {
  const t = join(dir, 'trunc.dat');
  await writeFile(t, gensortBytes('b0-n100.dat').subarray(0, 250));
  const r = await run('validate-cli', [t]);
  assert.is(r.code, 1);
  assert.match(JSON.parse(r.stdout).error, /truncated: record 2 is partial \(50 of 100 bytes\)/);
  assert.is((await run('validate-cli', [join(dir, 'missing.dat')])).code, 2);
  assert.is((await run('validate-cli', [])).code, 2);
  assert.is((await run('validate-cli', ['--expect-checksum', 'zz', t])).code, 2);
});

test.run();
