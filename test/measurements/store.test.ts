/**
 * ResultStore durability and privacy: rows and run.json round-trip with private modes; a full
 * filesystem (a small tmpfs, root only) keeps whole rows only and throws ResultsWriteError; a
 * failed run.json leaves no temp file; a failed raw write returns null; the reader drops a torn
 * last line with a warning; the results dir check rejects pseudo filesystems, files, read-only.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResultStore, ResultsWriteError } from '../../measurements/store.js';
import { loadRun, parseMeasurements } from '../../measurements/reader.js';
import { checkResultsDir } from '../../session/results-dir.js';
import { ConfigError } from '../../infra/units.js';
import { sampleMeta, sampleRows } from '../../fixtures/sample-run.js';

const tmp = mkdtempSync(join(tmpdir(), 'icb-store-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));
const mode = (p: string) => statSync(p).mode & 0o777;
const isRoot = process.getuid?.() === 0;

test('rows and run.json round-trip; dirs 0700, files 0600', async () => {
  const s = new ResultStore(join(tmp, 'res'), 'r1');
  const rows = sampleRows();
  s.add(rows.slice(0, 3));
  s.add(rows.slice(3));
  s.writeMeta(sampleMeta());
  assert.is(s.raw('iperf3/x.json', '{}'), 'raw/iperf3/x.json');
  assert.is(s.rowCount, rows.length);
  const got = await loadRun(s.dir);
  assert.equal(got.rows, rows);
  for (const d of [join(tmp, 'res'), s.dir, join(s.dir, 'raw'), join(s.dir, 'raw', 'iperf3')]) assert.is(mode(d), 0o700, d);
  for (const f of [s.csvPath, s.metaPath, join(s.dir, 'raw', 'iperf3', 'x.json')]) assert.is(mode(f), 0o600, f);
  assert.not.ok(existsSync(s.metaPath + '.tmp'));
});

test('a raw file that cannot be written: null, recorded, the run goes on', () => {
  const s = new ResultStore(join(tmp, 'res'), 'r2');
  writeFileSync(join(s.dir, 'raw', 'blocker'), 'a file where a dir should be');
  assert.is(s.raw('blocker/out.txt', 'x'), null);
  assert.equal(s.rawFailures, ['raw/blocker/out.txt']);
  s.add(sampleRows().slice(0, 1));
  assert.is(s.rowCount, 1);
});

test('reader: a torn last line is dropped with a warning, never thrown; a torn middle line still throws', () => {
  const s = new ResultStore(join(tmp, 'res'), 'r3');
  const rows = sampleRows().slice(0, 4);
  s.add(rows);
  const text = readFileSync(s.csvPath, 'utf8');
  const torn = text + 'test-2024,hokudai-nii,iperf3,throughput,9';
  const warnings: string[] = [];
  assert.equal(parseMeasurements(torn, 'measurements.csv', warnings), rows);
  assert.equal(warnings, ['measurements.csv: dropped a torn last line (41 bytes)']);
  // A complete last line without its newline is kept.
  const w2: string[] = [];
  assert.equal(parseMeasurements(text.slice(0, -1), 'measurements.csv', w2), rows);
  assert.equal(w2, []);
  const lines = text.split('\n');
  lines[2] = lines[2].slice(0, 20);
  assert.throws(() => parseMeasurements(lines.join('\n'), 'measurements.csv', []), /measurements\.csv/);
});

test('results dir check: pseudo filesystems, files, creation with 0700', () => {
  const msg = (p: string) => {
    try {
      checkResultsDir(p);
    } catch (e) {
      assert.instance(e, ConfigError);
      return (e as Error).message;
    }
    return '';
  };
  assert.is(msg('/proc/x'), '--results: expected a writable directory, got "/proc/x" (under /proc)');
  assert.match(msg('/sys/kernel/x'), '(under /sys)');
  assert.match(msg('/dev/shm/../x'), 'got "/dev/shm/../x"'); // resolves to /dev/x
  const f = join(tmp, 'afile');
  writeFileSync(f, '');
  assert.is(msg(f), `--results: expected a writable directory, got ${JSON.stringify(f)} (is a file)`);
  assert.match(msg(join(f, 'below')), 'a path component is a file');
  const d = join(tmp, 'new', 'results');
  assert.is(checkResultsDir(d), d);
  assert.is(mode(d), 0o700);
});

if (isRoot) {
  test('results dir check: a read-only filesystem', () => {
    const mnt = join(tmp, 'ro');
    mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k,mode=0755', 'tmpfs', mnt]); // 0755: a world-writable folder is refused before the write probe
    try {
      assert.throws(
        () => checkResultsDir(mnt),
        (e: Error) => e.message === `--results: expected a writable directory, got ${JSON.stringify(mnt)} (read-only file system)`,
      );
      assert.throws(() => checkResultsDir(join(mnt, 'sub')), /read-only file system/);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });

  test('a full filesystem: whole rows only, ResultsWriteError says how many and where, no run.json.tmp', async () => {
    const mnt = join(tmp, 'full');
    mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]);
    try {
      const s = new ResultStore(mnt, 'r4');
      s.writeMeta(sampleMeta());
      const rows = sampleRows();
      let err: unknown = null;
      let added = 0;
      for (let i = 0; i < 10000 && !err; i++) {
        try {
          s.add(rows.slice(0, 3));
          added += 3;
        } catch (e) {
          err = e;
        }
      }
      assert.instance(err, ResultsWriteError);
      assert.is(s.rowCount, added);
      assert.match((err as Error).message, `${added} rows kept in ${s.csvPath}`);
      assert.match((err as Error).message, /ENOSPC/);
      const text = readFileSync(s.csvPath, 'utf8');
      assert.ok(text.endsWith('\n'), 'no torn line');
      const warnings: string[] = [];
      assert.is(parseMeasurements(text, s.csvPath, warnings).length, added);
      assert.equal(warnings, []);
      // run.json cannot be replaced now: the old one stays, no temp file is left.
      const big = { ...sampleMeta(), params: { pad: 'x'.repeat(100_000) } };
      assert.throws(
        () => s.writeMeta(big),
        (e: Error) => e instanceof ResultsWriteError && /run\.json/.test(e.message),
      );
      assert.not.ok(existsSync(s.metaPath + '.tmp'));
      assert.is(JSON.parse(readFileSync(s.metaPath, 'utf8')).run_id, sampleMeta().run_id);
      assert.is(s.raw('big.txt', 'y'.repeat(100_000)), null);
      assert.not.ok(existsSync(join(s.dir, 'raw', 'big.txt')));
    } finally {
      execFileSync('umount', [mnt]);
    }
  });
} else console.log('SKIPPED tmpfs store tests: they need root');

test.run();
