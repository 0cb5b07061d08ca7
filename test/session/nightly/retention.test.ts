/**
 * Retention: raw/ of runs that ended more than N days ago is removed; CSV, run.json and the report
 * stay; newer runs, runs with a journal (live or not cleaned), folders without run.json and other
 * files in the results root are untouched; runs inside sweep folders are covered.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pruneRaw } from '../../../session/nightly/retention.js';

const root = mkdtempSync(join(tmpdir(), 'icb-ret-'));
const state = mkdtempSync(join(tmpdir(), 'icb-ret-state-'));
test.before(() => {
  process.env.ICBENCH_STATE_DIR = state;
});
test.after(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(state, { recursive: true, force: true });
});

const now = new Date('2026-12-01T00:00:00Z');
function run(dir: string, endedDaysAgo: number | null): string {
  mkdirSync(join(dir, 'raw', 'iperf3'), { recursive: true });
  writeFileSync(join(dir, 'raw', 'iperf3', 'x.json'), 'x'.repeat(1000));
  writeFileSync(join(dir, 'measurements.csv'), 'h\n');
  writeFileSync(join(dir, 'report.html'), '<html>');
  if (endedDaysAgo !== null)
    writeFileSync(
      join(dir, 'run.json'),
      JSON.stringify({ started_at: '2020-01-01T00:00:00Z', ended_at: new Date(now.getTime() - endedDaysAgo * 86_400_000).toISOString() }),
    );
  return dir;
}

test('raw/ of old finished runs only', () => {
  const old = run(join(root, '20261101-000000-0001'), 30);
  const fresh = run(join(root, '20261128-000000-0002'), 3);
  const live = run(join(root, '20261101-000000-0003'), 30);
  writeFileSync(join(state, '20261101-000000-0003.journal'), '{}\n');
  const nometa = run(join(root, 'something'), null);
  mkdirSync(join(root, 'sweep-x'));
  writeFileSync(join(root, 'sweep-x', 'sweep.json'), '{}');
  const point = run(join(root, 'sweep-x', '20261101-000000-0004'), 20);
  writeFileSync(join(root, 'notes.txt'), 'keep');
  const p = pruneRaw(root, 14, now);
  assert.equal(p.map((x) => x.runDir).sort(), [old, point].sort());
  assert.is(p[0].bytes, 1000);
  for (const d of [old, point]) {
    assert.not.ok(existsSync(join(d, 'raw')));
    for (const f of ['measurements.csv', 'run.json', 'report.html']) assert.ok(existsSync(join(d, f)), `${d}/${f} removed`);
  }
  for (const d of [fresh, live, nometa]) assert.ok(existsSync(join(d, 'raw', 'iperf3', 'x.json')), `${d}/raw removed`);
  assert.equal(pruneRaw(root, 14, now), [], 'second pass prunes nothing');
});

test.run();
