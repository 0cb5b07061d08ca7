import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lxcConfig, LXC_INIT, nodeHostsFile } from '../../../infra/virt/lxc-config.js';
import { sharedMounts } from '../../../infra/virt/mounts.js';

const RUN = '20261122-034901-a1b2';
// /etc: two allowed entries stand for the host's (infra/virt/etc-allow.ts; its own test covers the list).
const ETC = [
  { path: '/etc/passwd', dir: false },
  { path: '/etc/alternatives', dir: true },
];
const mounts = sharedMounts(`/run/icbench/${RUN}.d`, ['/opt/icbench'], ETC);
const UNCONFINED = { profile: 'unconfined', allow_incomplete: false, allow_nesting: false, reason: 'the kernel has no AppArmor' } as const;
const GENERATED = { profile: 'generated', allow_incomplete: false, allow_nesting: false, reason: "LXC's generated profile" } as const;
const apparmor = UNCONFINED;
const cfg = lxcConfig({ name: `icb-${RUN}-a-h1-n1`, hostname: 'a-h1-n1', rootfs: '/var/lib/icbench/rootfs-skel', mounts, apparmor });
const entries = (key: string) =>
  cfg
    .split('\n')
    .filter((l) => l.startsWith(`${key} = `))
    .map((l) => l.slice(key.length + 3));

test('own network namespace with only lo; hostname is the node name; skeleton root', () => {
  assert.equal(entries('lxc.net.0.type'), ['empty']);
  assert.equal(entries('lxc.uts.name'), ['a-h1-n1']);
  assert.equal(entries('lxc.rootfs.path'), ['dir:/var/lib/icbench/rootfs-skel']);
});

test('host /usr, the allowed /etc entries and the package are read-only, the work dir read-write, all at the same path', () => {
  const binds = entries('lxc.mount.entry').filter((e) => e.includes('bind,create='));
  assert.equal(
    binds,
    [
      'usr usr none ro,bind,create=dir 0 0',
      'etc/passwd etc/passwd none ro,bind,create=file 0 0',
      'etc/alternatives etc/alternatives none ro,bind,create=dir 0 0',
      'opt/icbench opt/icbench none ro,bind,create=dir 0 0',
      `/run/icbench/${RUN}.d run/icbench/${RUN}.d none bind,create=dir 0 0`,
    ].map((e) => (e.startsWith('/') ? e : `/${e}`)),
  );
});

test('private /tmp and /run are mounted before binds that may lie below them', () => {
  const all = entries('lxc.mount.entry');
  const run = all.findIndex((e) => e.startsWith('tmpfs run tmpfs'));
  const work = all.findIndex((e) => e.startsWith(`/run/icbench/${RUN}.d `));
  assert.ok(run >= 0 && work > run, all.join('\n'));
  assert.ok(all.some((e) => e.startsWith('tmpfs tmp tmpfs') && e.includes('mode=1777')));
});

test('an init that reaps zombies, told its container name, keeps the container alive', () => {
  assert.equal(entries('lxc.init.cmd'), [`${LXC_INIT} --name icb-${RUN}-a-h1-n1 --quiet -- /usr/bin/sleep infinity`]);
});

test("AppArmor as the host's choice: LXC's generated profile where it has AppArmor (no nesting), unconfined where it has none", () => {
  assert.equal(entries('lxc.apparmor.profile'), ['unconfined']);
  assert.equal(entries('lxc.apparmor.allow_nesting'), ['0']);
  const g = lxcConfig({ name: `icb-${RUN}-a-h1-n1`, hostname: 'a-h1-n1', rootfs: '/r', mounts, apparmor: GENERATED }).split('\n');
  assert.equal(
    g.filter((l) => l.startsWith('lxc.apparmor.')),
    ['lxc.apparmor.profile = generated', 'lxc.apparmor.allow_nesting = 0', 'lxc.apparmor.allow_incomplete = 0'],
  );
  // The bind mounts stay LXC's own (made before the profile applies at init's exec), as without AppArmor.
  assert.equal(
    g.filter((l) => l.startsWith('lxc.mount.entry')),
    cfg.split('\n').filter((l) => l.startsWith('lxc.mount.entry')),
  );
});

test('values that would break the config format are refused', () => {
  assert.throws(() => lxcConfig({ name: 'icb x', hostname: 'n', rootfs: '/r', mounts: [], apparmor }), /without blanks/);
  assert.throws(() => sharedMounts('/run/icbench/a b', []), /absolute without blanks/);
  assert.throws(() => sharedMounts('relative/dir', []), /absolute/);
});

test('shared mounts: shallow first, a package root inside /usr is not mounted twice', () => {
  const m = sharedMounts('/tmp/state/r.d', ['/usr/lib/node_modules/icbench', '/work/main'], ETC);
  assert.equal(
    m.map((x) => `${x.path}:${x.readOnly ? 'ro' : 'rw'}`),
    ['/usr:ro', '/etc/passwd:ro', '/etc/alternatives:ro', '/work/main:ro', '/tmp/state/r.d:rw'],
  );
});

test("the node's own /etc/hosts replaces the host's: its name on 127.0.1.1, the host's own name dropped", () => {
  const withHosts = sharedMounts(`/run/icbench/${RUN}.d`, [], [{ path: '/etc/hosts', dir: false }, ...ETC]);
  const c = lxcConfig({ name: `icb-${RUN}-a-h1-n1`, hostname: 'a-h1-n1', rootfs: '/r', mounts: withHosts, hostsFile: '/var/lib/x/hosts', apparmor });
  const m = c.split('\n').filter((l) => l.includes(' etc/hosts '));
  assert.equal(m, ['lxc.mount.entry = /var/lib/x/hosts etc/hosts none ro,bind,create=file 0 0']);
  const plain = lxcConfig({ name: `icb-${RUN}-a-h1-n1`, hostname: 'a-h1-n1', rootfs: '/r', mounts: withHosts, apparmor });
  assert.ok(plain.includes('lxc.mount.entry = /etc/hosts etc/hosts none ro,bind,create=file 0 0'), 'without it, the host file as before');
  assert.is(
    nodeHostsFile('127.0.0.1\tlocalhost\n127.0.1.1\tnii-h1\n::1 localhost\n', 'nii-h1-n1'),
    '127.0.0.1\tlocalhost\n::1 localhost\n127.0.1.1\tnii-h1-n1\n',
  );
  assert.throws(() => lxcConfig({ name: 'x', hostname: 'h', rootfs: '/r', mounts: [], hostsFile: '/a b', apparmor }), /without blanks/);
});

test.run();
