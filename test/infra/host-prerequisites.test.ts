/**
 * Host prerequisites: the one list, the probe (run here for real), and what is missing, read from
 * real dpkg-query output captured on this machine (test/fixtures/prerequisites/).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseProbe, probeScript } from '../../infra/remote/preflight.js';
import {
  HOST_FEATURES,
  DOCKER_INIT_PATH,
  HOST_PREREQUISITES,
  LXC_INIT_PATH,
  hostFeatures,
  missingLine,
  missingPackages,
  prerequisiteProbe,
  prerequisitesOf,
} from '../../infra/host-prerequisites.js';
import { fixturePath } from '../helpers/fixtures.js';
import { DOCKER_INIT } from '../../infra/virt/docker.js';
import { LXC_INIT } from '../../infra/virt/lxc-config.js';

const captured = parseProbe(readFileSync(fixturePath(join('prerequisites', 'debian12-all-features.txt')), 'utf8'));

test('features: base always, then the node type, the L2 mode and the benchmarks; unknown ones are refused', () => {
  assert.equal(hostFeatures({ virt: 'netns', l2vpn: 'provided' }), ['base', 'nodes']);
  assert.equal(hostFeatures({ virt: 'netns', l2vpn: 'vxlan' }), ['base', 'nodes', 'vxlan']);
  // A Xen dom0 runs none of the nodes' programs: the guests bring their own.
  assert.equal(hostFeatures({ virt: 'xen', l2vpn: 'vxlan' }), ['base', 'vxlan', 'xen']);
  // A Xen host's benchmarks run in its guests: their packages are the guest image's, not the dom0's.
  assert.equal(hostFeatures({ virt: 'xen', l2vpn: 'vxlan', benchmarks: ['pgbench', 'terasort-lab'] }), ['base', 'vxlan', 'xen']);
  assert.equal(hostFeatures({ virt: 'lxc', l2vpn: 'vxlan-wireguard', benchmarks: ['terasort-lab', 'pgbench', 'pgbench'] }), [
    'base',
    'nodes',
    'vxlan',
    'wireguard',
    'lxc',
    'pgbench',
    'terasort-lab',
  ]);
  assert.throws(() => hostFeatures({ virt: 'netns', l2vpn: 'vxlan', benchmarks: ['tuba'] }), /no feature "tuba"/);
  // Every package of every feature is a Debian package name; each appears once in prerequisitesOf.
  const all = prerequisitesOf(HOST_FEATURES);
  for (const p of all) assert.match(p.package, /^[a-z0-9][a-z0-9.+-]+$/);
  assert.is(new Set(all.map((p) => p.package)).size, all.length);
  // A package two features name is checked once, with the commands of both.
  assert.equal(prerequisitesOf(['base', 'nodes']).find((p) => p.package === 'iproute2')?.commands, ['ip', 'bridge', 'ss']);
});

test('captured on this Debian 12 machine: every feature but xen is installed; xen lacks xen-utils-common and cpio', () => {
  for (const f of HOST_FEATURES.filter((x) => x !== 'xen')) assert.equal(missingPackages(prerequisitesOf([f]), captured), [], f);
  const m = missingPackages(prerequisitesOf(['xen']), captured);
  // dpkg-query says nothing on stdout of a package it does not know (xen-utils-common) and "not-installed" of one it knows.
  assert.equal(m, [
    { package: 'xen-utils-common', commands: ['xl'], status: 'not installed' },
    { package: 'cpio', commands: ['cpio'], status: 'unknown ok not-installed' },
  ]);
  assert.is(
    missingLine('nii2', m),
    'nii2: missing packages xen-utils-common (dpkg: not installed; xl not found), cpio (dpkg: unknown ok not-installed; cpio not found): apt-get install -y xen-utils-common cpio',
  );
});

test('a package counts as missing when dpkg says so even if a command of that name exists, and an alternative will do', () => {
  const http = prerequisitesOf(['http', 'http-nginx']);
  // nginx (not nginx-light) installed: the alternative will do.
  const viaAlt = { ...captured, 'pkg.nginx-light': 'unknown ok not-installed' };
  assert.equal(missingPackages(http, viaAlt), []);
  const none = { ...viaAlt, 'pkg.nginx': 'deinstall ok config-files' };
  assert.equal(missingPackages(http, none), [{ package: 'nginx-light', commands: [], status: 'unknown ok not-installed' }]);
  // A host without dpkg: only the commands count.
  const noDpkg = Object.fromEntries([...Object.entries(captured).filter(([k]) => !k.startsWith('pkg.')), ['pkg.dpkg', 'none']]);
  assert.equal(missingPackages(http, noDpkg), []);
  assert.equal(missingPackages(http, { ...noDpkg, 'cmd.wrk': 'no' }), [{ package: 'wrk', commands: ['wrk'], status: null }]);
});

test('the probe is one dpkg-query plus command -v; it runs here for real and agrees with the capture', () => {
  const needs = prerequisitesOf(HOST_FEATURES);
  const lines = prerequisiteProbe(needs);
  assert.is(lines.filter((l) => l.includes('dpkg-query')).length, 1);
  const script = probeScript(['ip'], null, needs);
  const p = parseProbe(execFileSync('sh', ['-s'], { input: script, encoding: 'utf8' }));
  assert.is(p['pkg.iperf3'], 'install ok installed');
  assert.is(p['cmd.ip'], 'yes');
  assert.equal(
    missingPackages(needs, p).map((m) => m.package),
    missingPackages(needs, captured).map((m) => m.package),
  );
  assert.throws(() => prerequisiteProbe([{ package: 'x; rm -rf /', commands: [], why: '' }]), /bad name/);
});

test('every feature says when it is checked and why each package is there', () => {
  for (const f of HOST_FEATURES) {
    assert.ok(HOST_PREREQUISITES[f].when.length > 5, f);
    for (const p of HOST_PREREQUISITES[f].needs) assert.ok(p.why.length > 3 && p.commands.length > 0, `${f} ${p.package}`);
  }
});

test('the init binaries checked are the ones the node types run', () => {
  assert.is(LXC_INIT_PATH, LXC_INIT);
  assert.is(DOCKER_INIT_PATH, DOCKER_INIT);
});

test.run();
