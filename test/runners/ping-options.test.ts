import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolvePingOptions } from '../../runners/ping-options.js';
import { nodes, rejects } from './options-spec.js';

const ok = { pairs: { perGroup: 1 }, count: 10, intervalS: 0.2 };

test('defaults applied, pairs resolved', () => {
  const r = resolvePingOptions(ok, nodes);
  assert.equal([r.repetitions, r.warmup, r.benchmark], [1, 0, 'ping']);
  assert.ok(r.pairs.length > 0);
});

test('limits at their edges: count <= 100000, 0.002 <= intervalS <= 60', () => {
  resolvePingOptions({ ...ok, count: 100000, intervalS: 0.002 }, nodes);
  resolvePingOptions({ ...ok, count: 1, intervalS: 60 }, nodes);
  rejects(() => resolvePingOptions({ ...ok, count: 100001 }, nodes), 'ping.count', /from 1 to 100000, got 100001/);
  rejects(() => resolvePingOptions({ ...ok, count: 0 }, nodes), 'ping.count');
  rejects(() => resolvePingOptions({ ...ok, intervalS: 0.001 }, nodes), 'ping.intervalS', /from 0.002 to 60, got 0.001/);
  rejects(() => resolvePingOptions({ ...ok, intervalS: 61 }, nodes), 'ping.intervalS');
  rejects(() => resolvePingOptions({ ...ok, intervalS: Number.NaN }, nodes), 'ping.intervalS');
  rejects(() => resolvePingOptions({ ...ok, repetitions: 1001 }, nodes), 'ping.repetitions');
});

test('unknown node: lists valid names', () => {
  rejects(() => resolvePingOptions({ ...ok, pairs: [['nii-h1-n1', 'nope']] }, nodes), 'ping.pairs[0][1]', /one of the testbed's nodes \(nii-h1-n1, /);
});

test.run();
