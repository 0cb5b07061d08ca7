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
  // The Hadoop engine's own numbers, before anything is created (a lost-node run needs replication >= 2).
  resolveTerasortOptions({ rows: 1000, engine: 'hadoop', hadoop: { replication: 2, lostNodeAfterS: 15 } }, nodes);
  rejects(() => resolveTerasortOptions({ rows: 1000, engine: 'hadoop', hadoop: { replication: 0 } }, nodes), 'terasort.hadoop.replication');
  rejects(
    () => resolveTerasortOptions({ rows: 1000, engine: 'hadoop', hadoop: { lostNodeAfterS: 5 } }, nodes),
    'terasort.hadoop.lostNodeAfterS',
    /from 10 to 86400/,
  );
});

test('grouped lab workers (above 48 nodes): netns node specs pass the check before stand-up; other virts, and stood-up nodes without a namespace, are refused', () => {
  const spec = (i: number, virt: string) => ({ ...nodes[0], name: `n${i}`, virt }) as (typeof nodes)[number];
  const many = Array.from({ length: 60 }, (_, i) => spec(i, 'netns'));
  assert.is(resolveTerasortOptions({ rows: 60000 }, many).nodes.length, 60);
  rejects(
    () =>
      resolveTerasortOptions(
        { rows: 60000 },
        many.map((n, i) => (i === 7 ? spec(7, 'lxc') : n)),
      ),
    'terasort.groupSize',
    /netns lab node/,
  );
  const stoodUp = many.map((n) => ({ ...n, exec: { where: 'ssh', wrap: (a: string[]) => a } }));
  rejects(() => resolveTerasortOptions({ rows: 60000 }, stoodUp), 'terasort.groupSize', /netns lab node/);
  resolveTerasortOptions(
    { rows: 60000 },
    stoodUp.map((n, i) => ({ ...n, ns: `icb-x-n${i}` })),
  );
});

test.run();
