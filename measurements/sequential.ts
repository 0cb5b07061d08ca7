/**
 * Deciding an A vs B comparison from repeated samples, with looks on a fixed schedule. Pure: no I/O.
 *
 * The procedure (issue 25), and why:
 * - The quantities compared are positive (throughput, transactions per second, seconds), and their
 *   noise is multiplicative, so the comparison is on the log scale: Welch's t on log values gives
 *   an interval of the ratio of geometric means b/a, reported as a % difference that can never
 *   cross -100% (a physical bound). Welch, not Student: the two sides need not share a variance
 *   (an inter-site path is noisier than a LAN). Mann-Whitney is not used here: at n=3/3 its
 *   smallest two-sided p is 0.1, so it could never decide at the first look.
 * - Looks happen only at the repetition counts of a fixed schedule (3, 6, 12, ... up to the
 *   maximum), K looks in all. The error rate alpha is split over them in advance (Bonferroni with
 *   unequal shares): half to the first look, the other half equally to the K - 1 later ones (one
 *   look: all of it). The chance of any false call across all looks is then at most their sum,
 *   alpha, whatever the correlation between looks, and it needs no numerical integration
 *   (alpha-spending boundaries such as Pocock's are derived for normal statistics with known
 *   variance, not for t at n = 3). The first look gets the larger share because at n = 3 Welch's t
 *   has about 2 degrees of freedom: its critical value is 6.2 at 0.025 but 10.8 at 0.05/6, and most
 *   effects worth a headline are decided there.
 * - Decided = different (the (1 - a_k) interval of the ratio excludes 1) or equivalent (two
 *   one-sided tests at a_k: the (1 - 2 a_k) interval lies inside +-margin), a_k the look's share.
 *   Never with a side of n < 3. Otherwise undecided: the caller repeats, or says the budget was spent.
 */
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import type { RunMeta } from './run-meta.js';
import { compareGroups, type Comparison } from './stats.js';

export interface SequentialDesign {
  /** Repetition counts at which a look is taken, ascending; the last is the maximum. */
  looks: number[];
  /** Error rate across all looks (two-sided, for a difference). */
  alpha: number;
  /** Equivalence margin as a fraction (0.05: the ratio within 0.95 .. 1.05). */
  margin: number;
  /** The look being judged, 1-based; default the last. */
  look?: number;
}

/** The default design's error rate and equivalence margin. */
export const DEFAULT_ALPHA = 0.05;
export const DEFAULT_MARGIN = 0.05;
/** The fewest samples per side a decision is made on (no interval below n=3, as everywhere in reports). */
export const MIN_SIDE = 3;

/**
 * Looks at min, 2 min, 4 min, ... (3, 6, 12, 24, ...), always ending at `max`. Doubling keeps the
 * number of looks small (each look's share of alpha larger): in the simulation of
 * test/measurements/sequential.test.ts, 3/6/12/20 detects a 10% difference at 8% noise in 86% of
 * cases where 3/5/8/12/18/20 did in 82%, at the same false-call rate (3%).
 */
export function lookSchedule(min: number, max: number): number[] {
  if (!(Number.isInteger(min) && Number.isInteger(max) && min >= 1 && max >= min))
    throw new RangeError(`lookSchedule: expected integers 1 <= min <= max, got ${min}, ${max}`);
  const out = [min];
  while (out[out.length - 1] < max) out.push(Math.min(max, out[out.length - 1] * 2));
  return out;
}

export const fixedDesign = (repetitions: number, alpha = DEFAULT_ALPHA, margin = DEFAULT_MARGIN): SequentialDesign => ({ looks: [repetitions], alpha, margin });

/** The share of alpha the design's look tests at: all of it with one look; else half at the first, the rest split equally. */
export function alphaPerLook(d: SequentialDesign): number {
  const k = d.looks.length;
  if (k <= 1) return d.alpha;
  const look = Math.min(k, Math.max(1, d.look ?? k));
  return look === 1 ? d.alpha / 2 : d.alpha / 2 / (k - 1);
}

export type DecisionState = 'different' | 'equivalent' | 'undecided';

export interface Decision {
  state: DecisionState;
  na: number;
  nb: number;
  /** (b / a - 1) x 100 on geometric means; NaN when a side is empty. */
  pct: number;
  /** The (1 - alpha/K) interval of that %, null below n=3 per side. */
  lo: number | null;
  hi: number | null;
  /** The level of the interval shown (e.g. 0.9875). */
  level: number;
  /** Equivalence margin in % (e.g. 5). */
  marginPct: number;
  /** Welch's two-sided p on the log scale (null below n=3 per side), to compare with alpha/K. */
  p: number | null;
}

const mean = (v: readonly number[]) => v.reduce((s, x) => s + x, 0) / v.length;
const variance = (v: readonly number[], m: number) => v.reduce((s, x) => s + (x - m) ** 2, 0) / (v.length - 1);

/** Two-sided p of |t| with df degrees of freedom, by bisection on the quantile (no separate CDF needed). */
function twoSidedP(t: number, df: number): number {
  if (!Number.isFinite(t)) return 0;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2; // candidate p: |t| beyond quantile(1 - p/2) means p is larger than needed
    if (Math.abs(t) >= tQuantile(1 - mid / 2, df)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * Decides b against a (the reference) under `design`'s per-look level. Values must be positive
 * (a value <= 0 or not finite throws: a rate or time of 0 is a failed sample, not data).
 */
export function decide(a: readonly number[], b: readonly number[], design: SequentialDesign): Decision {
  for (const [name, v] of [
    ['a', a],
    ['b', b],
  ] as const)
    if (v.some((x) => !(x > 0) || !Number.isFinite(x))) throw new RangeError(`decide: expected positive finite values in ${name}, got ${v.join(', ')}`);
  const al = alphaPerLook(design);
  const base = { na: a.length, nb: b.length, level: 1 - al, marginPct: design.margin * 100 };
  if (!a.length || !b.length) return { ...base, state: 'undecided', pct: Number.NaN, lo: null, hi: null, p: null };
  const la = a.map(Math.log);
  const lb = b.map(Math.log);
  const ma = mean(la);
  const mb = mean(lb);
  const d = mb - ma;
  const pct = (Math.exp(d) - 1) * 100;
  if (a.length < MIN_SIDE || b.length < MIN_SIDE) return { ...base, state: 'undecided', pct, lo: null, hi: null, p: null };
  const va = variance(la, ma) / a.length;
  const vb = variance(lb, mb) / b.length;
  const se = Math.sqrt(va + vb);
  const toPct = (x: number) => (Math.exp(x) - 1) * 100;
  const up = Math.log(1 + design.margin);
  const down = Math.log(1 - design.margin);
  if (se === 0) {
    // Identical values within each side: the difference is exact.
    const state: DecisionState = d === 0 ? 'equivalent' : 'different';
    return { ...base, state, pct, lo: pct, hi: pct, p: d === 0 ? 1 : 0 };
  }
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  const t2 = tQuantile(1 - al / 2, df); // two-sided interval: a difference
  const t1 = tQuantile(1 - al, df); // one-sided bounds: equivalence (TOST)
  const lo = d - t2 * se;
  const hi = d + t2 * se;
  const p = twoSidedP(d / se, df);
  let state: DecisionState = 'undecided';
  if (lo > 0 || hi < 0) state = 'different';
  else if (d - t1 * se > down && d + t1 * se < up) state = 'equivalent';
  return { ...base, state, pct, lo: toPct(lo), hi: toPct(hi), p };
}

/** "+12.3% [+4.0, +21.1]" (the interval at the look's level), or "+12.3%" without one. */
export function pctText(d: Pick<Decision, 'pct' | 'lo' | 'hi'>, digits = 1): string {
  const s = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`;
  if (!Number.isFinite(d.pct)) return 'n/a';
  return d.lo !== null && d.hi !== null ? `${s(d.pct)}% [${s(d.lo)}, ${s(d.hi)}]` : `${s(d.pct)}%`;
}

/**
 * A decision in the words a report uses: "slower by 16.2% [+9.1, +23.8] (n=6/6)", "equivalent within
 * ±5% (+1.2% [−2.0, +4.5], n=8/8)", "undecided (+3.1% [−4.0, +10.7], n=12/12)" or "too few to call".
 */
export function decisionText(d: Decision, words: { higher?: string; lower?: string; digits?: number } = {}): string {
  const digits = words.digits ?? 1;
  const ns = `n=${d.na}/${d.nb}`;
  if (!d.na || !d.nb) return `no comparison (${ns})`;
  if (d.state === 'different') {
    const word = d.pct > 0 ? (words.higher ?? 'higher') : (words.lower ?? 'lower');
    return `${word} by ${Math.abs(d.pct).toFixed(digits)}% (${
      pctText(d, digits)
        .replace(/^[^[]*/, '')
        .trim() || 'exact'
    }, ${ns})`;
  }
  if (d.state === 'equivalent') return `equivalent within ±${d.marginPct}% (${pctText(d, digits)}, ${ns})`;
  if (d.lo === null) return `too few to call (${pctText(d, digits)}, ${ns})`;
  return `undecided (${pctText(d, digits)}, ${ns})`;
}

/**
 * The design a run's rows are judged with: its adaptive schedule at the look the comparison `key`
 * stopped at (run.json adaptive.comparisons; while a run is looking: adaptive.look), or one look
 * at its fixed repetitions.
 */
export function designOf(meta: Pick<RunMeta, 'adaptive'>, key?: string): SequentialDesign {
  const a = meta.adaptive;
  if (!a) return fixedDesign(1);
  const c = a.comparisons.find((x) => x.key === key);
  const looks = c?.looks ?? a.looks;
  return { looks, alpha: a.alpha, margin: a.margin, look: c?.look ?? a.look ?? looks.length };
}

/**
 * compareGroups' shape (reports draw it the same way) from the sequential decision: `clear` only
 * for 'different'. Groups with a value <= 0 fall back to compareGroups (rank-based, no log scale).
 */
export function compareSequential(
  a: readonly number[],
  b: readonly number[],
  design: SequentialDesign,
  words: { higher?: string; lower?: string; digits?: number } = {},
): Comparison & { decision?: Decision } {
  if ([...a, ...b].some((x) => !(x > 0))) return compareGroups(a, b, words);
  const d = decide(a, b, design);
  const basis: Comparison['basis'] = d.state === 'different' ? 'welch-log' : d.state === 'equivalent' ? 'equivalent' : d.lo === null ? 'too-few' : 'undecided';
  return { pct: d.pct, na: d.na, nb: d.nb, clear: d.state === 'different', basis, p: d.p, text: decisionText(d, words), decision: d };
}
