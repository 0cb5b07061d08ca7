import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveConfig } from '../../../infra/config.js';
import { nodeMac, planLab, relayArgv, relayEnds } from '../../../infra/lab/plan.js';

const spec = resolveConfig({
  scenario: 't',
  sites: [
    { name: 'NII', lan: '10Gbit', hosts: 2, nodesPerHost: 2 },
    { name: 'Hokudai', lan: '1Gbit', hosts: 1, nodesPerHost: 1 },
  ],
  wan: { rate: '1Gbit', rtt: '20ms', jitter: '1ms', loss: '0.1%' },
});
const RUN = '20261122-034901-a1b2';

test('every namespace carries the run id; one per node, host, site and the WAN', () => {
  const p = planLab(spec, RUN, 'wanem', '/tmp/x');
  assert.is(p.namespaces.length, 1 + 2 + 3 + 5);
  for (const ns of p.namespaces) assert.ok(ns.startsWith(`icb-${RUN}-`), ns);
  assert.is(p.nodeNs.get('nii-h2-n1'), `icb-${RUN}-nii-h2-n1`);
  // Veth pairs are created straight into the run's namespaces: nothing is left in the root namespace.
  for (const l of p.root.filter((x) => x.startsWith('link add')))
    assert.match(l, new RegExp(`netns icb-${RUN}-\\S+ type veth peer name \\S+ (address \\S+ )?netns icb-${RUN}-`));
});

test('nodes get their cluster address; sites join through VXLAN toward the relay endpoints', () => {
  const p = planLab(spec, RUN, 'wanem', '/tmp/x');
  assert.ok(p.ip.get(`icb-${RUN}-hokudai-h1-n1`)!.includes('addr add 10.200.0.5/16 dev eth0'));
  const nii = p.ip.get(`icb-${RUN}-nii`)!;
  assert.ok(nii.some((l) => /^link add vx0 type vxlan id \d+ local 198\.18\.1\.2 dstport 4789/.test(l)));
  assert.equal(p.bridge.get(`icb-${RUN}-nii`), ['fdb append 00:00:00:00:00:00 dev vx0 dst 198.19.1.2']);
  assert.equal(p.bridge.get(`icb-${RUN}-hokudai`), ['fdb append 00:00:00:00:00:00 dev vx0 dst 198.19.2.1']);
  assert.equal(
    p.ethtool.filter((e) => e.args[1] === 'vx0').map((e) => e.args.join(' ')),
    ['-K vx0 tx off', '-K vx0 tx off'],
  );
  assert.ok(p.tc.get(p.wanNs)!.includes('qdisc replace dev s0 root pfifo limit 1000'));
  assert.equal(
    p.nsShell.map((e) => e.script),
    ['echo 1 > /sys/class/net/wan0/threaded', 'echo 1 > /sys/class/net/wan0/threaded'],
  );
  // LAN rate shaping on both ends of every host link.
  assert.ok(p.tc.get(`icb-${RUN}-nii`)!.some((l) => l.startsWith('qdisc add dev h0 root tbf rate 10000000000bit')));
  assert.ok(p.tc.get(`icb-${RUN}-hokudai-h1`)!.some((l) => l.startsWith('qdisc add dev up0 root tbf rate 1000000000bit')));
});

test("every node has its own MAC, and knows every other node's MAC ahead (no ARP storm when a mesh opens)", () => {
  const p = planLab(spec, RUN, 'wanem', '/tmp/x');
  const macs = p.root.map((l) => / peer name eth0 address (\S+) /.exec(l)?.[1]).filter(Boolean);
  assert.is(macs.length, spec.nodes.length);
  assert.is(new Set(macs).size, macs.length);
  assert.is(nodeMac(258), '02:1c:00:00:01:02');
  const mine = p.ip.get(`icb-${RUN}-hokudai-h1-n1`)!.filter((l) => l.startsWith('neigh replace'));
  assert.is(mine.length, spec.nodes.length - 1);
  assert.ok(mine.includes(`neigh replace 10.200.0.1 lladdr ${nodeMac(0)} dev eth0 nud permanent`), mine.join('\n'));
  assert.not.ok(
    mine.some((l) => l.includes('10.200.0.5 ')),
    'no entry for itself',
  );
});

test('one wanem per site pair, one-way delay = RTT/2, values in base units', () => {
  const p = planLab(spec, RUN, 'wanem', '/tmp/x');
  assert.is(p.relays.length, 1);
  const a = relayArgv(p.relays[0]);
  const flag = (f: string) => a[a.indexOf(f) + 1];
  assert.is(flag('--delay-us'), '10000');
  assert.is(flag('--jitter-us'), '1000');
  assert.is(flag('--rate-bps'), '1000000000');
  assert.is(flag('--loss-pct'), '0.1');
  assert.is(flag('--a-bind'), '198.19.1.2:4789');
  assert.is(flag('--b-peer'), '198.18.2.2:4789');
  assert.is(flag('--stats'), '/tmp/x/wanem-NII-Hokudai.json');
  assert.ok(p.ip.get(p.wanNs)!.includes('addr add 198.19.1.2/32 dev lo'));
  assert.equal(relayEnds(0, 1), { aBind: '198.19.1.2:4789', aPeer: '198.18.1.2:4789', bBind: '198.19.2.1:4789', bPeer: '198.18.2.2:4789' });
});

test('with netem the WAN namespace routes and shapes each direction in its own class', () => {
  const p = planLab(spec, RUN, 'netem', '/tmp/x');
  assert.is(p.relays.length, 0);
  assert.is(p.sysctl.get(p.wanNs)!['net.ipv4.ip_forward'], '1');
  assert.equal(p.bridge.get(`icb-${RUN}-nii`), ['fdb append 00:00:00:00:00:00 dev vx0 dst 198.18.2.2']);
  const tc = p.tc.get(p.wanNs)!;
  assert.ok(tc.includes('qdisc add dev s1 root handle 1: htb default 999'));
  assert.ok(
    tc.some((l) => /^qdisc add dev s1 parent 1:10 handle 10: netem delay 10ms 1ms distribution normal loss random 0\.1% limit \d+$/.test(l)),
    tc.join('\n'),
  );
  assert.ok(tc.includes('filter add dev s0 parent 1: protocol ip prio 1 u32 match ip src 198.18.2.2/32 flowid 1:11'));
  assert.equal(p.netem.map((d) => `${d.dev}:${d.classId}`).sort(), ['s0:11', 's1:10']);
});

test.run();
