/**
 * Benchmarks a Xen guest image cannot run are refused on xen nodes before anything exists, naming
 * what is missing; what an image holds is typed data on the node (guestRuns), not a description.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveConfig, type NodeSpec } from '../../infra/config.js';
import { ConfigError } from '../../infra/units.js';
import { guestImagePackages, guestImageTable, XEN_LAB_GUEST_RUNS } from '../../infra/xen-guest.js';
import { resolveHttpOptions } from '../../runners/http-options.js';
import { resolvePgbenchOptions } from '../../runners/pgbench-options.js';
import { resolveTerasortOptions } from '../../runners/terasort-options.js';
import { resolveIperf3Options } from '../../runners/iperf3-options.js';
import { resolvePingOptions } from '../../runners/ping-options.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const spec = (virt: string, lab = true) =>
  resolveConfig(
    {
      scenario: 't',
      sites: [
        { name: 'A', lan: '1Gbit', hosts: 1, nodesPerHost: 2, virt },
        { name: 'B', lan: '1Gbit', hosts: 1, nodesPerHost: 2, virt },
      ],
      wan: { rate: '1Gbit', rtt: '20ms' },
    },
    { lab },
  );

const refused = (f: () => unknown, field: RegExp, needs: RegExp) =>
  assert.throws(f, (e: Error) => e instanceof ConfigError && field.test(e.message) && needs.test(e.message) && /xen node/.test(e.message));

test("the lab's xen nodes hold pgbench, http and the lab Terasort engine: those resolve there, Hadoop is refused", () => {
  const nodes = spec('xen').nodes;
  assert.ok(nodes.every((n) => n.guestRuns === XEN_LAB_GUEST_RUNS));
  assert.is(resolvePgbenchOptions({ clients: 4, durationS: 5 }, nodes).pairs.length, 2);
  assert.is(resolveTerasortOptions({ engine: 'lab', rows: 1000, cluster: { kind: 'spanning', size: 4 } }, nodes).nodes.length, 4);
  assert.ok(resolveHttpOptions({ pairs: 'all', durationS: 5 }, nodes).pairs.length > 0);
  refused(() => resolveTerasortOptions({ engine: 'hadoop', rows: 1000, cluster: { kind: 'spanning', size: 4 } }, nodes), /^terasort: /, /JDK/);
});

test('real-site xen nodes run only what their image says it holds (none by default); one node without it is enough to refuse', () => {
  const nodes = spec('xen', false).nodes;
  assert.ok(nodes.every((n) => n.guestRuns?.length === 0));
  refused(() => resolvePgbenchOptions({ clients: 4, durationS: 5 }, nodes), /^pgbench: /, /PostgreSQL/);
  refused(() => resolveTerasortOptions({ engine: 'lab', rows: 1000, cluster: { kind: 'spanning', size: 4 } }, nodes), /^terasort: /, /Node\.js/);
  refused(() => resolveHttpOptions({ pairs: 'all', durationS: 5 }, nodes), /^http: /, /wrk/);
  const withPg: NodeSpec[] = nodes.map((n) => ({ ...n, guestRuns: ['pgbench'] }));
  assert.is(resolvePgbenchOptions({ clients: 4, durationS: 5 }, withPg).pairs.length, 2);
  refused(() => resolveHttpOptions({ pairs: 'all', durationS: 5 }, withPg), /^http: /, /only pgbench/);
  const oneLacks = withPg.map((n, i) => (i === 2 ? { ...n, guestRuns: [] } : n));
  refused(() => resolvePgbenchOptions({ clients: 4, durationS: 5, clientNodes: 'all' }, oneLacks), /^pgbench: /, /b-h1-n1|1 xen node/);
});

test("a guest image's packages per workload come from the host prerequisites' list; the docs table names each", () => {
  const base = guestImagePackages('base').map((p) => p.package);
  for (const p of ['openssh-server', 'iproute2', 'iperf3', 'iputils-ping']) assert.ok(base.includes(p), p);
  assert.ok(guestImagePackages('pgbench').some((p) => p.package === 'postgresql-15'));
  assert.ok(guestImagePackages('terasort-lab').some((p) => p.package === 'nodejs'));
  assert.ok(guestImagePackages('http').some((p) => p.package === 'wrk') && guestImagePackages('http').some((p) => p.package === 'nginx-light'));
  const t = guestImageTable();
  for (const w of ['pgbench', 'http', 'terasort-lab', 'hadoop']) assert.match(t, new RegExp(`\\| ${w} \\|`));
  assert.ok(
    readFileSync(join(ROOT, 'docs', 'node-types.md'), 'utf8').includes(t),
    'docs/node-types.md holds the current table (infra/xen-guest.ts guestImageTable)',
  );
});

test('iperf3 and ping resolve on any xen node; the refusals leave other node types alone', () => {
  const nodes = spec('xen', false).nodes;
  assert.ok(resolveIperf3Options({ pairs: 'all', durationS: 5 }, nodes).pairs.length > 0);
  assert.ok(resolvePingOptions({ pairs: 'all', count: 10, intervalS: 0.2 }, nodes).pairs.length > 0);
  const lxc = spec('lxc').nodes;
  assert.ok(resolvePgbenchOptions({ clients: 4, durationS: 5 }, lxc).pairs.length > 0);
  assert.ok(resolveHttpOptions({ pairs: 'all', durationS: 5 }, lxc).pairs.length > 0);
});

test.run();
