import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { binomHalfCdf, compareGroups, mannWhitneyP, meanInterval, median, medianInterval, percentile, spread } from '../../measurements/stats.js';

test('percentile: p in [0, 100], linear interpolation between closest ranks (numpy default)', () => {
  assert.is(percentile([3, 1, 2], 50), 2);
  assert.is(percentile([1, 2, 3, 4], 50), 2.5);
  assert.is(percentile([10, 20, 30, 40, 50], 90), 46); // numpy.percentile([10,20,30,40,50], 90) == 46.0
  assert.is(percentile([1, 2, 3, 4], 0), 1);
  assert.is(percentile([1, 2, 3, 4], 100), 4);
  assert.ok(Math.abs(percentile([1, 2, 3, 4], 99) - 3.97) < 1e-12);
  assert.is(percentile([7], 99), 7);
  assert.is(percentile([5, 5, 5], 37), 5);
});

test('percentile: does not reorder its input', () => {
  const v = [3, 1, 2];
  percentile(v, 50);
  assert.equal(v, [3, 1, 2]);
});

test('percentile: RangeError on empty input or p outside [0, 100]', () => {
  assert.throws(
    () => percentile([], 50),
    (e: unknown) => e instanceof RangeError && /at least one value/.test(e.message),
  );
  assert.throws(
    () => percentile([1], 101),
    (e: unknown) => e instanceof RangeError && /p from 0 to 100, got 101/.test(e.message),
  );
  assert.throws(() => percentile([1], -0.1), RangeError);
  assert.throws(() => percentile([1], 0.99 * Number.NaN), RangeError);
});

/** Deterministic positive, skewed samples (log-normal-ish) of size n. */
function skewed(n: number, seed = 7, scale = 1): number[] {
  let x = seed >>> 0;
  const u = () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  return Array.from({ length: n }, () => scale * Math.exp(1.5 * (u() + u() + u() - 1.5)));
}

test('binomHalfCdf: exact small values', () => {
  assert.is(binomHalfCdf(6, 0), 1 / 64);
  assert.ok(Math.abs(binomHalfCdf(10, 1) - 11 / 1024) < 1e-15);
  assert.is(binomHalfCdf(5, 5), 1);
  assert.is(binomHalfCdf(5, -1), 0);
});

test('spread n=1: the point, no interval', () => {
  const s = spread([0.27]);
  assert.equal([s.n, s.median, s.min, s.max, s.lo, s.hi, s.interval, s.coverage], [1, 0.27, 0.27, 0.27, null, null, 'none', null]);
});

test('spread n=2: points and min-max only, no interval (the old t-interval gave -0.04..0.58)', () => {
  const s = spread([0.2, 0.34]);
  assert.is(s.n, 2);
  assert.is(s.interval, 'none');
  assert.is(s.lo, null);
  assert.is(s.hi, null);
  assert.is(s.min, 0.2);
  assert.is(s.max, 0.34);
  const m = meanInterval([0.2, 0.34]);
  assert.is(m.lo, null);
  assert.is(m.method, 'none');
});

test('spread n=3: min-max labelled as such, coverage 75%', () => {
  const s = spread([3, 1, 2]);
  assert.equal([s.n, s.median, s.lo, s.hi, s.interval, s.coverage], [3, 2, 1, 3, 'min-max', 0.75]);
});

test('spread n=5: still min-max (93.75% < 95%); n=6: 95% median interval = min-max with 96.9%', () => {
  assert.is(spread([1, 2, 3, 4, 5]).interval, 'min-max');
  const s6 = spread([6, 1, 5, 2, 4, 3]);
  assert.is(s6.interval, 'median-ci');
  assert.equal([s6.lo, s6.hi], [1, 6]);
  assert.ok(Math.abs((s6.coverage ?? 0) - 62 / 64) < 1e-12);
});

test('spread n=30: order-statistic interval x(10)..x(21), coverage >= 95%, inside the data', () => {
  const v = Array.from({ length: 30 }, (_, i) => i + 1);
  const s = spread(v);
  assert.is(s.interval, 'median-ci');
  assert.equal([s.lo, s.hi], [10, 21]); // the textbook ranks for n=30 (coverage 95.7%)
  assert.ok((s.coverage ?? 0) >= 0.95 && (s.coverage ?? 1) < 0.96);
  const ci = medianInterval(v);
  assert.is(ci?.k, 10);
});

test('no interval goes below zero for positive data: n = 1, 2, 3, 30 (spread and meanInterval)', () => {
  for (const n of [1, 2, 3, 4, 5, 6, 7, 10, 30]) {
    for (const data of [skewed(n), skewed(n, 99, 0.001), [...Array(n - 1).fill(0.001), 1000].slice(0, n)]) {
      const s = spread(data);
      if (s.lo !== null) assert.ok(s.lo > 0, `spread n=${n}: lo ${s.lo}`);
      const m = meanInterval(data);
      if (m.lo !== null) assert.ok(m.lo > 0, `meanInterval n=${n}: lo ${m.lo}`);
      if (m.hi !== null) assert.ok(m.hi >= m.lo!, `hi >= lo at n=${n}`);
    }
  }
  // The case: a plain t-interval of (0.2, 0.34, 0.01) reaches below 0; the log-scale one does not.
  const m = meanInterval([0.2, 0.34, 0.01]);
  assert.is(m.method, 'log-t');
  assert.ok((m.lo as number) > 0);
  // With a zero in the data the t-interval is clamped at the bound it is given.
  const z = meanInterval([0, 0.3, 0.01], { lowerBound: 0 });
  assert.is(z.method, 't');
  assert.is(z.lo, 0);
});

test('mannWhitneyP: exact values', () => {
  assert.ok(Math.abs(mannWhitneyP([1, 2, 3, 4], [5, 6, 7, 8]) - 2 / 70) < 1e-12);
  assert.is(mannWhitneyP([1, 2, 3], [4, 5, 6]), 0.1); // 3/3 can never reach 0.05
  assert.is(mannWhitneyP([1, 2, 3, 4], [1, 2, 3, 4]), 1);
  const big = mannWhitneyP(
    Array.from({ length: 30 }, (_, i) => i),
    Array.from({ length: 30 }, (_, i) => i + 100),
  );
  assert.ok(big < 1e-6, `normal approximation: ${big}`);
});

test('compareGroups: n=1 and n=2 never call a difference', () => {
  const c1 = compareGroups([0.27], [0.31], { higher: 'slower', lower: 'faster' });
  assert.not.ok(c1.clear);
  assert.is(c1.text, 'no clear difference (+14.8%, n=1/1)');
  const c2 = compareGroups([0.2, 0.22], [0.3, 0.31], { higher: 'slower', lower: 'faster' });
  assert.not.ok(c2.clear);
  assert.match(c2.text, /^no clear difference \(\+/);
  assert.match(c2.text, /n=2\/2\)$/);
});

test('compareGroups: n=3 with overlapping ranges is no clear difference', () => {
  const c = compareGroups([10, 12, 14], [11, 13.8, 15], { higher: 'slower', lower: 'faster' });
  assert.not.ok(c.clear);
  assert.match(c.text, /^no clear difference \(\+\d+\.\d%, n=3\/3\)$/);
});

test('compareGroups: n=3 with ranges apart is called (intervals apart), n=2 never', () => {
  const c = compareGroups([2.07, 2.12, 2.2], [2.97, 3.06, 3.12], { higher: 'slower', lower: 'faster' });
  assert.ok(c.clear);
  assert.is(c.basis, 'intervals-apart');
  assert.is(c.text, 'slower by 44.3% (n=3/3)');
  assert.not.ok(compareGroups([2.07, 2.2], [2.97, 3.12]).clear);
});

test('compareGroups: n=4 fully separated is called (Mann-Whitney p = 0.029)', () => {
  const c = compareGroups([10, 11, 12, 13], [20, 21, 22, 23], { higher: 'slower', lower: 'faster' });
  assert.ok(c.clear);
  assert.ok(c.basis === 'intervals-apart' || c.basis === 'mann-whitney');
  assert.ok(mannWhitneyP([10, 11, 12, 13], [20, 21, 22, 23]) < 0.05);
  assert.is(c.text, 'slower by 87.0% (n=4/4)');
  // Overlapping ranges at n=5/5 (min–max shown), one pair out of order: Mann–Whitney decides.
  const m = compareGroups([10, 11, 12, 13, 20], [19, 21, 22, 23, 24]);
  assert.is(m.basis, 'mann-whitney');
  assert.ok(m.clear);
  const d = compareGroups([20, 21, 22, 23], [10, 11, 12, 13], { higher: 'slower', lower: 'faster' });
  assert.is(d.text, 'faster by 46.5% (n=4/4)');
});

test('compareGroups: n=30, separated intervals called; same distribution not called', () => {
  const a = skewed(30, 1, 10);
  const b = skewed(30, 2, 10).map((x) => x * 3);
  const c = compareGroups(a, b);
  assert.ok(c.clear);
  assert.match(c.text, /^higher by \d+\.\d% \(n=30\/30\)$/);
  const same = compareGroups(skewed(30, 3, 10), skewed(30, 4, 10));
  assert.not.ok(same.clear, same.text);
});

test('median: NaN for empty, else percentile 50', () => {
  assert.ok(Number.isNaN(median([])));
  assert.is(median([4, 1, 3, 2]), 2.5);
});

test.run();
