import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveHttpOptions } from '../../runners/http-options.js';
import { nodes, rejects } from './options-spec.js';

const ok = { pairs: [['nii-h1-n1', 'hokudai-h1-n1']] as [string, string][], durationS: 5 };

test('defaults applied, pairs resolved', () => {
  const r = resolveHttpOptions(ok, nodes);
  assert.equal([r.servers, r.sizes, r.threads, r.connections, r.timeoutS, r.repetitions, r.port], [['nginx'], [1024], 1, 10, 2, 1, 8080]);
  assert.is(r.pairs[0].path, 'inter-site');
});

test('limits and node names', () => {
  rejects(() => resolveHttpOptions({ ...ok, threads: 4, connections: 2 }, nodes), 'http.connections', /at least as many connections as threads/);
  rejects(() => resolveHttpOptions({ ...ok, repetitions: 1001 }, nodes), 'http.repetitions');
  rejects(() => resolveHttpOptions({ ...ok, servers: [] }, nodes), 'http.servers');
  rejects(() => resolveHttpOptions({ ...ok, pairs: [['web', 'nii-h1-n1']] }, nodes), 'http.pairs[0][0]', /one of the testbed's nodes \(nii-h1-n1, /);
});

test.run();
