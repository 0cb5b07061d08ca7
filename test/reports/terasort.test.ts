import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compile } from 'vega-lite';
import type { Measurement } from '../../measurements/measurement.js';
import { terasortSections, terasortSummary } from '../../reports/specs/terasort.js';
import { meanCi, t95 } from '../../reports/specs/stats.js';
import { sampleMeta } from './sample-run.js';

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

test('meanCi: Student-t interval, degenerate cases', () => {
  const c = meanCi([10, 12]);
  assert.is(c.mean, 11);
  assert.ok(Math.abs(c.sd - Math.SQRT2) < 1e-12);
  assert.ok(Math.abs(c.hi - (11 + (12.706 * Math.SQRT2) / Math.SQRT2)) < 1e-9);
  assert.equal(meanCi([5]), { n: 1, mean: 5, sd: 0, lo: 5, hi: 5 });
  assert.ok(Number.isNaN(meanCi([]).mean));
  assert.is(t95(100), 1.96);
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
});

test('sections: cluster comparison only for one size; scale chart with log axis for several', () => {
  const one = terasortSections(rows, meta);
  assert.is(one.length, 1);
  assert.match(one[0].html ?? '', /slower by 18\.2%/);
  assert.match(one[0].html ?? '', /1 Terasort row\(s\) failed/);
  compile(one[0].spec as never);
  const sweep = [4, 8, 16].flatMap((n) =>
    [1, 2].flatMap((rep) => [row('teragen_throughput', 10 * n + rep, false, n, rep), row('terasort_throughput', 5 * n + rep, false, n, rep)]),
  );
  const secs = terasortSections(sweep, meta);
  const scale = secs.find((x) => /VMs/.test(x.heading));
  assert.ok(scale, 'scale section present');
  const spec = scale!.spec as { layer: { encoding: { x: { scale: { type: string } } } }[]; data: { values: { nodes: number; mean: number }[] } };
  assert.is(spec.layer[1].encoding.x.scale.type, 'log');
  assert.is(spec.data.values.find((v) => v.nodes === 8)?.mean, 80 + 1.5);
  compile(spec as never);
  assert.equal(terasortSections([], meta), []);
});

test.run();
