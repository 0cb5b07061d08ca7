import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readHistory } from '../../measurements/history/db.js';
import { listMissed, trendSeries } from '../../measurements/history/query.js';
import { loadRun } from '../../measurements/reader.js';
import { CHROMIUM, checkReportRenders, renderOk } from '../../reports/check-render.js';
import { matchSeries, writeCompareReport } from '../../reports/compare.js';
import { writeTrendReport } from '../../reports/trend.js';
import { recordMissed, recordRun } from '../../session/history.js';
import { writeHistoryFixture } from '../../fixtures/history-fixture.js';

const haveChromium = existsSync(CHROMIUM);
let tmp = '';
let dirs: string[] = [];
test.before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'icb-hrender-'));
  dirs = await writeHistoryFixture(tmp, { runs: 12, shift: { at: 8, benchmark: 'iperf3', metric: 'throughput', factor: 0.85 } });
  for (const d of dirs) await recordRun(tmp, d, { kind: 'manual' });
  await recordMissed(tmp, { entry: 'nightly', scenario: 'hokudai-nii', slot: '2024-12-31T02:00:00Z', reason: 'daemon down <b>' });
});
test.after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

test('compare: series matched by key, a clear 15% drop called worse with its interval, unmatched series listed', async () => {
  const a = await loadRun(dirs[0]);
  const b = await loadRun(dirs[11]);
  // Run b lacks the pgbench rows: those series are unmatched.
  const runs = [
    { dir: dirs[0], ...a },
    { dir: dirs[11], ...b, rows: b.rows.filter((r) => r.benchmark !== 'pgbench') },
  ];
  const m = matchSeries(runs);
  assert.ok(m.unmatched.length >= 2 && m.unmatched.every((u) => u.per[0]?.key.benchmark === 'pgbench' && u.per[1] === null));
  const out = await writeCompareReport(runs, join(tmp, 'compare.html'));
  const html = readFileSync(out, 'utf8');
  assert.match(html, /Unmatched series/);
  assert.match(html, /worse by 1[0-9]\.\d% \(n=/);
  if (haveChromium) {
    const r = await checkReportRenders(out);
    assert.ok(renderOk(r), JSON.stringify(r));
    assert.equal(r.requests, []);
    assert.equal([...r.consoleErrors, ...r.pageErrors], []);
    assert.ok(r.expectedCharts >= 3);
  }
});

test('trend: every series over time, suspects/confirmed marked, links to run reports, filters; renders offline with no request and no error', async () => {
  const data = await readHistory(tmp, (db) => ({ series: trendSeries(db, { scenario: 'hokudai-nii', benchmark: 'iperf3' }), missed: listMissed(db) }));
  assert.ok(data!.series.length >= 6 && data!.series.every((s) => s.key.benchmark === 'iperf3' && s.points.length === 12));
  const inter = data!.series.find((s) => s.key.path === 'inter-site' && s.key.metric === 'throughput')!;
  assert.equal(
    inter.points.slice(8, 10).map((p) => p.verdict),
    ['confirmed', 'confirmed'],
  );
  const out = await writeTrendReport({ ...data!, resultsRoot: tmp, filter: { scenario: 'hokudai-nii', benchmark: 'iperf3' } }, join(tmp, 'trend.html'));
  const html = readFileSync(out, 'utf8');
  assert.match(html, new RegExp(`${dirs[3].split('/').pop()}/report.html`));
  assert.match(html, /daemon down &lt;b&gt;/);
  assert.not.match(html, /pgbench tps/);
  if (haveChromium) {
    const r = await checkReportRenders(out);
    assert.ok(renderOk(r), JSON.stringify(r));
    assert.equal(r.requests, []);
    assert.equal([...r.consoleErrors, ...r.pageErrors], []);
  } else console.warn(`[history-render.test] SKIPPED rendering: no Chromium at ${CHROMIUM}`);
});

test.run();
