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
