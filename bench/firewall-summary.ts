/**
 * The figures both firewall benches print (bench/firewall.ts): per side n, the arithmetic mean with
 * its 95% Student-t interval (small samples) and min-max, and the difference of "with" against
 * "without" in % with its 95% interval (Welch's t on the log scale, measurements/sequential.ts) and
 * what it says against a margin: within it (equivalent, two one-sided tests), beyond the noise
 * (different), or undecided. The samples alternate, so each with/without pair also gives a paired
 * figure: the mean of the per-pair log ratios with its 95% t-interval (slow drift cancels).
 */
import { decide, decisionText, fixedDesign, pctText } from '../measurements/sequential.js';
import { t95 } from '../measurements/stats.js';

/** "n=6, mean 912.3 Mbit/s, 95% t-interval [905.1, 919.5], min-max 898-925". */
export function sideText(values: readonly number[], unit: string, digits = 1): string {
  const n = values.length;
  const mean = values.reduce((s, x) => s + x, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1)) : Number.NaN;
  const h = n >= 2 ? (t95(n - 1) * sd) / Math.sqrt(n) : Number.NaN;
  const f = (x: number) => x.toFixed(digits);
  const ci = Number.isFinite(h) ? `95% t-interval [${f(mean - h)}, ${f(mean + h)}]` : 'no interval (n < 2)';
  return `n=${n}, mean ${f(mean)} ${unit}, ${ci}, min-max ${f(Math.min(...values))}-${f(Math.max(...values))}`;
}

/** "with vs without: +0.4% [-1.1, +1.9] (95%): equivalent within ±2% (...)". */
export function diffText(without: readonly number[], withTable: readonly number[], marginPct: number, words: { higher: string; lower: string }): string {
  const d = decide(without, withTable, fixedDesign(Math.min(without.length, withTable.length), 0.05, marginPct / 100));
  return `with vs without: ${pctText(d, 2)} (95% interval, Welch on logs; p ${d.p === null ? 'n/a' : d.p.toFixed(3)}): ${decisionText(d, { ...words, digits: 2 })}`;
}

/** "paired (n=6 pairs): -0.4% [-1.9, +1.1] (95% t-interval of the mean per-pair log ratio)"; pairs are (without[i], with[i]). */
export function pairedText(without: readonly number[], withTable: readonly number[]): string {
  const n = Math.min(without.length, withTable.length);
  const d = Array.from({ length: n }, (_, i) => Math.log(withTable[i] / without[i]));
  const m = d.reduce((s, x) => s + x, 0) / n;
  const sd = n > 1 ? Math.sqrt(d.reduce((s, x) => s + (x - m) ** 2, 0) / (n - 1)) : Number.NaN;
  const h = (t95(n - 1) * sd) / Math.sqrt(n);
  const pct = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs((Math.exp(x) - 1) * 100).toFixed(2)}`;
  return `paired (n=${n} pairs): ${pct(m)}% [${pct(m - h)}, ${pct(m + h)}] (95% t-interval of the mean per-pair log ratio)`;
}
