import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveConfig } from '../../../infra/config.js';
import { nsconfScript, planLab, relayArgv, relayEnds, rpsMask, siteBridgeMac } from '../../../infra/lab/plan.js';
import { nodeMac, vmmMac } from '../../../infra/node-net.js';

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
  assert.equal(p.links.get(`icb-${RUN}-hokudai-h1-n1`), [
    { op: 'up', dev: 'lo' },
    { op: 'addr', dev: 'eth0', cidr: '10.200.0.5/16' },
    { op: 'up', dev: 'eth0' },
  ]);
  assert.is(p.ip.get(`icb-${RUN}-hokudai-h1-n1`), undefined, 'no ip process per node namespace');
  const nii = p.ip.get(`icb-${RUN}-nii`)!;
  assert.ok(nii.some((l) => /^link add vx0 type vxlan id \d+ local 198\.18\.1\.2 dstport 4789/.test(l)));
  assert.is(p.bridge.get(`icb-${RUN}-nii`)![0], 'fdb append 00:00:00:00:00:00 dev vx0 dst 198.19.1.2');
  assert.is(p.bridge.get(`icb-${RUN}-hokudai`)![0], 'fdb append 00:00:00:00:00:00 dev vx0 dst 198.19.2.1');
  assert.equal(
    p.ethtool.filter((e) => e.args[1] === 'vx0').map((e) => e.args.join(' ')),
    ['-K vx0 tx off', '-K vx0 tx off'],
  );
  assert.ok(p.tc.get(p.wanNs)!.includes('qdisc replace dev s0 root pfifo limit 1000'));
  assert.equal(
    p.nsShell.filter((e) => e.script.includes('threaded')).map((e) => `${e.ns} ${e.script}`),
    [`icb-${RUN}-nii echo 1 > /sys/class/net/wan0/threaded`, `icb-${RUN}-hokudai echo 1 > /sys/class/net/wan0/threaded`],
  );
  // RPS on the node-facing ports of every host switch (a node's sent packets stay in order), nowhere else.
  const rps = p.nsShell.filter((e) => e.script.includes('rps_cpus'));
  assert.equal(rps.map((e) => e.ns).sort(), [...p.hostNs.values()].sort());
  assert.ok(rps.every((e) => e.script.includes('/sys/class/net/n*/queues/rx-*/rps_cpus')));
  // No firewall table in the lab's site namespaces (closed underlay; it cost emulated RTT): infra/lab/plan.ts.
  assert.not.ok(p.nsShell.some((e) => e.script.includes('nft ')));
  // LAN rate shaping on both ends of every host link.
  assert.ok(p.tc.get(`icb-${RUN}-nii`)!.some((l) => l.startsWith('qdisc add dev h0 root tbf rate 10000000000bit')));
  assert.ok(p.tc.get(`icb-${RUN}-hokudai-h1`)!.some((l) => l.startsWith('qdisc add dev up0 root tbf rate 1000000000bit')));
});

test('every node has its own MAC; each site switch knows every node (entries grow as nodes x sites, not nodes squared)', () => {
  const p = planLab(spec, RUN, 'wanem', '/tmp/x');
  const macs = p.root.map((l) => / peer name eth0 address (\S+) /.exec(l)?.[1]).filter(Boolean);
  assert.is(macs.length, spec.nodes.length);
  assert.is(new Set(macs).size, macs.length);
  assert.is(nodeMac(258), '02:1c:00:00:01:02');
  const nii = p.ip.get(`icb-${RUN}-nii`)!;
  const neigh = nii.filter((l) => l.startsWith('neigh replace'));
  assert.is(neigh.length, spec.nodes.length);
  assert.ok(neigh.includes(`neigh replace 10.200.0.5 lladdr ${nodeMac(4)} dev br0 nud permanent`), neigh.join('\n'));
  // Entries go in after the last host port joined br0 (a bridge MAC change flushes them), on a pinned MAC.
  assert.ok(nii.indexOf('link set h1 master br0 up') < nii.indexOf(neigh[0]));
  assert.ok(nii.includes('link set br0 address 02:1e:00:00:00:00'));
  assert.ok(nii.includes('link set dev h0 type bridge_slave proxy_arp on') && nii.includes('link set dev h1 type bridge_slave proxy_arp on'));
  assert.ok(nii.includes('link set dev vx0 type bridge_slave neigh_suppress on'));
  const fdb = p.bridge.get(`icb-${RUN}-nii`)!;
  assert.ok(fdb.includes(`fdb replace ${nodeMac(0)} dev h0 master static`), 'local node on its host port');
  assert.ok(fdb.includes(`fdb replace ${nodeMac(4)} dev vx0 master static`), "the other site's node behind the VXLAN");
  assert.ok(fdb.includes(`fdb replace ${nodeMac(4)} dev vx0 dst 198.19.1.2`), 'and sent straight to its VTEP');
  const host = p.bridge.get(`icb-${RUN}-nii-h1`)!;
  assert.ok(host.includes(`fdb replace ${nodeMac(0)} dev n0 master static`) && host.includes('link set dev n0 flood off'));
  assert.ok(host.includes('link set dev up0 learning off'));
  for (const ns of p.nodeNs.values())
    for (const lines of [p.ip.get(ns) ?? []])
      assert.not.ok(
        lines.some((l) => l.startsWith('neigh')),
        `no per-pair entries in ${ns}`,
      );
});

test('nsconf script: sysctls of every namespace, links of node namespaces, one block per namespace', () => {
  const p = planLab(spec, RUN, 'wanem', '/tmp/x');
  const lines = nsconfScript(p).trim().split('\n');
  assert.is(lines.filter((l) => l.startsWith('ns ')).length, p.namespaces.length);
  const at = lines.indexOf(`ns icb-${RUN}-hokudai-h1-n1`);
  assert.equal(lines.slice(at + 1, at + 8), [
    'sysctl net.ipv4.tcp_rmem 4096 131072 67108864',
    'sysctl net.ipv4.tcp_wmem 4096 65536 67108864',
    'sysctl net.ipv6.conf.all.disable_ipv6 1',
    'sysctl net.ipv6.conf.default.disable_ipv6 1',
    'up lo',
    'addr eth0 10.200.0.5/16',
    'up eth0',
  ]);
});

test('--tcp-cc: every node namespace (and only those) gets the congestion control among its sysctls; none by default', () => {
  const p = planLab(spec, RUN, 'wanem', '/tmp/x', { tcpCc: 'cubic' });
  const nodes = new Set(p.nodeNs.values());
  for (const ns of p.namespaces) {
    const cc = p.sysctl.get(ns)?.['net.ipv4.tcp_congestion_control'];
    assert.is(cc, nodes.has(ns) ? 'cubic' : undefined, ns);
  }
  assert.ok(nsconfScript(p).includes(`ns icb-${RUN}-hokudai-h1-n1\nsysctl net.ipv4.tcp_rmem`));
  assert.ok(nsconfScript(p).includes('sysctl net.ipv4.tcp_congestion_control cubic'));
  assert.not.ok(nsconfScript(planLab(spec, RUN, 'wanem', '/tmp/x')).includes('tcp_congestion_control'));
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
  assert.is(p.bridge.get(`icb-${RUN}-nii`)![0], 'fdb append 00:00:00:00:00:00 dev vx0 dst 198.18.2.2');
  assert.ok(p.bridge.get(`icb-${RUN}-nii`)!.includes('fdb replace 02:1c:00:00:00:04 dev vx0 dst 198.18.2.2'), 'netem: remote nodes straight to their gateway');
  const tc = p.tc.get(p.wanNs)!;
  assert.ok(tc.includes('qdisc add dev s1 root handle 1: stab overhead -46 htb default 999'));
  assert.ok(
    tc.some((l) => /^qdisc add dev s1 parent 1:10 handle 10: netem delay 10ms 1ms distribution normal loss random 0\.1% limit \d+$/.test(l)),
    tc.join('\n'),
  );
  assert.ok(tc.includes('filter add dev s0 parent 1: protocol ip prio 1 u32 match ip src 198.18.2.2/32 flowid 1:11'));
  assert.equal(p.netem.map((d) => `${d.dev}:${d.classId}`).sort(), ['s0:11', 's1:10']);
});

test('switches answer ARP for a fixed set of lab nodes only: off with qemu nodes (VMs move) or when asked', () => {
  const arpLines = (p: ReturnType<typeof planLab>) =>
    [...p.ip.values(), ...p.bridge.values()].flat().filter((l) => /proxy_arp on|neigh_suppress on|nud permanent|master static|learning off|flood off/.test(l));
  assert.ok(arpLines(planLab(spec, RUN, 'wanem', '/tmp/x')).length > 0, 'on by default');
  assert.equal(arpLines(planLab(spec, RUN, 'wanem', '/tmp/x', { arpAtSwitch: false })), []);
  const vms = resolveConfig({
    scenario: 't',
    sites: [
      { name: 'A', lan: '1Gbit', hosts: 1, nodesPerHost: 1, virt: 'qemu' },
      { name: 'B', lan: '1Gbit', hosts: 1, nodesPerHost: 1 },
    ],
    wan: { rate: '1Gbit', rtt: '20ms' },
  });
  assert.equal(arpLines(planLab(vms, RUN, 'wanem', '/tmp/x')), []);
  // Flooding toward the other site stays: a plain learning switch still reaches every VTEP.
  assert.ok([...planLab(vms, RUN, 'wanem', '/tmp/x').bridge.values()].flat().some((l) => l.startsWith('fdb append 00:00:00:00:00:00 dev vx0')));
});

test('xen nodes: no namespace or veth of their own (their NIC is a vif in the nested Xen host of their lab host); learning switches', () => {
  const xen = resolveConfig({
    scenario: 't',
    sites: [
      { name: 'A', lan: '1Gbit', hosts: 1, nodesPerHost: 2, virt: 'xen' },
      { name: 'B', lan: '1Gbit', hosts: 1, nodesPerHost: 1 },
    ],
    wan: { rate: '1Gbit', rtt: '20ms' },
  });
  const p = planLab(xen, RUN, 'wanem', '/tmp/x');
  assert.is(p.namespaces.length, 1 + 2 + 2 + 1, 'wan, sites, hosts and only the netns node');
  assert.is(p.nodeNs.get('a-h1-n1'), `icb-${RUN}-a-h1`, "a xen node's namespace is its host's (where the nested host's tap is)");
  assert.is(p.nodeNs.get('a-h1-n2'), `icb-${RUN}-a-h1`);
  assert.not.ok(
    p.root.some((l) => l.includes(`icb-${RUN}-a-h1-n`)),
    'no namespace or veth for xen nodes',
  );
  assert.ok(p.ip.get(`icb-${RUN}-a-h1`)!.includes('link set br0 up'), 'the host switch is made for the tap to join');
  const arp = [...p.ip.values(), ...p.bridge.values()].flat().filter((l) => /proxy_arp on|nud permanent|master static|flood off/.test(l));
  assert.equal(arp, [], 'guests are learnt behind the tap: plain learning switches');
});

test('MAC ranges never collide: nodes, VMM bridges and site switches (a VMM bridge with a site switch MAC is unreachable)', () => {
  const macs = [0, 1, 2, 255, 256, 4095].flatMap((i) => [nodeMac(i), vmmMac(i), siteBridgeMac(i)]);
  assert.is(new Set(macs).size, macs.length);
});

test('rpsMask: every CPU, in 32-bit words high word first as sysfs writes it', () => {
  assert.is(rpsMask(1), '1');
  assert.is(rpsMask(2), '3');
  assert.is(rpsMask(8), 'ff');
  assert.is(rpsMask(32), 'ffffffff');
  assert.is(rpsMask(40), 'ff,ffffffff');
  assert.is(rpsMask(64), 'ffffffff,ffffffff');
});

test.run();
