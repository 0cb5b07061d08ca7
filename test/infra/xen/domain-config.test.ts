import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { domainName, kernelIpArg, renderDomainConfig, xenMac, xlString, type XenDomainOptions } from '../../../infra/xen/domain-config.js';
import { ConfigError } from '../../../infra/units.js';

const RUN = '20261122-034901-a1b2';
const base: XenDomainOptions = {
  runId: RUN,
  node: 'n1',
  type: 'pv',
  vcpus: 1,
  memoryMiB: 1024,
  kernel: '/boot/vmlinuz-guest',
  ramdisk: '/boot/initrd-guest',
  disks: [{ target: '/srv/xen/n1.img', vdev: 'xvda' }],
  vifs: [{ bridge: 'br-hokudai' }],
  guest: { address: '10.20.0.11', prefix: 24, gateway: '10.20.0.1' },
};

/** Reads `key = value` lines back (what xl's parser would see), undoing our string quoting. */
function settings(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+) = (.*)$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

test('domain name carries the run id and the node', () => {
  assert.is(domainName(RUN, 'n1'), `icb-${RUN}-n1`);
  assert.throws(() => domainName('today', 'n1'), /runId: expected a run id/);
  assert.throws(() => domainName(RUN, 'N 1'), /node: expected a node name/);
});

test('a PV guest: every xl.cfg key, strings quoted, lists in brackets', () => {
  const c = renderDomainConfig(base);
  const s = settings(c.text);
  assert.is(c.name, `icb-${RUN}-n1`);
  assert.is(s.name, `"icb-${RUN}-n1"`);
  assert.is(s.type, '"pv"');
  assert.is(s.vcpus, '1');
  assert.is(s.memory, '1024');
  assert.is(s.kernel, '"/boot/vmlinuz-guest"');
  assert.is(s.ramdisk, '"/boot/initrd-guest"');
  assert.is(s.extra, `"ip=10.20.0.11::10.20.0.1:255.255.255.0:icb-${RUN}-n1:eth0:off"`);
  assert.is(s.disk, '[ "format=raw, vdev=xvda, access=rw, target=/srv/xen/n1.img" ]');
  assert.is(s.vif, `[ "bridge=br-hokudai, mac=${c.macs[0]}" ]`);
  assert.is(s.on_poweroff, '"destroy"');
  assert.is(s.on_crash, '"destroy"');
  assert.is(c.address, '10.20.0.11');
  assert.not.ok('bootloader' in s);
});

test('MACs are in the Xen OUI, stable for a run/node/index and differ otherwise', () => {
  const a = xenMac(RUN, 'n1', 0);
  assert.match(a, /^00:16:3e:[0-7][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}$/);
  assert.is(xenMac(RUN, 'n1', 0), a);
  assert.is.not(xenMac(RUN, 'n1', 1), a);
  assert.is.not(xenMac(RUN, 'n2', 0), a);
  assert.is.not(xenMac('20261122-034901-a1b3', 'n1', 0), a);
  const two = renderDomainConfig({ ...base, vifs: [{ bridge: 'br0' }, { bridge: 'br1', mac: '00:16:3e:00:00:01' }] });
  assert.equal(two.macs, [xenMac(RUN, 'n1', 0), '00:16:3e:00:00:01']);
});

test('pygrub instead of a kernel; hvm needs neither; preserve on crash', () => {
  const g = settings(renderDomainConfig({ ...base, kernel: undefined, ramdisk: undefined, guest: undefined, bootloader: 'pygrub', onCrash: 'preserve' }).text);
  assert.is(g.bootloader, '"pygrub"');
  assert.not.ok('kernel' in g);
  assert.not.ok('extra' in g);
  assert.is(g.on_crash, '"preserve"');
  const h = settings(renderDomainConfig({ ...base, type: 'hvm', kernel: undefined, ramdisk: undefined, guest: undefined }).text);
  assert.is(h.type, '"hvm"');
});

test('quote and backslash are escaped as xl unescapes them; a comma may sit in the last disk key', () => {
  assert.is(xlString('say "hi" \\o/', 'f'), '"say \\"hi\\" \\\\o/"');
  const c = settings(
    renderDomainConfig({ ...base, extra: 'console=hvc0 msg="a b"', disks: [{ target: '/srv/a,b.img', vdev: 'xvdb', access: 'ro', format: 'qcow2' }] }).text,
  );
  assert.ok(c.extra.startsWith('"console=hvc0 msg=\\"a b\\" ip=10.20.0.11'));
  assert.is(c.disk, '[ "format=qcow2, vdev=xvdb, access=ro, target=/srv/a,b.img" ]');
});

test('bad input is a ConfigError naming the field, before any text is made', () => {
  const bad: [Partial<XenDomainOptions>, RegExp][] = [
    [{ type: 'kvm' as never }, /^type: expected one of pv, pvh, hvm/],
    [{ vcpus: 0 }, /^vcpus: expected a whole number/],
    [{ memoryMiB: 8 }, /^memoryMiB: expected at least 16/],
    [{ memoryMiB: 1.5 }, /^memoryMiB/],
    [{ kernel: 'vmlinuz' }, /^kernel: expected an absolute path/],
    [{ kernel: undefined, ramdisk: undefined, guest: undefined }, /^kernel: expected a kernel path \(or bootloader 'pygrub'\) for a pv guest/],
    [{ bootloader: 'pygrub' }, /^kernel: expected nothing when bootloader is 'pygrub'/],
    [{ extra: 'a\nmemory = 99999' }, /^extra: expected text without newlines/],
    [{ disks: [{ target: '/x.img', vdev: 'xvda; rm' }] }, /^disks\[0\]\.vdev: expected a virtual device/],
    [{ disks: [{ target: 'x.img', vdev: 'xvda' }] }, /^disks\[0\]\.target: expected an absolute path/],
    [{ vifs: [{ bridge: 'br0, script=/tmp/evil' }] }, /^vifs\[0\]\.bridge: expected a bridge name/],
    [{ vifs: [{ bridge: 'br0', mac: '02:00:00:00:00:01' }] }, /^vifs\[0\]\.mac: expected a lowercase MAC in 00:16:3e/],
    [{ guest: { address: '10.20.0.300', prefix: 24 } }, /^guest\.address: expected an IPv4 address/],
    [{ guest: { address: '10.20.0.3', prefix: 33 } }, /^guest\.prefix/],
    [{ onPoweroff: 'reboot' as never }, /^onPoweroff: expected one of destroy/],
  ];
  for (const [patch, re] of bad) {
    assert.throws(
      () => renderDomainConfig({ ...base, ...patch }),
      (e: Error) => e instanceof ConfigError && re.test(e.message),
      JSON.stringify(patch),
    );
  }
});

test('kernel ip= uses the prefix as a dotted netmask and leaves the gateway empty when absent', () => {
  assert.is(kernelIpArg({ address: '192.168.8.5', prefix: 22 }, 'h'), 'ip=192.168.8.5:::255.255.252.0:h:eth0:off');
  assert.is(kernelIpArg({ address: '10.0.0.2', prefix: 32, device: 'xenbr' }, 'h'), 'ip=10.0.0.2:::255.255.255.255:h:xenbr:off');
});

test.run();
