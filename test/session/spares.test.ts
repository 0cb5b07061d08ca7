/**
 * --spares N (issue 28 part 3): N spare nodes per site in the testbed spec (after every other node,
 * so the others keep their addresses), in no benchmark (the check pass and the plan leave them out),
 * the option checked before anything is created with the option named.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { capturingStdout } from '../helpers/stdout.js';
import { resolveConfig, workingNodes, type ScenarioInput } from '../../infra/config.js';
import { ConfigError } from '../../infra/units.js';
import { scenarioParams, usage } from '../../session/params.js';
import { withTestbed } from '../../session/session.js';

const input = (spares?: number): ScenarioInput => ({
  scenario: 'sp',
  sites: [
    { name: 'A', lan: '1Gbit', hosts: 2, nodesPerHost: 2, virt: 'lxc' },
    { name: 'B', lan: '1Gbit', hosts: 1, nodesPerHost: 1, virt: 'netns' },
  ],
  wan: { rate: '100Mbit', rtt: '10ms' },
  ...(spares === undefined ? {} : { spares }),
});

const refused = (f: () => unknown, field: string, expected: RegExp) => {
  try {
    f();
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.is((e as ConfigError).field, field);
    assert.match((e as Error).message, expected);
    return;
  }
  assert.unreachable(`expected a ConfigError on ${field}`);
};

test('spares: N per site after every other node, spread over the site hosts, same virt; the others keep their names and addresses', () => {
  const plain = resolveConfig(input());
  const spec = resolveConfig(input(3));
  assert.equal(
    spec.nodes.filter((n) => n.spare).map((n) => `${n.name} ${n.site} ${n.host} ${n.virt}`),
    ['a-h1-s1 A a-h1 lxc', 'a-h2-s1 A a-h2 lxc', 'a-h1-s2 A a-h1 lxc', 'b-h1-s1 B b-h1 netns', 'b-h1-s2 B b-h1 netns', 'b-h1-s3 B b-h1 netns'],
  );
  assert.equal(
    workingNodes(spec.nodes).map((n) => [n.name, n.address, n.index]),
    plain.nodes.map((n) => [n.name, n.address, n.index]),
  );
  // Each spare is on its host's node list (what the providers stand up) and has an address of its own.
  assert.ok(spec.sites[0].hosts[0].nodes.some((n) => n.name === 'a-h1-s2'));
  assert.is(new Set(spec.nodes.map((n) => n.address)).size, spec.nodes.length);
  assert.equal(resolveConfig(input(0)).nodes, plain.nodes);
});

test('spares: a bad count is refused naming the field, before anything (config and command line); the subnet must hold them', () => {
  for (const bad of [-1, 1.5, 17, Number.NaN]) refused(() => resolveConfig(input(bad)), 'spares', /a whole number of spare nodes per site from 0 to 16/);
  refused(() => resolveConfig({ ...input(), spares: '2' as unknown as number }), 'spares', /whole number/);
  refused(() => resolveConfig({ ...input(5), clusterSubnet: '10.9.0.0/28' }), 'clusterSubnet', /room for all 15 nodes/);
  for (const bad of ['x', '-1', '1.5', '17', ''])
    refused(() => scenarioParams('file:///x/s.mjs', 'd', {}, [`--spares=${bad}`]), '--spares', /a whole number of spare nodes per site from 0 to 16/);
  assert.is(scenarioParams('file:///x/s.mjs', 'd', {}, ['--spares', '2']).spares, 2);
  assert.is(scenarioParams('file:///x/s.mjs', 'd', {}, []).spares, undefined);
  assert.match(usage('s.mjs', 'd', { results: { type: 'string', default: 'r', help: 'r' } }), /--spares\s+spare nodes per site \(0 to 16\)/);
});

test('withTestbed --dry-run --spares 1: the plan shows the spares, benchmarks never see them, nothing created', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'icb-spares-'));
  const results = join(tmp, 'results-not-made');
  const p = scenarioParams('file:///x/s.mjs', 'd', {}, ['--dry-run', '--spares', '1']);
  const { result: r, out } = await capturingStdout(() =>
    withTestbed({ config: { ...input(), resultsDir: results }, params: p }, async (s) => {
      await s.ping({ pairs: 'all', count: 5, intervalS: 0.1 });
      await s.loadLatency({ pairs: 'all', count: 5, intervalS: 0.1 });
    }),
  );
  assert.is(r.status, 'ok');
  // 5 working nodes: 20 ordered pairs, none with a spare.
  for (const b of r.plan!.benchmarks) {
    assert.is(b.pairs.length, 20);
    assert.not.ok(b.pairs.some((x) => /-s\d$/.test(x.src) || /-s\d$/.test(x.dst)));
  }
  assert.match(out, /A: LAN 1 Gbit\/s, 2 hosts, 4 nodes \+ 1 spare/);
  assert.match(out, /a-h1-s1 \(lxc, [\d.]+, spare\)/);
  assert.match(out, /b-h1-s1 \(netns, [\d.]+, spare\)/);
  assert.not.ok(existsSync(results));
  rmSync(tmp, { recursive: true, force: true });
});

test('withTestbed: a pair naming a spare is refused in the check pass (spares are no benchmark node)', async () => {
  const p = scenarioParams('file:///x/s.mjs', 'd', {}, ['--dry-run', '--spares', '1']);
  let err: Error | null = null;
  try {
    await withTestbed({ config: { ...input(), resultsDir: '/tmp/x-spares-not-made' }, params: p }, async (s) => {
      await s.ping({ pairs: [['a-h1-n1', 'a-h1-s1']], count: 5, intervalS: 0.1 });
    });
  } catch (e) {
    err = e as Error;
  }
  assert.match(String(err), /ping\.pairs\[0\]\[1\]: expected one of the testbed's nodes/);
  assert.not.ok(existsSync('/tmp/x-spares-not-made'));
});

test.run();
