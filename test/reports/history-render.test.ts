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
import { buildTrendSections, figure, writeTrendReport, Y_AXIS } from '../../reports/trend.js';
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

test('trend: the headline series open the page (bandwidth, RTT, TPS, Terasort), not iperf3 cpu_host; axes rounded and titled with units', async () => {
  const root = join(tmp, 'extras');
  for (const d of await writeHistoryFixture(root, { runs: 6, iperf3Extras: true })) await recordRun(root, d, { kind: 'manual' });
  const data = await readHistory(root, (db) => ({ series: trendSeries(db, { scenario: 'hokudai-nii' }), missed: [] }));
  assert.ok(data!.series.some((s) => s.key.metric === 'cpu_host'));
  const sections = buildTrendSections({ ...data!, resultsRoot: root, filter: { scenario: 'hokudai-nii' } }, root);
  const charts = sections.filter((x) => x.spec).map((x) => x.heading);
  assert.equal(charts.slice(0, 6), [
    'Bandwidth — hokudai-nii: iperf3 throughput (Mbit/s)',
    'RTT — hokudai-nii: ping rtt_median (ms)',
    'RTT — hokudai-nii: ping rtt_p99 (ms)',
    'TPS — hokudai-nii: pgbench tps (tx/s)',
    'Terasort — hokudai-nii: terasort terasort_elapsed (s)',
    'Terasort — hokudai-nii: terasort terasort_throughput (MB/s)',
  ]);
  assert.ok(charts.indexOf('hokudai-nii: iperf3 cpu_host (%)') > 5);
  const layer = (sections.find((x) => x.spec)!.spec as { spec: { layer: { encoding: Record<string, { title?: string; axis?: Record<string, unknown> }> }[] } })
    .spec.layer;
  const y = layer[2].encoding.y;
  assert.is(y.title, 'median (Mbit/s)');
  assert.is(y.axis!.labelExpr, Y_AXIS.labelExpr);
  assert.is(layer[2].encoding.x.title, 'run start (UTC)');
  assert.equal([figure(18612.4), figure(0.131234), figure(764.1), figure(1.2e9)], ['18,610', '0.1312', '764.1', '1,200,000,000']);
});

test.run();
