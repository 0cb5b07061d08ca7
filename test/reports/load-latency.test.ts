import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Measurement } from '../../measurements/measurement.js';
import { cdfPoints } from '../../reports/specs/cdf.js';
import { loadLatencySection, loadLatencySummary } from '../../reports/specs/load-latency.js';
import { rttCdfSection } from '../../reports/specs/rtt.js';
import { sampleMeta } from '../../fixtures/sample-run.js';

// Test input: a constructed scenario, not a measurement.
const meta = sampleMeta();
function row(
  benchmark: string,
  path: Measurement['path'],
  src: string,
  dst: string,
  metric: string,
  value: number | null,
  params: Measurement['params'] = {},
): Measurement {
  return {
    run_id: 'r',
    scenario: 's',
    benchmark,
    metric,
    value,
    unit: metric === 'load_throughput' ? 'Mbit/s' : 'ms',
    status: value === null ? 'failed' : 'ok',
    src_site: src,
    src_node: 'a',
    dst_site: dst,
    dst_node: 'b',
    path,
    virt: 'netns',
    nodes: 8,
    repetition: 1,
    started_at: '2024-01-01T00:00:00Z',
    reason: value === null ? 'the TCP load failed' : '',
    flags: '',
    params,
  };
}
const idle = { load: 'none' };
const tcp = { load: 'tcp', load_streams: 4 };
const rows: Measurement[] = [
  ...[20.1, 20.2, 20.3].map((v) => row('load-latency', 'inter-site', 'NII', 'Hokudai', 'rtt_idle', v, idle)),
  ...[45, 50, 55].map((v) => row('load-latency', 'inter-site', 'NII', 'Hokudai', 'rtt_loaded', v, tcp)),
  row('load-latency', 'inter-site', 'NII', 'Hokudai', 'load_throughput', 940, tcp),
  ...[0.05, 0.06].map((v) => row('load-latency', 'intra-site', 'NII', 'NII', 'rtt_idle', v, idle)),
  row('load-latency', 'intra-site', 'NII', 'NII', 'rtt_loaded_median', null, tcp),
];

test('idle vs loaded per path: medians, added delay, n of each phase, failed phases', () => {
  const { groups } = loadLatencySummary(rows, meta);
  assert.equal(
    groups.map((g) => g.label),
    ['intra-site NII', 'inter-site NII–Hokudai'],
  );
  const inter = groups[1];
  assert.is(inter.idle.n, 3);
  assert.is(inter.loaded.median, 50);
  assert.ok(Math.abs(inter.addedMs - 29.8) < 1e-9);
  assert.is(inter.loadMbps, 940);
  assert.is(groups[0].loaded.n, 0);
  assert.is(groups[0].failed, 1);
  const s = loadLatencySection(rows, meta)!;
  assert.match(s.heading, /Latency under load/);
  assert.match(s.html!, /<b>29\.80<\/b>/);
  assert.is(loadLatencySection([], meta), null);
});

test('CDF points: sorted, ending at 1, thinned to the limit with min and max kept', () => {
  const v = Array.from({ length: 1000 }, (_, i) => 1000 - i);
  const p = cdfPoints(new Map([['g', v]]), 100);
  assert.ok(p.length <= 101);
  assert.is(p[0].rtt, 1);
  assert.is(p[p.length - 1].rtt, 1000);
  assert.is(p[p.length - 1].fraction, 1);
  assert.ok(p.every((x, i) => i === 0 || (x.rtt >= p[i - 1].rtt && x.fraction > p[i - 1].fraction)));
});

test('RTT CDF section from ping rtt rows, none without them', () => {
  const ping = [20, 21, 22].map((v) => row('ping', 'inter-site', 'NII', 'Hokudai', 'rtt', v));
  const s = rttCdfSection(ping, meta)!;
  assert.match(JSON.stringify(s.spec), /step-after/);
  assert.match(JSON.stringify(s.spec), /n=3/);
  assert.is(rttCdfSection([], meta), null);
});

test.run();
