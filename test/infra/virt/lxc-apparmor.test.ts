/**
 * AppArmor for LXC nodes (infra/virt/lxc-apparmor.ts): the choice from a host's probe, the probe's
 * shell text run for real (on this machine, and on fake trees standing for a host with AppArmor),
 * and the config lines. This machine's kernel has no AppArmor: the confined path is exercised here
 * only up to the config LXC is given (docs/exercised.md).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  APPARMOR_PROBE,
  appArmorProbe,
  lxcAppArmorChoice,
  lxcAppArmorLines,
  parseAppArmorProbe,
  type AppArmorProbe,
} from '../../../infra/virt/lxc-apparmor.js';

const FULL: AppArmorProbe = { kernel: 'Y', mountMediation: true, parser: true, lxc: true };

test('generated where the kernel and LXC have AppArmor; nesting never; allow_incomplete only without mount mediation', () => {
  assert.equal(lxcAppArmorChoice(FULL, 'nii1'), {
    profile: 'generated',
    allow_incomplete: false,
    allow_nesting: false,
    reason: "LXC's generated profile (AppArmor on in the kernel)",
  });
  const partial = lxcAppArmorChoice({ ...FULL, mountMediation: false }, 'nii1');
  assert.ok(!('problem' in partial) && partial.profile === 'generated' && partial.allow_incomplete, JSON.stringify(partial));
  assert.match((partial as { reason: string }).reason, 'no AppArmor mount mediation');
});

test('unconfined only where the host has none, and run.json says why', () => {
  const why = (p: Partial<AppArmorProbe>) => {
    const c = lxcAppArmorChoice({ ...FULL, ...p }, 'h');
    if ('problem' in c) throw new Error(c.problem);
    assert.is(c.profile, 'unconfined');
    return c.reason;
  };
  assert.is(why({ kernel: null }), 'the kernel has no AppArmor');
  assert.match(why({ kernel: 'N' }), 'disabled in the kernel');
  assert.match(why({ lxc: false }), 'LXC here was built without AppArmor support');
  // No AppArmor in the kernel: a missing parser does not matter.
  assert.is(why({ kernel: null, parser: false }), 'the kernel has no AppArmor');
});

test('AppArmor on but no apparmor_parser: a problem naming the host and the package, never a silent unconfined', () => {
  const c = lxcAppArmorChoice({ ...FULL, parser: false }, 'nii2');
  assert.ok('problem' in c);
  assert.match((c as { problem: string }).problem, /^nii2: AppArmor is on in the kernel but apparmor_parser is missing.*apt-get install apparmor$/);
});

test('config lines: allow_incomplete is written only for the generated profile', () => {
  const c = lxcAppArmorChoice({ ...FULL, mountMediation: false }, 'h');
  assert.equal(lxcAppArmorLines(c as Exclude<typeof c, { problem: string }>), [
    'lxc.apparmor.profile = generated',
    'lxc.apparmor.allow_nesting = 0',
    'lxc.apparmor.allow_incomplete = 1',
  ]);
  const u = lxcAppArmorChoice({ ...FULL, kernel: null }, 'h');
  assert.equal(lxcAppArmorLines(u as Exclude<typeof u, { problem: string }>), ['lxc.apparmor.profile = unconfined', 'lxc.apparmor.allow_nesting = 0']);
});

/** A fake host tree for the probe: what a Debian host with AppArmor (and LXC built with it) has at those paths. */
function fakeHost(o: { enabled?: string; mount?: boolean; parser?: boolean; lxcDriver?: boolean }): string {
  const d = mkdtempSync(join(tmpdir(), 'icb-aa-'));
  const put = (rel: string, body: string, mode = 0o644) => {
    mkdirSync(join(d, rel, '..'), { recursive: true });
    writeFileSync(join(d, rel), body, { mode });
  };
  if (o.enabled !== undefined) put('sys/module/apparmor/parameters/enabled', `${o.enabled}\n`);
  if (o.mount) put('sys/kernel/security/apparmor/features/mount/mask', 'mount umount pivot_root\n');
  if (o.parser) put('usr/sbin/apparmor_parser', '#!/bin/sh\n', 0o755);
  put('usr/lib/x86_64-linux-gnu/liblxc.so.1', o.lxcDriver ? '\x7fELF...\0Cannot use generated profile: apparmor_parser not available\0' : '\x7fELF...\0');
  return d;
}
const probeIn = (root: string) => parseAppArmorProbe(execFileSync('sh', ['-c', appArmorProbe(root)], { env: { PATH: '/usr/bin:/bin' } }).toString());

test('the probe in a real shell, on fake host trees: AppArmor on, partial, off, LXC without it', () => {
  const cases: [Parameters<typeof fakeHost>[0], AppArmorProbe][] = [
    [{ enabled: 'Y', mount: true, parser: true, lxcDriver: true }, FULL],
    [
      { enabled: 'Y', mount: false, parser: false, lxcDriver: true },
      { kernel: 'Y', mountMediation: false, parser: false, lxc: true },
    ],
    [
      { enabled: 'N', lxcDriver: true },
      { kernel: 'N', mountMediation: false, parser: false, lxc: true },
    ],
    [{ lxcDriver: false }, { kernel: null, mountMediation: false, parser: false, lxc: false }],
  ];
  for (const [tree, want] of cases) {
    const d = fakeHost(tree);
    try {
      assert.equal(probeIn(d), want, JSON.stringify(tree));
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  }
  assert.throws(() => appArmorProbe("/x'; rm -rf /"), /a plain path expected/);
});

test('the probe on this machine says what its files say (this kernel: no AppArmor here, so lxc nodes run unconfined)', () => {
  const p = parseAppArmorProbe(execFileSync('sh', ['-c', APPARMOR_PROBE]).toString());
  const enabled = existsSync('/sys/module/apparmor/parameters/enabled') ? readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').trim() : null;
  assert.is(p.kernel, enabled === 'Y' || enabled === 'N' ? enabled : null);
  assert.is(p.mountMediation, existsSync('/sys/kernel/security/apparmor/features/mount/mask'));
  // LXC's library as the dynamic loader finds it: Debian's is built with AppArmor.
  const lib = readdirSync('/usr/lib', { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => join('/usr/lib', e.name, 'liblxc.so.1'))
    .find((f) => existsSync(f));
  if (lib) assert.is(p.lxc, readFileSync(lib).includes('Cannot use generated profile'));
  const c = lxcAppArmorChoice(p, 'this machine');
  if (p.kernel !== 'Y') assert.equal('problem' in c ? c : c.profile, 'unconfined');
});

test.run();
