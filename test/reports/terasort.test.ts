import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compile } from 'vega-lite';
import type { Measurement } from '../../measurements/measurement.js';
import { terasortSections, terasortSummary } from '../../reports/specs/terasort.js';
import { intervalCell, spread, spreadText } from '../../reports/specs/stats.js';
import { sampleMeta } from '../../fixtures/sample-run.js';

// Test input: constructed rows in the shape the Terasort engines write, not measurements.
const meta = sampleMeta();
function row(metric: string, value: number | null, spanning: boolean, nodes: number, repetition: number): Measurement {
  return {
    run_id: 'r',
    scenario: 's',
    benchmark: 'terasort',
    metric,
    value,
    unit: metric.endsWith('elapsed') ? 's' : 'MB/s',
    status: value === null ? 'failed' : 'ok',
    src_site: 'NII',
    src_node: 'n1',
    dst_site: spanning ? 'Hokudai' : 'NII',
    dst_node: 'n4',
    path: spanning ? 'inter-site' : 'intra-site',
    virt: 'netns',
    nodes,
    repetition,
    started_at: '2024-01-01T00:00:00Z',
    reason: value === null ? 'worker on n3 exited 137 (killed)' : '',
    flags: '',
    params: {},
  };
}
const rows: Measurement[] = [
  row('terasort_elapsed', 10, false, 4, 1),
  row('terasort_elapsed', 12, false, 4, 2),
  row('terasort_elapsed', 12, true, 4, 1),
  row('terasort_elapsed', 14, true, 4, 2),
  row('terasort_elapsed', null, true, 4, 3),
  row('teragen_elapsed', 2, false, 4, 1),
  row('teragen_elapsed', 2, true, 4, 1),
  row('wan_bytes', 0, false, 4, 1),
  row('wan_bytes', 5e6, true, 4, 1),
];

test('spreadText / intervalCell: n always shown; no interval below n=3, min-max at 3-5, 95% CI from 6', () => {
  assert.is(spreadText(spread([0.27]), 2, 's'), '0.27 s (n=1)');
  assert.is(spreadText(spread([0.2, 0.34]), 2, 's'), 'median 0.27 s (points 0.20, 0.34; n=2, no interval)');
  assert.is(spreadText(spread([1, 2, 3]), 1), 'median 2.0 (min–max 1.0–3.0, n=3)');
  assert.is(spreadText(spread([1, 2, 3, 4, 5, 6]), 1), 'median 3.5 (95% CI 1.0–6.0, n=6)');
  assert.is(intervalCell(spread([1, 2])), '– (n < 3)');
  assert.is(intervalCell(spread([1, 2, 3])), '1.0–3.0 (min–max)');
});

test('slowdown of the spanning cluster: from ok repetitions only, same size', () => {
  const s = terasortSummary(rows, meta);
  assert.is(s.slowdowns.length, 1);
  const d = s.slowdowns[0];
  assert.is(d.oneSiteS, 11);
  assert.is(d.spanningS, 13);
  assert.ok(Math.abs(d.pct - 200 / 11) < 1e-9);
  assert.is(d.spanning, 'spanning NII–Hokudai');
  assert.is(s.failed, 1);
  assert.equal(s.wanBytes.find((w) => w.cluster.startsWith('spanning'))?.bytes, 5e6);
  // The why: the spanning job's WAN bytes, the one-site job's, and the configured rate of that pair.
  assert.is(d.wanBytes, 5e6);
  assert.is(d.oneSiteWanBytes, 0);
  assert.is(d.wanRateMbit, 1000);
});

test('slowdown line says why: WAN bytes and their transfer time at the configured rate', () => {
  const html = terasortSections(rows, meta)[0].html ?? '';
  // 5 MB at 1000 Mbit/s = 0.04 s.
  assert.match(html, /why: 5 MB crossed the WAN during the spanning job \(one site: 0 MB\): at least 0\.04 s of transfer at the configured 1,000 Mbit\/s/);
  const unlimited = { ...meta, wan: meta.wan.map((w) => ({ ...w, rate_mbit: null })) };
  assert.match(terasortSections(rows, unlimited)[0].html ?? '', /why: 5 MB crossed the WAN during the spanning job \(one site: 0 MB\)</);
  const noBytes = rows.filter((r) => r.metric !== 'wan_bytes');
  assert.match(terasortSections(noBytes, meta)[0].html ?? '', /why: WAN bytes not measured/);
});

test('sections: cluster comparison only for one size; scale chart with log axis for several', () => {
  const one = terasortSections(rows, meta);
  assert.is(one.length, 1);
  // n=2/2: the +18% is printed but not called a slowdown (the old report said "slower by 18.2%").
  assert.match(one[0].html ?? '', /too few to call \(\+18\.\d%, n=2\/2\)/);
  assert.not.match(one[0].html ?? '', /slower by/);
  assert.not.match(one[0].html ?? '', /Student/);
  assert.match(one[0].html ?? '', /1 Terasort row\(s\) failed/);
  compile(one[0].spec as never);
  const sweep = [4, 8, 16].flatMap((n) =>
    [1, 2].flatMap((rep) => [row('teragen_throughput', 10 * n + rep, false, n, rep), row('terasort_throughput', 5 * n + rep, false, n, rep)]),
  );
  const secs = terasortSections(sweep, meta);
  const scale = secs.find((x) => /VMs/.test(x.heading));
  assert.ok(scale, 'scale section present');
  type Layer = { encoding: { x: { scale: { type: string } }; y: { title: string } }; data: { values: { nodes: number; median: number; lo: number | null }[] } };
  const spec = scale!.spec as { hconcat: { layer: Layer[] }[] };
  const [total, perVm] = spec.hconcat;
  assert.is(total.layer[1].encoding.x.scale.type, 'log');
  assert.is(total.layer[1].data.values.find((v) => v.nodes === 8)?.median, 80 + 1.5);
  assert.equal(total.layer[0].data.values, [], 'n=2: no band');
  // Per VM beside the total: the same medians divided by the cluster size.
  assert.match(perVm.layer[1].encoding.y.title, /Per VM/);
  assert.is(perVm.layer[1].data.values.find((v) => v.nodes === 8)?.median, (80 + 1.5) / 8);
  assert.match(scale!.html ?? '', /MB\/s per VM/);
  compile(spec as never);
  assert.equal(terasortSections([], meta), []);
});

test('slowdown called only when beyond the noise; intervals never below zero', () => {
  const many = [1, 2, 3, 4, 5, 6].flatMap((rep) => [
    row('terasort_elapsed', 10 + rep * 0.1, false, 4, rep),
    row('terasort_elapsed', 20 + rep * 0.1, true, 4, rep),
  ]);
  const s = terasortSummary(many, meta);
  assert.ok(s.slowdowns[0].comparison.clear);
  // With its interval (the ratio's, on the log scale) and n.
  assert.match(s.slowdowns[0].comparison.text, /^slower by 9\d\.\d% \(\[\+9\d\.\d, \+\d+\.\d\], n=6\/6\)$/);
  for (const st of s.stats) if (st.lo !== null) assert.ok(st.lo >= 0);
});

test.run();
