/**
 * Terasort sections: a cluster inside one site vs one spanning sites, same size (Fig. 5 analogue),
 * and Teragen/Terasort throughput against the number of VMs on a log axis (Fig. 4 analogue).
 */
import type { Measurement } from '../../measurements/measurement.js';
import type { RunMeta } from '../../measurements/run-meta.js';
import { escapeHtml } from '../html.js';
import { fmt, pairLabel, siteOrder, type Section } from './common.js';
import { meanCi, type MeanCi } from './stats.js';

export const PHASES = ['teragen', 'terasort', 'teravalidate'] as const;

const isTs = (r: Measurement): boolean => r.benchmark === 'terasort';
const ok = (r: Measurement): boolean => r.status === 'ok' && r.value !== null;

/** "one site NII" or "spanning NII–Hokudai". */
export function clusterLabel(r: Measurement, order: string[]): string {
  return r.path === 'inter-site' ? `spanning ${pairLabel(r.src_site, r.dst_site, order)}` : `one site ${r.src_site}`;
}

export interface ClusterStat extends MeanCi {
  cluster: string;
  spanning: boolean;
  nodes: number;
  phase: string;
  metric: 'elapsed' | 'throughput';
}
export interface Slowdown {
  nodes: number;
  oneSite: string;
  spanning: string;
  oneSiteS: number;
  spanningS: number;
  pct: number;
}
export interface TerasortSummary {
  stats: ClusterStat[];
  slowdowns: Slowdown[];
  wanBytes: { cluster: string; nodes: number; bytes: number }[];
  failed: number;
  invalid: number;
}

export function terasortSummary(rows: Measurement[], meta: RunMeta): TerasortSummary {
  const order = siteOrder(rows, meta);
  const ts = rows.filter(isTs);
  const good = ts.filter(ok);
  const keys = new Map<string, Measurement>();
  for (const r of good) keys.set(`${clusterLabel(r, order)}|${r.nodes}`, r);
  const stats: ClusterStat[] = [];
  for (const [key, sample] of keys) {
    const [cluster, nodes] = [key.split('|')[0], Number(key.split('|')[1])];
    for (const phase of PHASES) {
      for (const metric of ['elapsed', 'throughput'] as const) {
        const v = good
          .filter((r) => r.metric === `${phase}_${metric}` && r.nodes === nodes && clusterLabel(r, order) === cluster)
          .map((r) => r.value as number);
        if (v.length) stats.push({ cluster, spanning: sample.path === 'inter-site', nodes, phase, metric, ...meanCi(v) });
      }
    }
  }
  const slowdowns: Slowdown[] = [];
  const sorts = stats.filter((s) => s.phase === 'terasort' && s.metric === 'elapsed');
  for (const sp of sorts.filter((s) => s.spanning)) {
    for (const one of sorts.filter((s) => !s.spanning && s.nodes === sp.nodes)) {
      slowdowns.push({
        nodes: sp.nodes,
        oneSite: one.cluster,
        spanning: sp.cluster,
        oneSiteS: one.mean,
        spanningS: sp.mean,
        pct: ((sp.mean - one.mean) / one.mean) * 100,
      });
    }
  }
  const wanBytes = [...keys.keys()].map((key) => {
    const [cluster, nodes] = [key.split('|')[0], Number(key.split('|')[1])];
    const v = good.filter((r) => r.metric === 'wan_bytes' && r.nodes === nodes && clusterLabel(r, order) === cluster).map((r) => r.value as number);
    return { cluster, nodes, bytes: v.length ? meanCi(v).mean : NaN };
  });
  return {
    stats,
    slowdowns,
    wanBytes,
    failed: ts.filter((r) => r.status !== 'ok').length,
    invalid: ts.filter((r) => r.metric === 'validate' && r.status !== 'ok').length,
  };
}

export function slowdownLines(s: TerasortSummary): string[] {
  return s.slowdowns.map(
    (d) =>
      `${d.nodes} nodes: Terasort on the cluster ${d.spanning} took ${fmt(d.spanningS, 2)} s vs ${fmt(d.oneSiteS, 2)} s ${d.oneSite}: ` +
      `${d.pct >= 0 ? 'slower' : 'faster'} by ${fmt(Math.abs(d.pct))}%`,
  );
}

const ciTooltip = [
  { field: 'mean', format: ',.2f' },
  { field: 'lo', format: ',.2f', title: '95% CI low' },
  { field: 'hi', format: ',.2f', title: '95% CI high' },
  { field: 'n', title: 'repetitions' },
];

/** Elapsed seconds per phase, one bar group per cluster, with 95% intervals. */
export function clusterSpec(s: TerasortSummary): Record<string, unknown> {
  const data = s.stats.filter((x) => x.metric === 'elapsed').map((x) => ({ ...x, group: `${x.cluster} (${x.nodes} nodes)` }));
  const x = { field: 'phase', type: 'nominal', sort: [...PHASES], title: null, axis: { labelAngle: 0 } };
  const y = { type: 'quantitative', title: 'Elapsed (s), mean with 95% interval' };
  return {
    title: { text: 'Terasort: one-site vs spanning cluster', subtitle: slowdownLines(s), anchor: 'start', subtitleFontSize: 12 },
    data: { values: data },
    facet: { column: { field: 'group', type: 'nominal', title: null, header: { labelLimit: 300 } } },
    spec: {
      width: 220,
      height: 260,
      layer: [
        {
          mark: 'bar',
          encoding: {
            x,
            y: { field: 'mean', ...y },
            color: { field: 'phase', type: 'nominal', sort: [...PHASES], legend: { orient: 'top', title: null } },
            tooltip: [{ field: 'group' }, { field: 'phase' }, ...ciTooltip],
          },
        },
        { mark: { type: 'rule', strokeWidth: 1.5 }, encoding: { x, y: { field: 'lo', ...y }, y2: { field: 'hi' } } },
      ],
    },
  };
}

/** MB/s against VMs (log x), mean line with a 95% band, per phase (Fig. 4). */
export function scaleSpec(s: TerasortSummary): Record<string, unknown> {
  const data = s.stats.filter((x) => x.metric === 'throughput' && x.phase !== 'teravalidate');
  const nodes = [...new Set(data.map((d) => d.nodes))].sort((a, b) => a - b);
  const x = {
    field: 'nodes',
    type: 'quantitative',
    scale: { type: 'log', base: 2, nice: false, domain: [nodes[0], nodes[nodes.length - 1]] },
    axis: { values: nodes, format: 'd' },
    title: 'VMs (cluster nodes, log scale)',
  };
  const y = { type: 'quantitative', title: 'Throughput (MB/s of records)' };
  const color = { field: 'phase', type: 'nominal', legend: { orient: 'top', title: null } };
  return {
    title: { text: 'Teragen and Terasort throughput against cluster size', anchor: 'start' },
    data: { values: data },
    width: 520,
    height: 320,
    layer: [
      { mark: { type: 'errorband', opacity: 0.2 }, encoding: { x, y: { field: 'lo', ...y }, y2: { field: 'hi' }, color } },
      {
        mark: { type: 'line', point: true },
        encoding: { x, y: { field: 'mean', ...y }, color, tooltip: [{ field: 'phase' }, { field: 'nodes' }, ...ciTooltip] },
      },
    ],
  };
}

function table(s: TerasortSummary): string {
  const head = '<tr><th>cluster</th><th>nodes</th><th>phase</th><th>elapsed s (mean)</th><th>95% CI</th><th>MB/s (mean)</th><th>repetitions</th></tr>';
  const rows = s.stats
    .filter((x) => x.metric === 'elapsed')
    .map((e) => {
      const t = s.stats.find((x) => x.metric === 'throughput' && x.cluster === e.cluster && x.nodes === e.nodes && x.phase === e.phase);
      return `<tr><td>${escapeHtml(e.cluster)}</td><td class="num">${e.nodes}</td><td>${e.phase}</td><td class="num">${fmt(e.mean, 2)}</td><td class="num">${fmt(e.lo, 2)}–${fmt(e.hi, 2)}</td><td class="num">${fmt(t?.mean)}</td><td class="num">${e.n}</td></tr>`;
    });
  const wan = s.wanBytes.map((w) => `<tr><td>${escapeHtml(w.cluster)}</td><td class="num">${w.nodes}</td><td class="num">${fmt(w.bytes / 1e6, 1)}</td></tr>`);
  return `<table>${head}${rows.join('')}</table><table><tr><th>cluster</th><th>nodes</th><th>shuffle MB crossing the WAN (mean)</th></tr>${wan.join('')}</table>`;
}

export function terasortSections(rows: Measurement[], meta: RunMeta): Section[] {
  const s = terasortSummary(rows, meta);
  if (!s.stats.length) return [];
  const bad = s.failed
    ? `<p class="bad">${s.failed} Terasort row(s) failed${s.invalid ? `, ${s.invalid} validation(s) failed` : ''}; see "Failed samples". Failed repetitions are not in these numbers.</p>`
    : '';
  const out: Section[] = [];
  const sizes = new Set(s.stats.map((x) => x.nodes));
  if (s.stats.some((x) => x.spanning) || sizes.size === 1) {
    out.push({
      heading: 'Terasort: one site vs spanning sites (Fig. 5 analogue)',
      html: `<p class="note">Elapsed time per phase, mean over repetitions with a 95% Student-t interval. Slowdown = (spanning − one-site) / one-site Terasort time, same cluster size.</p><ul class="key">${slowdownLines(
        s,
      )
        .map((l) => `<li>${escapeHtml(l)}</li>`)
        .join('')}</ul>${bad}${table(s)}`,
      spec: clusterSpec(s),
    });
  }
  if (sizes.size > 1) {
    out.push({
      heading: 'Teragen and Terasort against the number of VMs (Fig. 4 analogue)',
      html: `<p class="note">Records MB/s (10^6 bytes) of each phase against cluster size; line: mean over repetitions, band: 95% Student-t interval.</p>${out.length ? '' : bad + table(s)}`,
      spec: scaleSpec(s),
    });
  }
  return out;
}
