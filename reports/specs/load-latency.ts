/**
 * Latency under load (benchmark 'load-latency', flent RRUL-like): per path, the RTT of pings while
 * the path was idle vs while an iperf3 TCP load ran between the same nodes; the difference is the
 * queueing delay the load adds. CDF of both phases per path, and a table with n of each.
 */
import type { Measurement } from '../../measurements/measurement.js';
import type { RunMeta } from '../../measurements/run-meta.js';
import { percentile } from '../../measurements/stats.js';
import { escapeHtml } from '../escape.js';
import { cdfPoints, cdfSpec } from './cdf.js';
import { fmt, median, pathLabel, siteOrder, sortLabels, type Section } from './common.js';

export interface LoadLatencyGroup {
  label: string;
  idle: { n: number; median: number; p99: number };
  loaded: { n: number; median: number; p99: number };
  /** Median loaded minus median idle (ms): the delay the load added. */
  addedMs: number;
  /** Median throughput of the load (Mbit/s) and its number of samples. */
  loadMbps: number;
  loadN: number;
  /** Phases (a ping or the load) that failed on this path. */
  failed: number;
}

export function loadLatencySummary(rows: Measurement[], meta: RunMeta): { groups: LoadLatencyGroup[]; values: Map<string, number[]> } {
  const order = siteOrder(rows, meta);
  const ll = rows.filter((r) => r.benchmark === 'load-latency');
  const ok = (metric: string) => ll.filter((r) => r.metric === metric && r.status === 'ok' && r.value !== null);
  const labels = sortLabels(
    ok('rtt_idle')
      .concat(ok('rtt_loaded'))
      .map((r) => pathLabel(r, order)),
    order,
  );
  const values = new Map<string, number[]>();
  const groups = labels.map((label) => {
    const of = (metric: string) =>
      ok(metric)
        .filter((r) => pathLabel(r, order) === label)
        .map((r) => r.value as number);
    const stat = (v: number[]) => ({ n: v.length, median: median(v), p99: v.length ? percentile(v, 99) : NaN });
    const idle = of('rtt_idle'),
      loaded = of('rtt_loaded'),
      load = of('load_throughput');
    values.set(`${label}, idle`, idle);
    values.set(`${label}, under TCP load`, loaded);
    const failed = ll.filter((r) => pathLabel(r, order) === label && r.status !== 'ok' && /^(rtt_(idle|loaded)_median|load_throughput)$/.test(r.metric)).length;
    return { label, idle: stat(idle), loaded: stat(loaded), addedMs: median(loaded) - median(idle), loadMbps: median(load), loadN: load.length, failed };
  });
  return { groups, values };
}

export function loadLatencySection(rows: Measurement[], meta: RunMeta): Section | null {
  const { groups, values } = loadLatencySummary(rows, meta);
  if (!groups.length) return null;
  const tr = groups.map(
    (g) =>
      `<tr><td>${escapeHtml(g.label)}</td><td class="num">${g.idle.n}</td><td class="num">${fmt(g.idle.median, 3)}</td><td class="num">${fmt(g.idle.p99, 3)}</td>` +
      `<td class="num">${g.loaded.n}</td><td class="num">${fmt(g.loaded.median, 3)}</td><td class="num">${fmt(g.loaded.p99, 3)}</td>` +
      `<td class="num"><b>${fmt(g.addedMs, 2)}</b></td><td class="num">${fmt(g.loadMbps, 1)} (n=${g.loadN})</td><td class="num">${g.failed || ''}</td></tr>`,
  );
  const order = [...values.keys()];
  return {
    heading: 'Latency under load (idle vs loaded RTT)',
    html:
      '<p class="note">In the manner of flent\'s RRUL test: pings between two nodes while the path is idle, then the same pings while an iperf3 TCP load (several streams) runs between the same nodes in the same direction. ' +
      'The added delay (median loaded minus median idle) is the queueing the load causes on that path (bufferbloat); n = pings with a reply.</p>' +
      `<table><tr><th>path</th><th>n idle</th><th>median idle ms</th><th>p99 idle ms</th><th>n loaded</th><th>median loaded ms</th><th>p99 loaded ms</th><th>added ms</th><th>load Mbit/s (median)</th><th>failed</th></tr>${tr.join('')}</table>`,
    spec: cdfSpec(cdfPoints(values), {
      title: 'RTT idle vs under TCP load, by path (CDF)',
      subtitle: groups.map(
        (g) =>
          `${g.label}: median ${fmt(g.idle.median, 2)} ms idle, ${fmt(g.loaded.median, 2)} ms loaded (${g.addedMs >= 0 ? '+' : ''}${fmt(g.addedMs, 2)} ms)`,
      ),
      groupTitle: 'path and phase',
      order,
      colors: ['#9ecae1', '#08519c', '#fdae6b', '#a63603', '#a1d99b', '#006d2c', '#bcbddc', '#54278f'],
    }),
  };
}
