import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { newestWorker } from '../../runners/hadoop-elastic.js';

// The first elastic run labelled every job with the last worker (w9) although it joined last.
const workers = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7', 'w8', 'w9'];

test('a job row names the newest worker registered at its start, not the last one planned', () => {
  assert.is(newestWorker(workers, 3), 'w3');
  assert.is(newestWorker(workers, 7), 'w7');
  assert.is(newestWorker(workers, 9), 'w9');
});

test('out-of-range counts stay inside the worker list', () => {
  assert.is(newestWorker(workers, 0), 'w1');
  assert.is(newestWorker(workers, 12), 'w9');
  assert.throws(() => newestWorker([], 1), /no workers/);
});

test.run();
