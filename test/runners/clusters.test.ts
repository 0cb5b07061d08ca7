import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveConfig } from '../../infra/config.js';
import { chooseCluster } from '../../runners/clusters.js';

const spec = resolveConfig({
  scenario: 't',
  wan: { rate: '1Gbit', rtt: '20ms' },
  sites: [
    { name: 'NII', lan: '10Gbit', hosts: 2, nodesPerHost: 2 },
    { name: 'Hokudai', lan: '1Gbit', hosts: 2, nodesPerHost: 2 },
  ],
});
const names = (ns: { name: string }[]) => ns.map((n) => n.name);

test("one-site: the site's nodes spread over its hosts; spanning: the same size split across sites", () => {
  const one = chooseCluster(spec.nodes, { kind: 'one-site', size: 2 });
  assert.equal(
    one.map((n) => n.site),
    ['NII', 'NII'],
  );
  assert.is.not(one[0].host, one[1].host);
  const span = chooseCluster(spec.nodes, { kind: 'spanning', size: 4 });
  assert.equal(span.map((n) => n.site).sort(), ['Hokudai', 'Hokudai', 'NII', 'NII']);
  assert.is(chooseCluster(spec.nodes, { kind: 'one-site', site: 'Hokudai' }).length, 4);
  assert.is(chooseCluster(spec.nodes, { kind: 'spanning' }).length, 8);
  assert.equal(names(chooseCluster(spec.nodes, { kind: 'all' })), names(spec.nodes));
});

test('bad choices name the field', () => {
  assert.throws(() => chooseCluster(spec.nodes, { kind: 'one-site', site: 'AWS' }), /cluster\.site.*NII, Hokudai/);
  assert.throws(() => chooseCluster(spec.nodes, { kind: 'one-site', size: 5 }), /cluster\.size/);
  assert.throws(() => chooseCluster(spec.nodes, { kind: 'spanning', size: 1 }), /cluster\.size.*at least 2/);
  const single = spec.nodes.filter((n) => n.site === 'NII');
  assert.throws(() => chooseCluster(single, { kind: 'spanning' }), /needs two sites/);
});

test.run();
