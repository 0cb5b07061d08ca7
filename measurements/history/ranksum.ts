/**
 * A fast two-sided Mann–Whitney (Wilcoxon rank-sum) p-value for the detector, which runs many
 * tests per series: the exact null distribution by dynamic programming over rank sums when there
 * are no ties and m + n <= 60 (O((m+n) · min(m,n) · max sum), no enumeration of subsets), else
 * the normal approximation with tie and continuity correction. Agrees with stats.mannWhitneyP
 * (which enumerates) where both are exact.
 */

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 via erf, |error| < 1.5e-7). */
export function normCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

const exactCache = new Map<string, Float64Array>();

/** P(rank sum of the smaller group = s), s from 0..max, for group sizes k <= N - k (ranks 1..N). */
function exactDist(k: number, N: number): Float64Array {
  const key = `${k}/${N}`;
  const hit = exactCache.get(key);
  if (hit) return hit;
  const maxSum = (k * (2 * N - k + 1)) / 2;
  // ways[j][s]: subsets of size j of the ranks seen so far with sum s (as fractions of C(N,k) to stay finite).
  const ways: Float64Array[] = Array.from({ length: k + 1 }, () => new Float64Array(maxSum + 1));
  ways[0][0] = 1;
  for (let r = 1; r <= N; r++) {
    // 0/1 knapsack in place: sizes downwards, so rank r is used at most once.
    for (let j = Math.min(k, r); j >= 1; j--) {
      const prev = ways[j - 1];
      const cur = ways[j];
      for (let s = maxSum; s >= r; s--) cur[s] += prev[s - r];
    }
  }
  const total = ways[k].reduce((a, b) => a + b, 0);
  const dist = ways[k].map((w) => w / total);
  exactCache.set(key, dist);
  return dist;
}

export function rankSumP(a: readonly number[], b: readonly number[]): number {
  const m = a.length;
  const n = b.length;
  if (!m || !n) return 1;
  const N = m + n;
  const pooled = [...a.map((v) => ({ v, g: 0 })), ...b.map((v) => ({ v, g: 1 }))].sort((x, y) => x.v - y.v);
  const ranks = new Float64Array(N);
  let ties = false;
  let tieSum = 0;
  for (let i = 0; i < N; ) {
    let j = i;
    while (j + 1 < N && pooled[j + 1].v === pooled[i].v) j++;
    if (j > i) {
      ties = true;
      const t = j - i + 1;
      tieSum += t ** 3 - t;
    }
    for (let k = i; k <= j; k++) ranks[k] = (i + j) / 2 + 1;
    i = j + 1;
  }
  // Rank sum of the smaller group.
  const small = m <= n ? 0 : 1;
  const k = Math.min(m, n);
  let w = 0;
  for (let i = 0; i < N; i++) if (pooled[i].g === small) w += ranks[i];
  const mean = (k * (N + 1)) / 2;
  if (!ties && N <= 60) {
    const dist = exactDist(k, N);
    const dev = Math.abs(w - mean);
    let p = 0;
    for (let s = 0; s < dist.length; s++) if (Math.abs(s - mean) >= dev - 1e-9) p += dist[s];
    return Math.min(1, p);
  }
  const variance = ((m * n) / 12) * (N + 1 - tieSum / (N * (N - 1)));
  if (!(variance > 0)) return 1;
  return Math.min(1, 2 * (1 - normCdf((Math.abs(w - mean) - 0.5) / Math.sqrt(variance))));
}

export interface ShiftInterval {
  /** Hodges–Lehmann estimate of the shift y − x: the median of all pairwise differences. */
  estimate: number;
  /** Distribution-free interval of the shift, null ends when the sizes cannot reach the level. */
  lo: number | null;
  hi: number | null;
  /** Its actual coverage (>= level), null when no interval. */
  coverage: number | null;
  m: number;
  n: number;
}

/**
 * Hodges–Lehmann shift of y against x with its distribution-free interval: the c-th smallest and
 * largest of the m·n differences y_j − x_i, c the largest with P(U <= c − 1) <= (1 − level)/2
 * under the null (exact up to m + n = 60, normal beyond). Assumes a pure shift; ties make it
 * approximate. With m = n = 2 or 3 no 95% interval exists (the smallest p is 1/3 or 1/10).
 */
export function hodgesLehmann(x: readonly number[], y: readonly number[], level = 0.95): ShiftInterval {
  const m = x.length;
  const n = y.length;
  if (!m || !n) throw new RangeError('hodgesLehmann: expected values on both sides');
  const d: number[] = [];
  for (const a of x) for (const b of y) d.push(b - a);
  d.sort((u, v) => u - v);
  const mid = d.length / 2;
  const estimate = d.length % 2 ? d[(d.length - 1) / 2] : (d[mid - 1] + d[mid]) / 2;
  const alpha2 = (1 - level) / 2;
  const N = m + n;
  let c = 0;
  let tail = 0;
  if (N <= 60) {
    const k = Math.min(m, n);
    const dist = exactDist(k, N);
    const w0 = (k * (k + 1)) / 2; // U = W − w0
    let cum = 0;
    for (let u = 0; u + w0 < dist.length; u++) {
      if (cum + dist[u + w0] > alpha2) break;
      cum += dist[u + w0];
      c = u + 1;
      tail = cum;
    }
  } else {
    const sd = Math.sqrt((m * n * (N + 1)) / 12);
    c = Math.floor((m * n) / 2 - 1.959964 * sd);
    tail = alpha2;
  }
  if (c < 1) return { estimate, lo: null, hi: null, coverage: null, m, n };
  return { estimate, lo: d[c - 1], hi: d[d.length - c], coverage: 1 - 2 * tail, m, n };
}
