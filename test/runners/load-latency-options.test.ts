import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveConfig } from '../../infra/config.js';
import { phaseMetric } from '../../runners/load-latency.js';
import { resolveLoadLatencyOptions } from '../../runners/load-latency-options.js';

const spec = resolveConfig({
  scenario: 't',
  sites: [
    { name: 'A', lan: '1Gbit', hosts: 1, nodesPerHost: 2 },
    { name: 'B', lan: '1Gbit', hosts: 1, nodesPerHost: 2 },
  ],
  wan: { rate: '100Mbit', rtt: '20ms' },
});

test('defaults: the load lasts the pings plus 1 s before and after', () => {
  const o = resolveLoadLatencyOptions({ pairs: [['a-h1-n1', 'b-h1-n1']] }, spec.nodes);
  assert.is(o.count, 100);
  assert.is(o.intervalS, 0.05);
  assert.is(o.loadS, 7);
  assert.is(o.pairs[0].path, 'inter-site');
  assert.is(o.benchmark, 'load-latency');
});

test('limits name the field', () => {
  assert.throws(() => resolveLoadLatencyOptions({ pairs: [['a-h1-n1', 'x']] }, spec.nodes), /loadLatency\.pairs\[0\]\[1\]/);
  assert.throws(
    () => resolveLoadLatencyOptions({ pairs: 'all', count: 100, intervalS: 0.05, loadS: 3 }, spec.nodes),
    /loadLatency\.loadS: expected at least 7 s/,
  );
  assert.throws(() => resolveLoadLatencyOptions({ pairs: 'all', intervalS: 0.001 }, spec.nodes), /loadLatency\.intervalS/);
  assert.throws(() => resolveLoadLatencyOptions({ pairs: 'all', streams: 0 }, spec.nodes), /loadLatency\.streams/);
});

test('metric names per phase', () => {
  assert.is(phaseMetric('rtt', 'idle'), 'rtt_idle');
  assert.is(phaseMetric('rtt_median', 'loaded'), 'rtt_loaded_median');
  assert.is(phaseMetric('loss', 'loaded'), 'loss_loaded');
});

test.run();
