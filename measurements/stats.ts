/** Summary statistics shared by collectors and reports. Pure: no I/O. */

/**
 * The p-th percentile of `values`, with p in [0, 100] (not a 0..1 fraction).
 * Linear interpolation between closest ranks: the "inclusive" definition (Hyndman & Fan type 7,
 * numpy's default, Excel PERCENTILE.INC). With v sorted ascending and h = (n - 1) * p / 100, the
 * result is v[floor(h)] + (h - floor(h)) * (v[floor(h) + 1] - v[floor(h)]).
 * Throws a RangeError on an empty list or a p outside [0, 100] (NaN included): a missing value is
 * never silently turned into a number.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('percentile: expected at least one value, got none');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile: expected p from 0 to 100, got ${p}`);
  const v = [...values].sort((a, b) => a - b);
  const h = ((v.length - 1) * p) / 100;
  const lo = Math.floor(h);
  return lo + 1 < v.length ? v[lo] + (h - lo) * (v[lo + 1] - v[lo]) : v[lo];
}

/*
 * Small-sample statistics for benchmark repetitions. Rules (issue 11):
 * - n is always carried with an aggregate;
 * - n < 3: the points and their min–max only, no interval;
 * - n 3..5: min–max, labelled as such (a 95% interval of the median needs n >= 6);
 * - n >= 6: a distribution-free 95% interval of the median from order statistics (binomial);
 * - intervals of means of positive quantities are computed on the log scale, so they never reach 0;
 * - a difference is called only when it is beyond the noise (compareGroups).
 */

/** The median (percentile 50); NaN for an empty list. */
export function median(values: readonly number[]): number {
  return values.length ? percentile(values, 50) : Number.NaN;
}

/** P(X <= k) for X ~ Binomial(n, 1/2). */
export function binomHalfCdf(n: number, k: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  let term = 0.5 ** n; // C(n, 0) / 2^n
  let sum = term;
  for (let i = 1; i <= k; i++) {
    term = (term * (n - i + 1)) / i;
    sum += term;
  }
  return Math.min(1, sum);
}

export type IntervalKind = 'none' | 'min-max' | 'median-ci';

/** A group of samples described honestly for its size. */
export interface Spread {
  n: number;
  median: number;
  mean: number;
  min: number;
  max: number;
  /** Lower/upper end of the interval shown, null when none is shown (n < 3). */
  lo: number | null;
  hi: number | null;
  /** 'median-ci': 95% order-statistic interval of the median; 'min-max': the range (n 3..5); 'none' (n < 3). */
  interval: IntervalKind;
  /** Probability that the interval covers the true median (>= 0.95 for median-ci; 1 - 2^(1-n) for min-max); null for none. */
  coverage: number | null;
}

/**
 * Distribution-free interval of the median: [x(k), x(n-k+1)] with the largest k whose coverage
 * 1 - 2 P(B <= k-1), B ~ Bin(n, 1/2), is at least `level`. Null when n is too small for `level`
 * (n < 6 at 95%). The ends are observations, so they never leave the data's range.
 */
export function medianInterval(values: readonly number[], level = 0.95): { lo: number; hi: number; coverage: number; k: number } | null {
  const n = values.length;
  const v = [...values].sort((a, b) => a - b);
  let best: { lo: number; hi: number; coverage: number; k: number } | null = null;
  for (let k = 1; k <= Math.floor(n / 2); k++) {
    const coverage = 1 - 2 * binomHalfCdf(n, k - 1);
    if (coverage < level) break;
    best = { lo: v[k - 1], hi: v[n - k], coverage, k };
  }
  return best;
}

/** n, median, mean, min–max and the interval that suits n (see the rules above). Throws on an empty list. */
export function spread(values: readonly number[]): Spread {
  const n = values.length;
  if (n === 0) throw new RangeError('spread: expected at least one value, got none');
  if (values.some((x) => !Number.isFinite(x)))
    throw new RangeError(`spread: expected finite numbers, got ${values.filter((x) => !Number.isFinite(x)).join(', ')}`);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const base = { n, median: median(values), mean: values.reduce((a, b) => a + b, 0) / n, min, max };
  if (n < 3) return { ...base, lo: null, hi: null, interval: 'none', coverage: null };
  const ci = medianInterval(values);
  if (ci) return { ...base, lo: ci.lo, hi: ci.hi, interval: 'median-ci', coverage: ci.coverage };
  return { ...base, lo: min, hi: max, interval: 'min-max', coverage: 1 - 2 * 0.5 ** n };
}

// Two-sided 95% critical values of Student's t for 1..30 degrees of freedom.
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069,
  2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** Two-sided 95% critical value of Student's t; NaN for df < 1. */
export function t95(df: number): number {
  if (!(df >= 1)) return Number.NaN;
  return df <= 30 ? T95[Math.floor(df) - 1] : 1.96;
}

export interface MeanInterval {
  n: number;
  /** The arithmetic mean, or the geometric mean when the interval is on the log scale. */
  mean: number;
  lo: number | null;
  hi: number | null;
  method: 'none' | 'log-t' | 't';
}

/**
 * 95% interval of a mean, null ends for n < 3. A positive quantity (every value > 0, e.g. a time
 * or a rate) gets a t-interval on the log scale: geometric mean × / ÷ factor, never <= 0. Other
 * data get an ordinary t-interval, clamped at `lowerBound` when given (e.g. 0 for a count).
 */
export function meanInterval(values: readonly number[], opts: { lowerBound?: number } = {}): MeanInterval {
  const n = values.length;
  if (n === 0) throw new RangeError('meanInterval: expected at least one value, got none');
  const positive = values.every((x) => x > 0);
  const xs = positive ? values.map(Math.log) : [...values];
  const m = xs.reduce((a, b) => a + b, 0) / n;
  const back = (x: number) => (positive ? Math.exp(x) : x);
  if (n < 3) return { n, mean: back(m), lo: null, hi: null, method: 'none' };
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (n - 1));
  const h = (t95(n - 1) * sd) / Math.sqrt(n);
  let lo = back(m - h);
  if (opts.lowerBound !== undefined) lo = Math.max(opts.lowerBound, lo);
  return { n, mean: back(m), lo, hi: back(m + h), method: positive ? 'log-t' : 't' };
}

/** All k-subsets of 0..n-1, as index arrays (callers keep C(n, k) small). */
function* combinations(n: number, k: number): Generator<number[]> {
  const idx = Array.from({ length: k }, (_, i) => i);
  while (true) {
    yield idx;
    let i = k - 1;
    while (i >= 0 && idx[i] === n - k + i) i--;
    if (i < 0) return;
    idx[i]++;
    for (let j = i + 1; j < k; j++) idx[j] = idx[j - 1] + 1;
  }
}

function choose(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return c;
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 via erf, |error| < 1.5e-7). */
function normCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/**
 * Two-sided p-value of the Mann–Whitney (Wilcoxon rank-sum) test, midranks for ties: exact by
 * enumerating every split of the pooled ranks when there are at most 200,000 of them, else the
 * normal approximation with the tie correction.
 */
export function mannWhitneyP(a: readonly number[], b: readonly number[]): number {
  const m = a.length;
  const n = b.length;
  if (!m || !n) return 1;
  const pooled = [...a, ...b].map((v, i) => ({ v, i })).sort((x, y) => x.v - y.v);
  const rank = new Array<number>(m + n);
  for (let i = 0; i < pooled.length; ) {
    let j = i;
    while (j + 1 < pooled.length && pooled[j + 1].v === pooled[i].v) j++;
    for (let k = i; k <= j; k++) rank[pooled[k].i] = (i + j) / 2 + 1;
    i = j + 1;
  }
  const ra = rank.slice(0, m).reduce((s, r) => s + r, 0);
  const expected = (m * (m + n + 1)) / 2;
  const observed = Math.abs(ra - expected);
  if (choose(m + n, m) <= 200_000) {
    let extreme = 0;
    let total = 0;
    for (const c of combinations(m + n, m)) {
      let s = 0;
      for (const i of c) s += rank[i];
      total++;
      if (Math.abs(s - expected) >= observed - 1e-9) extreme++;
    }
    return extreme / total;
  }
  const ties = new Map<number, number>();
  for (const p of pooled) ties.set(p.v, (ties.get(p.v) ?? 0) + 1);
  const tieSum = [...ties.values()].reduce((s, t) => s + t ** 3 - t, 0);
  const N = m + n;
  const variance = ((m * n) / 12) * (N + 1 - tieSum / (N * (N - 1)));
  if (!(variance > 0)) return 1;
  return Math.min(1, 2 * (1 - normCdf((observed - 0.5) / Math.sqrt(variance))));
}

export interface Comparison {
  /** (median of b − median of a) / median of a × 100. */
  pct: number;
  na: number;
  nb: number;
  /** True only when the difference is beyond the noise (see compareGroups). */
  clear: boolean;
  /** How `clear` was decided. */
  basis: 'intervals-apart' | 'mann-whitney' | 'too-few' | 'overlap' | 'welch-log' | 'equivalent' | 'undecided';
  /** Mann–Whitney two-sided p, when both groups have n >= 4. */
  p: number | null;
  /** "slower by 15.0% (n=3/3)" or "no clear difference (+15.0%, n=2/2)". */
  text: string;
}

/**
 * Compares group b against group a (the reference) on their medians. The difference is called
 * ("<higher> by X%" / "<lower> by X%") only when the intervals the report shows for both groups
 * (95% median interval at n >= 6, min–max at n 3..5) do not overlap, or when both groups have
 * n >= 4 and the exact Mann–Whitney test gives p < 0.05. Never with a group of n < 3.
 * Otherwise: "no clear difference (±X%, n=a/b)".
 */
export function compareGroups(a: readonly number[], b: readonly number[], words: { higher?: string; lower?: string; digits?: number } = {}): Comparison {
  const higher = words.higher ?? 'higher';
  const lower = words.lower ?? 'lower';
  const digits = words.digits ?? 1;
  const na = a.length;
  const nb = b.length;
  const ns = `n=${na}/${nb}`;
  if (!na || !nb) return { pct: Number.NaN, na, nb, clear: false, basis: 'too-few', p: null, text: `no comparison (${ns})` };
  const ma = median(a);
  const mb = median(b);
  const pct = ma !== 0 ? ((mb - ma) / Math.abs(ma)) * 100 : Number.NaN;
  // The interval each group shows: 95% median interval at n >= 6, min–max at n 3..5, none below 3.
  const shown = (v: readonly number[]) => {
    if (v.length < 3) return null;
    const ci = medianInterval(v);
    return ci ?? { lo: Math.min(...v), hi: Math.max(...v) };
  };
  const ia = shown(a);
  const ib = shown(b);
  const p = na >= 4 && nb >= 4 ? mannWhitneyP(a, b) : null;
  let basis: Comparison['basis'] = na < 3 || nb < 3 ? 'too-few' : 'overlap';
  if (ia && ib && (ia.hi < ib.lo || ib.hi < ia.lo)) basis = 'intervals-apart';
  else if (p !== null && p < 0.05) basis = 'mann-whitney';
  const clear = (basis === 'intervals-apart' || basis === 'mann-whitney') && mb !== ma && Number.isFinite(pct);
  const abs = Math.abs(pct).toFixed(digits);
  const text = clear
    ? `${mb > ma ? higher : lower} by ${abs}% (${ns})`
    : `no clear difference (${Number.isFinite(pct) ? `${pct >= 0 ? '+' : '−'}${abs}%` : 'n/a'}, ${ns})`;
  return { pct, na, nb, clear, basis: clear ? basis : basis === 'too-few' ? 'too-few' : 'overlap', p, text };
}
