/**
 * What container nodes see of the host's /etc (infra/virt/etc-allow.ts): the allowed entries,
 * never a secret, the same on the lab (listed here) and on real hosts (listed by the host's shell).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ETC_ALLOW, ETC_NEVER, ETC_SHELL_FUNCTIONS, ensureEtcView, etcEntries } from '../../../infra/virt/etc-allow.js';
import { sharedMounts } from '../../../infra/virt/mounts.js';
import { lxcConfig } from '../../../infra/virt/lxc-config.js';

const UNCONFINED = { profile: 'unconfined', allow_incomplete: false, allow_nesting: false, reason: 'no AppArmor' } as const;

/** A fake /etc with secrets, allowed files, a glob match, a dangling symlink and a nested allowed dir. */
function fakeEtc(): string {
  const etc = mkdtempSync(join(tmpdir(), 'icb-etc-'));
  for (const f of ['passwd', 'group', 'shadow', 'gshadow', 'hosts', 'ld.so.cache', 'sudoers']) writeFileSync(join(etc, f), 'x');
  for (const d of ['ssh', 'ssl/private', 'ssl/certs', 'java-17-openjdk', 'java-21-openjdk', 'alternatives', 'wireguard'])
    mkdirSync(join(etc, d), { recursive: true });
  symlinkSync('/nonexistent/resolv.conf', join(etc, 'resolv.conf'));
  return etc;
}

test('the allow-list names no secret', () => {
  const allow: readonly string[] = ETC_ALLOW;
  for (const never of ETC_NEVER)
    assert.not.ok(
      allow.some((a) => a === never || a.startsWith(`${never}/`)),
      never,
    );
});

test('etcEntries: the allowed entries that exist (globs, nested, files vs dirs); secrets and dangling links left out', () => {
  const got = etcEntries(fakeEtc());
  assert.equal(
    got.map((e) => `${e.path}${e.dir ? '/' : ''}`),
    ['/etc/passwd', '/etc/group', '/etc/hosts', '/etc/ld.so.cache', '/etc/alternatives/', '/etc/java-17-openjdk/', '/etc/java-21-openjdk/', '/etc/ssl/certs/'],
  );
});

test('lab containers: /usr and the entries one by one, files created as files; never /etc whole', () => {
  const m = sharedMounts('/var/tmp/run-x', ['/opt/icb'], etcEntries(fakeEtc()));
  assert.not.ok(m.some((x) => x.path === '/etc'));
  const conf = lxcConfig({ name: 'icb-r-n1', hostname: 'n1', rootfs: '/var/lib/skel', mounts: m, apparmor: UNCONFINED });
  assert.match(conf, 'lxc.mount.entry = /etc/passwd etc/passwd none ro,bind,create=file 0 0');
  assert.match(conf, 'lxc.mount.entry = /etc/ssl/certs etc/ssl/certs none ro,bind,create=dir 0 0');
  assert.not.match(conf, /shadow|\/etc\/ssh|private/);
});

test("real hosts: the host's shell lists the same entries (LXC lines and docker -v), secrets never", () => {
  const etc = fakeEtc();
  // The functions as the host runs them, with the fake /etc in place of /etc.
  const fns = ETC_SHELL_FUNCTIONS.join('\n').replaceAll('/etc/', `${etc}/`);
  const lxc = execFileSync('sh', ['-c', `${fns}\nicb_etc_lxc`]).toString();
  assert.ok(lxc.includes(`lxc.mount.entry = ${etc}/passwd`) && lxc.includes('create=file'), lxc);
  assert.ok(lxc.includes(`${etc}/java-17-openjdk`) && lxc.includes(`${etc}/ssl/certs`), lxc);
  assert.not.match(lxc, /shadow|\/ssh |private|wireguard|resolv/);
  const docker = execFileSync('sh', ['-c', `${fns}\nicb_etc_docker`]).toString();
  assert.match(docker, `-v ${etc}/passwd:${etc}/passwd:ro `);
  assert.not.match(docker, /shadow|private/);
});

test("QEMU's view (9p exports directories only): a copy of the allowed entries, symlinks kept, no secret", () => {
  const etc = fakeEtc();
  symlinkSync('/usr/bin/java-target', join(etc, 'alternatives', 'java'));
  const work = mkdtempSync(join(tmpdir(), 'icb-work-'));
  const view = ensureEtcView(work, etc);
  assert.ok(existsSync(join(view, 'passwd')) && existsSync(join(view, 'ssl', 'certs')));
  assert.is(readlinkSync(join(view, 'alternatives', 'java')), '/usr/bin/java-target', 'symlinks kept verbatim');
  for (const secret of ['shadow', 'gshadow', 'ssh', 'ssl/private', 'sudoers', 'wireguard', 'resolv.conf'])
    assert.not.ok(
      existsSync(join(view, secret)) ||
        (() => {
          try {
            return !!lstatSync(join(view, secret));
          } catch {
            return false;
          }
        })(),
      secret,
    );
});

test.run();
