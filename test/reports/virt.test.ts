import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compile } from 'vega-lite';
import type { Measurement } from '../../measurements/measurement.js';
import { virtLines, virtSection, virtSummary } from '../../reports/specs/virt.js';
import { sampleMeta } from '../../fixtures/sample-run.js';

// Test input: a constructed scenario, not a measurement.
const meta = sampleMeta(); // sites NII, Hokudai
function row(benchmark: string, metric: string, virt: string, path: Measurement['path'], value: number | null, src = 'NII', dst = 'Hokudai'): Measurement {
  return {
    run_id: 'r',
    scenario: 's',
    benchmark,
    metric,
    value,
    unit: '',
    status: value === null ? 'failed' : 'ok',
    src_site: src,
    src_node: `${src}-${virt}`,
    dst_site: dst,
    dst_node: `${dst}-${virt}`,
    path,
    virt,
    nodes: 4,
    repetition: 1,
    started_at: '2024-01-01T00:00:00Z',
    reason: value === null ? 'x' : '',
    flags: '',
    params: {},
  };
}
const start = (virt: string, ms: number, node = 'n') => ({ ...row('node-start', 'start_time', virt, '', ms, 'NII', ''), src_node: node, unit: 'ms' });
const rows: Measurement[] = [
  row('iperf3', 'throughput', 'docker', 'inter-site', 900),
  row('iperf3', 'throughput', 'docker', 'inter-site', 940),
  row('iperf3', 'throughput', 'rumprun', 'inter-site', 720),
  row('iperf3', 'throughput', 'rumprun', 'inter-site', null),
  row('iperf3', 'throughput', 'docker', 'local', 20000, 'NII', 'NII'), // local measured with docker only: not compared
  row('ping', 'rtt', 'docker', 'inter-site', 20.2),
  row('ping', 'rtt', 'docker', 'inter-site', 20.4),
  row('ping', 'rtt', 'rumprun', 'inter-site', 20.6),
  row('ping', 'rtt_median', 'rumprun', 'inter-site', 99), // a summary row, not the per-packet metric
  ...[
    ['docker', 400],
    ['rumprun', 500],
  ].map(([v, x]) => ({ ...row('http', 'requests_per_s', v as string, 'inter-site', x as number), params: { server: 'nginx', size: 1024 } })),
  // busybox measured under docker only: its numbers must neither be compared nor mixed into nginx's
  { ...row('http', 'requests_per_s', 'docker', 'inter-site', 9000), params: { server: 'busybox', size: 1024 } },
  start('docker', 800, 'a'),
  start('docker', 1000, 'b'),
  start('rumprun', 150, 'c'),
];

test('only paths measured under two or more types; medians of ok rows; types in a fixed order', () => {
  const s = virtSummary(rows, meta);
  assert.equal(s.virts, ['docker', 'rumprun']);
  assert.equal(s.paths.bandwidth, ['inter-site NII–Hokudai']);
  assert.equal(s.paths.rtt, ['inter-site NII–Hokudai']);
  assert.equal(s.paths.http, ['inter-site NII–Hokudai · nginx 1 KiB']);
  const g = (m: string, v: string) => s.groups.find((x) => x.measure === m && x.virt === v)!;
  assert.is(g('bandwidth', 'docker').median, 920);
  assert.is(g('bandwidth', 'rumprun').median, 720);
  assert.is(g('bandwidth', 'rumprun').n, 1);
  assert.ok(Math.abs(g('rtt', 'docker').median - 20.3) < 1e-12);
  assert.is(g('http', 'rumprun').median, 500);
  assert.is(g('http', 'docker').median, 400);
  assert.equal(
    s.start.map((x) => [x.virt, x.median, x.n]),
    [
      ['docker', 900, 2],
      ['rumprun', 150, 1],
    ],
  );
});

test('sentences give both medians and the difference against the first type', () => {
  const lines = virtLines(virtSummary(rows, meta));
  assert.ok(
    lines.includes(
      'Bandwidth (iperf3), inter-site NII–Hokudai: docker 920.00 Mbit/s (n=2), rumprun 720.00 Mbit/s (n=1; vs docker: no clear difference (−21.7%, n=2/1))',
    ),
    lines.join('\n'),
  );
  assert.ok(
    lines.includes(
      'HTTP requests/s (wrk), inter-site NII–Hokudai · nginx 1 KiB: docker 400.00 req/s (n=1), rumprun 500.00 req/s (n=1; vs docker: no clear difference (+25.0%, n=1/1))',
    ),
    lines.join('\n'),
  );
  assert.ok(lines.includes('Node start time (median): docker 900 ms (n=2), rumprun 150 ms (n=1)'));
});

test('section compiles with vega-lite: three comparisons and the start-time chart', () => {
  const sec = virtSection(rows, meta)!;
  const spec = sec.spec as { vconcat: unknown[]; resolve: { scale: Record<string, string> } };
  assert.is(spec.vconcat.length, 4);
  // Panels have different paths: a shared per-virt offset scale drew bars outside their band.
  assert.is(spec.resolve.scale.xOffset, 'independent');
  const vg = compile(spec as never).spec;
  assert.ok(vg.marks && vg.marks.length > 0);
});

test('one virt type: only start times, or nothing without them', () => {
  const one = rows.filter((r) => r.virt === 'docker');
  const sec = virtSection(one, meta)!;
  assert.is((sec.spec as { vconcat: unknown[] }).vconcat.length, 1);
  assert.match(sec.html!, 'Only one virtualization type (docker)');
  assert.ok(compile(sec.spec as never).spec);
  // A run whose benchmarks have no virt-compared metric (e.g. hadoop-elastic) names its type from the start times.
  const startsOnly = virtSection(
    one.filter((r) => r.benchmark === 'node-start'),
    meta,
  )!;
  assert.match(startsOnly.html!, 'Only one virtualization type (docker)');
  assert.is(
    virtSection(
      one.filter((r) => r.benchmark !== 'node-start'),
      meta,
    ),
    null,
  );
});

test('labels escaped in the HTML', () => {
  const evil = '<script>alert(1)</script>';
  const sec = virtSection(
    rows.map((r) => (r.virt === 'rumprun' ? { ...r, virt: evil } : r)),
    meta,
  )!;
  assert.not.match(sec.html!, '<script>');
  assert.match(sec.html!, '&lt;script&gt;');
  assert.ok(compile(sec.spec as never).spec);
});

test.run();
