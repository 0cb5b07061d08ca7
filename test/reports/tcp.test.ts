import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Measurement } from '../../measurements/measurement.js';
import { tcpSection, tcpSummary } from '../../reports/specs/tcp.js';
import { sampleMeta } from '../../fixtures/sample-run.js';

// Test input: a constructed scenario, not a measurement.
const meta = sampleMeta();
const row = (metric: string, value: number, rep: number, path: Measurement['path'] = 'inter-site'): Measurement => ({
  run_id: 'r',
  scenario: 's',
  benchmark: 'iperf3',
  metric,
  value,
  unit: '',
  status: 'ok',
  src_site: 'NII',
  src_node: 'a',
  dst_site: path === 'inter-site' ? 'Hokudai' : 'NII',
  dst_node: 'b',
  path,
  virt: 'netns',
  nodes: 8,
  repetition: rep,
  started_at: '2024-01-01T00:00:00Z',
  reason: '',
  flags: '',
  params: {},
});

test('retransmits, TCP RTT and CPU per path: median, min-max, n', () => {
  const rows = [
    ...[1, 2, 3].flatMap((rep) => [
      row('retransmits', rep * 10, rep),
      row('rtt_mean', 20 + rep, rep),
      row('cpu_host', 5 * rep, rep),
      row('cpu_remote', 2, rep),
    ]),
    row('retransmits', 0, 1, 'intra-site'),
  ];
  const g = tcpSummary(rows, meta);
  assert.equal(
    g.map((x) => x.label),
    ['intra-site NII', 'inter-site NII–Hokudai'],
  );
  assert.equal(g[1].stats.retransmits, { median: 20, min: 10, max: 30, n: 3 });
  assert.is(g[1].stats.rtt_mean.median, 22);
  assert.is(g[0].stats.rtt_mean.n, 0);
  assert.match(tcpSection(rows, meta)!.html!, /TCP RTT ms/);
  assert.is(tcpSection([], meta), null);
});

test.run();
