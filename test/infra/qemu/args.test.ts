import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kernelCmdline, qemuArgs, validateVmSpec, VmSpecError, type VmSpec } from '../../../infra/qemu/args.js';

const spec = (o: Partial<VmSpec> = {}): VmSpec => ({
  name: 'icb-20261201-020000-abcd-a-h1-n1',
  hostname: 'a-h1-n1',
  dir: '/run/icbench/20261201-020000-abcd.d/vm/a-h1-n1',
  memMiB: 256,
  cpus: 1,
  accel: 'tcg',
  image: { kernel: '/var/lib/icbench/vm/vmlinuz', initrd: '/var/lib/icbench/vm/initramfs.cpio.gz' },
  mac: '02:1c:00:00:00:00',
  tap: 'tap0',
  address: '10.200.0.1/16',
  shares: [],
  ...o,
});
const after = (argv: string[], flag: string) => argv[argv.indexOf(flag) + 1];

test('argv: direct kernel boot on pc without defaults or option ROMs, daemonized, named for the run', () => {
  const a = qemuArgs(spec());
  assert.is(a[0], 'qemu-system-x86_64');
  assert.is(after(a, '-M'), 'pc');
  assert.ok(a.includes('-nodefaults') && a.includes('-daemonize') && a.includes('-no-reboot'));
  assert.is(after(a, '-accel'), 'tcg');
  assert.is(after(a, '-cpu'), 'qemu64', 'a VM without shares may migrate: a plain CPU model under TCG');
  assert.is(after(a, '-m'), '256M');
  assert.ok(after(a, '-name').startsWith('icb-20261201-020000-abcd-a-h1-n1,'), '-name carries the run id (clean finds the process by it)');
  const devs = a.flatMap((x, i) => (x === '-device' ? [a[i + 1]] : []));
  assert.equal(devs, ['virtio-net-pci,netdev=net0,mac=02:1c:00:00:00:00,romfile=', 'virtio-net-pci,netdev=agent,mac=52:54:00:1c:00:02,romfile=']);
  const nets = a.flatMap((x, i) => (x === '-netdev' ? [a[i + 1]] : []));
  assert.is(nets[0], 'tap,id=net0,ifname=tap0,script=no,downscript=no');
  assert.match(nets[1], /^user,id=agent,.*restrict=on,hostfwd=tcp:127\.0\.0\.1:7000-169\.254\.0\.15:7000$/);
  assert.is(after(a, '-qmp'), 'unix:/run/icbench/20261201-020000-abcd.d/vm/a-h1-n1/qmp.sock,server=on,wait=off');
  assert.not.ok(a.includes('-incoming'));
});

test('argv: KVM uses the host CPU; shares become 9p devices and icb.share; incoming target', () => {
  const k = qemuArgs(spec({ accel: 'kvm' }));
  assert.is(after(k, '-cpu'), 'host');
  const s = qemuArgs(
    spec({
      shares: [
        { path: '/usr', readOnly: true },
        { path: '/run/icbench/x.d', readOnly: false },
      ],
    }),
  );
  assert.is(after(s, '-cpu'), 'max');
  const fs = s.flatMap((x, i) => (x === '-fsdev' ? [s[i + 1]] : []));
  assert.equal(fs, ['local,id=fs0,path=/usr,security_model=none,readonly=on', 'local,id=fs1,path=/run/icbench/x.d,security_model=none']);
  assert.match(after(s, '-append'), / icb\.share=s0:\/usr:ro,s1:\/run\/icbench\/x\.d:rw$/);
  const i = qemuArgs(spec({ incoming: 'tcp:169.254.128.3:4444' }));
  assert.is(after(i, '-incoming'), 'tcp:169.254.128.3:4444');
});

test('kernel command line: address, MAC, agent port for /init', () => {
  assert.is(
    kernelCmdline(spec()),
    'console=ttyS0 panic=-1 quiet tsc=reliable no_timer_check icb.host=a-h1-n1 icb.ip=10.200.0.1/16 icb.mac=02:1c:00:00:00:00 icb.agent=7000',
  );
});

test('bad specs are refused naming the field, before anything runs', () => {
  const bad: [Partial<VmSpec>, RegExp][] = [
    [{ memMiB: 64 }, /memMiB: expected a whole number of MiB from 128/],
    [{ memMiB: 256.5 }, /memMiB/],
    [{ cpus: 0 }, /cpus/],
    [{ accel: 'hvf' as 'kvm' }, /accel: expected 'kvm' or 'tcg'/],
    [{ mac: '02:1c:00:00:00' }, /mac: expected a MAC/],
    [{ name: 'vm1' }, /name: expected icb-<run id>-<node>/],
    [{ address: '10.0.0.1' }, /address: expected an IPv4 address with prefix/],
    [{ dir: '/tmp/a,b' }, /dir: expected an absolute path/],
    [{ shares: [{ path: '/usr', readOnly: true }], incoming: 'tcp:1.2.3.4:5' }, /shares: expected none on a VM that migrates/],
    [{ incoming: 'exec:rm -rf /' }, /incoming: expected tcp:<ipv4>:<port> or defer/],
    [{ tap: 'tap0;reboot' }, /tap: expected an interface name/],
  ];
  for (const [o, re] of bad) {
    assert.throws(
      () => validateVmSpec(spec(o)),
      (e: Error) => e instanceof VmSpecError && re.test(e.message),
      JSON.stringify(o),
    );
    assert.throws(() => qemuArgs(spec(o)), re);
  }
});

test.run();
