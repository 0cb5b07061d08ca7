/**
 * icbench_l2vpn provided: the inventory key for the host's interface on the shared segment, the
 * plan that enslaves it instead of making a VXLAN device, the clean that releases it (never
 * deletes it), and the preflight probe that refuses the interface carrying SSH.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../../infra/config.js';
import { InventoryError, parseInventory } from '../../../infra/inventory/load.js';
import { planRemote, remoteCleanScript, runTag } from '../../../infra/remote/plan.js';
import { parseProbe, probeScript } from '../../../infra/remote/preflight.js';
import { specFromInventory } from '../../../infra/remote/spec.js';
import type { LxcAppArmor } from '../../../infra/virt/lxc-apparmor.js';

const NO_FILES = { checkFiles: false, home: '/home/op', defaultUser: 'op' };
const RUN = '20261130-120000-abcd';
const inv = (mode: string, site: string, host = '') => `
all:
  vars:
    icbench_l2vpn: ${mode}
  children:
    NII:
      vars: {${site}}
      hosts:
        nii1: { ansible_host: 192.0.2.1${host} }
        nii2: { ansible_host: 192.0.2.2 }
`;

test('inventory: icbench_l2_interface per site or host, required in provided mode, validated', () => {
  const a = parseInventory(inv('provided', 'icbench_l2_interface: ens1f1', ', icbench_l2_interface: vlan.301'), 'i.yaml', NO_FILES);
  assert.equal(
    a.sites[0].hosts.map((h) => h.l2Interface),
    ['vlan.301', 'ens1f1'],
  );
  assert.is(parseInventory(inv('vxlan', ''), 'i.yaml', NO_FILES).sites[0].hosts[0].l2Interface, undefined, 'optional otherwise');
  const err = (text: string) => {
    try {
      parseInventory(text, 'i.yaml', NO_FILES);
    } catch (e) {
      assert.instance(e, InventoryError);
      return (e as Error).message;
    }
    assert.unreachable('accepted');
    return '';
  };
  // Required with provided: checked when the scenario is resolved on the inventory, before any host is contacted.
  const missing = parseInventory(inv('provided', ''), 'i.yaml', NO_FILES);
  assert.throws(
    () => specFromInventory(missing, { scenario: 't', sites: [{ name: 'NII', lan: '1Gbit', hosts: 2, nodesPerHost: 1 }], wan: { rate: '1Gbit', rtt: '1ms' } }),
    /all\.children\.NII\.hosts\.nii1\.icbench_l2_interface.*required with icbench_l2vpn: provided/s,
  );
  assert.match(err(inv('provided', 'icbench_l2_interface: "eth0; reboot"')), /interface name/);
  assert.match(err(inv('provided', 'icbench_l2_interface: averyveryverylongname')), /interface name/);
  assert.match(
    err(
      `all:\n  vars:\n    icbench_l2vpn: provided\n    icbench_l2_interface: eth1\n  children:\n    NII:\n      hosts:\n        nii1: { ansible_host: 192.0.2.1 }\n`,
    ),
    /icbench_l2_interface/,
  );
});

const spec = resolveConfig(
  {
    scenario: 't',
    sites: [
      { name: 'NII', lan: '10Gbit', hosts: 1, nodesPerHost: 2 },
      { name: 'Hokudai', lan: '1Gbit', hosts: 1, nodesPerHost: 1, virt: 'lxc' },
    ],
    wan: { rate: '1Gbit', rtt: '20ms' },
  },
  { lab: false },
);
const places = [
  { name: 'nii1', specHost: 'nii-h1', dataAddress: '192.0.2.1' },
  { name: 'hok1', specHost: 'hokudai-h1', dataAddress: '198.51.100.1' },
];
const provided = {
  interfaces: new Map([
    ['nii1', 'ens1f1'],
    ['hok1', 'vlan.301'],
  ]),
  mtu: 9000,
};

test('plan: the bridge enslaves the host interface (journaled first), no VXLAN, the cluster MTU is the segment MTU', () => {
  // hok1's lxc nodes need the AppArmor choice its preflight probe makes (a host without AppArmor here).
  const lxcApparmor = new Map<string, LxcAppArmor>([['hok1', { profile: 'unconfined', allow_incomplete: false, allow_nesting: false, reason: 'no AppArmor' }]]);
  const p = planRemote(spec, RUN, places, { provided, lxcApparmor });
  assert.is(p.mtu, 9000);
  assert.is(p.vni, 0);
  const up = p.hosts[0].up;
  execFileSync('sh', ['-n'], { input: up });
  assert.not.match(up, /vxlan|bridge fdb/);
  const lines = up.split('\n');
  const at = lines.indexOf(`ip link set ens1f1 master ${p.tag}br`);
  assert.ok(at > 0, up);
  assert.match(lines[at - 3], '"kind":"enslaved","name":"ens1f1"');
  assert.match(up, `ip link add ${p.tag}n0 mtu 9000 type veth`);
  assert.match(p.hosts[1].up, `ip link set vlan.301 master ${p.tag}br`);
  assert.throws(() => planRemote(spec, RUN, places, { provided: { interfaces: new Map(), mtu: 1500 } }), /no interface on the segment for host nii1/);
});

test('clean: the enslaved interface is released from the run bridge only, never deleted', () => {
  const d = mkdtempSync(join(tmpdir(), 'icb-provided-'));
  try {
    const j = join(d, 'journal');
    writeFileSync(
      j,
      `${[
        { kind: 'link', name: `${runTag(RUN)}br` },
        { kind: 'enslaved', name: 'ens1f1' },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n')}\n`,
    );
    for (const f of ['ip', 'readlink']) {
      const body = f === 'readlink' ? `echo ../../${runTag(RUN)}br` : 'echo "ip $*" >> "$LOG"';
      writeFileSync(join(d, f), `#!/bin/sh\n${body}\n`);
      chmodSync(join(d, f), 0o755);
    }
    const script = remoteCleanScript(RUN).replace(/^J=.*$/m, `J='${j}'`);
    execFileSync('sh', ['-c', script], { env: { PATH: `${d}:/usr/bin:/bin`, LOG: join(d, 'log') } });
    const log = readFileSync(join(d, 'log'), 'utf8');
    assert.match(log, 'ip link set ens1f1 nomaster');
    assert.not.match(log, 'link del ens1f1');
    assert.ok(log.indexOf('nomaster') < log.indexOf(`link del ${runTag(RUN)}br`), log);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('probe: the interface MTU, master, addresses and the address SSH arrived on', () => {
  const script = probeScript(['ip'], 'lo');
  execFileSync('sh', ['-n'], { input: script });
  const out = parseProbe(execFileSync('sh', ['-s'], { input: script, env: { ...process.env, SSH_CONNECTION: '10.0.0.9 5555 127.0.0.1 22' } }).toString());
  assert.is(out['l2if.mtu'], readFileSync('/sys/class/net/lo/mtu', 'utf8').trim());
  assert.match(out['l2if.addrs'], '127.0.0.1');
  assert.is(out['ssh.server'], '127.0.0.1');
  assert.is(parseProbe(execFileSync('sh', ['-s'], { input: probeScript([], 'nonexistent0') }).toString())['l2if.mtu'], 'MISSING');
});

test.run();
