import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveConfig } from '../../infra/config.js';
import { allPairs, parsePairSelection, pathOf, selectPairs } from '../../runners/pairs.js';

const spec = resolveConfig({
  scenario: 't',
  sites: [
    { name: 'NII', lan: '10Gbit', hosts: 2, nodesPerHost: 2 },
    { name: 'Hokudai', lan: '1Gbit', hosts: 2, nodesPerHost: 2 },
  ],
  wan: { rate: '1Gbit', rtt: '20ms' },
});
const n = (name: string) => spec.nodes.find((x) => x.name === name)!;

test('paths: same host is local, same site intra-site, else inter-site', () => {
  assert.is(pathOf(n('nii-h1-n1'), n('nii-h1-n2')), 'local');
  assert.is(pathOf(n('nii-h1-n1'), n('nii-h2-n1')), 'intra-site');
  assert.is(pathOf(n('nii-h1-n1'), n('hokudai-h1-n1')), 'inter-site');
});

test('all ordered pairs of 8 nodes: 56, split 8 local / 16 intra / 32 inter', () => {
  const all = allPairs(spec.nodes);
  assert.is(all.length, 56);
  const count = (p: string) => all.filter((x) => x.path === p).length;
  assert.equal([count('local'), count('intra-site'), count('inter-site')], [8, 16, 32]);
});

test('perGroup picks n pairs per (path, source site, destination site), spread over hosts', () => {
  const sel = selectPairs(spec.nodes, { perGroup: 2 });
  assert.is(sel.length, 12);
  const groups = new Set(sel.map((p) => `${p.path}|${p.src.site}|${p.dst.site}`));
  assert.is(groups.size, 6);
  const local = sel.filter((p) => p.path === 'local' && p.src.site === 'NII');
  assert.not.equal(local[0].src.host, local[1].src.host);
  assert.is(selectPairs(spec.nodes, { perGroup: 100 }).length, 56);
});

test('explicit pairs are checked against the testbed', () => {
  assert.is(selectPairs(spec.nodes, [['nii-h1-n1', 'hokudai-h2-n2']])[0].path, 'inter-site');
  assert.throws(() => selectPairs(spec.nodes, [['nii-h1-n1', 'nope']]), /pairs\[0\]\[1\]: expected one of the testbed's nodes \(nii-h1-n1, .*\), got "nope"/);
  assert.throws(() => selectPairs(spec.nodes, [['nii-h1-n1', 'nii-h1-n1']]), /pairs\[0\]: expected two different nodes/);
  assert.throws(() => selectPairs(spec.nodes, { perGroup: 0 }), /pairs: expected 'all'/);
});

test('command-line pair selections', () => {
  assert.is(parsePairSelection('all'), 'all');
  assert.equal(parsePairSelection('3'), { perGroup: 3 });
  assert.equal(parsePairSelection('a>b,c>d'), [
    ['a', 'b'],
    ['c', 'd'],
  ]);
  assert.throws(() => parsePairSelection('0', '--pairs'), /--pairs: expected 'all', a count/);
  assert.throws(() => parsePairSelection('a-b', '--pairs'), /--pairs/);
});

test.run();
