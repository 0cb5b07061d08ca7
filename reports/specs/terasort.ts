/**
 * Terasort sections: a cluster inside one site vs one spanning sites, same size (Fig. 5 analogue),
 * and Teragen/Terasort throughput against the number of VMs on a log axis (Fig. 4 analogue).
 */
import type { Measurement } from '../../measurements/measurement.js';
import type { RunMeta } from '../../measurements/run-meta.js';
import { escapeHtml } from '../escape.js';
import { fmt, pairLabel, siteOrder, type Section } from './common.js';
import { compareSequential, designOf, intervalCell, spread, type Comparison, type Spread } from './stats.js';
import { rateReference, referenceWord, type Reference } from './reference.js';

export const PHASES = ['teragen', 'terasort', 'teravalidate'] as const;

const isTs = (r: Measurement): boolean => r.benchmark === 'terasort';
const ok = (r: Measurement): boolean => r.status === 'ok' && r.value !== null;

/** "one site NII" or "spanning NII–Hokudai". */
export function clusterLabel(r: Measurement, order: string[]): string {
  const where = r.path === 'inter-site' ? `spanning ${pairLabel(r.src_site, r.dst_site, order)}` : `one site ${r.src_site}`;
  return r.params?.engine === 'hadoop' ? `${where}, Hadoop` : where;
}

/** Which engine made a row: the hadoop engine marks its rows (params.engine); the lab engine's rows carry none. */
export const engineOf = (r: Measurement): string => (r.params?.engine === 'hadoop' ? 'hadoop' : 'lab');

export interface ClusterStat extends Spread {
  cluster: string;
  values: number[];
  spanning: boolean;
  engine: string;
  nodes: number;
  phase: string;
  metric: 'elapsed' | 'throughput';
}
export interface Slowdown {
  /** The headline comparison's stable key (adaptive repetitions, run.json adaptive.comparisons). */
  key: string;
  nodes: number;
  oneSite: string;
  spanning: string;
  /** Medians of the Terasort elapsed time. */
  oneSiteS: number;
  spanningS: number;
  pct: number;
  /** The spanning cluster against the one-site one: called only when beyond the noise. */
  comparison: Comparison;
  /** Why: bytes the spanning cluster's job sent across the WAN (median; NaN when not measured). */
  wanBytes: number;
  /** The same for the one-site cluster (its traffic should not touch the WAN). */
  oneSiteWanBytes: number;
  /**
   * The WAN rate between its sites: configured where the WAN was emulated, the measured baseline on
   * real sites (run.json); null when unlimited or unknown.
   */
  wanRateMbit: number | null;
  /** Which rate `wanRateMbit` is. */
  wanRateKind?: Reference['kind'];
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
        if (v.length) stats.push({ cluster, spanning: sample.path === 'inter-site', engine: engineOf(sample), nodes, phase, metric, values: v, ...spread(v) });
      }
    }
  }
  const wanBytesOf = (cluster: string, nodes: number): number => {
    const v = good.filter((r) => r.metric === 'wan_bytes' && r.nodes === nodes && clusterLabel(r, order) === cluster).map((r) => r.value as number);
    return v.length ? spread(v).median : Number.NaN;
  };
  const rateOf = (cluster: string, nodes: number): Reference | null => {
    const r = keys.get(`${cluster}|${nodes}`);
    return r ? rateReference(meta, r.src_site, r.dst_site) : null;
  };
  const slowdowns: Slowdown[] = [];
  const sorts = stats.filter((s) => s.phase === 'terasort' && s.metric === 'elapsed');
  for (const sp of sorts.filter((s) => s.spanning)) {
    for (const one of sorts.filter((s) => !s.spanning && s.nodes === sp.nodes && s.engine === sp.engine)) {
      const key = `terasort|${sp.engine}|${sp.nodes}|${one.cluster}|${sp.cluster}`;
      slowdowns.push({
        key,
        nodes: sp.nodes,
        oneSite: one.cluster,
        spanning: sp.cluster,
        oneSiteS: one.median,
        spanningS: sp.median,
        pct: ((sp.median - one.median) / one.median) * 100,
        comparison: compareSequential(one.values, sp.values, designOf(meta, key), { higher: 'slower', lower: 'faster' }),
        wanBytes: wanBytesOf(sp.cluster, sp.nodes),
        oneSiteWanBytes: wanBytesOf(one.cluster, one.nodes),
        wanRateMbit: rateOf(sp.cluster, sp.nodes)?.value ?? null,
        wanRateKind: rateOf(sp.cluster, sp.nodes)?.kind,
      });
    }
  }
  const wanBytes = [...keys.keys()].map((key) => {
    const [cluster, nodes] = [key.split('|')[0], Number(key.split('|')[1])];
    return { cluster, nodes, bytes: wanBytesOf(cluster, nodes) };
  });
  return {
    stats,
    slowdowns,
    wanBytes,
    failed: ts.filter((r) => r.status !== 'ok').length,
    invalid: ts.filter((r) => r.metric === 'validate' && r.status !== 'ok').length,
  };
}

/**
 * The WAN side of a slowdown: how many bytes crossed the L2VPN during the spanning job and how long
 * that takes at the WAN's rate, configured or measured baseline (a lower bound on the WAN time; the
 * shuffle overlaps the CPU work).
 */
export function wanWhy(d: Pick<Slowdown, 'wanBytes' | 'oneSiteWanBytes' | 'wanRateMbit' | 'wanRateKind'>): string {
  if (!Number.isFinite(d.wanBytes)) return 'WAN bytes not measured';
  const one = Number.isFinite(d.oneSiteWanBytes) ? ` (one site: ${fmt(d.oneSiteWanBytes / 1e6, 0)} MB)` : '';
  const mb = `${fmt(d.wanBytes / 1e6, 0)} MB crossed the WAN during the spanning job${one}`;
  if (!d.wanRateMbit) return mb;
  const s = (d.wanBytes * 8) / (d.wanRateMbit * 1e6);
  return `${mb}: at least ${fmt(s, s < 10 ? 2 : 1)} s of transfer at the ${referenceWord(d.wanRateKind ?? 'configured')} ${fmt(d.wanRateMbit, 0)} Mbit/s`;
}

export function slowdownLines(s: TerasortSummary): string[] {
  return s.slowdowns.map(
    (d) =>
      `${d.nodes} nodes: Terasort on the cluster ${d.spanning} took ${fmt(d.spanningS, 2)} s vs ${fmt(d.oneSiteS, 2)} s ${d.oneSite} (medians): ` +
      `${d.comparison.text}; why: ${wanWhy(d)}`,
  );
}

const ciTooltip = [
  { field: 'median', format: ',.2f' },
  { field: 'interval', title: 'interval' },
  { field: 'lo', format: ',.2f', title: 'interval low' },
  { field: 'hi', format: ',.2f', title: 'interval high' },
  { field: 'n', title: 'repetitions' },
];

/** One point per repetition (the chart shows the data, not only the aggregate). */
function points(stats: ClusterStat[], metric: 'elapsed' | 'throughput') {
  return stats
    .filter((x) => x.metric === metric)
    .flatMap((x) => x.values.map((value) => ({ cluster: x.cluster, nodes: x.nodes, phase: x.phase, group: `${x.cluster} (${x.nodes} nodes)`, value, n: x.n })));
}

/** Elapsed seconds per phase, one bar group per cluster: median bar, interval rule (n >= 3), every repetition as a point. */
export function clusterSpec(s: TerasortSummary): Record<string, unknown> {
  const data = s.stats.filter((x) => x.metric === 'elapsed').map(({ values: _v, ...x }) => ({ ...x, group: `${x.cluster} (${x.nodes} nodes)` }));
  const x = { field: 'phase', type: 'nominal', sort: [...PHASES], title: null, axis: { labelAngle: 0 } };
  const y = { type: 'quantitative', title: 'Elapsed (s): median, interval, repetitions', scale: { zero: true } };
  return {
    title: {
      text: 'Terasort: one-site vs spanning cluster',
      // Short lines (the chart is ~500 px wide): the comparison only; the why is in the text above the chart.
      subtitle: [
        ...s.slowdowns.map((d) => `${d.nodes} nodes: ${d.spanning} ${fmt(d.spanningS, 1)} s vs ${d.oneSite} ${fmt(d.oneSiteS, 1)} s: ${d.comparison.text}`),
        'bar: median; line: 95% CI of the median (n >= 6) or min–max (n 3–5), none below n=3; dots: repetitions',
      ],
      anchor: 'start',
      subtitleFontSize: 12,
    },
    data: { values: [...data.map((d) => ({ ...d, kind: 'stat' })), ...points(s.stats, 'elapsed').map((p) => ({ ...p, kind: 'point' }))] },
    facet: { column: { field: 'group', type: 'nominal', title: null, header: { labelLimit: 300 } } },
    spec: {
      width: 220,
      height: 260,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'stat'" }],
          mark: 'bar',
          encoding: {
            x,
            y: { field: 'median', ...y },
            color: { field: 'phase', type: 'nominal', sort: [...PHASES], legend: { orient: 'top', title: null } },
            tooltip: [{ field: 'group' }, { field: 'phase' }, ...ciTooltip],
          },
        },
        {
          transform: [{ filter: "datum.kind === 'stat' && isValid(datum.lo)" }],
          mark: { type: 'rule', strokeWidth: 1.5 },
          encoding: { x, y: { field: 'lo', ...y }, y2: { field: 'hi' } },
        },
        {
          transform: [{ filter: "datum.kind === 'point'" }],
          mark: { type: 'point', filled: true, size: 30, color: '#222', opacity: 0.8 },
          encoding: {
            x,
            y: { field: 'value', ...y },
            tooltip: [{ field: 'group' }, { field: 'phase' }, { field: 'value', format: ',.2f', title: 'elapsed s' }],
          },
        },
      ],
    },
  };
}

/** MB/s against VMs (log x), median line with its interval as a band (where n >= 3) and every repetition, per phase (Fig. 4). */
export function scaleSpec(s: TerasortSummary): Record<string, unknown> {
  const data = s.stats.filter((x) => x.metric === 'throughput' && x.phase !== 'teravalidate').map(({ values: _v, ...x }) => x);
  const pts = points(s.stats, 'throughput').filter((p) => p.phase !== 'teravalidate');
  const nodes = [...new Set(data.map((d) => d.nodes))].sort((a, b) => a - b);
  const x = {
    field: 'nodes',
    type: 'quantitative',
    scale: { type: 'log', base: 2, nice: false, domain: [nodes[0], nodes[nodes.length - 1]] },
    axis: { values: nodes, format: 'd' },
    title: 'VMs (cluster nodes, log scale)',
  };
  const color = { field: 'phase', type: 'nominal', legend: { orient: 'top', title: null } };
  const panel = (perVm: boolean) => {
    const div = (v: number | null, n: number) => (v === null ? null : perVm ? v / n : v);
    const yy = { type: 'quantitative', title: perVm ? 'Per VM (MB/s of records / VMs)' : 'Total (MB/s of records)' };
    const d = data.map((x) => ({ ...x, median: div(x.median, x.nodes), lo: div(x.lo, x.nodes), hi: div(x.hi, x.nodes) }));
    return {
      title: perVm ? 'Per VM' : 'Total',
      width: 400,
      height: 300,
      layer: [
        {
          data: { values: d.filter((x) => x.lo !== null) },
          mark: { type: 'errorband', opacity: 0.2 },
          encoding: { x, y: { field: 'lo', ...yy }, y2: { field: 'hi' }, color },
        },
        {
          data: { values: d },
          mark: { type: 'line', point: true },
          encoding: { x, y: { field: 'median', ...yy }, color, tooltip: [{ field: 'phase' }, { field: 'nodes' }, ...ciTooltip] },
        },
        {
          data: { values: pts.map((p) => ({ ...p, value: perVm ? p.value / p.nodes : p.value })) },
          mark: { type: 'point', size: 20, opacity: 0.6 },
          encoding: {
            x,
            y: { field: 'value', ...yy },
            color,
            tooltip: [{ field: 'phase' }, { field: 'nodes' }, { field: 'value', format: ',.2f', title: 'MB/s' }],
          },
        },
      ],
    };
  };
  return {
    title: {
      text: 'Teragen and Terasort throughput against cluster size: total and per VM',
      subtitle: 'line: median; band: 95% CI of the median (n >= 6) or min–max (n 3–5); dots: repetitions',
      anchor: 'start',
    },
    hconcat: [panel(false), panel(true)],
    spacing: 40,
  };
}

function table(s: TerasortSummary): string {
  const head =
    '<tr><th>cluster</th><th>nodes</th><th>phase</th><th>elapsed s (median)</th><th>interval</th><th>MB/s (median)</th><th>MB/s per VM</th><th>repetitions (n)</th></tr>';
  const rows = s.stats
    .filter((x) => x.metric === 'elapsed')
    .map((e) => {
      const t = s.stats.find((x) => x.metric === 'throughput' && x.cluster === e.cluster && x.nodes === e.nodes && x.phase === e.phase);
      return `<tr><td>${escapeHtml(e.cluster)}</td><td class="num">${e.nodes}</td><td>${e.phase}</td><td class="num">${fmt(e.median, 2)}</td><td class="num">${escapeHtml(intervalCell(e, 2))}</td><td class="num">${fmt(t?.median)}</td><td class="num">${fmt(t ? t.median / e.nodes : null, 2)}</td><td class="num">${e.n}</td></tr>`;
    });
  const wan = s.wanBytes.map((w) => `<tr><td>${escapeHtml(w.cluster)}</td><td class="num">${w.nodes}</td><td class="num">${fmt(w.bytes / 1e6, 1)}</td></tr>`);
  // Shuffle bytes over the WAN only where a cluster spans sites (a one-site sweep has none to show).
  const spans = s.stats.some((x) => x.spanning);
  return `<table>${head}${rows.join('')}</table>${spans ? `<table><tr><th>cluster</th><th>nodes</th><th>MB crossing the WAN during the Terasort job (median)</th></tr>${wan.join('')}</table>` : ''}`;
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
      html: `<p class="note">Elapsed time per phase: median over repetitions; interval: 95% order-statistic interval of the median when n ≥ 6, min–max when n is 3 to 5, none below 3 (the dots are the repetitions). Slowdown = (spanning − one-site) / one-site median Terasort time, same cluster size; it is called slower/faster only when beyond the noise: the interval of the ratio of geometric means (Welch's t on the log scale, docs/statistics.md) excludes 0.</p><ul class="key">${slowdownLines(
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
      html: `<p class="note">Records MB/s (10^6 bytes) of each phase against cluster size, in total (left) and per VM (right: total / VMs, flat when the cluster scales linearly); line: median over repetitions, band: 95% interval of the median (n ≥ 6) or min–max (n 3 to 5), none below 3; dots: repetitions.</p>${out.length ? '' : bad + table(s)}`,
      spec: scaleSpec(s),
    });
  }
  return out;
}
