/**
 * The overlay firewall (infra/overlay-firewall.ts) against a real attacker, on real namespaces: a
 * host with the run's VXLAN device and a cluster address, a peer host of the run, and an outsider
 * on the same underlay who builds a VXLAN device with the run's VNI and port aimed at the host.
 * Without the firewall the outsider's ping reaches the cluster address (the attack works); with
 * the run's table in place it does not, while the peer's does. vxlan-wireguard: the run's VXLAN is
 * taken only from the tunnel interface, so the same frames sent to the public address are dropped.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { firewallRuleset } from '../../infra/overlay-firewall.js';

const id = randomBytes(3).toString('hex');
const NS = { sw: `icbt-fw${id}-sw`, host: `icbt-fw${id}-h`, peer: `icbt-fw${id}-p`, out: `icbt-fw${id}-o` };
const VNI = 4242;

const ip = (...a: string[]) => execFileSync('ip', a, { stdio: ['ignore', 'ignore', 'pipe'] });
const inNs = (ns: string, cmd: string[], input?: string) =>
  execFileSync('ip', ['netns', 'exec', ns, ...cmd], { input, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
const pings = (ns: string, to: string) => spawnSync('ip', ['netns', 'exec', ns, 'ping', '-c', '2', '-i', '0.2', '-W', '1', to]).status === 0;

/** A VXLAN endpoint in `ns`: underlay address `under` on `dev`, the run's VNI to `remote`, cluster address `cluster` on a bridge. */
function vtep(ns: string, under: string, remote: string, cluster: string): void {
  for (const l of ['ovx', 'obr']) spawnSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'del', l]);
  inNs(ns, ['ip', 'link', 'add', 'ovx', 'type', 'vxlan', 'id', String(VNI), 'local', under, 'dstport', '4789', 'ttl', '64']);
  inNs(ns, ['ip', 'link', 'add', 'obr', 'type', 'bridge']);
  inNs(ns, ['ip', 'link', 'set', 'ovx', 'master', 'obr', 'up']);
  inNs(ns, ['ip', 'link', 'set', 'obr', 'up']);
  inNs(ns, ['ip', 'addr', 'add', `${cluster}/24`, 'dev', 'obr']);
  inNs(ns, ['bridge', 'fdb', 'append', '00:00:00:00:00:00', 'dev', 'ovx', 'dst', remote]);
}

function up(): void {
  for (const n of Object.values(NS)) ip('netns', 'add', n);
  for (const n of Object.values(NS)) inNs(n, ['ip', 'link', 'set', 'lo', 'up']);
  inNs(NS.sw, ['ip', 'link', 'add', 'sw', 'type', 'bridge']);
  inNs(NS.sw, ['ip', 'link', 'set', 'sw', 'up']);
  // The public underlay: host, peer and outsider on one switch (198.51.100.0/24, inside these namespaces only).
  for (const [ns, addr, port] of [
    [NS.host, '198.51.100.1', 'ph'],
    [NS.peer, '198.51.100.2', 'pp'],
    [NS.out, '198.51.100.66', 'po'],
  ] as const) {
    ip('link', 'add', port, 'netns', NS.sw, 'type', 'veth', 'peer', 'name', 'pub0', 'netns', ns);
    inNs(NS.sw, ['ip', 'link', 'set', port, 'master', 'sw', 'up']);
    inNs(ns, ['ip', 'addr', 'add', `${addr}/24`, 'dev', 'pub0']);
    inNs(ns, ['ip', 'link', 'set', 'pub0', 'up']);
  }
  // A second link host <-> peer standing in for the WireGuard tunnel (icbwgt0 on the host).
  ip('link', 'add', 'icbwgt0', 'netns', NS.host, 'type', 'veth', 'peer', 'name', 'tun0', 'netns', NS.peer);
  inNs(NS.host, ['ip', 'addr', 'add', '10.99.0.1/24', 'dev', 'icbwgt0']);
  inNs(NS.host, ['ip', 'link', 'set', 'icbwgt0', 'up']);
  inNs(NS.peer, ['ip', 'addr', 'add', '10.99.0.2/24', 'dev', 'tun0']);
  inNs(NS.peer, ['ip', 'link', 'set', 'tun0', 'up']);
}

function down(): void {
  for (const n of Object.values(NS)) spawnSync('ip', ['netns', 'del', n]);
}

const apply = (ruleset: string) => inNs(NS.host, ['nft', '-f', '-'], ruleset);
const flush = () => spawnSync('ip', ['netns', 'exec', NS.host, 'nft', 'flush', 'ruleset']);

if (process.getuid?.() !== 0 || spawnSync('nft', ['--version']).status !== 0) {
  console.log('SKIPPED overlay firewall tests: they need root and nft');
} else {
  test.before(up);
  test.after(down);

  test('vxlan: an outsider with the run VNI reaches the node without the table, not with it; the peer does', () => {
    vtep(NS.host, '198.51.100.1', '198.51.100.2', '10.200.0.1');
    vtep(NS.peer, '198.51.100.2', '198.51.100.1', '10.200.0.2');
    vtep(NS.out, '198.51.100.66', '198.51.100.1', '10.200.0.66');
    assert.ok(pings(NS.out, '10.200.0.1'), 'without the firewall the outsider gets replies (the attack works)');
    const rules = firewallRuleset({ table: 'icb_itest', vni: VNI, vxlanPort: 4789, peers: ['198.51.100.2'] });
    apply(rules);
    assert.match(inNs(NS.host, ['nft', 'list', 'table', 'inet', 'icb_itest']), 'ip saddr != @peers');
    assert.not.ok(pings(NS.out, '10.200.0.1'), 'the outsider is dropped');
    assert.ok(pings(NS.peer, '10.200.0.1'), "the run's own peer still reaches the node");
    // Another VNI on the same port (the host's other VXLAN users) is not touched.
    assert.match(inNs(NS.host, ['nft', 'list', 'table', 'inet', 'icb_itest']), `@th,96,24 0x${VNI.toString(16)}`);
    flush();
  });

  test('vxlan-wireguard: the run VXLAN only from the tunnel; the same frames to the public address are dropped', () => {
    // The peer's VXLAN goes over the tunnel link; the outsider (and the peer itself) aim at the public address.
    vtep(NS.host, '10.99.0.1', '10.99.0.2', '10.200.0.1');
    vtep(NS.peer, '10.99.0.2', '10.99.0.1', '10.200.0.2');
    inNs(NS.out, ['ip', 'route', 'add', '10.99.0.0/24', 'via', '198.51.100.1']);
    inNs(NS.host, ['sysctl', '-q', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.pub0.rp_filter=0']);
    vtep(NS.out, '198.51.100.66', '10.99.0.1', '10.200.0.66');
    assert.ok(pings(NS.peer, '10.200.0.1'), 'the tunnel path works');
    const attack = pings(NS.out, '10.200.0.1');
    apply(firewallRuleset({ table: 'icb_itest', vni: VNI, vxlanPort: 4789, peers: ['198.51.100.2'], wireguard: { ifname: 'icbwgt0', port: 51999 } }));
    assert.not.ok(pings(NS.out, '10.200.0.1'), `the outsider is dropped (without the table it ${attack ? 'got' : 'did not get'} replies)`);
    assert.ok(pings(NS.peer, '10.200.0.1'), 'the tunnel path still works');
    flush();
  });
}

test('the ruleset refuses values it would otherwise interpolate', () => {
  const ok = { table: 'icb_i0a1b2c', vni: 5, vxlanPort: 4789, peers: ['10.0.0.2'] };
  assert.match(firewallRuleset(ok), 'elements = { 10.0.0.2 }');
  assert.throws(() => firewallRuleset({ ...ok, peers: ['10.0.0.2; flush ruleset'] }), /bad peer address/);
  assert.throws(() => firewallRuleset({ ...ok, table: 'x; flush' }), /bad table/);
  assert.throws(() => firewallRuleset({ ...ok, vni: 0 }), /bad VNI/);
  assert.throws(() => firewallRuleset({ ...ok, wireguard: { ifname: 'a"b', port: 1 } }), /bad interface/);
  assert.match(firewallRuleset({ ...ok, peers: [] }), 'set peers {\n    type ipv4_addr\n  }');
});

test.run();
