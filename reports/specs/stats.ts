/** Mean and a Student-t confidence interval for the small repetition counts benchmarks use. */

// Two-sided 95% critical values of Student's t for 1..30 degrees of freedom.
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069,
  2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export function t95(df: number): number {
  if (df < 1) return NaN;
  return df <= 30 ? T95[df - 1] : 1.96;
}

export interface MeanCi {
  n: number;
  mean: number;
  sd: number;
  lo: number;
  hi: number;
}

/** Mean with a 95% t-interval; with one value the interval collapses to the value (n says so). */
export function meanCi(values: number[]): MeanCi {
  const n = values.length;
  if (n === 0) return { n, mean: NaN, sd: NaN, lo: NaN, hi: NaN };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { n, mean, sd: 0, lo: mean, hi: mean };
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  const h = (t95(n - 1) * sd) / Math.sqrt(n);
  return { n, mean, sd, lo: mean - h, hi: mean + h };
}
