/** Fig. 2 analogue: iperf3 throughput by path, median bars with every sample as a point. */
import type { Measurement } from '../../measurements/measurement.js';
import type { RunMeta } from '../../measurements/run-meta.js';
import { escapeHtml } from '../escape.js';
import { fmt, hasFlag, median, pairLabel, pathLabel, siteOrder, sortLabels, type Section } from './common.js';
import { compareSequential, designOf, intervalCell, spread, type Comparison, type Spread } from './stats.js';
import { attemptOf, EMULATOR_SATURATED, isSuperseded, retryOutcomes, retryText } from '../../measurements/retries.js';
import { rateReference, referenceWord, type Reference } from './reference.js';

export const SATURATED = EMULATOR_SATURATED;

/** A path's samples; median, n, min, max and the interval leave out the emulator-saturated ones (counted in `flagged`). */
export interface BandwidthGroup {
  label: string;
  path: string;
  median: number;
  n: number;
  flagged: number;
  min: number;
  max: number;
  lo: number | null;
  hi: number | null;
  /** Null when every sample of the path was flagged. */
  spread: Spread | null;
}
export interface BandwidthSample {
  label: string;
  value: number;
  kind: 'sample' | typeof SATURATED;
  src: string;
  dst: string;
  repetition: number;
  /** Which try of the sample (1 unless the emulator limited an earlier one, measurements/retries). */
  attempt: number;
  /** A later try of the same sample replaces this one (it was limited and retried). */
  superseded: boolean;
}
/** Inter-site loss of throughput for one site: (intra - inter) / intra * 100. */
export interface SiteDrop {
  /** The node pairs whose samples are compared (intra-site pairs of the site, inter-site pairs touching it). */
  pairs: [string, string][];
  /** The headline comparison's stable key (adaptive repetitions, run.json adaptive.comparisons). */
  key: string;
  site: string;
  intra_median: number;
  inter_median: number;
  drop_pct: number;
  inter_flagged: number;
  intra: Spread;
  inter: Spread;
  /** Inter-site against intra-site: whether the difference is beyond the noise. */
  comparison: Comparison;
}
/**
 * Inter-site throughput against the WAN rate of one site pair: the configured rate where the WAN
 * was emulated, the baseline validation measured where it was not (real sites).
 */
export interface WanDrop {
  a: string;
  b: string;
  /** Which rate `rate_mbit` is. */
  reference: Reference['kind'];
  rate_mbit: number;
  inter_median: number;
  pct_of_rate: number;
  drop_pct: number;
  inter: Spread;
  inter_flagged: number;
}
export interface BandwidthSummary {
  groups: BandwidthGroup[];
  samples: BandwidthSample[];
  drops: SiteDrop[];
  wan: WanDrop[];
  failed: number;
}

const isThroughput = (r: Measurement): boolean => r.benchmark === 'iperf3' && r.metric === 'throughput';

export function bandwidthSummary(rows: Measurement[], meta: RunMeta): BandwidthSummary {
  const order = siteOrder(rows, meta);
  const all = rows.filter(isThroughput);
  const ok = all.filter((r) => r.status === 'ok' && r.value !== null);
  const samples: BandwidthSample[] = ok.map((r) => ({
    label: pathLabel(r, order),
    value: r.value as number,
    kind: hasFlag(r, SATURATED) ? SATURATED : 'sample',
    src: `${r.src_site}/${r.src_node}`,
    dst: `${r.dst_site}/${r.dst_node}`,
    repetition: r.repetition,
    attempt: attemptOf(r),
    superseded: isSuperseded(r),
  }));
  const groups = sortLabels(
    samples.map((s) => s.label),
    order,
  ).map((label) => {
    const mine = samples.filter((s) => s.label === label);
    const v = mine.filter((s) => s.kind !== SATURATED).map((s) => s.value);
    const sp = v.length ? spread(v) : null;
    return {
      label,
      path: label.split(' ')[0],
      median: median(v),
      n: v.length,
      flagged: mine.filter((s) => s.kind === SATURATED).length,
      min: sp ? sp.min : Number.NaN,
      max: sp ? sp.max : Number.NaN,
      lo: sp ? sp.lo : null,
      hi: sp ? sp.hi : null,
      spread: sp,
    };
  });
  // Headline figures leave the emulator-saturated samples out: they measure the emulator, not the path.
  const clean = ok.filter((r) => !hasFlag(r, SATURATED));
  const drops: SiteDrop[] = [];
  for (const site of order) {
    const intra = clean.filter((r) => r.path === 'intra-site' && r.src_site === site && r.dst_site === site).map((r) => r.value as number);
    const interAll = ok.filter((r) => r.path === 'inter-site' && (r.src_site === site || r.dst_site === site));
    const inter = interAll.filter((r) => !hasFlag(r, SATURATED)).map((r) => r.value as number);
    if (!intra.length || !inter.length) continue;
    const im = median(intra);
    const xm = median(inter);
    const key = `bandwidth|${site}`;
    const fed = ok.filter(
      (r) =>
        (r.path === 'intra-site' && r.src_site === site && r.dst_site === site) || (r.path === 'inter-site' && (r.src_site === site || r.dst_site === site)),
    );
    drops.push({
      key,
      pairs: [...new Map(fed.map((r): [string, [string, string]] => [`${r.src_node}>${r.dst_node}`, [r.src_node, r.dst_node]])).values()],
      site,
      intra_median: im,
      inter_median: xm,
      drop_pct: ((im - xm) / im) * 100,
      inter_flagged: interAll.length - inter.length,
      intra: spread(intra),
      inter: spread(inter),
      comparison: compareSequential(intra, inter, designOf(meta, key), { higher: 'higher', lower: 'lower' }),
    });
  }
  const wan: WanDrop[] = [];
  for (const p of meta.wan) {
    const ref = rateReference(meta, p.a, p.b);
    if (!ref) continue;
    const interAll = ok.filter((r) => r.path === 'inter-site' && ((r.src_site === p.a && r.dst_site === p.b) || (r.src_site === p.b && r.dst_site === p.a)));
    const inter = interAll.filter((r) => !hasFlag(r, SATURATED));
    if (!inter.length) continue;
    const xm = median(inter.map((r) => r.value as number));
    wan.push({
      inter: spread(inter.map((r) => r.value as number)),
      inter_flagged: interAll.length - inter.length,
      a: p.a,
      b: p.b,
      reference: ref.kind,
      rate_mbit: ref.value,
      inter_median: xm,
      pct_of_rate: (xm / ref.value) * 100,
      drop_pct: ((ref.value - xm) / ref.value) * 100,
    });
  }
  return { groups, samples, drops, wan, failed: all.length - ok.length };
}

/** "configured WAN rate" (emulated) or "measured baseline WAN rate" (real sites: validation's TCP probe). */
export const rateName = (w: Pick<WanDrop, 'reference'>): string => `${referenceWord(w.reference)} WAN rate`;

/** One-line statements of the drops, used in the chart subtitle and the text. */
export function dropLines(s: BandwidthSummary, order: string[]): string[] {
  const lines: string[] = [];
  if (s.drops.length)
    lines.push(
      'Inter-site vs intra-site median: ' +
        s.drops
          .map(
            (d) =>
              `${d.site} ${d.drop_pct >= 0 ? '−' : '+'}${fmt(Math.abs(d.drop_pct))}% (${fmt(d.intra_median, 0)} → ${fmt(d.inter_median, 0)} Mbit/s, n=${d.intra.n}/${d.inter.n}; ${d.comparison.text})`,
          )
          .join(', '),
    );
  for (const w of s.wan) {
    lines.push(
      `Inter-site ${pairLabel(w.a, w.b, order)} median ${fmt(w.inter_median, 0)} Mbit/s (n=${w.inter.n}) = ${fmt(w.pct_of_rate)}% of ${rateName(w)} ${fmt(w.rate_mbit, 0)} Mbit/s (${w.drop_pct >= 0 ? '−' : '+'}${fmt(Math.abs(w.drop_pct))}%)`,
    );
  }
  const flagged = s.samples.filter((x) => x.kind === SATURATED).length;
  if (flagged)
    lines.push(
      `${flagged} of ${s.samples.length} samples flagged ${SATURATED} (the WAN emulator, not the path, was the bottleneck): shown apart, left out of the medians and percentages`,
    );
  return lines;
}

/** Layers of one panel: median bars with their value, every sample as a point, WAN rate rules. */
function panel(groups: BandwidthGroup[], samples: BandwidthSample[], rates: { rate: number; text: string }[], color: object, title: string): object {
  const labels = groups.map((g) => g.label);
  const x = { field: 'label', type: 'nominal', sort: labels, title: 'Path (site or site pair)', axis: { labelAngle: 0, labelLimit: 200 } };
  const y = { type: 'quantitative', title: 'Throughput (Mbit/s)' };
  const layer: unknown[] = [
    {
      data: { values: groups },
      mark: { type: 'bar', width: { band: 0.6 } },
      encoding: {
        x,
        y: { field: 'median', ...y },
        color: { datum: 'median', ...color },
        tooltip: [
          { field: 'label', title: 'path' },
          { field: 'median', format: ',.0f', title: 'median Mbit/s' },
          { field: 'n', title: 'samples' },
          { field: 'flagged', title: SATURATED },
        ],
      },
    },
    {
      data: { values: groups },
      mark: { type: 'text', align: 'right', dx: -8, dy: -3, baseline: 'bottom', fontWeight: 'bold' },
      encoding: { x, y: { field: 'median', ...y }, text: { field: 'median', type: 'quantitative', format: ',.0f' } },
    },
    // Flagged samples sit to the right of the bar centre so they cannot hide behind the others.
    ...(['sample', SATURATED] as const).map((kind) => ({
      data: { values: samples.filter((p) => p.kind === kind && labels.includes(p.label)) },
      mark: { type: 'point', filled: true, size: 50, opacity: 0.9, xOffset: kind === SATURATED ? 14 : 0 },
      encoding: {
        x,
        y: { field: 'value', ...y },
        color: { field: 'kind', ...color },
        shape: { field: 'kind', scale: { domain: ['sample', SATURATED], range: ['circle', 'triangle-up'] }, legend: null },
        tooltip: [
          { field: 'label', title: 'path' },
          { field: 'value', format: ',.1f', title: 'Mbit/s' },
          { field: 'src' },
          { field: 'dst' },
          { field: 'repetition' },
          { field: 'attempt', title: 'try' },
          { field: 'kind' },
        ],
      },
    })),
  ];
  if (rates.length) {
    layer.push({
      data: { values: rates },
      mark: { type: 'rule', strokeDash: [6, 4], strokeWidth: 1.5 },
      encoding: { y: { field: 'rate', ...y }, color: { field: 'text', ...color }, tooltip: [{ field: 'text', title: 'WAN' }] },
    });
  }
  return { title, width: Math.max(220, 115 * labels.length), height: 320, layer };
}

/**
 * Bars and points for every path; when the fast local/intra paths dwarf the WAN, a second panel
 * shows only the paths at WAN scale (median up to twice the WAN rate or inter-site median).
 */
export function bandwidthSpec(s: BandwidthSummary, meta: RunMeta, order: string[]): Record<string, unknown> {
  const rates = s.wan.map((w) => ({ rate: w.rate_mbit, text: `${rateName(w)} ${pairLabel(w.a, w.b, order)} (${fmt(w.rate_mbit, 0)} Mbit/s)` }));
  const color = {
    scale: { domain: ['median', 'sample', SATURATED, ...rates.map((r) => r.text)], range: ['#9ecae1', '#08519c', '#d62728', ...rates.map(() => '#ff7f0e')] },
    legend: { title: null, orient: 'top', labelLimit: 400 },
  };
  const scale = Math.max(0, ...rates.map((r) => r.rate), ...s.groups.filter((g) => g.path === 'inter-site').map((g) => g.median));
  const detail = s.groups.filter((g) => scale > 0 && g.median <= 2 * scale);
  const panels = [panel(s.groups, s.samples, rates, color, 'All paths')];
  if (detail.length >= 2 && detail.length < s.groups.length) panels.push(panel(detail, s.samples, rates, color, 'Detail: paths at WAN scale'));
  return {
    title: {
      text: `Throughput by path (iperf3, ${meta.run_id})`,
      subtitle: dropLines(s, order),
      anchor: 'start',
      subtitleColor: '#333',
      subtitleFontSize: 12,
      fontSize: 15,
    },
    hconcat: panels,
    spacing: 40,
  };
}

function summaryTable(s: BandwidthSummary): string {
  const rows = s.groups.map(
    (g) =>
      `<tr><td>${escapeHtml(g.label)}</td><td class="num">${fmt(g.median)}</td><td class="num">${g.spread ? escapeHtml(intervalCell(g.spread)) : '–'}</td><td class="num">${fmt(g.min)}</td><td class="num">${fmt(g.max)}</td><td class="num">${g.n}</td><td class="num">${g.flagged || ''}</td></tr>`,
  );
  return `<table><tr><th>path</th><th>median Mbit/s</th><th>interval</th><th>min</th><th>max</th><th>n (not saturated)</th><th>${SATURATED} (left out)</th></tr>${rows.join('')}</table>`;
}

export function bandwidthSection(rows: Measurement[], meta: RunMeta): Section | null {
  const s = bandwidthSummary(rows, meta);
  if (!s.samples.length) return null;
  const order = siteOrder(rows, meta);
  const lines = dropLines(s, order)
    .map((l) => `<li>${escapeHtml(l)}</li>`)
    .join(''); // the key result
  const failed = s.failed ? `<p class="bad">${s.failed} throughput sample(s) failed; see "Failed samples".</p>` : '';
  const retried = retryOutcomes(rows.filter((r) => r.benchmark === 'iperf3' && r.metric === 'throughput'));
  const retries = retried.length
    ? `<p class="note" id="bandwidth-retries">${retried.map((o) => escapeHtml(retryText(o))).join('; ')}. Every try is a point (try in its tooltip); a sample counts once in the medians, with its last try when that one was not limited.</p>`
    : '';
  return {
    heading: 'Bandwidth by path (Fig. 2 analogue)',
    html: `<p class="note">Bars: median iperf3 throughput per path over the samples not flagged ${SATURATED}; points: every sample (red triangles: ${SATURATED}, the WAN emulator was the bottleneck; they are left out of the medians, intervals and percentages). Percentages are (intra-site median − inter-site median) / intra-site median; the verdict after it compares the geometric means (Welch's t on the log scale, with the interval of the difference: docs/statistics.md). Interval of a median: 95% order-statistic interval when n ≥ 6, min–max when n is 3 to 5, none below 3.</p><ul class="key">${lines}</ul>${retries}${failed}${summaryTable(s)}`,
    spec: bandwidthSpec(s, meta, order),
  };
}
