/**
 * The trend report: one offline HTML of every series over time, from the history database.
 * One chart per (scenario, benchmark, metric), one row per series: the median of each run (the
 * dot links to that run's report), the baseline band the detector used (baseline median ±
 * threshold), suspects (orange), confirmed regressions (red) and change points (vertical rules,
 * e-divisive over the whole series).
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
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { values },
    facet: { row: { field: 'series', type: 'nominal', title: null, header: { labelAngle: 0, labelAlign: 'left', labelLimit: 260, labelFontSize: 11 } } },
    resolve: { scale: { y: 'independent' } },
    spacing: 6,
    spec: {
      width: 760,
      height: rowsCount > 12 ? 60 : 90,
      layer: [
        {
          mark: { type: 'area', opacity: 0.18, color: '#4c78a8', interpolate: 'step-after' },
          encoding: { x: { field: 't', type: 'temporal', title: null }, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } },
        },
        {
          transform: [{ filter: 'datum.cp' }],
          mark: { type: 'rule', color: '#8c564b', strokeDash: [4, 3] },
          encoding: { x: { field: 't', type: 'temporal' } },
        },
        {
          mark: { type: 'line', color: '#4c78a8', strokeWidth: 1 },
          encoding: { x: { field: 't', type: 'temporal' }, y: { field: 'median', type: 'quantitative', title: unit, scale: { zero: false } } },
        },
        {
          mark: { type: 'point', filled: true, size: 12, cursor: 'pointer' },
          encoding: {
            x: { field: 't', type: 'temporal' },
            y: { field: 'median', type: 'quantitative' },
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
            x: { field: 't', type: 'temporal' },
            y: { field: 'median', type: 'quantitative' },
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
  const first = series.flatMap((s) => s.points.map((p) => p.started_at)).sort();
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
              latest.map(({ s, p }) => [p.run_id, p.started_at, seriesLabel(s.key), p.verdict, p.median.toPrecision(4), p.base_median?.toPrecision(4) ?? '–']),
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
  for (const s of series) {
    if (!s.points.length) continue;
    const k = `${s.key.scenario}: ${s.key.benchmark} ${s.key.metric} (${s.key.unit})`;
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
