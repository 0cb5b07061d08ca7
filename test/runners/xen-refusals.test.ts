/** Benchmarks the Xen guest image cannot run are refused on xen nodes before anything exists, naming what is missing. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveConfig } from '../../infra/config.js';
import { ConfigError } from '../../infra/units.js';
import { resolveHttpOptions } from '../../runners/http-options.js';
import { resolvePgbenchOptions } from '../../runners/pgbench-options.js';
import { resolveTerasortOptions } from '../../runners/terasort-options.js';
import { resolveIperf3Options } from '../../runners/iperf3-options.js';
import { resolvePingOptions } from '../../runners/ping-options.js';

const spec = (virt: string) =>
  resolveConfig({
    scenario: 't',
    sites: [
      { name: 'A', lan: '1Gbit', hosts: 1, nodesPerHost: 2, virt },
      { name: 'B', lan: '1Gbit', hosts: 1, nodesPerHost: 2, virt },
    ],
    wan: { rate: '1Gbit', rtt: '20ms' },
  });

const refused = (f: () => unknown, field: RegExp, needs: RegExp) =>
  assert.throws(f, (e: Error) => e instanceof ConfigError && field.test(e.message) && needs.test(e.message) && /xen node/.test(e.message));

test('pgbench, terasort (both engines) and http are refused on xen nodes, naming the field and what the guest lacks', () => {
  const nodes = spec('xen').nodes;
  refused(() => resolvePgbenchOptions({ clients: 4, durationS: 5 }, nodes), /^pgbench: /, /PostgreSQL/);
  refused(() => resolveTerasortOptions({ engine: 'lab', rows: 1000, cluster: { kind: 'spanning', size: 4 } }, nodes), /^terasort: /, /Terasort worker/);
  refused(() => resolveTerasortOptions({ engine: 'hadoop', rows: 1000, cluster: { kind: 'spanning', size: 4 } }, nodes), /^terasort: /, /Hadoop/);
  refused(() => resolveHttpOptions({ pairs: 'all', durationS: 5 }, nodes), /^http: /, /wrk/);
});

test('iperf3 and ping resolve on xen nodes; the refusals leave other node types alone', () => {
  const nodes = spec('xen').nodes;
  assert.ok(resolveIperf3Options({ pairs: 'all', durationS: 5 }, nodes).pairs.length > 0);
  assert.ok(resolvePingOptions({ pairs: 'all', count: 10, intervalS: 0.2 }, nodes).pairs.length > 0);
  const lxc = spec('lxc').nodes;
  assert.ok(resolvePgbenchOptions({ clients: 4, durationS: 5 }, lxc).pairs.length > 0);
  assert.ok(resolveHttpOptions({ pairs: 'all', durationS: 5 }, lxc).pairs.length > 0);
});

test.run();
