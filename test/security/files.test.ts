/**
 * Files the harness writes do not follow what someone planted: a symlink at a report's path is
 * replaced by the report (its target untouched), the report is 0600 from creation; an existing
 * results folder that others can write, or that another user owns, is refused before anything runs.
 */
import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeRunReport } from '../../benchmarks/reports.js';
import { writeFileAtomic } from '../../base/atomic-file.js';
import { checkResultsDir } from '../../session/results-dir.js';
import { ensureStateDir } from '../../infra/journal.js';
import { writeSampleRun } from '../../fixtures/sample-run.js';

const dir = mkdtempSync(join(tmpdir(), 'icb-files-'));

test('a symlink planted at the report path is replaced, not followed; the report is 0600', async () => {
  const run = await writeSampleRun(join(dir, 'p'));
  const victim = join(dir, 'victim.txt');
  writeFileSync(victim, 'precious\n');
  symlinkSync(victim, join(run, 'report.html'));
  const out = await writeRunReport(run);
  assert.is(readFileSync(victim, 'utf8'), 'precious\n', 'the link target was written through');
  const st = lstatSync(out);
  assert.ok(st.isFile() && !st.isSymbolicLink());
  assert.is(st.mode & 0o777, 0o600);
});

test('writeFileAtomic never writes through a planted temp-name link and leaves no temp file', () => {
  const f = join(dir, 'state.json');
  writeFileAtomic(f, '{"a":1}\n');
  assert.is(lstatSync(f).mode & 0o777, 0o600);
  writeFileAtomic(f, '{"a":2}\n');
  assert.is(readFileSync(f, 'utf8'), '{"a":2}\n');
});

test('an existing results folder that others can write, or another user owns, is refused', () => {
  const open = join(dir, 'open');
  mkdirSync(open);
  chmodSync(open, 0o777);
  assert.throws(() => checkResultsDir(open), /--results.*writable by group or others \(mode 0777\)/);
  chmodSync(open, 0o755);
  assert.is(checkResultsDir(open), open);
  if (process.getuid?.() === 0) {
    const theirs = join(dir, 'theirs');
    mkdirSync(theirs);
    chownSync(theirs, 65534, 65534);
    assert.throws(() => checkResultsDir(theirs), /owned by uid 65534/);
  }
});

test("a state dir made under umask 077 is still 0711 (postgres must traverse it); another user's is refused", () => {
  const old = process.umask(0o077);
  try {
    const sd = join(dir, 'state-new');
    ensureStateDir(sd);
    assert.is(statSync(sd).mode & 0o777, 0o711);
  } finally {
    process.umask(old);
  }
  if (process.getuid?.() === 0) {
    const theirs = join(dir, 'state-theirs');
    mkdirSync(theirs, { mode: 0o711 });
    chownSync(theirs, 65534, 65534);
    assert.throws(() => ensureStateDir(theirs), /owned by uid 65534/);
  }
});

test.run();
