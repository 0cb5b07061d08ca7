import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { failedRowsTable, htmlTable, metaTable, tcpText, validationTable, wanChangesTable } from '../../reports/tables.js';
import { sampleMeta } from '../../fixtures/sample-run.js';
import type { Measurement } from '../../measurements/measurement.js';

const row = (status: Measurement['status'], reason: string): Measurement => ({
  run_id: 'r',
  scenario: 's',
  benchmark: 'iperf3',
  metric: 'throughput',
  value: status === 'ok' ? 1 : null,
  unit: 'Mbit/s',
  status,
  src_site: 'A',
  src_node: 'a<1>',
  dst_site: 'B',
  dst_node: 'b',
  path: 'inter-site',
  virt: 'netns',
  nodes: 2,
  repetition: 1,
  started_at: '2024-01-01T00:00:00Z',
  reason,
  flags: '',
  params: {},
});

test('htmlTable escapes plain cells and right-aligns numbers', () => {
  const h = htmlTable(['<x>'], [['<script>alert(1)</script>', 3]]);
  assert.not.match(h, '<script>');
  assert.match(h, '&lt;script&gt;');
  assert.match(h, '<td class="num">3</td>');
  assert.match(h, '<th>&lt;x&gt;</th>');
});

test('failed rows: none -> ok line; some -> count, escaped node names, reason, and a cap', () => {
  assert.match(failedRowsTable([row('ok', '')]), 'No failed samples');
  const t = failedRowsTable([row('ok', ''), row('timeout', 'iperf3 killed after 9 s'), row('failed', '')]);
  assert.match(t, '2 sample(s) did not succeed');
  assert.match(t, 'a&lt;1&gt;');
  assert.match(t, 'iperf3 killed after 9 s');
  assert.match(t, '(no reason recorded)');
  const capped = failedRowsTable([row('failed', 'x'), row('failed', 'y'), row('failed', 'z')], 2);
  assert.match(capped, 'Showing 2 of 3');
});

test('validation table counts checks not ok; WAN changes are listed with their validation', () => {
  const meta = sampleMeta();
  meta.validation = [
    { check: 'rtt_median', a: 'NII', b: 'Hokudai', configured: 20, measured: 20.1, unit: 'ms', ok: true, note: '' },
    { check: 'throughput', a: 'NII', b: 'Hokudai', configured: 1000, measured: 700, unit: 'Mbit/s', ok: false, note: 'saturated' },
  ];
  assert.match(validationTable(meta), '1 of 2 checks are not ok');
  assert.is(wanChangesTable(meta), '');
  meta.wan_changes = [
    {
      at: 't1',
      what: 'rtt 40ms',
      wan: [{ a: 'NII', b: 'Hokudai', rate_mbit: 1000, rtt_ms: 40, jitter_ms: 0, loss_pct: 0, mtu: 1500, enforced_by: 'wanem' }],
      validation: [{ check: 'rtt_median', a: 'NII', b: 'Hokudai', configured: 40, measured: 40.2, unit: 'ms', ok: true, note: '' }],
    },
    { at: 't2', what: 'restore', wan: [], validation: [] },
  ];
  const w = wanChangesTable(meta);
  assert.match(w, 'rtt 40ms');
  assert.match(w, 'NII – Hokudai: 40 ms RTT');
  assert.match(w, '40.20');
  assert.match(w, '(not validated)');
  assert.match(validationTable(meta), 'WAN changes during the run');
});

test('the TCP stack in one line: nodes grouped by congestion control and qdisc, what was asked, machine-wide changes', () => {
  const n = (cc: string | null, qdisc: string | null, from: 'node' | 'host' = 'host') => ({ congestion_control: cc, default_qdisc: qdisc, qdisc_from: from });
  assert.is(tcpText(undefined), 'not recorded');
  assert.is(
    tcpText({ requested: 'system', nodes: { a: n('bbr', 'pfifo_fast'), b: n('bbr', 'pfifo_fast'), vm: n('cubic', 'fq_codel', 'node') }, host_changes: [] }),
    "bbr on 2 nodes (default qdisc pfifo_fast, the host's); cubic on vm (default qdisc fq_codel); --tcp-cc system",
  );
  assert.is(
    tcpText({
      requested: 'cubic',
      nodes: { a: n('cubic', null) },
      host_changes: ['net.ipv4.tcp_allowed_congestion_control (machine-wide): reno bbr -> reno bbr cubic'],
    }),
    "cubic on a (default qdisc unknown, the host's); --tcp-cc cubic (net.ipv4.tcp_allowed_congestion_control (machine-wide): reno bbr -> reno bbr cubic)",
  );
  const html = metaTable({ ...sampleMeta(), tcp: { requested: 'reno', nodes: { '<x>': n('reno', 'pfifo_fast') }, host_changes: [] } });
  assert.match(html, '<td>TCP congestion control</td><td>reno on &lt;x&gt; (default qdisc pfifo_fast, the host&#39;s); --tcp-cc reno</td>');
});

test.run();
