import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { legacyFlags } from '../../measurements/reader.js';
import { compile } from 'vega-lite';
import type { Measurement } from '../../measurements/measurement.js';
import { httpLines, httpSection, httpSummary, sizeText } from '../../reports/specs/http.js';
import { sampleMeta } from '../../fixtures/sample-run.js';

// Test input: a constructed scenario, not a measurement.
const meta = sampleMeta(); // sites NII, Hokudai
function row(path: Measurement['path'], src: string, dst: string, metric: string, value: number | null, flags: string, rep = 1): Measurement {
  return {
    run_id: 'r',
    scenario: 's',
    benchmark: 'http',
    metric,
    value,
    unit: metric === 'requests_per_s' ? 'req/s' : 'ms',
    status: value === null ? 'failed' : 'ok',
    src_site: src,
    src_node: `${src}-a`,
    dst_site: dst,
    dst_node: `${dst}-b`,
    path,
    virt: 'netns',
    nodes: 4,
    repetition: rep,
    started_at: '2024-01-01T00:00:00Z',
    reason: value === null ? 'wrk: unable to connect' : '',
    ...legacyFlags(flags),
  };
}
const N = 'server=nginx;size=1024',
  B = 'server=busybox;size=1024';
const rows: Measurement[] = [
  row('local', 'NII', 'NII', 'requests_per_s', 20000, N),
  row('local', 'NII', 'NII', 'requests_per_s', 22000, N, 2),
  row('local', 'NII', 'NII', 'requests_per_s', 30000, N, 3),
  row('local', 'NII', 'NII', 'latency_p99', 0.4, N),
  row('local', 'NII', 'NII', 'latency_p99', 0.6, N, 2),
  row('local', 'NII', 'NII', 'latency_p99', 0.5, N, 3),
  row('inter-site', 'Hokudai', 'NII', 'requests_per_s', 300, N),
  row('inter-site', 'Hokudai', 'NII', 'requests_per_s', 400, `${N};socket-errors`, 2),
  row('inter-site', 'Hokudai', 'NII', 'requests_per_s', null, N, 3),
  row('inter-site', 'Hokudai', 'NII', 'latency_p99', 14, N),
  row('inter-site', 'Hokudai', 'NII', 'latency_p99', 16, N, 2),
  row('local', 'NII', 'NII', 'requests_per_s', 3000, B),
  row('local', 'NII', 'NII', 'latency_p99', 2, B),
  { ...row('local', 'NII', 'NII', 'requests_per_s', 999999, N), benchmark: 'other' }, // another benchmark: ignored
];

test('groups by path and server: medians of ok samples, p99 median, socket-error and failed counts', () => {
  const s = httpSummary(rows, meta);
  assert.equal(
    s.groups.map((g) => `${g.label}|${g.series}`),
    ['local NII|busybox', 'local NII|nginx', 'inter-site NII–Hokudai|nginx'],
  );
  const [bb, local, inter] = s.groups;
  assert.is(local.rps_median, 22000);
  assert.is(local.rps_min, 20000);
  assert.is(local.rps_max, 30000);
  assert.is(local.p99_median, 0.5);
  assert.is(inter.rps_median, 350);
  assert.is(inter.p99_median, 15);
  assert.is(inter.n, 2);
  assert.is(inter.socket_errors, 1);
  assert.is(inter.failed, 1);
  assert.is(bb.rps_median, 3000);
  assert.is(s.failed, 1);
  assert.is(s.points.length, 6);
});

test('sentences: numbers per path, inter-site drop vs same-site', () => {
  const lines = httpLines(httpSummary(rows, meta));
  assert.ok(lines.includes('nginx: local NII 22,000 req/s (p99 0.50 ms); inter-site NII–Hokudai 350 req/s (p99 15.00 ms)'), lines.join('\n'));
  assert.ok(lines.includes('nginx: inter-site NII–Hokudai serves 98.4% fewer requests/s than local NII'), lines.join('\n'));
  assert.ok(lines.includes('busybox: local NII 3,000 req/s (p99 2.00 ms)'));
});

test('several file sizes: one series per server and size', () => {
  const more = [...rows, row('local', 'NII', 'NII', 'requests_per_s', 900, 'server=nginx;size=1048576')];
  const s = httpSummary(more, meta);
  assert.equal([...new Set(s.groups.map((g) => g.series))].sort(), ['busybox 1 KiB', 'nginx 1 KiB', 'nginx 1 MiB']);
  assert.is(sizeText(1048576), '1 MiB');
  assert.is(sizeText(1500), '1500 B');
});

test('section: spec compiles with vega-lite, labels escaped, failures mentioned; no http rows -> null', () => {
  const sec = httpSection(rows, meta);
  assert.ok(sec?.spec);
  const vg = compile(sec!.spec as never).spec;
  assert.ok(vg.marks && vg.marks.length > 0);
  assert.match(sec!.html!, '1 HTTP sample(s) failed');
  assert.match(sec!.html!, 'serves 98.4% fewer requests/s');
  const evil = '<img src=x onerror=alert(1)>';
  const sec2 = httpSection(
    rows.map((r) => ({
      ...r,
      src_site: r.src_site === 'Hokudai' ? evil : r.src_site,
      params: { ...r.params, server: String(r.params.server).replace('busybox', '<b>bb</b>') },
    })),
    meta,
  )!;
  assert.not.match(sec2.html!, '<img');
  assert.not.match(sec2.html!, '<b>');
  assert.match(sec2.html!, '&lt;img src=x');
  assert.ok(compile(sec2.spec as never).spec);
  assert.is(
    httpSection(
      rows.map((r) => ({ ...r, benchmark: 'ping' })),
      meta,
    ),
    null,
  );
});

test('only failed samples: a section without a chart (the failure is the result)', () => {
  const sec = httpSection([row('inter-site', 'Hokudai', 'NII', 'requests_per_s', null, N)], meta);
  assert.ok(sec);
  assert.is(sec!.spec, undefined);
  assert.match(sec!.html!, '1 HTTP sample(s) failed');
});

test.run();
