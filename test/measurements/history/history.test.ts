import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type HistoryDb, readHistory, withHistory } from '../../../measurements/history/db.js';
import type { RegressionsFile } from '../../../measurements/history/regressions.js';
import { wanGuards } from '../../../measurements/history/index-run.js';
import { rebuildHistory, recordMissed, recordRun } from '../../../session/history.js';
import { writeHistoryFixture } from '../../../fixtures/history-fixture.js';
import { sampleMeta, writeSampleRun } from '../../../fixtures/sample-run.js';

let tmp = '';
test.before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'icb-history-'));
});
test.after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Every table's content, in a stable order (missed.recorded_at left out: a wall-clock time). */
function dump(db: HistoryDb) {
  return {
    runs: db.all('SELECT * FROM runs ORDER BY run_id'),
    series: db.all('SELECT * FROM series ORDER BY series_key'),
    summaries: db.all('SELECT * FROM summaries ORDER BY run_id, series_key'),
    findings: db.all('SELECT * FROM findings ORDER BY run_id, series_key, kind'),
    missed: db.all('SELECT entry, slot, scenario, reason FROM missed ORDER BY entry, slot'),
  };
}

const SHIFT = { at: 8, benchmark: 'iperf3', metric: 'throughput', factor: 0.88 };

test('every run indexed incrementally; a 12% throughput drop is suspect, then confirmed; rebuild equals the incremental index', async () => {
  const root = join(tmp, 'inc');
  const dirs = await writeHistoryFixture(root, { runs: 12, shift: SHIFT });
  const recs: Awaited<ReturnType<typeof recordRun>>[] = [];
  for (const [i, d] of dirs.entries())
    recs.push(
      await recordRun(root, d, i % 2 ? { kind: 'nightly', entry: 'nightly-default', slot: `2025-01-0${1 + (i % 9)}T02:00:00.000Z` } : { kind: 'manual' }),
    );
  await recordMissed(root, { entry: 'nightly-default', scenario: 'hokudai-nii', slot: '2024-12-31T02:00:00Z', reason: 'daemon down' });
  // Before the shift: nothing; at the shift: the inter-site/intra/local throughput series are suspect, the next run confirms.
  for (const r of recs.slice(0, SHIFT.at)) assert.is(r.suspect + r.confirmed, 0, `${r.runId}: ${r.suspect}/${r.confirmed}`);
  assert.ok(recs[SHIFT.at].suspect >= 4, `suspects at the shift: ${recs[SHIFT.at].suspect}`);
  assert.ok(recs[SHIFT.at + 1].confirmed >= 4, `confirmed the day after: ${recs[SHIFT.at + 1].confirmed}`);
  const f = JSON.parse(readFileSync(recs[SHIFT.at + 1].regressionsPath, 'utf8')) as RegressionsFile;
  assert.is(f.schema, 'icbench-regressions/1');
  const c = f.findings.find((x) => x.kind === 'confirmed' && x.key.path === 'inter-site')!;
  assert.ok(c, 'an inter-site throughput finding');
  assert.is(c.key.metric, 'throughput');
  assert.is(c.confirms, recs[SHIFT.at].runId);
  assert.ok(c.delta_pct < -8 && c.threshold_pct >= 5);
  // The earlier suspect's own regressions.json now says confirmed.
  const earlier = JSON.parse(readFileSync(recs[SHIFT.at].regressionsPath, 'utf8')) as RegressionsFile;
  assert.ok(earlier.findings.some((x) => x.kind === 'confirmed' && x.confirms === `confirmed by ${recs[SHIFT.at + 1].runId}`));
  assert.is(statSync(join(root, 'history.sqlite')).mode & 0o777, 0o600);
  const incremental = await readHistory(root, dump);
  // Idempotent: the same run again changes nothing.
  await recordRun(root, dirs[dirs.length - 1], { kind: 'nightly', entry: 'nightly-default', slot: '2025-01-03T02:00:00.000Z' });
  assert.equal(await readHistory(root, dump), incremental);
  const files = dirs.map((d) => readFileSync(join(d, 'regressions.json'), 'utf8'));
  const r = await rebuildHistory(root);
  assert.is(r.indexed, 12);
  assert.equal(r.skipped, []);
  assert.equal(await readHistory(root, dump), incremental);
  assert.equal(
    dirs.map((d) => readFileSync(join(d, 'regressions.json'), 'utf8')),
    files,
    'rebuild writes the same regressions.json files (origins kept)',
  );
});

test('recordMissed: bad input is refused naming the field; rebuild keeps missed slots', async () => {
  const root = join(tmp, 'missed');
  const err = (p: Promise<unknown>) =>
    p.then(
      () => '',
      (e: Error) => e.message,
    );
  assert.match(await err(recordMissed(root, { entry: 'e', scenario: 's', slot: 'yesterday', reason: 'r' })), /slot must be an ISO date/);
  assert.match(await err(recordMissed(root, { entry: '', scenario: 's', slot: '2025-01-01T00:00:00Z', reason: 'r' })), /entry must be a non-empty string/);
  await recordMissed(root, { entry: 'e', scenario: 's', slot: '2025-01-01T00:00:00Z', reason: 'daemon down' });
  await rebuildHistory(root);
  const m = await readHistory(root, (db) => db.all('SELECT entry, slot, reason FROM missed'));
  assert.equal(m, [{ entry: 'e', slot: '2025-01-01T00:00:00.000Z', reason: 'daemon down' }]);
});

test('writers in one process queue instead of waiting on their own lock; the event loop keeps running meanwhile', async () => {
  const root = join(tmp, 'queue');
  const insert = (slot: string, pause: number) =>
    withHistory(
      root,
      async (db) => {
        await new Promise((r) => setTimeout(r, pause));
        db.run('INSERT INTO missed (entry, slot, scenario, reason, recorded_at) VALUES (?, ?, ?, ?, ?)', ['e', slot, 's', 'r', slot]);
        return slot;
      },
      { waitMs: 1000 },
    );
  let ticks = 0;
  const timer = setInterval(() => ticks++, 20);
  // The first writer holds the lock for 1.5 s, longer than the others may wait for a lock file.
  const done = await Promise.all([insert('2025-01-01T00:00:00.000Z', 1500), insert('2025-01-02T00:00:00.000Z', 0), insert('2025-01-03T00:00:00.000Z', 0)]);
  clearInterval(timer);
  assert.equal(done, ['2025-01-01T00:00:00.000Z', '2025-01-02T00:00:00.000Z', '2025-01-03T00:00:00.000Z']);
  const slots = await readHistory(root, (db) => db.all<{ slot: string }>('SELECT slot FROM missed ORDER BY slot').map((r) => r.slot));
  assert.equal(slots, ['2025-01-01T00:00:00.000Z', '2025-01-02T00:00:00.000Z', '2025-01-03T00:00:00.000Z']);
  assert.ok(ticks >= 20, `the event loop ran while writers waited (${ticks} ticks of 20 ms in >= 1.5 s)`);
  assert.not.ok(existsSync(join(root, 'history.sqlite.lock')), 'the lock is released');
});

test('WAN guard: an emulated path whose validation is NOT OK is a confirmed finding at once', async () => {
  const root = join(tmp, 'guard');
  const dir = await writeSampleRun(root);
  const r = await recordRun(root, dir, { kind: 'manual' });
  assert.is(r.confirmed, 1);
  const f = JSON.parse(readFileSync(r.regressionsPath, 'utf8')) as RegressionsFile;
  assert.is(f.guards[0].check, 'validation throughput');
  assert.is(f.counts.no_baseline, f.counts.series);
});

test('WAN guard: a NOT OK that names its limit (machine ceiling, saturated emulator) is not a regression; one without is', () => {
  const meta = sampleMeta();
  const v = (check: string, limit?: 'machine' | 'emulator') => ({
    check,
    a: 'x',
    b: 'y',
    configured: 10000,
    measured: 7900,
    unit: 'Mbit/s',
    ok: false,
    note: 'not reached',
    ...(limit ? { limit } : {}),
  });
  meta.validation = [v('lan_rate', 'machine'), v('throughput', 'emulator'), v('rtt_median')];
  meta.wan = [];
  assert.equal(
    wanGuards(meta, []).map((g) => g.check),
    ['validation rtt_median'],
  );
});

test('kill -9 of the indexer mid-write: the database still opens whole and consistent, the stale lock is taken over', async () => {
  const root = join(tmp, 'kill');
  const dirs = await writeHistoryFixture(root, { runs: 6, seed: 3 });
  await recordRun(root, dirs[0], { kind: 'manual' });
  const mod = fileURLToPath(new URL('../../../session/history.js', import.meta.url));
  const loop = `const { recordRun, rebuildHistory } = await import(${JSON.stringify(mod)});
    const dirs = ${JSON.stringify(dirs)};
    for (let i = 0; ; i++) { if (i % 3 === 2) await rebuildHistory(${JSON.stringify(root)}); else await recordRun(${JSON.stringify(root)}, dirs[i % dirs.length], { kind: 'manual' }); }`;
  const u = Math.random;
  let killedHolding = 0;
  for (let k = 0; k < 6; k++) {
    const child = spawn(process.execPath, ['--input-type=module', '-e', loop], { stdio: 'ignore' });
    await new Promise((res) => setTimeout(res, 700 + Math.floor(u() * 900)));
    if (existsSync(join(root, 'history.sqlite.lock'))) killedHolding++;
    child.kill('SIGKILL');
    await new Promise((res) => child.once('exit', res));
    const state = await readHistory(root, (db) => ({
      integrity: db.all<{ integrity_check: string }>('PRAGMA integrity_check')[0].integrity_check,
      orphans: db.all('SELECT run_id FROM summaries WHERE run_id NOT IN (SELECT run_id FROM runs)').length,
      runs: db.all('SELECT run_id FROM runs').length,
    }));
    assert.is(state!.integrity, 'ok');
    assert.is(state!.orphans, 0);
    assert.ok(state!.runs >= 1);
  }
  // A temp file of a dead writer is removed; a lock left by a dead process is taken over.
  writeFileSync(join(root, 'history.sqlite.tmp-999999'), 'torn');
  writeFileSync(join(root, 'history.sqlite.lock'), '999999\n');
  const warnings: string[] = [];
  const orig = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((s: string) => {
    warnings.push(String(s));
    return true;
  }) as typeof process.stderr.write;
  try {
    await recordRun(root, dirs[1], { kind: 'manual' });
  } finally {
    process.stderr.write = orig;
  }
  assert.ok(
    warnings.some((w) => /taking over the lock .* dead process 999999/.test(w)),
    warnings.join(''),
  );
  assert.equal(
    readdirSync(root).filter((f) => f.startsWith('history.sqlite.')),
    [],
  );
  assert.ok(killedHolding >= 0);
});

test.run();
