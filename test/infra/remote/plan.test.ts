import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { resolveConfig } from '../../../infra/config.js';
import { journalPath, planRemote, remoteCleanScript, runTag, runVni } from '../../../infra/remote/plan.js';

const RUN = '20261130-120000-abcd';
const spec = resolveConfig(
  {
    scenario: 't',
    sites: [
      { name: 'NII', lan: '10Gbit', hosts: 2, nodesPerHost: 2 },
      { name: 'Hokudai', lan: '1Gbit', hosts: 1, nodesPerHost: 1 },
    ],
    wan: { rate: '1Gbit', rtt: '20ms' },
  },
  { lab: false },
);
const places = [
  { name: 'nii1', specHost: 'nii-h1', dataAddress: '192.0.2.1' },
  { name: 'nii2', specHost: 'nii-h2', dataAddress: '192.0.2.2' },
  { name: 'hok1', specHost: 'hokudai-h1', dataAddress: '198.51.100.1' },
];

test('names carry the run: a short tag for interfaces (<= 15 bytes), the run id for namespaces; VNI from the run', () => {
  const tag = runTag(RUN);
  assert.match(tag, /^i[0-9a-f]{6}$/);
  assert.is(runTag(RUN), tag, 'stable');
  assert.is.not(runTag('20261130-120000-abce'), tag);
  const vni = runVni(RUN);
  assert.ok(vni >= 1 && vni < 2 ** 24);
  const p = planRemote(spec, RUN, places);
  for (const h of p.hosts) for (const l of h.up.split('\n')) for (const m of l.matchAll(/\b(i[0-9a-f]{6}[a-z0-9]+)\b/g)) assert.ok(m[1].length <= 15, m[1]);
  assert.equal(p.hosts[0].namespaces, [`icb-${RUN}-nii-h1-n1`, `icb-${RUN}-nii-h1-n2`]);
});

test('each host: unicast VXLAN to every other host, bridge, nodes with their cluster address and the segment MTU', () => {
  const p = planRemote(spec, RUN, places);
  assert.is(p.mtu, 1450);
  const h = p.hosts[0].up;
  assert.match(h, `ip link add ${p.tag}vx type vxlan id ${p.vni} local 192.0.2.1 dstport 4789 ttl 64`);
  assert.match(h, `bridge fdb append 00:00:00:00:00:00 dev ${p.tag}vx dst 192.0.2.2`);
  assert.match(h, `bridge fdb append 00:00:00:00:00:00 dev ${p.tag}vx dst 198.51.100.1`);
  assert.not.match(h, 'dst 192.0.2.1\n', 'no entry for itself');
  assert.match(h, `ip -n icb-${RUN}-nii-h1-n2 addr add ${spec.nodes[1].address}/16 dev eth0`);
  assert.match(p.hosts[2].up, `ip -n icb-${RUN}-hokudai-h1-n1 link set eth0 mtu 1450 up`);
});

test('every create is preceded by its journal line, synced', () => {
  const lines = planRemote(spec, RUN, places).hosts[0].up.split('\n');
  const creates = lines.map((l, i) => [l, i] as const).filter(([l]) => /^ip (link add|netns add)/.test(l));
  assert.ok(creates.length >= 6);
  for (const [l, i] of creates) {
    const name = /^ip netns add (\S+)/.exec(l)?.[1] ?? /^ip link add (\S+)/.exec(l)![1];
    assert.match(lines[i - 2], `"name":"${name}"`, `journal before ${l}`);
    assert.match(lines[i - 1], /^sync/);
  }
  assert.match(lines.join('\n'), `J='${journalPath(RUN)}'`);
});

test('the scripts are valid POSIX sh; clean touches only journaled names of this run', () => {
  const p = planRemote(spec, RUN, places);
  execFileSync('sh', ['-n'], { input: p.hosts[0].up });
  const clean = remoteCleanScript(RUN);
  execFileSync('sh', ['-n'], { input: clean });
  assert.match(clean, `icb-${RUN}-`);
  assert.match(clean, runTag(RUN));
  assert.match(clean, 'rm -f "$J"');
});

test('vxlan-wireguard: VXLAN between WireGuard addresses, MTUs that do not fragment, keys never in the scripts', async () => {
  const { wgAddress, wgKeyScript, wgPort } = await import('../../../infra/remote/plan.js');
  const pubkeys = new Map(places.map((p, i) => [p.name, `${String.fromCharCode(65 + i).repeat(43)}=`]));
  const p = planRemote(spec, RUN, places, { wireguard: { pubkeys } });
  assert.equal(p.wireguard, { port: wgPort(RUN), mtu: 1420 });
  assert.is(p.mtu, 1370);
  const h = p.hosts[0].up;
  assert.match(h, `local ${wgAddress(RUN, 0)} dstport 4789`);
  assert.match(h, `dst ${wgAddress(RUN, 2)}`);
  assert.match(h, `peer ${'C'.repeat(43)}= allowed-ips ${wgAddress(RUN, 2)}/32 endpoint 198.51.100.1:${wgPort(RUN)}`);
  assert.match(h, 'private-key /run/icbench-remote/');
  assert.not.match(h, 'A'.repeat(43), 'own public key is not a peer');
  const keys = wgKeyScript(RUN, 0);
  execFileSync('sh', ['-n'], { input: keys });
  assert.match(keys, 'umask 077');
  assert.match(keys, /echo "pubkey=\$\(wg pubkey/);
  assert.not.match(keys, /cat .*key/);
  assert.throws(() => planRemote(spec, RUN, places, { wireguard: { pubkeys: new Map() } }), /no valid public key from host/);
});

test.run();
