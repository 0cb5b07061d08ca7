import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { legacyFlags } from '../../measurements/reader.js';
import { compile } from 'vega-lite';
import type { Measurement } from '../../measurements/measurement.js';
import { rttExplained, rttLines, transactionsSection, transactionsSummary } from '../../reports/specs/transactions.js';
import { sampleMeta } from '../../fixtures/sample-run.js';

// Test input: a constructed scenario, not a measurement. Server at NII; WAN NII-Hokudai configured at 20 ms.
const meta = sampleMeta();
function row(path: Measurement['path'], src: string, metric: string, value: number | null, flags: string, repetition = 1): Measurement {
  return {
    run_id: 'r',
    scenario: 's',
    benchmark: 'pgbench',
    metric,
    value,
    unit: metric === 'tps' ? 'tx/s' : 'ms',
    status: value === null ? 'failed' : 'ok',
    src_site: src,
    src_node: `${src}-c`,
    dst_site: 'NII',
    dst_node: 'nii-h1-n1',
    path,
    virt: 'netns',
    nodes: 8,
    repetition,
    started_at: '2024-01-01T00:00:00Z',
    reason: value === null ? 'connection refused' : '',
    ...legacyFlags(flags),
  };
}
/** Compiles a Vega-Lite spec to Vega; returns the compiled spec and every warning vega-lite logged. */
function compileSpec(spec: unknown): { marks: number; warnings: string[] } {
  const warnings: string[] = [];
  const logger: Record<string, unknown> = {};
  const note = (...a: unknown[]) => {
    warnings.push(a.map(String).join(' '));
    return logger;
  };
  Object.assign(logger, { level: () => logger, error: note, warn: note, info: () => logger, debug: () => logger });
  const vega = compile(spec as never, { logger: logger as never }).spec;
  return { marks: Array.isArray(vega.marks) ? vega.marks.length : 0, warnings };
}
const so20 = 'script=select-only;rtt_ms=20',
  tp20 = 'script=tpcb-like;rtt_ms=20';
const rows: Measurement[] = [
  row('intra-site', 'NII', 'tps', 8000, so20),
  row('intra-site', 'NII', 'tps', 9000, so20, 2),
  row('inter-site', 'Hokudai', 'tps', 90, so20),
  row('inter-site', 'Hokudai', 'tps', 110, so20, 2),
  row('inter-site', 'Hokudai', 'tps', null, so20, 3),
  row('intra-site', 'NII', 'tps', 2000, tp20),
  row('inter-site', 'Hokudai', 'tps', 50, tp20),
  // Another RTT: in the TPS-vs-RTT line, not in the bars.
  row('intra-site', 'NII', 'tps', 8600, 'script=select-only;rtt_ms=40'),
  row('inter-site', 'Hokudai', 'tps', 48, 'script=select-only;rtt_ms=40'),
  row('intra-site', 'NII', 'latency_avg', 0.25, so20),
  row('intra-site', 'NII', 'latency_avg', 0.35, so20, 2),
  row('inter-site', 'Hokudai', 'latency_avg', 21, so20),
  row('inter-site', 'Hokudai', 'latency_avg', 23, so20, 2),
  row('inter-site', 'Hokudai', 'latency_p99', 30, so20),
  row('inter-site', 'Hokudai', 'latency_p99', 34, so20, 2),
  row('inter-site', 'Hokudai', 'latency_avg', 42, 'script=select-only;rtt_ms=40'),
  { ...row('inter-site', 'Hokudai', 'tps', 5, so20), benchmark: 'other' }, // another benchmark: ignored
];

test('legacy key=value flags become typed params; caveats stay flags', () => {
  assert.equal(rows[0].params, { script: 'select-only', rtt_ms: 20 });
  assert.is(rows[0].flags, '');
  assert.equal(legacyFlags('emulator-saturated;script=tpcb-like;size=1024;label=a=b'), {
    flags: 'emulator-saturated',
    params: { script: 'tpcb-like', size: 1024, label: 'a=b' },
  });
});

test('bars: configured RTT only, mean/min/max per script and path; failed runs counted', () => {
  const s = transactionsSummary(rows, meta);
  assert.is(s.barRtt, 20);
  assert.equal(s.rtts, [20, 40]);
  assert.equal(
    s.groups.map((g) => [g.script, g.label, g.mean, g.min, g.max, g.n]),
    [
      ['select-only', 'intra-site NII', 8500, 8000, 9000, 2],
      ['select-only', 'inter-site NII–Hokudai', 100, 90, 110, 2],
      ['tpcb-like', 'intra-site NII', 2000, 2000, 2000, 1],
      ['tpcb-like', 'inter-site NII–Hokudai', 50, 50, 50, 1],
    ],
  );
  assert.is(s.samples.length, 6);
  assert.is(s.failed, 1);
});

test("inter-site drop per script, on means at the bars' RTT", () => {
  const s = transactionsSummary(rows, meta);
  assert.equal(
    s.drops.map((d) => [d.script, d.site, d.same_mean, d.inter_mean]),
    [
      ['select-only', 'NII', 8500, 100],
      ['tpcb-like', 'NII', 2000, 50],
    ],
  );
  assert.ok(Math.abs(s.drops[0].drop_pct - ((8500 - 100) / 8500) * 100) < 1e-9);
  assert.is(s.drops[1].drop_pct, 97.5);
});

test('TPS against RTT: one point per script, path kind and RTT', () => {
  const s = transactionsSummary(rows, meta);
  assert.equal(
    s.byRtt.map((p) => [p.series, p.rtt_ms, p.mean, p.n]),
    [
      ['select-only, same-site', 20, 8500, 2],
      ['select-only, same-site', 40, 8600, 1],
      ['select-only, inter-site', 20, 100, 2],
      ['select-only, inter-site', 40, 48, 1],
      ['tpcb-like, same-site', 20, 2000, 1],
      ['tpcb-like, inter-site', 20, 50, 1],
    ],
  );
  // A single RTT: no line chart.
  assert.equal(
    transactionsSummary(
      rows.filter((r) => r.params.rtt_ms !== 40),
      meta,
    ).byRtt,
    [],
  );
});

test('latency table: avg and p99 means by script, path and RTT; p99 missing stays null', () => {
  const s = transactionsSummary(rows, meta);
  assert.equal(
    s.latency.map((l) => [l.script, l.label, l.rtt_ms, l.avg, l.p99, l.n]),
    [
      ['select-only', 'intra-site NII', 20, 0.3, null, 2],
      ['select-only', 'inter-site NII–Hokudai', 20, 22, 32, 2],
      ['select-only', 'inter-site NII–Hokudai', 40, 42, null, 1],
    ],
  );
});

test('the inter-site latency explained in WAN round trips, where a same-site latency exists at that RTT', () => {
  const e = rttExplained(transactionsSummary(rows, meta), meta);
  assert.is(e.length, 1, 'select-only at 20 ms only: 40 ms has no same-site latency row');
  assert.equal([e[0].script, e[0].rtt_ms, e[0].same_ms, e[0].inter_ms], ['select-only', 20, 0.3, 22]);
  assert.ok(Math.abs(e[0].round_trips - 21.7 / 20) < 1e-9);
  assert.match(rttLines(e)[0], /select-only at 20\.0 ms RTT: inter-site latency 22\.00 ms = same-site 0\.30 ms \+ 1\.09 WAN round trips/);
  assert.match(transactionsSection(rows, meta)!.html!, /1\.09 WAN round trips per transaction/);
});

test('section: the drop sentence, both charts; specs compile with vega-lite', () => {
  const sec = transactionsSection(rows, meta);
  assert.ok(sec?.spec);
  assert.match(
    sec!.html!,
    'select-only: inter-site TPS −98.8% vs same-site (mean 100.0 vs 8,500.0 tx/s, n=2/2 runs, not beyond the noise at this n, server at NII at WAN RTT 20.0 ms)',
  );
  assert.match(sec!.html!, 'tpcb-like: inter-site TPS −97.5%');
  assert.match(sec!.html!, '<td class="num">32.000</td>');
  const vc = (sec!.spec as { vconcat: unknown[] }).vconcat;
  assert.is(vc.length, 2, 'bars and the TPS-vs-RTT line');
  const c = compileSpec(sec!.spec);
  assert.ok(c.marks > 0);
  assert.equal(c.warnings, []);
  const single = transactionsSection(
    rows.filter((r) => r.params.rtt_ms !== 40),
    meta,
  )!;
  assert.is((single.spec as { vconcat: unknown[] }).vconcat.length, 1);
  assert.equal(compileSpec(single.spec).warnings, []);
  // The warning check itself works: a shape channel on a bar is dropped with a warning.
  assert.ok(
    compileSpec({ data: { values: [{ a: 1 }] }, mark: 'bar', encoding: { x: { field: 'a', type: 'quantitative' }, shape: { field: 'a', type: 'nominal' } } })
      .warnings.length > 0,
  );
});

test('rows without params (no script, no RTT) still draw; no pgbench tps -> no section', () => {
  const bare = rows.filter((r) => r.params.script === 'select-only' && r.params.rtt_ms === 20).map((r) => ({ ...r, params: {} }));
  const s = transactionsSummary(bare, meta);
  assert.is(s.barRtt, null);
  assert.equal(
    s.groups.map((g) => g.script),
    ['unknown script', 'unknown script'],
  );
  assert.equal(compileSpec(transactionsSection(bare, meta)!.spec).warnings, []);
  assert.is(
    transactionsSection(
      rows.map((r) => ({ ...r, benchmark: 'iperf3' })),
      meta,
    ),
    null,
  );
  assert.is(
    transactionsSection(
      rows.filter((r) => r.metric !== 'tps'),
      meta,
    ),
    null,
  );
});

test('hostile site names are escaped in the HTML', () => {
  const evil = sampleMeta({ nii: '<b>x</b>' });
  const r = rows.map((x) => ({ ...x, src_site: x.src_site === 'NII' ? '<b>x</b>' : x.src_site, dst_site: '<b>x</b>' }));
  const html = transactionsSection(r, evil)!.html!;
  assert.not.match(html, '<b>x</b>');
  assert.match(html, '&lt;b&gt;x&lt;/b&gt;');
});

test.run();
