import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Measurement } from '../../measurements/measurement.js';
import { rttSection, rttSummary } from '../../reports/specs/rtt.js';
import { sampleMeta } from '../../fixtures/sample-run.js';

// Test input: a constructed scenario, not a measurement.
const meta = sampleMeta(); // WAN NII-Hokudai, RTT 20 ms
function row(path: Measurement['path'], src: string, dst: string, metric: string, value: number | null, repetition = 1): Measurement {
  return {
    run_id: 'r',
    scenario: 's',
    benchmark: 'ping',
    metric,
    value,
    unit: metric === 'loss' ? '%' : 'ms',
    status: value === null ? 'timeout' : 'ok',
    src_site: src,
    src_node: 'a',
    dst_site: dst,
    dst_node: 'b',
    path,
    virt: 'netns',
    nodes: 8,
    repetition,
    started_at: '2024-01-01T00:00:00Z',
    reason: value === null ? 'no reply' : '',
    flags: '',
    params: {},
  };
}
const rows: Measurement[] = [
  ...[0.1, 0.2, 0.3].map((v) => row('intra-site', 'NII', 'NII', 'rtt', v)),
  ...[20, 21, 22, 23].map((v) => row('inter-site', 'Hokudai', 'NII', 'rtt', v)),
  row('inter-site', 'Hokudai', 'NII', 'loss', 10),
  row('inter-site', 'Hokudai', 'NII', 'loss', 0, 2),
  row('inter-site', 'Hokudai', 'NII', 'rtt', null, 3),
  row('inter-site', 'Hokudai', 'NII', 'rtt_median', 21.5), // ping's own summary: not a packet
];

test('per-path median, p99, loss, failed runs, configured RTT for inter-site only', () => {
  const s = rttSummary(rows, meta);
  assert.equal(
    s.groups.map((g) => g.label),
    ['intra-site NII', 'inter-site NII–Hokudai'],
  );
  const [intra, inter] = s.groups;
  assert.ok(Math.abs(intra.median - 0.2) < 1e-12);
  assert.is(intra.configured_ms, null);
  assert.is(inter.packets, 4);
  assert.is(inter.median, 21.5);
  assert.ok(Math.abs(inter.p99 - 22.97) < 1e-9);
  assert.is(inter.loss_pct, 5);
  assert.is(inter.failed_runs, 1);
  assert.is(inter.configured_ms, 20);
});

test('no rtt rows -> no section', () => {
  assert.is(
    rttSection(
      rows.filter((r) => r.metric !== 'rtt'),
      meta,
    ),
    null,
  );
  assert.ok(rttSection(rows, meta)?.spec);
});

test.run();
