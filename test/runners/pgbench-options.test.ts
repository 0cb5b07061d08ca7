import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolvePgbenchOptions } from '../../runners/pgbench-options.js';
import { nodes, rejects } from './options-spec.js';

const ok = { clients: 4, durationS: 10 };

test('defaults applied; server = first node, one client at its site and one per other site', () => {
  const r = resolvePgbenchOptions(ok, nodes);
  assert.equal([r.scale, r.threads, r.repetitions, r.port, r.benchmark], [1, 1, 1, 55432, 'pgbench']);
  assert.equal(r.scripts, ['tpcb-like', 'select-only']);
  assert.is(r.pairs[0].dst.name, 'nii-h1-n1');
  assert.equal(
    r.pairs.map((p) => p.path),
    ['intra-site', 'inter-site'],
  );
});

test('durationS from 1 to 3600', () => {
  resolvePgbenchOptions({ ...ok, durationS: 3600 }, nodes);
  rejects(() => resolvePgbenchOptions({ ...ok, durationS: 3601 }, nodes), 'pgbench.durationS', /from 1 to 3600/);
  rejects(() => resolvePgbenchOptions({ ...ok, clients: 1001 }, nodes), 'pgbench.clients');
  rejects(() => resolvePgbenchOptions({ ...ok, threads: 5 }, nodes), 'pgbench.threads');
});

test('server and client node names are checked against the nodes, listing them', () => {
  rejects(() => resolvePgbenchOptions({ ...ok, server: 'db' }, nodes), 'pgbench.server', /one of the testbed's nodes \(nii-h1-n1, .*\), got "db"/);
  rejects(() => resolvePgbenchOptions({ ...ok, clientNodes: ['nii-h1-n1'] }, nodes), 'pgbench.clientNodes[0]', /other than nii-h1-n1 \(nii-h1-n2, /);
});

test.run();
