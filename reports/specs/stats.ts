/**
 * How the report states an aggregate: always with n, with the interval that suits n (see
 * measurements/stats.ts): none below n=3, min–max at n=3..5, a 95% order-statistic interval of the
 * median from n=6. None of these can leave the range of the data, so none goes below zero for a
 * quantity that cannot be negative.
 */
import { compareGroups, spread, type Comparison, type Spread } from '../../measurements/stats.js';
import { compareSequential, designOf } from '../../measurements/sequential.js';
import { fmt } from './common.js';

export { compareGroups, compareSequential, designOf, spread, type Comparison, type Spread };

/** "95% CI of the median", "min–max (n < 6)" or "no interval (n < 3)". */
export function intervalName(s: Spread): string {
  return s.interval === 'median-ci' ? '95% CI of the median' : s.interval === 'min-max' ? 'min–max' : 'no interval (n < 3)';
}

/**
 * "740.0 Mbit/s (95% CI 731.0–748.2, n=8)", "740.0 Mbit/s (min–max 731.0–748.2, n=4)",
 * "0.27, 0.31 s (n=2, no interval)" or "0.27 s (n=1)". The value is the median.
 */
export function spreadText(s: Spread, digits = 1, unit = ''): string {
  const u = unit ? ` ${unit}` : '';
  if (s.interval === 'none') {
    return s.n === 1
      ? `${fmt(s.median, digits)}${u} (n=1)`
      : `median ${fmt(s.median, digits)}${u} (points ${fmt(s.min, digits)}, ${fmt(s.max, digits)}; n=2, no interval)`;
  }
  const what = s.interval === 'median-ci' ? '95% CI' : 'min–max';
  return `median ${fmt(s.median, digits)}${u} (${what} ${fmt(s.lo, digits)}–${fmt(s.hi, digits)}, n=${s.n})`;
}

/** The interval cell of a table: "731.0–748.2 (95% CI)", "731.0–748.2 (min–max)" or "– (n < 3)". */
export function intervalCell(s: Spread, digits = 1): string {
  if (s.interval === 'none') return '– (n < 3)';
  return `${fmt(s.lo, digits)}–${fmt(s.hi, digits)} (${s.interval === 'median-ci' ? '95% CI' : 'min–max'})`;
}
