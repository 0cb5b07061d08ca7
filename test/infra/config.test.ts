import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveConfig, type ScenarioInput } from '../../infra/config.js';
import { Duration, Percent, Rate } from '../../infra/units.js';

const good = (): ScenarioInput => ({
  scenario: 'hokudai-nii',
  sites: [
    { name: 'NII', lan: '10Gbit', hosts: 2, nodesPerHost: 2, virt: 'netns' },
    { name: 'Hokudai', lan: '1Gbit', hosts: 2, nodesPerHost: 2 },
  ],
  wan: { rate: '1Gbit', rtt: '20ms' },
});

test('a good config resolves to sites, hosts, nodes on one subnet and one WAN profile per pair', () => {
  const s = resolveConfig(good());
  assert.is(s.nodes.length, 8);
  assert.equal(s.nodes.map((n) => n.address).slice(0, 3), ['10.200.0.1', '10.200.0.2', '10.200.0.3']);
  assert.equal(s.nodes.map((n) => n.name).slice(0, 2), ['nii-h1-n1', 'nii-h1-n2']);
  assert.is(s.sites[0].lanBps, 1e10);
  assert.equal(s.wan, [{ a: 'NII', b: 'Hokudai', rateBps: 1e9, rttMs: 20, jitterMs: 0, lossPct: 0, mtu: 1500 }]);
});

test('one-way delay is doubled into the RTT; a per-pair profile wins over the default', () => {
  const c = good();
  c.sites.push({ name: 'Kyushu', lan: '1Gbit', hosts: 1, nodesPerHost: 1 });
  c.wan = [
    { rate: '1Gbit', delay: '10ms' },
    { between: ['Kyushu', 'NII'], rate: '100Mbit', rtt: '30ms', loss: '0.5%' },
  ];
  const s = resolveConfig(c);
  assert.is(s.wan.length, 3);
  assert.is(s.wan.find((w) => w.a === 'NII' && w.b === 'Hokudai')!.rttMs, 20);
  const k = s.wan.find((w) => w.a === 'NII' && w.b === 'Kyushu')!;
  assert.is(k.rateBps, 1e8);
  assert.is(k.lossPct, 0.5);
});

const rejects = (mutate: (c: any) => void, re: RegExp, label: string) => {
  const c: any = good();
  mutate(c);
  assert.throws(() => resolveConfig(c), re, label);
};

test('bad input is rejected naming the field and what was expected', () => {
  rejects((c) => (c.sites[0].virt = 'vmware'), /sites\[0\]\.virt: expected one of netns, lxc, docker, xen, rumprun, qemu, got "vmware"/, 'unknown virt');
  rejects((c) => (c.sites[1].virt = 'rumprun'), /sites\[1\]\.virt: expected a virt the local lab can start/, 'virt the lab cannot start');
  rejects((c) => (c.sites[0].hosts = 0), /sites\[0\]\.hosts: expected a whole number from 1/, 'zero hosts');
  rejects((c) => (c.sites[1].nodesPerHost = -2), /sites\[1\]\.nodesPerHost: expected a whole number/, 'negative nodes');
  rejects((c) => (c.sites[0].hosts = 1.5), /sites\[0\]\.hosts/, 'fractional hosts');
  rejects((c) => (c.wan.rate = '1 gigabit'), /wan\.rate: expected a rate such as '1Gbit'.*got "1 gigabit"/, 'rate in words');
  rejects((c) => (c.wan.rtt = '20'), /wan\.rtt: expected a duration such as '20ms'/, 'rtt without unit');
  rejects((c) => (c.wan.rtt = 'fast'), /wan\.rtt: expected a duration/, 'rtt not a duration');
  rejects((c) => (c.sites[1].name = 'nii'), /sites\[1\]\.name: expected a name not already used by sites\[0\], got "nii"/, 'duplicate site');
  rejects((c) => (c.sites[0].name = 'bad name!'), /sites\[0\]\.name: expected a name of 1-12 letters/, 'bad site name');
  rejects((c) => (c.clusterSubnet = '10.9.0.0/29'), /clusterSubnet: expected room for all 8 nodes \(10\.9\.0\.0\/29 holds 6\)/, 'subnet too small');
  rejects((c) => (c.clusterSubnet = '10.9.0.1/24'), /clusterSubnet: expected a network address/, 'host bits set');
  rejects((c) => (c.clusterSubnet = '10.9.0.0'), /clusterSubnet: expected an IPv4 network in CIDR form/, 'no prefix');
  rejects((c) => delete c.wan, /wan: expected a WAN profile/, 'no wan');
  rejects((c) => (c.wan = { rate: '1Gbit', rtt: '20ms', delay: '10ms' }), /wan\.delay: expected either rtt or delay/, 'rtt and delay');
  rejects((c) => (c.wan = [{ between: ['NII', 'Mars'], rate: '1Gbit' }]), /wan\[0\]\.between: expected names of configured sites/, 'unknown site in between');
  rejects((c) => (c.wan.loss = '150%'), /wan\.loss: expected a percentage between 0 and 100/, 'loss > 100');
  rejects((c) => (c.sites = []), /sites: expected a list of at least one site/, 'no sites');
});

test('typed values (from scenarioParams) are taken as they are; strings of a hand-written config are parsed', () => {
  const typed = resolveConfig({
    ...good(),
    sites: good().sites.map((x) => ({ ...x, lan: Rate.of(x.lan, 'lan') })),
    wan: { rate: Rate.of('1Gbit', 'r'), rtt: Duration.of('20ms', 'd'), jitter: Duration.of('2ms', 'j'), loss: Percent.of('0.5%', 'l') },
  });
  const plain = resolveConfig({ ...good(), wan: { rate: '1Gbit', rtt: '20ms', jitter: '2ms', loss: '0.5%' } });
  assert.equal(typed, plain);
  assert.equal(typed.wan[0], { a: 'NII', b: 'Hokudai', rateBps: 1e9, rttMs: 20, jitterMs: 2, lossPct: 0.5, mtu: 1500 });
  // A typed value's error names the config field and shows its text.
  assert.throws(
    () => resolveConfig({ ...good(), wan: { rate: '1Gbit', rtt: Duration.of('11s', 'd') } }),
    /wan\.rtt: expected a round trip of at most 10 s, got "11s"/,
  );
});

test.run();
