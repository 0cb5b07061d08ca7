/**
 * The trend report: one offline HTML of every series over time, from the history database.
 * One chart per (scenario, benchmark, metric), one row per series: the median of each run (the
 * dot links to that run's report), the baseline band the detector used (baseline median ±
 * threshold), suspects (orange), confirmed regressions (red) and change points (vertical rules,
 * e-divisive over the whole series). The headline series come first, in the run report's order
 * (bandwidth, RTT, TPS, Terasort); the others follow as the history lists them.
 */
import { dirname, join, relative } from 'node:path';
import { changePoints } from '../measurements/history/changepoint.js';
import type { MissedSlot, TrendSeries } from '../measurements/history/query.js';
import { seriesLabel } from '../measurements/history/series.js';
import { escapeHtml } from './escape.js';
import { renderHtml, type Section } from './html.js';
import { htmlTable } from './tables.js';
import { writeFileAtomic } from '../base/atomic-file.js';

export interface TrendInput {
  series: TrendSeries[];
  missed: MissedSlot[];
  resultsRoot: string;
  filter: { scenario?: string; benchmark?: string };
}

/**
 * The series behind the run report's headlines, in its order: [benchmark, metric, what the headline
 * calls it]. Their charts open the page; every other series follows.
 */
export const HEADLINE_SERIES: readonly (readonly [string, string, string])[] = [
  ['iperf3', 'throughput', 'Bandwidth'],
  ['ping', 'rtt_median', 'RTT'],
  ['ping', 'rtt_p99', 'RTT'],
  ['pgbench', 'tps', 'TPS'],
  ['terasort', 'terasort_elapsed', 'Terasort'],
  ['terasort', 'terasort_throughput', 'Terasort'],
];
const headlineRank = (k: { benchmark: string; metric: string }): number => {
  const i = HEADLINE_SERIES.findIndex(([b, m]) => b === k.benchmark && m === k.metric);
  return i < 0 ? HEADLINE_SERIES.length : i;
};

/**
 * The y axis of every chart: "median (unit)", a few ticks, rounded labels: up to 6 significant
 * digits without trailing zeros ("20.5", "0.031", "9,500", "0" where Vega's own label for a flat
 * series of zeros is "0.0000000"; 3 digits would print equal labels on a nearly flat series), and
 * from 100,000 up SI prefixes ("104k", "10.4M", "1.2G" bytes). Per tick, since the rows of one chart
 * can differ by orders of magnitude (local vs inter-site).
 */
export const Y_AXIS = {
  tickCount: 4,
  labelExpr: "abs(datum.value) >= 100000 ? format(datum.value, '~s') : format(datum.value, ',~r')",
};
const yTitle = (unit: string) => `median (${unit})`;

/** Run start on the x axis: a date, no clock time (one run a day or so). */
const X_AXIS = { title: 'run start (UTC)', format: '%b %d', labelOverlap: true };

/** A figure for a table cell: at most 4 significant digits, thousands separated ("18,610", "0.1312"). */
export const figure = (v: number): string => Number(v.toPrecision(4)).toLocaleString('en-US', { maximumFractionDigits: 10 });

/** "2025-01-30 02:00Z" for an ISO time. */
const when = (iso: string): string => iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, 'Z');

const VERDICT_COLOR = { domain: ['ok', 'suspect', 'confirmed', 'improvement', 'not ok'], range: ['#4c78a8', '#f58518', '#d62728', '#54a24b', '#9d9d9d'] };

/** The chart rows of one series: one per run, with the change points marked. */
function seriesRows(s: TrendSeries, label: string, outDir: string, resultsRoot: string) {
  const ok = s.points.filter((p) => p.status === 'ok');
  const cps = new Set(changePoints(ok.map((p) => p.median)).map((c) => ok[c.index].run_id));
  return s.points.map((p) => ({
    series: label,
    // Epoch milliseconds: no date parsing in the page.
    t: Date.parse(p.started_at),
    run: p.run_id,
    median: p.median,
    n: p.n,
    lo: p.base_lo,
    hi: p.base_hi,
    mark: p.status !== 'ok' ? 'not ok' : p.verdict === 'suspect' || p.verdict === 'confirmed' || p.verdict === 'improvement' ? p.verdict : 'ok',
    cp: cps.has(p.run_id),
    href: p.report_path ? relative(outDir, join(resultsRoot, p.report_path)) : '',
  }));
}

function chartSpec(title: string, unit: string, values: ReturnType<typeof seriesRows>, rowsCount: number): Record<string, unknown> {
  const x = { field: 't', type: 'temporal', title: X_AXIS.title, axis: X_AXIS, scale: { type: 'utc' } };
  const y = (field: string) => ({
    field,
    type: 'quantitative',
    title: yTitle(unit),
    axis: { ...Y_AXIS, title: yTitle(unit), titleFontSize: 10 },
    scale: { zero: false },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { values },
    facet: { row: { field: 'series', type: 'nominal', title: null, header: { labelAngle: 0, labelAlign: 'left', labelLimit: 260, labelFontSize: 11 } } },
    resolve: { scale: { y: 'independent' } },
    spacing: 6,
    spec: {
      width: 720,
      height: rowsCount > 12 ? 70 : 90,
      layer: [
        {
          mark: { type: 'area', opacity: 0.18, color: '#4c78a8', interpolate: 'step-after' },
          encoding: { x, y: y('lo'), y2: { field: 'hi' } },
        },
        {
          transform: [{ filter: 'datum.cp' }],
          mark: { type: 'rule', color: '#8c564b', strokeDash: [4, 3] },
          encoding: { x },
        },
        {
          mark: { type: 'line', color: '#4c78a8', strokeWidth: 1 },
          encoding: { x, y: y('median') },
        },
        {
          mark: { type: 'point', filled: true, size: 12, cursor: 'pointer' },
          encoding: {
            x,
            y: y('median'),
            color: { field: 'mark', type: 'nominal', title: 'verdict', scale: VERDICT_COLOR },
            href: { field: 'href' },
            tooltip: [{ field: 'run' }, { field: 'median', format: '.4~g' }, { field: 'n' }, { field: 'mark', title: 'verdict' }],
          },
        },
        {
          // Findings drawn again, larger, on top.
          transform: [{ filter: "datum.mark !== 'ok'" }],
          mark: { type: 'point', filled: true, size: 60, cursor: 'pointer' },
          encoding: {
            x,
            y: y('median'),
            color: { field: 'mark', type: 'nominal', scale: VERDICT_COLOR },
            href: { field: 'href' },
            tooltip: [{ field: 'run' }, { field: 'median', format: '.4~g' }, { field: 'n' }, { field: 'mark', title: 'verdict' }],
          },
        },
      ],
    },
    title: { text: title, anchor: 'start' },
  };
}

export function buildTrendSections(input: TrendInput, outDir: string): Section[] {
  const { series } = input;
  const runs = new Set(series.flatMap((s) => s.points.map((p) => p.run_id)));
  const flagged = series.flatMap((s) => s.points.filter((p) => p.verdict === 'suspect' || p.verdict === 'confirmed').map((p) => ({ s, p })));
  const filter = [input.filter.scenario && `scenario ${input.filter.scenario}`, input.filter.benchmark && `benchmark ${input.filter.benchmark}`]
    .filter(Boolean)
    .join(', ');
  const first = series.flatMap((s) => s.points.map((p) => when(p.started_at))).sort();
  const intro = `<p>${escapeHtml(
    `${series.length} series over ${runs.size} runs${first.length ? `, ${first[0]} to ${first[first.length - 1]}` : ''}${filter ? ` (${filter})` : ''}. ` +
      `Dots: the median of each run (hover for its run id and n; a click opens the run's report). Band: the baseline median ± the ` +
      `detector's threshold max(5%, 3 × robust CV) at each run. Orange: suspect; red: confirmed regression; green: improvement beyond the ` +
      `threshold; grey: a run that did not end ok. Dashed rules: change points (e-divisive means over the whole series).`,
  )}</p>`;
  const latest = flagged.slice(-30).reverse();
  const sections: Section[] = [
    {
      heading: 'Summary',
      html:
        intro +
        (latest.length
          ? htmlTable(
              ['run', 'started', 'series', 'verdict', 'median', 'baseline'],
              latest.map(({ s, p }) => [
                p.run_id,
                when(p.started_at),
                seriesLabel(s.key),
                p.verdict,
                `${figure(p.median)} ${s.key.unit}`,
                p.base_median === null || p.base_median === undefined ? '–' : `${figure(p.base_median)} ${s.key.unit}`,
              ]),
            )
          : '<p class="note">No suspect or confirmed regression in this history.</p>'),
    },
  ];
  if (input.missed.length)
    sections.push({
      heading: 'Missed nightly slots',
      html: htmlTable(
        ['entry', 'scenario', 'slot', 'reason'],
        input.missed.map((m) => [m.entry, m.scenario, m.slot, m.reason]),
      ),
    });
  const groups = new Map<string, TrendSeries[]>();
  // Headline series first (stable: the history's order within each rank).
  const ordered = series.map((s, i) => ({ s, i })).sort((a, b) => headlineRank(a.s.key) - headlineRank(b.s.key) || a.i - b.i);
  for (const { s } of ordered) {
    if (!s.points.length) continue;
    const headline = HEADLINE_SERIES[headlineRank(s.key)]?.[2];
    const k = `${headline ? `${headline} — ` : ''}${s.key.scenario}: ${s.key.benchmark} ${s.key.metric} (${s.key.unit})`;
    groups.set(k, [...(groups.get(k) ?? []), s]);
  }
  for (const [title, list] of groups) {
    const values = list.flatMap((s) => seriesRows(s, seriesLabel(s.key).replace(`${s.key.benchmark} ${s.key.metric} `, ''), outDir, input.resultsRoot));
    sections.push({ heading: title, spec: chartSpec(title, list[0].key.unit, values, list.length) });
  }
  if (!groups.size) sections.push({ heading: 'Series', html: '<p class="note">No series in the history for this filter.</p>' });
  return sections;
}

export function buildTrendHtml(input: TrendInput, outDir: string): string {
  const f = [input.filter.scenario, input.filter.benchmark].filter(Boolean).join(' / ');
  return renderHtml({ title: `intercloud-bench trend${f ? `: ${f}` : ''}`, sections: buildTrendSections(input, outDir) });
}

export async function writeTrendReport(input: TrendInput, out: string): Promise<string> {
  // A new file renamed over the old one, mode 0600 from creation: a symlink planted at `out` is replaced, never followed.
  writeFileAtomic(out, buildTrendHtml(input, dirname(out)));
  return out;
}
