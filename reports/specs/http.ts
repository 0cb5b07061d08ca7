/** HTTP (wrk against nginx / busybox httpd): requests/s and p99 latency by path and server. */
import type { Measurement } from '../../measurements/measurement.js';
import type { RunMeta } from '../../measurements/run-meta.js';
import { escapeHtml } from '../escape.js';
import { fmt, hasFlag, median, numParam, textParam, pathLabel, siteOrder, sortLabels, type Section } from './common.js';

export interface HttpGroup {
  label: string; // path label, e.g. "inter-site NII–Hokudai"
  server: string;
  size: number | null; // bytes of the file requested
  series: string; // "nginx" or "nginx 1 KiB" when the run has several sizes
  rps_median: number;
  rps_min: number;
  rps_max: number;
  p50_median: number | null;
  p99_median: number | null;
  n: number;
  socket_errors: number; // ok samples flagged socket-errors
  failed: number; // samples whose requests_per_s failed
}
export interface HttpPoint {
  label: string;
  series: string;
  value: number;
  src: string;
  dst: string;
  repetition: number;
}
export interface HttpSummary {
  groups: HttpGroup[];
  points: HttpPoint[];
  failed: number;
}

export function sizeText(bytes: number | null): string {
  if (bytes === null) return 'size?';
  for (const [u, k] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const)
    if (bytes >= k && bytes % k === 0) return `${bytes / k} ${u}`;
  return `${bytes} B`;
}

export function sizeOf(r: Measurement): number | null {
  return numParam(r, 'size');
}

const keyOf = (r: Measurement, order: string[]) => `${pathLabel(r, order)}\u0000${textParam(r, 'server') ?? 'unknown'}\u0000${sizeOf(r) ?? ''}`;

export function httpSummary(rows: Measurement[], meta: RunMeta): HttpSummary {
  const order = siteOrder(rows, meta);
  const http = rows.filter((r) => r.benchmark === 'http');
  const rps = http.filter((r) => r.metric === 'requests_per_s');
  const ok = rps.filter((r) => r.status === 'ok' && r.value !== null);
  const sizes = new Set(rps.map((r) => sizeOf(r)));
  const seriesOf = (server: string, size: number | null) => (sizes.size > 1 ? `${server} ${sizeText(size)}` : server);
  const keys = new Map<string, Measurement>();
  for (const r of rps) if (!keys.has(keyOf(r, order))) keys.set(keyOf(r, order), r);
  const labels = sortLabels(
    [...keys.values()].map((r) => pathLabel(r, order)),
    order,
  );
  const groups: HttpGroup[] = [];
  for (const [key, first] of [...keys].sort(
    (a, b) => labels.indexOf(pathLabel(a[1], order)) - labels.indexOf(pathLabel(b[1], order)) || a[0].localeCompare(b[0]),
  )) {
    const mine = ok.filter((r) => keyOf(r, order) === key);
    const lat = (m: string) => {
      const v = http.filter((r) => r.metric === m && r.status === 'ok' && keyOf(r, order) === key).map((r) => r.value as number);
      return v.length ? median(v) : null;
    };
    const v = mine.map((r) => r.value as number);
    const size = sizeOf(first);
    const server = textParam(first, 'server') ?? 'unknown';
    groups.push({
      label: pathLabel(first, order),
      server,
      size,
      series: seriesOf(server, size),
      rps_median: v.length ? median(v) : NaN,
      rps_min: Math.min(...v),
      rps_max: Math.max(...v),
      p50_median: lat('latency_p50'),
      p99_median: lat('latency_p99'),
      n: v.length,
      socket_errors: mine.filter((r) => hasFlag(r, 'socket-errors')).length,
      failed: rps.filter((r) => r.status !== 'ok' && keyOf(r, order) === key).length,
    });
  }
  const points = ok.map((r) => ({
    label: pathLabel(r, order),
    series: seriesOf(textParam(r, 'server') ?? 'unknown', sizeOf(r)),
    value: r.value as number,
    src: `${r.src_site}/${r.src_node}`,
    dst: `${r.dst_site}/${r.dst_node}`,
    repetition: r.repetition,
  }));
  return { groups, points, failed: rps.length - ok.length };
}

/** The key numbers as sentences: each server's requests/s and p99 per path, and inter-site against same-site. */
export function httpLines(s: HttpSummary): string[] {
  const lines: string[] = [];
  for (const series of [...new Set(s.groups.map((g) => g.series))]) {
    const gs = s.groups.filter((g) => g.series === series && g.n > 0);
    if (!gs.length) continue;
    lines.push(`${series}: ` + gs.map((g) => `${g.label} ${fmt(g.rps_median, 0)} req/s (p99 ${fmt(g.p99_median, 2)} ms)`).join('; '));
    const near = gs.find((g) => !g.label.startsWith('inter-site'));
    const far = gs.find((g) => g.label.startsWith('inter-site'));
    if (near && far)
      lines.push(`${series}: ${far.label} serves ${fmt(((near.rps_median - far.rps_median) / near.rps_median) * 100)}% fewer requests/s than ${near.label}`);
  }
  return lines;
}

function panel(s: HttpSummary, field: 'rps_median' | 'p99_median', title: string, yTitle: string): object {
  const labels = [...new Set(s.groups.map((g) => g.label))];
  const x = { field: 'label', type: 'nominal', sort: labels, title: 'Path (site or site pair)', axis: { labelAngle: 0, labelLimit: 200 } };
  const color = { field: 'series', type: 'nominal', title: 'server' };
  const layer: object[] = [
    {
      data: { values: s.groups.filter((g) => g[field] !== null && Number.isFinite(g[field])) },
      mark: { type: 'bar' },
      encoding: {
        x,
        xOffset: { field: 'series' },
        y: { field, type: 'quantitative', title: yTitle, stack: null },
        color,
        tooltip: [
          { field: 'label', title: 'path' },
          { field: 'series', title: 'server' },
          { field, format: ',.2f', title: yTitle },
          { field: 'n', title: 'samples' },
          { field: 'socket_errors', title: 'with socket errors' },
        ],
      },
    },
  ];
  if (field === 'rps_median') {
    layer.push({
      data: { values: s.points },
      mark: { type: 'point', filled: true, color: 'black', size: 30 },
      encoding: {
        x,
        xOffset: { field: 'series' },
        y: { field: 'value', type: 'quantitative', stack: null },
        detail: { field: 'series' },
        tooltip: [
          { field: 'series', title: 'server' },
          { field: 'value', format: ',.0f', title: 'req/s' },
          { field: 'src' },
          { field: 'dst' },
          { field: 'repetition' },
        ],
      },
    });
  }
  return { title, width: Math.max(200, 120 * labels.length), height: 280, layer };
}

export function httpSpec(s: HttpSummary, meta: RunMeta): Record<string, unknown> {
  return {
    title: {
      text: `HTTP requests/s and p99 latency by path (wrk, ${meta.run_id})`,
      subtitle: httpLines(s),
      anchor: 'start',
      subtitleColor: '#333',
      subtitleFontSize: 12,
      fontSize: 15,
    },
    hconcat: [
      panel(s, 'rps_median', 'Requests/s (median; points: samples)', 'requests/s'),
      panel(s, 'p99_median', 'Latency p99 (median of samples)', 'p99 latency (ms)'),
    ],
    spacing: 40,
    resolve: { scale: { xOffset: 'independent' } },
  };
}

export function httpSection(rows: Measurement[], meta: RunMeta): Section | null {
  const s = httpSummary(rows, meta);
  if (!s.points.length && !s.failed) return null;
  const lines = httpLines(s)
    .map((l) => `<li>${escapeHtml(l)}</li>`)
    .join('');
  const failed = s.failed ? `<p class="bad">${s.failed} HTTP sample(s) failed; see "Failed samples".</p>` : '';
  const tr = s.groups.map(
    (g) =>
      `<tr><td>${escapeHtml(g.label)}</td><td>${escapeHtml(g.server)}</td><td>${escapeHtml(sizeText(g.size))}</td><td class="num">${fmt(g.rps_median, 0)}</td><td class="num">${g.n ? fmt(g.rps_min, 0) : '–'}</td><td class="num">${g.n ? fmt(g.rps_max, 0) : '–'}</td><td class="num">${fmt(g.p50_median, 3)}</td><td class="num">${fmt(g.p99_median, 3)}</td><td class="num">${g.n}</td><td class="num">${g.socket_errors || ''}</td><td class="num">${g.failed || ''}</td></tr>`,
  );
  return {
    heading: 'HTTP by path and server',
    html:
      `<p class="note">wrk load against a static file; bars: median requests/s (points: every sample) and median p99 latency. Samples with socket errors are counted in the table.</p><ul class="key">${lines}</ul>${failed}` +
      `<table><tr><th>path</th><th>server</th><th>file</th><th>median req/s</th><th>min</th><th>max</th><th>p50 ms</th><th>p99 ms</th><th>samples</th><th>socket errors</th><th>failed</th></tr>${tr.join('')}</table>`,
    spec: s.points.length ? httpSpec(s, meta) : undefined,
  };
}
