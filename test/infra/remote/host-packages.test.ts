/**
 * The host prerequisites list (infra/remote/host-packages.txt): parsed by need, picked for a set of
 * needs, malformed lines refused with their line number; and docs/real-sites.md shows exactly it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadHostPackages, packagesFor, parseHostPackages } from '../../../infra/remote/host-packages.js';
import { packageRoot } from '../../../infra/paths.js';

test('the list parses; always holds sshd, ip, nft, iperf3 and ping; needs add their packages, sorted, each once', () => {
  const list = loadHostPackages();
  for (const p of ['openssh-server', 'iproute2', 'nftables', 'iperf3', 'iputils-ping']) assert.ok(list.get('always')?.includes(p), p);
  const lxc = packagesFor(list, ['lxc', 'lxc']);
  assert.ok(lxc.includes('lxc') && lxc.includes('iperf3'));
  assert.equal(lxc, [...new Set(lxc)].sort());
  assert.not.ok(packagesFor(list, []).includes('docker.io'), 'docker only where docker nodes are wanted');
  assert.throws(() => packagesFor(list, ['hadoop']), /no need "hadoop" \(known: always, /);
});

test('malformed lines are refused with file and line', () => {
  assert.throws(() => parseHostPackages('always: iperf3\nlxc lxc\n', 'f.txt'), /f\.txt:2: expected "need: package \.\.\.", got "lxc lxc"/);
  assert.throws(() => parseHostPackages('always: iperf3\nlxc:\n', 'f.txt'), /f\.txt:2: expected Debian package names after "lxc:"/);
  assert.throws(() => parseHostPackages('always: Iperf3\n', 'f.txt'), /f\.txt:1: expected Debian package names/);
  assert.throws(() => parseHostPackages('always: a1\nalways: b1\n', 'f.txt'), /f\.txt:2: need always listed twice/);
  assert.throws(() => parseHostPackages('# only\nlxc: lxc\n', 'f.txt'), /no "always:" line/);
  assert.equal([...parseHostPackages('# c\n\nalways: b1  a1\n').entries()], [['always', ['b1', 'a1']]]);
});

test('docs/real-sites.md#host-prerequisites shows the list, need by need', () => {
  const doc = readFileSync(join(packageRoot(), 'docs', 'real-sites.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Host prerequisites'), doc.indexOf('\n## ', doc.indexOf('## Host prerequisites') + 1));
  const rows = [...section.matchAll(/^\| ([a-z][a-z0-9-]*) \| ([^|]+) \|$/gm)].filter((m) => m[1] !== 'need').map((m) => [m[1], m[2].trim().split(/\s+/)]);
  assert.equal(rows, [...loadHostPackages().entries()]);
});

test.run();
