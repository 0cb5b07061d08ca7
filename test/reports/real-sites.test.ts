/**
 * Real sites (provider 'ssh'): the WAN is measured, not emulated, so nothing was "configured" on it.
 * Headlines and report text compare with the baseline validation measured, or with nothing.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPORT_PARTS } from '../../benchmarks/registry.js';
import { writeRunReport } from '../../benchmarks/reports.js';
import { REAL_BASELINE, realSitesMeta, realSitesRows, writeRealSitesRun } from '../../fixtures/real-sites-run.js';
import { sampleMeta, sampleRows } from '../../fixtures/sample-run.js';
import { bandwidthSummary, dropLines } from '../../reports/specs/bandwidth.js';
import { rttSpec, rttSummary } from '../../reports/specs/rtt.js';
import { rttExplained, rttLines, transactionsSummary } from '../../reports/specs/transactions.js';
import { HEADLINE_LABELS, runSummary, summaryText } from '../../reports/summary.js';

const HEADLINES = REPORT_PARTS.headlines;
const byLabel = (s: ReturnType<typeof runSummary>, start: string) => s.headlines.find((h) => h.label.startsWith(start))!;

test('real sites: the RTT headline speaks of the measured baseline, never of a configured RTT', () => {
  const s = runSummary(realSitesRows(), realSitesMeta(), HEADLINES);
  const rtt = byLabel(s, 'RTT inter-site');
  assert.is(rtt.label, 'RTT inter-site: median and p99 vs measured baseline');
  assert.match(rtt.value, /^median 0\.1\d ms, p99 0\.\d+ ms vs measured baseline 0\.13 ms \(n=120\)$/);
  assert.match(rtt.detail, 'measured baseline 0.13 ms');
  for (const h of s.headlines) assert.not.match(`${h.label} ${h.value} ${h.detail}`, /configured/, h.label);
  assert.is(s.status, 'ok');
});

test('real sites: bandwidth against the baseline TCP rate, Terasort transfer time at the baseline rate', () => {
  const [rows, meta] = [realSitesRows(), realSitesMeta()];
  const bw = bandwidthSummary(rows, meta);
  assert.equal(
    bw.wan.map((w) => [w.reference, w.rate_mbit]),
    [['baseline', REAL_BASELINE.rateMbit]],
  );
  assert.match(dropLines(bw, ['NII', 'Hokudai']).join('\n'), /% of measured baseline WAN rate 941 Mbit\/s/);
  const s = runSummary(rows, meta, HEADLINES);
  assert.match(byLabel(s, 'Bandwidth').detail, 'inter-site = ');
  assert.match(byLabel(s, 'Bandwidth').detail, 'of the measured baseline WAN rate 941 Mbit/s');
  assert.match(byLabel(s, 'Terasort').detail, /WAN bytes not measured|at the measured baseline 941 Mbit\/s/);
});

test('real sites: pgbench latency explained with the measured baseline RTT (rows carry no configured rtt_ms)', () => {
  const meta = realSitesMeta();
  // Each pgbench run's latency_avg beside its tps: 0.11 ms per transaction at the same site, 0.37 ms across.
  const tps = realSitesRows().filter((r) => r.benchmark === 'pgbench' && r.metric === 'tps');
  const rows = [...tps, ...tps.map((r) => ({ ...r, metric: 'latency_avg', unit: 'ms', value: r.path === 'inter-site' ? 0.37 : 0.11 }))];
  const e = rttExplained(transactionsSummary(rows, meta), meta);
  assert.equal(
    e.map((x) => [x.rtt_ms, Number(x.round_trips.toFixed(2))]),
    [[REAL_BASELINE.rttMs, 1.98]],
  );
  assert.match(rttLines(e)[0], /^select-only at 0\.13 ms RTT: inter-site latency 0\.37 ms = same-site 0\.11 ms \+ 1\.98 WAN round trips/);
});

test('real sites without validation: no baseline, so the RTT headline compares with nothing', () => {
  const s = runSummary(realSitesRows({ noValidation: true }), realSitesMeta({ noValidation: true }), HEADLINES);
  const rtt = byLabel(s, 'RTT inter-site');
  assert.is(rtt.label, 'RTT inter-site: median and p99');
  assert.match(rtt.value, /^median 0\.1\d ms, p99 0\.\d+ ms \(n=120\)$/);
  assert.not.match(byLabel(s, 'Bandwidth').detail, /configured|baseline/);
  assert.is(rttSummary(realSitesRows(), realSitesMeta({ noValidation: true })).groups.filter((g) => g.reference).length, 0);
});

test('the lab (emulated WAN) keeps comparing with the configured profile', () => {
  const s = runSummary(sampleRows({ full: true }), sampleMeta(), HEADLINES);
  assert.is(byLabel(s, 'RTT inter-site').label, HEADLINE_LABELS[1]);
  assert.match(byLabel(s, 'RTT inter-site').value, / vs configured 20\.0 ms \(n=\d+\)/);
  assert.match(byLabel(s, 'Bandwidth').detail, 'of the configured WAN rate 1,000 Mbit/s');
  const spec = JSON.stringify(rttSpec(rttSummary(sampleRows(), sampleMeta()), sampleMeta(), ['NII', 'Hokudai']));
  assert.match(spec, 'configured RTT NII–Hokudai: 20.00 ms');
});

test('real sites: the whole report and the terminal summary never call a value configured; they name the baseline', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'icb-real-'));
  try {
    const html = await readFile(await writeRunReport(await writeRealSitesRun(tmp)), 'utf8');
    const text = html.replace(/<script[\s\S]*?<\/script>/g, ''); // the page's text, not the inlined libraries
    assert.not.match(text, /configured/i);
    assert.match(
      text,
      'NII–Hokudai not emulated: measured baseline RTT 0.13 ms, 941 Mbit/s (one TCP stream) (the scenario expected 1,000 Mbit/s, RTT 20.0 ms)',
    );
    assert.match(text, 'these are baseline measurements of the real network');
    assert.match(text, 'measured baseline RTT ms');
    // The chart data (inside the script) names the baseline too.
    assert.match(html, 'measured baseline RTT NII–Hokudai: 0.13 ms');
    assert.not.match(html, /configured (RTT|WAN rate)/);
    const lines = summaryText(runSummary(realSitesRows(), realSitesMeta(), HEADLINES)).join('\n');
    assert.not.match(lines, /configured/);
    assert.match(lines, 'vs measured baseline 0.13 ms');
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});

test.run();
