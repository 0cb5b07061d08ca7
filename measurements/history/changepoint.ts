/**
 * Change points over a whole series: e-divisive means (Matteson & James 2014) with the
 * deterministic significance test of Apache Otava/Hunter instead of permutations. Pure, own code.
 *
 * In a segment, the split τ that maximises the energy divergence
 *   q(τ) = m·n/(m+n) · ( 2/(m·n) Σ|x_i − y_j| − 2/m² Σ_{i<k}|x_i − x_k| − 2/n² Σ_{j<l}|y_j − y_l| )
 * (x = the m values before τ, y = the n values from τ on) is a candidate; it is kept when the two
 * sides differ significantly (two-sided Mann–Whitney p < alpha; Otava uses Student's t: the rank
 * test needs no normality) and by at least `minMagnitude` of the left median. Then both sides are
 * searched again, until no significant split is left. O(T²) per segment with running sums.
 */
import { median } from '../stats.js';
import { rankSumP } from './ranksum.js';

export interface ChangePoint {
  /** Index of the first value of the new level. */
  index: number;
  before: number;
  after: number;
  /** (after − before) / |before| × 100. */
  pct: number;
  p: number;
  q: number;
  /** Robust coefficient of variation (1.4826 × MAD / median) of the values before, as a fraction. */
  cvBefore: number;
}

export interface ChangePointOptions {
  /** Significance level of the split (default 0.01). */
  alpha?: number;
  /** Smallest segment (default 4). */
  minSize?: number;
  /** Smallest relative change of the medians (default 0.02 = 2%). */
  minMagnitude?: number;
}

/** The best split of x (by q), or null when x is too short. */
export function bestSplit(x: readonly number[], minSize: number): { index: number; q: number } | null {
  const T = x.length;
  if (T < 2 * minSize) return null;
  // within(τ) for the prefix: Σ_{i<k<τ} |x_i − x_k|; for the suffix likewise from the end.
  const pre = new Float64Array(T + 1);
  for (let t = 1; t < T; t++) {
    let s = 0;
    for (let i = 0; i < t; i++) s += Math.abs(x[i] - x[t]);
    pre[t + 1] = pre[t] + s;
  }
  const suf = new Float64Array(T + 1); // suf[τ] = Σ_{τ<=j<l<T}
  for (let t = T - 2; t >= 0; t--) {
    let s = 0;
    for (let j = t + 1; j < T; j++) s += Math.abs(x[j] - x[t]);
    suf[t] = suf[t + 1] + s;
  }
  const total = pre[T];
  let best: { index: number; q: number } | null = null;
  for (let tau = minSize; tau <= T - minSize; tau++) {
    const m = tau;
    const n = T - tau;
    const cross = total - pre[tau] - suf[tau];
    const e = (2 * cross) / (m * n) - (2 * pre[tau]) / (m * m) - (2 * suf[tau]) / (n * n);
    const q = ((m * n) / (m + n)) * e;
    if (!best || q > best.q) best = { index: tau, q };
  }
  return best;
}

export function changePoints(x: readonly number[], opts: ChangePointOptions = {}): ChangePoint[] {
  const alpha = opts.alpha ?? 0.01;
  const minSize = opts.minSize ?? 4;
  const minMagnitude = opts.minMagnitude ?? 0.02;
  const found: ChangePoint[] = [];
  const stack: [number, number][] = [[0, x.length]];
  while (stack.length) {
    const [a, b] = stack.pop()!;
    const seg = x.slice(a, b);
    const s = bestSplit(seg, minSize);
    if (!s) continue;
    const left = seg.slice(0, s.index);
    const right = seg.slice(s.index);
    const p = rankSumP(left, right);
    const before = median(left);
    const after = median(right);
    const rel = before !== 0 ? (after - before) / Math.abs(before) : Number.POSITIVE_INFINITY;
    if (!(p < alpha) || Math.abs(rel) < minMagnitude) continue;
    const mad = median(left.map((v) => Math.abs(v - before)));
    const cvBefore = before !== 0 ? (1.4826 * mad) / Math.abs(before) : 0;
    found.push({ index: a + s.index, before, after, pct: rel * 100, p, q: s.q, cvBefore });
    stack.push([a, a + s.index], [a + s.index, b]);
  }
  return found.sort((u, v) => u.index - v.index);
}
