/**
 * The Xen guest's host key for a run: made by the real ssh-keygen, appended to a real gzipped cpio
 * initramfs by the dom0 script (run here with busybox's cpio and gzip as the dom0 has them), and the
 * appended archive holds the key where sshd looks; the script pins the public key and refuses bad input.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { guestKeyScript, newGuestHostKey } from '../../../infra/xen/guest-hostkey.js';

const dir = mkdtempSync(join(tmpdir(), 'icb-guestkey-'));
const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'].find((b) => existsSync(b)) ?? 'busybox';

test('a new key per guest; the initrd is the image followed by an archive holding it; pinned for any address', async () => {
  const a = await newGuestHostKey(dir, 'icbench test a');
  const b = await newGuestHostKey(dir, 'icbench test b');
  assert.match(a.publicKey, /^ssh-ed25519 /);
  assert.is.not(a.publicKey, b.publicKey);
  // An "image" initramfs of its own: one file, gzipped cpio.
  const img = join(dir, 'img');
  mkdirSync(join(img, 'etc'), { recursive: true });
  writeFileSync(join(img, 'etc', 'image-file'), 'from the image\n');
  execFileSync('sh', ['-c', `cd ${img} && find . | ${BUSYBOX} cpio -o -H newc 2>/dev/null | gzip -c > ${dir}/initrd.gz`]);
  const xdir = join(dir, 'xen');
  mkdirSync(xdir);
  // The dom0's cpio is busybox's (as on the nested Xen host); this machine may have no cpio of its own.
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync(BUSYBOX, join(bin, 'cpio'));
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
  const out = execFileSync('sh', ['-s'], {
    env,
    input: guestKeyScript({ dir: xdir, guest: 'icb-g1', ramdisk: `${dir}/initrd.gz`, key: a, knownHosts: `${xdir}/known_hosts` }),
  }).toString();
  assert.match(out, /ok/);
  // The kernel unpacks concatenated archives in order: the second (ours) holds the key, in plain text once decompressed.
  const listing = execFileSync('sh', ['-c', `zcat ${xdir}/icb-g1.initrd | strings | grep -c 'BEGIN OPENSSH PRIVATE KEY' || true`])
    .toString()
    .trim();
  assert.is(listing, '1', 'the appended archive holds the private key');
  assert.ok(readFileSync(`${xdir}/icb-g1.initrd`).length > readFileSync(`${dir}/initrd.gz`).length);
  assert.is(readFileSync(`${xdir}/known_hosts`, 'utf8'), `* ${a.publicKey}\n`);
  assert.equal(
    execFileSync('ls', [xdir]).toString().trim().split('\n').sort(),
    ['icb-g1.initrd', 'known_hosts'],
    'no key folder or archive left beside the initrd',
  );
});

test('the script refuses values it would otherwise put in a shell line', async () => {
  const k = await newGuestHostKey(dir, 'icbench test c');
  const ok = { dir: '/var/lib/icbench/x', guest: 'icb-g', ramdisk: '/srv/initrd.gz', key: k, knownHosts: '/var/lib/icbench/x/known_hosts' };
  assert.not.throws(() => guestKeyScript(ok));
  assert.throws(() => guestKeyScript({ ...ok, ramdisk: '/srv/a b' }), /bad ramdisk/);
  assert.throws(() => guestKeyScript({ ...ok, guest: 'x;rm' }), /bad guest name/);
  assert.throws(() => guestKeyScript({ ...ok, key: { ...k, privateKey: "x'\nICB_KEY\nrm -rf /" } }), /not an OpenSSH private key/);
  assert.not.match(guestKeyScript(ok), 'ssh-keygen', 'no key is made on the dom0');
});

test.run();
