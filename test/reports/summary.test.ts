import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bannerHtml, HEADLINE_LABELS, runSummary, summaryText } from '../../reports/summary.js';
import { emulatorTable, failedRowsTable } from '../../reports/tables.js';
import { sampleMeta, sampleRows } from '../../fixtures/sample-run.js';
import { REPORT_PARTS } from '../../benchmarks/registry.js';

const HEADLINES = REPORT_PARTS.headlines;

test('default scenario: four headlines, each with n; saturated and failed samples counted', () => {
  const rows = sampleRows({ full: true });
  const s = runSummary(rows, sampleMeta(), HEADLINES);
  assert.equal(
    s.headlines.map((h) => h.label),
    [...HEADLINE_LABELS],
  );
  for (const h of s.headlines) assert.match(h.value, /n=\d+/, h.label);
  assert.match(s.headlines[3].detail, /min–max/);
  assert.ok(s.warnings.some((w) => /^2 sample\(s\) flagged emulator-saturated/.test(w)));
  assert.ok(s.warnings.some((w) => /^1 of \d+ sample\(s\) failed/.test(w)));
});

test('ok with a validation check NOT OK is shown degraded, amber banner with the check', () => {
  const s = runSummary(sampleRows(), sampleMeta(), HEADLINES);
  assert.is(s.status, 'degraded');
  assert.is(s.recorded, 'ok');
  const b = bannerHtml(s);
  assert.match(b, 'banner-amber');
  assert.match(b, '1 of 2 validation checks NOT OK: throughput NII–Hokudai');
  assert.match(summaryText(s)[0], 'status: degraded (run.json: ok)');
});

test('failed run: red banner with the failure; ok run: no banner', () => {
  const failed = runSummary([], { ...sampleMeta(), status: 'failed' }, HEADLINES);
  assert.match(bannerHtml(failed), 'banner-red');
  assert.match(bannerHtml(failed), 'connection reset');
  const meta = sampleMeta();
  const ok = runSummary([], { ...meta, validation: meta.validation.map((v) => ({ ...v, ok: true })), failures: [] }, HEADLINES);
  assert.is(ok.status, 'ok');
  assert.is(bannerHtml(ok), '');
});

test('a failed run never shows a green "No failed samples."', () => {
  assert.match(failedRowsTable([], 200, { ...sampleMeta(), status: 'ok' }), 'No failed samples.');
  for (const status of ['failed', 'interrupted'] as const) {
    const html = failedRowsTable([], 200, { ...sampleMeta(), status });
    assert.not.match(html, 'No failed samples.');
    assert.match(html, `the run itself is ${status}`);
  }
});

test('emulator counters: late explained with its threshold, counts per direction, raw JSON folded', () => {
  const meta = {
    ...sampleMeta(),
    emulator: {
      'NII-Hokudai': {
        late_threshold_us: 200,
        ab: { rx_pkts: 1000, tx_pkts: 1000, late_pkts: 40, sum_late_us: 40000, max_late_us: 3000, drop_queue: 2, drop_loss: 0 },
        ba: { rx_pkts: 500, tx_pkts: 500, late_pkts: 0, sum_late_us: 0, max_late_us: 0 },
      },
    },
  };
  const html = emulatorTable(meta, 3);
  assert.match(html, 'more than 200 µs after its due time');
  assert.match(html, '<b>3</b> sample(s) were flagged emulator-saturated');
  assert.match(html, '<td class="num">4.000</td>'); // 40 of 1000 late
  assert.match(html, '<details><summary>raw emulator counters');
});

test('platforms compared (docker-vs-rumprun): one headline per platform with n, no "not measured" rows', () => {
  // Test input: the sample's local/intra-site iperf3 and ping rows, once as netns and once as lxc.
  const base = sampleRows().filter((r) => (r.benchmark === 'iperf3' || r.benchmark === 'ping') && r.path !== 'inter-site');
  const rows = [...base, ...base.map((r) => ({ ...r, virt: 'lxc' }))];
  const s = runSummary(rows, sampleMeta(), HEADLINES);
  assert.equal(
    s.headlines.map((h) => h.label),
    ['Platforms compared (netns, lxc)'],
  );
  assert.match(s.headlines[0].value, /netns [\d,.]+ Mbit\/s \(n=\d+\), lxc [\d,.]+ Mbit\/s \(n=\d+\)/);
});

test.run();
