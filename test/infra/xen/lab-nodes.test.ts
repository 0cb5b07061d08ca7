import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clusterNicOf, dom0SegmentScript, XEN_LAB_BRIDGE, xenLabDir } from '../../../infra/xen/lab-nodes.js';
import { NESTED_GUEST_KERNEL, NESTED_GUEST_ROOT_DEV, qemuArgv, type NestedImage } from '../../../infra/xen/nested-host.js';
import { renderDomainConfig } from '../../../infra/xen/domain-config.js';
import { ConfigError } from '../../../infra/units.js';

const RUN = '20261122-034901-a1b2';
const image: NestedImage = { dir: '/i', xen: '/i/xen', kernel: '/i/vmlinuz', initrd: '/i/dom0.cpio', clientKey: '/i/k', hostKey: 'ssh-ed25519 AAAA' };
const base = { image, name: 'icb-x', port: 2222, pidfile: '/p', console: '/c', memoryMiB: 1280, dom0MemoryMiB: 512 };

test('the cluster NIC: a tap per run and lab host (interface-name sized), a stable MAC, different across hosts and runs', () => {
  const a = clusterNicOf(RUN, 'nii-h1');
  assert.match(a.tap, /^icx[0-9a-f]{10}$/);
  assert.ok(a.tap.length <= 15);
  assert.match(a.mac, /^52:54:00(:[0-9a-f]{2}){3}$/);
  assert.equal(clusterNicOf(RUN, 'nii-h1'), a, 'stable');
  assert.is.not(clusterNicOf(RUN, 'hokudai-h1').tap, a.tap);
  assert.is.not(clusterNicOf('20261122-034901-a1b3', 'nii-h1').mac, a.mac);
});

test('qemuArgv: a second e1000 on the tap only when asked; the management NIC stays restricted user networking', () => {
  const plain = qemuArgv(base);
  assert.not.ok(plain.some((a) => a.startsWith('tap,')));
  const nic = clusterNicOf(RUN, 'nii-h1');
  const argv = qemuArgv({ ...base, clusterNic: nic });
  const netdevs = argv.flatMap((a, i) => (argv[i - 1] === '-netdev' ? [a] : []));
  assert.equal(netdevs, [`user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:2222-:22`, `tap,id=n1,ifname=${nic.tap},script=no,downscript=no`]);
  assert.ok(argv.includes(`e1000,netdev=n1,mac=${nic.mac}`));
  assert.throws(
    () => qemuArgv({ ...base, clusterNic: { tap: 'a,b', mac: nic.mac } }),
    (e: Error) => e instanceof ConfigError && /clusterNic\.tap/.test(e.message),
  );
  assert.throws(() => qemuArgv({ ...base, clusterNic: { tap: 'icx1', mac: '52:54:00:AA:00:01' } }), /clusterNic\.mac/);
});

test("dom0 script: the NIC found by its MAC joins xenbr0 with IPv6 off; the run's folder and the control folder are private", () => {
  const s = dom0SegmentScript('52:54:00:0a:0b:0c', RUN);
  assert.match(s, /= 52:54:00:0a:0b:0c \]/);
  assert.match(s, new RegExp(`ip link set "\\$dev" master ${XEN_LAB_BRIDGE} up`));
  assert.match(s, /disable_ipv6/);
  assert.ok(s.includes(`chmod 0700 /run/icbcm ${xenLabDir(RUN)}`));
  assert.throws(() => dom0SegmentScript('52:54:00:0a:0b:0c; reboot', RUN), /mac/);
});

test("qemuArgv: the guests' Debian root as a read-only virtio drive only when the image has one; a path that would break QEMU's option list is refused", () => {
  assert.not.ok(qemuArgv(base).includes('-drive'));
  const argv = qemuArgv({ ...base, image: { ...image, guestRoot: '/i/guest-root.ext4' } });
  assert.is(argv[argv.indexOf('-drive') + 1], 'file=/i/guest-root.ext4,if=virtio,format=raw,readonly=on');
  assert.throws(
    () => qemuArgv({ ...base, image: { ...image, guestRoot: '/i/a,b.ext4' } }),
    (e: Error) => e instanceof ConfigError && /image\.guestRoot/.test(e.message),
  );
});

test("a lab guest's domain: the dom0's root device given read-only as xvda (what the stand-in block script hands to blkback)", () => {
  const cfg = renderDomainConfig({
    runId: RUN,
    node: 'nii-h1-n1',
    type: 'pv',
    vcpus: 1,
    memoryMiB: 640,
    kernel: NESTED_GUEST_KERNEL,
    ramdisk: '/var/lib/icbench/xen/x/g.initrd',
    disks: [{ target: NESTED_GUEST_ROOT_DEV, vdev: 'xvda', access: 'ro' }],
    vifs: [{ bridge: XEN_LAB_BRIDGE }],
  });
  assert.match(cfg.text, /^disk = \[ "format=raw, vdev=xvda, access=ro, target=\/dev\/vda" \]$/m);
  assert.match(cfg.text, /^memory = 640$/m);
});

test.run();
