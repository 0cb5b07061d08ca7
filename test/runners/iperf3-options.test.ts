import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { IPERF3_DEFAULTS, resolveIperf3Options } from '../../runners/iperf3-options.js';
import { nodes, rejects } from './options-spec.js';

const ok = { pairs: 'all' as const, durationS: 10 };

test('defaults applied once, pairs resolved against the nodes', () => {
  const r = resolveIperf3Options(ok, nodes);
  assert.is(r.parallel, IPERF3_DEFAULTS.parallel);
  assert.is(r.repetitions, 1);
  assert.is(r.concurrency, 1);
  assert.is(r.basePort, 5201);
  assert.is(r.benchmark, 'iperf3');
  assert.is(r.pairs.length, nodes.length * (nodes.length - 1));
});

test('limits at their edges', () => {
  resolveIperf3Options({ ...ok, durationS: 3600, parallel: 128, repetitions: 1000 }, nodes);
  resolveIperf3Options({ ...ok, durationS: 1, parallel: 1, repetitions: 1 }, nodes);
  rejects(() => resolveIperf3Options({ ...ok, durationS: 3601 }, nodes), 'iperf3.durationS', /from 1 to 3600, got 3601/);
  rejects(() => resolveIperf3Options({ ...ok, durationS: 0 }, nodes), 'iperf3.durationS');
  rejects(() => resolveIperf3Options({ ...ok, durationS: 1.5 }, nodes), 'iperf3.durationS', /got 1.5/);
  rejects(() => resolveIperf3Options({ ...ok, parallel: 129 }, nodes), 'iperf3.parallel', /from 1 to 128/);
  rejects(() => resolveIperf3Options({ ...ok, repetitions: 1001 }, nodes), 'iperf3.repetitions', /from 1 to 1000/);
  rejects(() => resolveIperf3Options({ ...ok, concurrency: 0 }, nodes), 'iperf3.concurrency');
  rejects(() => resolveIperf3Options({ ...ok, bitrate: '5 M' }, nodes), 'iperf3.bitrate');
  rejects(() => resolveIperf3Options({ ...ok, fqRate: '1G/10' }, nodes), 'iperf3.fqRate');
  rejects(() => resolveIperf3Options({ ...ok, lengthBytes: 0 }, nodes), 'iperf3.lengthBytes');
  rejects(() => resolveIperf3Options({ ...ok, durationS: '10' as never }, nodes), 'iperf3.durationS', /got "10"/);
});

test("unknown node names: the error lists the testbed's nodes; same src and dst rejected", () => {
  rejects(
    () => resolveIperf3Options({ ...ok, pairs: [['nii', 'hokudai-h1-n1']] }, nodes),
    'iperf3.pairs[0][0]',
    /^iperf3\.pairs\[0\]\[0\]: expected one of the testbed's nodes \(nii-h1-n1, nii-h1-n2, .*hokudai-h2-n2\), got "nii"$/,
  );
  rejects(() => resolveIperf3Options({ ...ok, pairs: [['nii-h1-n1', 'nii-h1-n1']] }, nodes), 'iperf3.pairs[0]', /two different nodes/);
  rejects(() => resolveIperf3Options({ ...ok, pairs: [['nii-h1-n1', 'x']] }, nodes, 'scenario.iperf3'), 'scenario.iperf3.pairs[0][1]');
});

test.run();
