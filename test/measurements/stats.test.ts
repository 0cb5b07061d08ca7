import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { percentile } from '../../measurements/stats.js';

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

test.run();
