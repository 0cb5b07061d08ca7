/**
 * Noise-aware regression detection of one series. Pure: the caller gives the series' history.
 *
 * The newest value (median of its repetitions) is compared with a baseline: the medians of the
 * last `window` earlier accepted runs (status ok, not an unconfirmed suspect), counted from the
 * latest restart (the latest change point of the earlier history, or the first run of the
 * latest confirmed regression). It is a finding when, in the worse direction,
 *   |Δ| = |value − baseline median| / baseline median  >=  max(minPct, k × robust CV)
 * (robust CV = 1.4826 × b_n × MAD / median of the baseline medians, the series' own run-to-run
 * noise; b_n the small-sample correction of Croux & Rousseeuw)
 * and the repetitions differ significantly (two-sided Mann–Whitney p < alpha between the newest
 * repetitions and the baseline runs' repetitions), when that test can reach alpha at all with
 * the sizes given; otherwise the threshold alone decides. A finding is `suspect`; it becomes
 * `confirmed` when the next run of the series (a re-run or the next night) is also worse beyond
 * the threshold of the same baseline.
 */
import { median } from '../stats.js';
import { rankSumP } from './ranksum.js';
import { type ChangePoint, changePoints } from './changepoint.js';
import type { Direction } from './series.js';

export interface DetectOptions {
  /** Baseline runs at most (default 10). */
  window: number;
  /** Baseline runs at least (default 5); fewer: no comparison. */
  minBaseline: number;
  /** Smallest threshold, as a fraction (default 0.05). */
  minPct: number;
  /** Threshold in robust CVs (default 3). */
  k: number;
  /** Significance level of the repetitions' test (default 0.05). */
  alpha: number;
}

export const DEFAULT_DETECT: DetectOptions = { window: 10, minBaseline: 5, minPct: 0.05, k: 3, alpha: 0.05 };

/** One run's point of a series. */
export interface SeriesPoint {
  runId: string;
  startedAt: string;
  median: number;
  values: number[];
  /** Run status (only ok runs form a baseline). */
  status: string;
  /** The finding recorded on this point earlier, if any. */
  finding?: 'suspect' | 'confirmed' | null;
}

export type Verdict = 'suspect' | 'confirmed' | 'improvement' | 'within-noise' | 'no-baseline' | 'changed';

export interface Baseline {
  runs: string[];
  median: number;
  /** Robust coefficient of variation of the baseline medians, as a fraction. */
  cv: number;
  /** The band shown: baseline median ± threshold. */
  lo: number;
  hi: number;
  /** Repetitions pooled over the baseline runs. */
  n: number;
}

export interface Detection {
  verdict: Verdict;
  value: number;
  n: number;
  baseline: Baseline | null;
  /** (value − baseline) / baseline × 100. */
  deltaPct: number | null;
  thresholdPct: number | null;
  /** Mann–Whitney p of the repetitions, null when the test cannot reach alpha at these sizes. */
  p: number | null;
  /** Set on `confirmed`: the earlier suspect run this one confirms. */
  confirms: string | null;
  /** Change points found over the whole history (newest point included). */
  changePoints: (ChangePoint & { runId: string })[];
  /** Those of changePoints not found (within 2 runs) without the newest point: found by this run. */
  newChangePoints: (ChangePoint & { runId: string })[];
}

/**
 * A change point counts as a confirmed regression when it goes the worse way by at least
 * max(2%, k × the robust CV before it): it already has >= 4 runs on each side and p < 0.01, so
 * the 5% floor of a single run's test is not needed.
 */
export function shiftIsRegression(c: ChangePoint, direction: Direction, opts: DetectOptions = DEFAULT_DETECT): boolean {
  if (direction === 'none') return false;
  const worse = direction === 'higher' ? c.pct < 0 : c.pct > 0;
  return worse && Math.abs(c.pct) / 100 >= Math.max(0.02, opts.k * c.cvBefore);
}

const MAD_SCALE = 1.4826;
/** Small-sample correction of the MAD as an estimate of sigma (Croux & Rousseeuw 1992), n = 2..9; n/(n - 0.8) above. */
const MAD_SMALL = [1, 1, 1.196, 1.495, 1.363, 1.206, 1.2, 1.14, 1.129, 1.107];
export function madCorrection(n: number): number {
  return n < MAD_SMALL.length ? MAD_SMALL[Math.max(0, n)] : n / (n - 0.8);
}

/** The smallest two-sided p the rank-sum test can give with sizes m and n (no ties). */
export function minRankP(m: number, n: number): number {
  let c = 1;
  for (let i = 1; i <= Math.min(m, n); i++) c = (c * (m + n - Math.min(m, n) + i)) / i;
  return 2 / c;
}

function baselineOf(points: SeriesPoint[], opts: DetectOptions, restart: number): SeriesPoint[] {
  return points
    .slice(restart)
    .filter((p) => p.status === 'ok' && p.finding !== 'suspect')
    .slice(-opts.window);
}

/** Index where the baseline restarts, from the earlier points only. */
export function restartIndex(earlier: SeriesPoint[], cps: ChangePoint[]): number {
  let r = 0;
  for (const c of cps) r = Math.max(r, c.index);
  for (let i = earlier.length - 1; i >= 0; i--) {
    if (earlier[i].finding === 'confirmed') {
      let j = i;
      while (j > 0 && earlier[j - 1].finding === 'confirmed') j--;
      r = Math.max(r, j);
      break;
    }
  }
  return r;
}

/** Detects on the newest point of `points` (ordered oldest first). */
export function detect(points: SeriesPoint[], direction: Direction, opts: DetectOptions = DEFAULT_DETECT): Detection {
  const last = points[points.length - 1];
  const earlier = points.slice(0, -1);
  const ok = (p: SeriesPoint) => p.status === 'ok';
  const cpsAll = changePoints(points.filter(ok).map((p) => p.median));
  const okPoints = points.filter(ok);
  const changePointsOut = cpsAll.map((c) => ({ ...c, runId: okPoints[c.index].runId }));
  const earlierOk = earlier.filter(ok);
  const cpsEarlierOk = changePoints(earlierOk.map((p) => p.median));
  const newChangePoints = ok(last) ? changePointsOut.filter((c) => !cpsEarlierOk.some((e) => Math.abs(e.index - c.index) <= 2)) : [];
  const cpsEarlier = cpsEarlierOk.map((c) => ({ ...c, index: earlier.indexOf(earlierOk[c.index]) }));
  const base = baselineOf(earlier, opts, restartIndex(earlier, cpsEarlier));
  const out: Detection = {
    verdict: 'no-baseline',
    value: last.median,
    n: last.values.length,
    baseline: null,
    deltaPct: null,
    thresholdPct: null,
    p: null,
    confirms: null,
    changePoints: changePointsOut,
    newChangePoints,
  };
  if (base.length < opts.minBaseline) return out;
  const meds = base.map((p) => p.median);
  const bm = median(meds);
  const mad = median(meds.map((v) => Math.abs(v - bm)));
  const cv = bm !== 0 ? (MAD_SCALE * madCorrection(meds.length) * mad) / Math.abs(bm) : 0;
  const thr = Math.max(opts.minPct, opts.k * cv);
  const pooled = base.flatMap((p) => p.values);
  out.baseline = { runs: base.map((p) => p.runId), median: bm, cv, lo: bm - Math.abs(bm) * thr, hi: bm + Math.abs(bm) * thr, n: pooled.length };
  out.thresholdPct = thr * 100;
  if (bm === 0) {
    out.verdict = 'within-noise';
    return out;
  }
  const delta = (last.median - bm) / Math.abs(bm);
  out.deltaPct = delta * 100;
  const testable = minRankP(last.values.length, pooled.length) < opts.alpha;
  out.p = testable ? rankSumP(last.values, pooled) : null;
  const significant = out.p === null || out.p < opts.alpha;
  if (Math.abs(delta) < thr || !significant) {
    out.verdict = 'within-noise';
    return out;
  }
  if (direction === 'none') {
    out.verdict = 'changed';
    return out;
  }
  const worse = direction === 'higher' ? delta < 0 : delta > 0;
  if (!worse) {
    out.verdict = 'improvement';
    return out;
  }
  // The previous run of the series was a suspect of the same baseline: this one confirms it.
  const prev = earlier[earlier.length - 1];
  if (prev && prev.finding === 'suspect' && ok(prev)) {
    const pd = (prev.median - bm) / Math.abs(bm);
    if ((direction === 'higher' ? pd < 0 : pd > 0) && Math.abs(pd) >= thr) {
      out.verdict = 'confirmed';
      out.confirms = prev.runId;
      return out;
    }
  }
  out.verdict = 'suspect';
  return out;
}

/**
 * Runs the detector over a whole series point by point, as the history does when runs arrive
 * one after another (suspects recorded, a confirmation promotes the earlier suspect). Returns
 * each point's detection; `points` is not modified.
 */
export function replay(points: readonly SeriesPoint[], direction: Direction, opts: DetectOptions = DEFAULT_DETECT): Detection[] {
  const seen: SeriesPoint[] = [];
  const out: Detection[] = [];
  for (const p of points) {
    seen.push({ ...p, finding: null });
    const d = detect(seen, direction, opts);
    if (d.verdict === 'suspect' || d.verdict === 'confirmed') seen[seen.length - 1].finding = d.verdict;
    if (d.verdict === 'confirmed' && seen.length > 1) seen[seen.length - 2].finding = 'confirmed';
    out.push(d);
  }
  return out;
}
