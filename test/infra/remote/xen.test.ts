import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveConfig } from '../../../infra/config.js';
import { parseInventory } from '../../../infra/inventory/load.js';
import { journalPath, planRemote, remoteCleanScript, remoteXenDir, runTag, xenJournalScript } from '../../../infra/remote/plan.js';
import { REMOTE_VIRTS } from '../../../infra/remote/provider.js';
import { eui64LinkLocal } from '../../../infra/xen/xl.js';

const RUN = '20261130-120000-abcd';
const spec = resolveConfig({ scenario: 't', sites: [{ name: 'X', lan: '1Gbit', hosts: 1, nodesPerHost: 2, virt: 'xen' }] }, { lab: false });
const places = [{ name: 'dom0a', specHost: 'x-h1', dataAddress: '192.0.2.1' }];
const image = { kernel: '/srv/guest/vmlinuz', ramdisk: '/srv/guest/initrd.gz', memoryMiB: 128, vcpus: 1, guestKey: null, disk: null, runs: [] as const };

test('xen nodes are built on remote hosts; rumprun still is not', () => {
  assert.ok(REMOTE_VIRTS.includes('xen'));
  assert.not.ok(REMOTE_VIRTS.includes('rumprun'));
});

test('plan: a xen node is a PV guest with a vif on the run bridge and its cluster address on the kernel command line; no namespace or veth', () => {
  const p = planRemote(spec, RUN, places, { xen: new Map([['dom0a', image]]) });
  const h = p.hosts[0];
  assert.equal(h.namespaces, []);
  assert.not.match(h.up, /type veth/);
  assert.match(h.up, new RegExp(`mkdir -p '${remoteXenDir(RUN, 'dom0a')}'`));
  assert.match(h.up, /"kind":"dir"/, 'the run dir (configs, guests known_hosts) is journaled');
  const [a, b] = h.nodes;
  assert.is(a.xen?.name, `icb-${RUN}-x-h1-n1`);
  assert.match(a.xen!.text, new RegExp(`vif = \\[ "bridge=${runTag(RUN)}br, mac=00:16:3e:`));
  assert.match(a.xen!.text, new RegExp(`extra = "console=hvc0 ip=${spec.nodes[0].address}::.*:icb-${RUN}-x-h1-n1:eth0:off"`));
  // The domain boots a per-run copy of the image's ramdisk with the guest's host key appended (no trust on first use).
  assert.match(a.xen!.text, new RegExp(`kernel = "/srv/guest/vmlinuz"\nramdisk = "${remoteXenDir(RUN, 'dom0a')}/icb-${RUN}-x-h1-n1.initrd"`));
  assert.is(a.xenRamdisk, '/srv/guest/initrd.gz');
  assert.match(a.xen!.text, /memory = 128/);
  assert.is.not(a.xen!.macs[0], b.xen!.macs[0]);
});

test('plan: a xen image without a ramdisk is refused (the guest host key is carried in it)', () => {
  assert.throws(() => planRemote(spec, RUN, places, { xen: new Map([['dom0a', { ...image, ramdisk: null }]]) }), /has no ramdisk.*host key/);
});

test('plan: a xen host without a guest image is refused', () => {
  assert.throws(() => planRemote(spec, RUN, places), /no Xen guest image \(icbench_xen_kernel\) for host dom0a/);
});

test('the host journals each domain (synced) before it is created; clean destroys only journaled domains of the run', () => {
  const j = xenJournalScript(RUN, `icb-${RUN}-x-h1-n1`);
  assert.match(j, new RegExp(`printf '%s\\\\n' '\\{"kind":"xen","name":"icb-${RUN}-x-h1-n1"\\}' >> '${journalPath(RUN)}'`));
  assert.match(j, /sync /);
  const c = remoteCleanScript(RUN);
  assert.match(c, new RegExp(`"kind":"xen","name":"\\\\\\(icb-${RUN}-`));
  assert.match(c, /xl destroy "\$d"/);
  assert.match(c, /echo "left: xen \$d"/);
  // Domains go before the links (their vifs are ports of the run bridge).
  assert.ok(c.indexOf('xl destroy') < c.indexOf('ip link del'));
});

test('inventory: icbench_virt xen needs icbench_xen_kernel; memory and vcpus are checked', () => {
  const inv = (vars: string) =>
    `all:\n  vars:\n    icbench_known_hosts: /etc/ssh/ssh_known_hosts\n    icbench_virt: xen\n    icbench_l2vpn: vxlan\n${vars}  children:\n    X:\n      hosts:\n        dom0a: { ansible_host: 192.0.2.1 }\n`;
  assert.throws(() => parseInventory(inv(''), '/x/inv.yaml'), /icbench_xen_kernel: expected the guest kernel's path on the Xen host/);
  const ok = parseInventory(inv('    icbench_xen_kernel: /srv/vmlinuz\n    icbench_xen_memory: 192\n'), '/x/inv.yaml');
  assert.equal(ok.sites[0].hosts[0].xen, { kernel: '/srv/vmlinuz', ramdisk: null, memoryMiB: 192, vcpus: 1, guestKey: null, disk: null, runs: [] });
  assert.throws(() => parseInventory(inv('    icbench_xen_kernel: vmlinuz\n'), '/x/inv.yaml'), /icbench_xen_kernel: expected an absolute path on the Xen host/);
  assert.throws(
    () => parseInventory(inv('    icbench_xen_kernel: /srv/vmlinuz\n    icbench_xen_memory: 8\n'), '/x/inv.yaml'),
    /icbench_xen_memory: expected guest memory in MiB/,
  );
});

test("inventory: a guest image's disk and what it holds (icbench_xen_disk, icbench_xen_guest_runs) are typed and checked; its nodes carry them", () => {
  const inv = (vars: string) =>
    `all:\n  vars:\n    icbench_known_hosts: /etc/ssh/ssh_known_hosts\n    icbench_virt: xen\n    icbench_l2vpn: vxlan\n    icbench_xen_kernel: /srv/vmlinuz\n${vars}  children:\n    X:\n      hosts:\n        dom0a: { ansible_host: 192.0.2.1 }\n`;
  const ok = parseInventory(inv('    icbench_xen_disk: /dev/vdb\n    icbench_xen_guest_runs: [pgbench, terasort-lab]\n'), '/x/inv.yaml');
  assert.is(ok.sites[0].hosts[0].xen?.disk, '/dev/vdb');
  assert.equal(ok.sites[0].hosts[0].xen?.runs, ['pgbench', 'terasort-lab']);
  assert.throws(
    () => parseInventory(inv('    icbench_xen_guest_runs: [pgbench, mysql]\n'), '/x/inv.yaml'),
    /icbench_xen_guest_runs: expected a list of what the guest image holds/,
  );
  assert.throws(() => parseInventory(inv('    icbench_xen_guest_runs: pgbench\n'), '/x/inv.yaml'), /icbench_xen_guest_runs: expected a list/);
  assert.throws(() => parseInventory(inv('    icbench_xen_disk: /srv/a,b.img\n'), '/x/inv.yaml'), /icbench_xen_disk: expected an absolute path/);
});

test('plan: a guest image with a disk gives it to every guest read-only as xvda', () => {
  const p = planRemote(spec, RUN, places, { xen: new Map([['dom0a', { ...image, disk: '/dev/vdb' }]]) });
  for (const n of p.hosts[0].nodes) assert.match(n.xen!.text, /^disk = \[ "format=raw, vdev=xvda, access=ro, target=\/dev\/vdb" \]$/m);
  assert.not.match(planRemote(spec, RUN, places, { xen: new Map([['dom0a', image]]) }).hosts[0].nodes[0].xen!.text, /^disk/m);
});

test('the guest is reached at its EUI-64 link-local address on the run bridge', () => {
  assert.is(eui64LinkLocal('00:16:3e:12:34:56'), 'fe80::216:3eff:fe12:3456');
});

test.run();
