/**
 * One offline report of two or more runs side by side (same or different scenarios). Series are
 * matched by (benchmark, metric, unit, path, site pair, row parameters, virt); the first run is
 * the reference. Each difference is the Hodges–Lehmann shift of the repetitions with its
 * distribution-free 95% interval and n per side, and the verdict of compareGroups (called only
 * beyond the noise). Series found in some runs only are listed.
 */
import { dirname, relative } from 'node:path';
import { hodgesLehmann } from '../measurements/history/ranksum.js';
import { type Direction, runSeries, type SeriesSummary, seriesLabel } from '../measurements/history/series.js';
import type { Measurement } from '../measurements/measurement.js';
import type { RunMeta } from '../measurements/run-meta.js';
import { compareGroups } from '../measurements/stats.js';
import { escapeHtml } from './escape.js';
import { renderHtml, type Section } from './html.js';
import { fmt } from './specs/common.js';
import { htmlTable } from './tables.js';
import { writeFileAtomic } from '../base/atomic-file.js';

export interface CompareRun {
  dir: string;
  meta: RunMeta;
  rows: Measurement[];
}

/** The key that matches series across runs (scenario, parameters, testbed and host may differ). */
export function compareKey(s: SeriesSummary): string {
  const k = s.key;
  return JSON.stringify([k.benchmark, k.metric, k.unit, k.path, k.src_site, k.dst_site, k.row_params, k.virt]);
}

export interface MatchedSeries {
  key: string;
  label: string;
  unit: string;
  direction: Direction;
  /** One per run, in run order; null where the run lacks the series. */
  per: (SeriesSummary | null)[];
}

export function matchSeries(runs: CompareRun[]): { matched: MatchedSeries[]; unmatched: MatchedSeries[] } {
  const all = new Map<string, MatchedSeries>();
  runs.forEach((r, i) => {
    for (const s of runSeries(r.rows, r.meta)) {
      const k = compareKey(s);
      const m = all.get(k) ?? {
        key: k,
        label: seriesLabel({ ...s.key, scenario: '' }).trim(),
        unit: s.key.unit,
        direction: s.direction,
        per: runs.map(() => null),
      };
      m.per[i] = s;
      all.set(k, m);
    }
  });
  const list = [...all.values()].sort((a, b) => a.label.localeCompare(b.label));
  return { matched: list.filter((m) => m.per.every((p) => p !== null)), unmatched: list.filter((m) => m.per.some((p) => p === null)) };
}

const sig = (v: number): string => fmt(v, Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 1 ? 2 : 3);

function diffCell(ref: SeriesSummary, other: SeriesSummary, direction: Direction): { html: string } {
  const hl = hodgesLehmann(ref.values, other.values);
  const words = direction === 'higher' ? { higher: 'better', lower: 'worse' } : direction === 'lower' ? { higher: 'worse', lower: 'better' } : {};
  const c = compareGroups(ref.values, other.values, words);
  const base = Math.abs(ref.median) || 1;
  const interval =
    hl.lo === null || hl.hi === null
      ? `no 95% interval at n=${hl.m}/${hl.n}`
      : `95% [${sig(hl.lo)}, ${sig(hl.hi)}] (${((hl.lo / base) * 100).toFixed(1)}% to ${((hl.hi / base) * 100).toFixed(1)}%)`;
  const cls = c.clear ? (c.text.startsWith('worse') ? 'bad' : c.text.startsWith('better') ? 'ok' : 'warn') : 'note';
  return { html: `<span class="${cls}">${escapeHtml(c.text)}</span><br>shift ${escapeHtml(sig(hl.estimate))} ${escapeHtml(interval)}` };
}

/** Sections of the compare report. `outDir`: where the HTML goes (links to the runs' reports are relative to it). */
export function buildCompareSections(runs: CompareRun[], outDir: string): Section[] {
  const { matched, unmatched } = matchSeries(runs);
  const _ref = runs[0];
  const runsTable = htmlTable(
    ['#', 'run', 'scenario', 'status', 'started', 'testbed', 'host', 'virt', 'parameters', 'report'],
    runs.map((r, i) => [
      i === 0 ? 'reference' : String(i + 1),
      r.meta.run_id,
      r.meta.scenario,
      r.meta.status,
      r.meta.started_at,
      r.meta.testbed,
      r.meta.host?.hostname ?? '',
      [...new Set(r.rows.map((x) => x.virt).filter(Boolean))].join(', '),
      JSON.stringify(r.meta.params ?? {}).slice(0, 200),
      { html: `<a href="${escapeHtml(relative(outDir, `${r.dir}/report.html`))}">report</a>` },
    ]),
  );
  const intro = `<p>${escapeHtml(
    `${runs.length} runs; ${matched.length} series in every run, ${unmatched.length} in some only. Differences are against the reference ` +
      `(the first run): the Hodges–Lehmann shift of the repetitions with its distribution-free 95% interval (none when n per side is too small ` +
      `to reach 95%), and a verdict called only beyond the noise (intervals apart or Mann–Whitney p < 0.05, never with n < 3).`,
  )}</p>`;
  const sections: Section[] = [{ heading: 'Runs', html: intro + runsTable }];
  const header = ['series', 'unit', ...runs.map((_r, i) => `${i === 0 ? 'ref' : `#${i + 1}`} median (n)`), ...runs.slice(1).map((_, i) => `#${i + 2} vs ref`)];
  sections.push({
    heading: 'Matched series',
    html: matched.length
      ? htmlTable(
          header,
          matched.map((m) => [
            m.label,
            m.unit,
            ...m.per.map((p) => ({ html: `${escapeHtml(sig(p!.median))} <span class="note">(n=${p!.n})</span>`, num: true })),
            ...m.per.slice(1).map((p) => diffCell(m.per[0]!, p!, m.direction)),
          ]),
        )
      : '<p class="note">No series is in every run.</p>',
  });
  // One chart per metric: each run's median and interquartile range per series.
  const byMetric = new Map<string, MatchedSeries[]>();
  for (const m of matched) {
    const k = `${m.per[0]!.key.benchmark} ${m.per[0]!.key.metric} (${m.unit})`;
    byMetric.set(k, [...(byMetric.get(k) ?? []), m]);
  }
  for (const [title, list] of byMetric) {
    const values = list.flatMap((m) =>
      m.per.map((p, i) => ({
        series: m.label,
        run: `${i === 0 ? 'ref' : `#${i + 1}`} ${runs[i].meta.run_id}`,
        median: p!.median,
        q1: p!.q1,
        q3: p!.q3,
        n: p!.n,
      })),
    );
    sections.push({
      heading: `Compare: ${title}`,
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        width: 700,
        data: { values },
        encoding: {
          y: { field: 'series', type: 'nominal', title: null, axis: { labelLimit: 420 } },
          yOffset: { field: 'run', type: 'nominal' },
          color: { field: 'run', type: 'nominal', title: 'run' },
        },
        layer: [
          { mark: { type: 'rule' }, encoding: { x: { field: 'q1', type: 'quantitative', title: title }, x2: { field: 'q3' } } },
          {
            mark: { type: 'point', filled: true },
            encoding: {
              x: { field: 'median', type: 'quantitative' },
              tooltip: [
                { field: 'run' },
                { field: 'series' },
                { field: 'median', format: '.4~g' },
                { field: 'q1', format: '.4~g' },
                { field: 'q3', format: '.4~g' },
                { field: 'n' },
              ],
            },
          },
        ],
      },
    });
  }
  sections.push({
    heading: 'Unmatched series',
    html: unmatched.length
      ? htmlTable(
          ['series', 'unit', ...runs.map((r, i) => `${i === 0 ? 'ref' : `#${i + 1}`} ${r.meta.run_id}`)],
          unmatched.map((m) => [m.label, m.unit, ...m.per.map((p) => (p ? `${sig(p.median)} (n=${p.n})` : '—'))]),
        )
      : '<p class="note">Every series is in every run.</p>',
  });
  return sections;
}

export function buildCompareHtml(runs: CompareRun[], outDir: string): string {
  return renderHtml({ title: `intercloud-bench compare: ${runs.map((r) => r.meta.run_id).join(' vs ')}`, sections: buildCompareSections(runs, outDir) });
}

export async function writeCompareReport(runs: CompareRun[], out: string): Promise<string> {
  if (runs.length < 2) throw new Error(`compare: expected two or more runs, got ${runs.length}`);
  // A new file renamed over the old one, mode 0600 from creation: a symlink planted at `out` is replaced, never followed.
  writeFileAtomic(out, buildCompareHtml(runs, dirname(out)));
  return out;
}
