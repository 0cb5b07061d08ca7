/**
 * No trust on first use for Xen guests: each guest gets a host key made for this run on the
 * controller (ssh-keygen, in a 0700 folder of the run), put into the guest's initramfs before `xl
 * create` (a small cpio archive appended to the image's own: Linux unpacks concatenated archives in
 * order, so /etc/ssh/ssh_host_ed25519_key of the appended one wins), and pinned in the run's
 * known_hosts on the dom0 (`* ssh-ed25519 ...`: the key, whatever link-local address the guest
 * answers at); the dom0 then connects with StrictHostKeyChecking=yes. Anyone who poses as the guest
 * (a MAC or an address is easy to fake on a segment) cannot show that key.
 *
 * The private key travels to the dom0 inside the script's stdin (never argv) and lives there only
 * in the run's 0700 Xen folder and the guest's ramdisk built from it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { posixQuote as q, run } from '../exec.js';

export interface GuestHostKey {
  /** OpenSSH private key (PEM-like text). */
  privateKey: string;
  /** `ssh-ed25519 AAAA...` */
  publicKey: string;
}

/** A new ed25519 host key, made by ssh-keygen in a private temp folder under `workDir` (removed after). */
export async function newGuestHostKey(workDir: string, comment: string): Promise<GuestHostKey> {
  const dir = mkdtempSync(join(workDir, 'hostkey-'));
  try {
    const f = join(dir, 'key');
    const r = await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', f], { timeoutMs: 30_000 });
    if (!r.ok) throw new Error(`ssh-keygen failed: ${(r.stderr || r.stdout).trim()}`);
    const publicKey = readFileSync(`${f}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
    if (!/^ssh-ed25519 [A-Za-z0-9+/=]+$/.test(publicKey)) throw new Error(`ssh-keygen: unexpected public key ${JSON.stringify(publicKey)}`);
    return { privateKey: readFileSync(f, 'utf8'), publicKey };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const PATH_RE = /^\/[A-Za-z0-9._/-]+$/;

/**
 * The dom0 script (sh -s, stdin) that builds `<dir>/<guest>.initrd` = the image's ramdisk followed by a
 * gzipped cpio holding the guest's host key, and pins the public key in `knownHosts`.
 */
export function guestKeyScript(o: { dir: string; guest: string; ramdisk: string; key: GuestHostKey; knownHosts: string }): string {
  for (const [k, v] of [
    ['dir', o.dir],
    ['ramdisk', o.ramdisk],
    ['knownHosts', o.knownHosts],
  ] as const)
    if (!PATH_RE.test(v)) throw new Error(`guest host key: bad ${k} ${JSON.stringify(v)}`);
  if (!/^[A-Za-z0-9._-]+$/.test(o.guest)) throw new Error(`guest host key: bad guest name ${JSON.stringify(o.guest)}`);
  if (!/^-----BEGIN OPENSSH PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END OPENSSH PRIVATE KEY-----\n?$/.test(o.key.privateKey))
    throw new Error('guest host key: not an OpenSSH private key');
  const k = `${o.dir}/${o.guest}.hostkey`;
  return [
    'set -e',
    'umask 077',
    'for t in cpio gzip; do command -v $t >/dev/null || { echo "$t missing on the Xen host" >&2; exit 1; }; done',
    `rm -rf ${q(k)}`,
    `mkdir -p ${q(`${k}/etc/ssh`)}`,
    `cat > ${q(`${k}/etc/ssh/ssh_host_ed25519_key`)} <<'ICB_KEY'`,
    o.key.privateKey.trimEnd(),
    'ICB_KEY',
    `printf '%s\\n' ${q(o.key.publicKey)} > ${q(`${k}/etc/ssh/ssh_host_ed25519_key.pub`)}`,
    `(cd ${q(k)} && find . | cpio -o -H newc 2>/dev/null | gzip -c) > ${q(`${k}.cpio.gz`)}`,
    `cat ${q(o.ramdisk)} ${q(`${k}.cpio.gz`)} > ${q(`${o.dir}/${o.guest}.initrd`)}`,
    `rm -rf ${q(k)} ${q(`${k}.cpio.gz`)}`,
    `printf '* %s\\n' ${q(o.key.publicKey)} >> ${q(o.knownHosts)}`,
    'echo ok',
    '',
  ].join('\n');
}

/** The ramdisk the domain boots: the per-guest one built by guestKeyScript. */
export const guestInitrd = (dir: string, guest: string): string => `${dir}/${guest}.initrd`;
