import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveTerasortOptions } from '../../runners/terasort-options.js';
import { nodes, rejects } from './options-spec.js';

test('engine lab by default, the cluster chosen against the nodes', () => {
  const r = resolveTerasortOptions({ rows: 1000, cluster: { kind: 'one-site', size: 2 } }, nodes);
  assert.is(r.engine, 'lab');
  assert.is(r.repetitions, 1);
  assert.equal(
    r.nodes.map((n) => n.site),
    ['NII', 'NII'],
  );
  assert.is(resolveTerasortOptions({ rows: 1000 }, nodes).nodes.length, nodes.length);
});

test('a too-large one-site cluster names the limit and why', () => {
  rejects(
    () => resolveTerasortOptions({ rows: 1000, cluster: { kind: 'one-site', size: 20 } }, nodes),
    'terasort.cluster.size',
    /^terasort\.cluster\.size: expected at most 4 \(the nodes of one site\), got 20$/,
  );
  resolveTerasortOptions({ rows: 1000, cluster: { kind: 'one-site', size: 4 } }, nodes);
});

test("engine and that engine's limits", () => {
  rejects(() => resolveTerasortOptions({ rows: 1000, engine: 'spark' as never }, nodes), 'terasort.engine', /one of lab, hadoop/);
  rejects(() => resolveTerasortOptions({ rows: 1000, maps: 2 }, nodes), 'terasort.maps', /lab engine/);
  resolveTerasortOptions({ rows: 1000, maps: 2, engine: 'hadoop' }, nodes);
  rejects(() => resolveTerasortOptions({ rows: 1000, startRow: 5, engine: 'hadoop' }, nodes), 'terasort.startRow');
  rejects(() => resolveTerasortOptions({ rows: 0 }, nodes), 'terasort.rows');
});

test.run();
