/** RTT distribution per path: boxplot of per-packet ping RTTs, configured WAN RTT as a rule. */
import type { Measurement } from '../../collectors/measurement.js';
import type { RunMeta } from '../../collectors/run-meta.js';
import { escapeHtml } from '../html.js';
import { fmt, median, pairLabel, pathLabel, quantile, siteOrder, sortLabels, type Section } from './common.js';

export interface RttGroup {
  label: string;
  packets: number;
  median: number;
  p99: number;
  max: number;
  /** Mean of the per-run loss % that ping itself reported (metric 'loss'), null if none. */
  loss_pct: number | null;
  /** Ping runs of this path that failed (no rtt). */
  failed_runs: number;
  /** Configured WAN RTT for inter-site pairs, null otherwise. */
  configured_ms: number | null;
}

export interface RttSummary { groups: RttGroup[]; packets: { label: string; rtt: number }[] }

export function rttSummary(rows: Measurement[], meta: RunMeta): RttSummary {
  const order = siteOrder(rows, meta);
  const ping = rows.filter((r) => r.benchmark === 'ping');
  const packets = ping.filter((r) => r.metric === 'rtt' && r.status === 'ok' && r.value !== null)
    .map((r) => ({ label: pathLabel(r, order), rtt: r.value as number }));
  const groups = sortLabels(packets.map((p) => p.label), order).map((label) => {
    const v = packets.filter((p) => p.label === label).map((p) => p.rtt);
    const mine = ping.filter((r) => pathLabel(r, order) === label);
    const loss = mine.filter((r) => r.metric === 'loss' && r.status === 'ok').map((r) => r.value as number);
    const profile = meta.wan.find((w) => label === `inter-site ${pairLabel(w.a, w.b, order)}`);
    return {
      label, packets: v.length, median: median(v), p99: quantile(v, 0.99), max: Math.max(...v),
      loss_pct: loss.length ? loss.reduce((a, b) => a + b, 0) / loss.length : null,
      failed_runs: new Set(mine.filter((r) => r.status !== 'ok').map((r) => `${r.src_node}>${r.dst_node}#${r.repetition}`)).size,
      configured_ms: profile ? profile.rtt_ms : null,
    };
  });
  return { groups, packets };
}

export function rttSpec(s: RttSummary, meta: RunMeta, order: string[]): Record<string, unknown> {
  const labels = s.groups.map((g) => g.label);
  const x = { field: 'label', type: 'nominal', sort: labels, title: 'Path (site or site pair)', axis: { labelAngle: 0, labelLimit: 200 } };
  const rules = meta.wan.map((w) => ({ rtt: w.rtt_ms, text: `configured RTT ${pairLabel(w.a, w.b, order)}: ${fmt(w.rtt_ms)} ms` }));
  const inter = s.groups.filter((g) => g.configured_ms !== null)
    .map((g) => `${g.label}: median ${fmt(g.median, 2)} ms, p99 ${fmt(g.p99, 2)} ms (configured ${fmt(g.configured_ms)} ms)`);
  const log = s.packets.every((p) => p.rtt > 0); // a log scale cannot show 0
  const layer: unknown[] = [
    { data: { values: s.packets }, mark: { type: 'boxplot', extent: 'min-max', size: 36, median: { color: 'black' } },
      encoding: { x, y: { field: 'rtt', type: 'quantitative', title: log ? 'Round-trip time (ms, log scale)' : 'Round-trip time (ms)', scale: { type: log ? 'log' : 'linear' } }, color: { value: '#6baed6' } } },
    { data: { values: s.groups }, mark: { type: 'text', dx: 26, align: 'left', fontSize: 11 },
      encoding: { x, y: { field: 'median', type: 'quantitative' }, text: { field: 'median', type: 'quantitative', format: '.2f' } } },
  ];
  if (rules.length) {
    layer.push(
      { data: { values: rules }, mark: { type: 'rule', color: '#d62728', strokeDash: [6, 4] }, encoding: { y: { field: 'rtt', type: 'quantitative' } } },
      { data: { values: rules }, mark: { type: 'text', align: 'left', x: 4, dy: -6, color: '#d62728' }, encoding: { y: { field: 'rtt', type: 'quantitative' }, text: { field: 'text' } } },
    );
  }
  return {
    title: { text: 'Round-trip time by path (ping, per packet)', subtitle: inter.length ? inter : ['box: quartiles, whiskers: min–max, label: median'], anchor: 'start' },
    width: Math.max(360, 140 * labels.length), height: 300, layer,
  };
}

export function rttSection(rows: Measurement[], meta: RunMeta): Section | null {
  const s = rttSummary(rows, meta);
  if (!s.packets.length) return null;
  const order = siteOrder(rows, meta);
  const tr = s.groups.map((g) => `<tr><td>${escapeHtml(g.label)}</td><td class="num">${g.packets}</td><td class="num">${fmt(g.median, 3)}</td><td class="num">${fmt(g.p99, 3)}</td><td class="num">${fmt(g.max, 3)}</td><td class="num">${fmt(g.loss_pct, 2)}</td><td class="num">${g.failed_runs || ''}</td><td class="num">${fmt(g.configured_ms)}</td></tr>`);
  return {
    heading: 'Round-trip time by path',
    html: `<p class="note">Box: quartiles of every packet's RTT; whiskers: min–max; dashed red line: RTT configured for the WAN. p99 by linear interpolation.</p>`
      + `<table><tr><th>path</th><th>packets</th><th>median ms</th><th>p99 ms</th><th>max ms</th><th>loss % (ping)</th><th>failed runs</th><th>configured RTT ms</th></tr>${tr.join('')}</table>`,
    spec: rttSpec(s, meta, order),
  };
}
