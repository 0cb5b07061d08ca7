/**
 * The xen-sites fixture's "nothing left on any host" check (fixtures/xen-sites.ts hostLeftScript /
 * parseHostLeft), without booting Xen: the script runs for real with this machine's ip, nft and
 * sh in a private network and mount namespace (tmpfs over /run and /var/lib, so other
 * runs on the machine are not seen and nothing is left here), where a run's namespace, link, nft
 * table, journal and folder are made first. `xl` is the one stand-in: a script printing real
 * `xl list` output of the nested Xen 4.17 host (test/fixtures/xen). Needs root.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hostLeftScript, parseHostLeft } from '../../../fixtures/xen-sites.js';
import { run } from '../../../infra/exec.js';
import { fixture, fixturePath } from '../../helpers/fixtures.js';

const runId = '20261207-064000-0a1b';
const tag = 'i0a1b2c';

/** hostLeftScript in fresh namespaces after `setup`; `xl list` prints `xlFile`. */
async function report(setup: string, xlFile: string): Promise<string> {
  const bin = mkdtempSync(join(tmpdir(), 'icb-xl-'));
  try {
    writeFileSync(join(bin, 'xl'), `#!/bin/sh\n[ "$1" = list ] && exec cat ${xlFile}\nexit 1\n`);
    chmodSync(join(bin, 'xl'), 0o755);
    const script = ['set -e', `PATH=${bin}:$PATH`, 'mount -t tmpfs none /run', 'mount -t tmpfs none /var/lib', setup, 'set +e', hostLeftScript()].join('\n');
    const r = await run(['unshare', '--net', '--mount', '--propagation', 'private', 'sh', '-s'], {
      input: script,
      timeoutMs: 30_000,
    });
    assert.ok(r.ok, r.stderr);
    return r.stdout;
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
}

test("a run's domain, namespace, link, nft table, journal and folder on a host are each named", async () => {
  const setup = [
    `ip netns add icb-${runId}-n1`,
    `ip link add ${tag}br type bridge`,
    `nft add table inet icb_${tag}`,
    'mkdir -p /run/icbench-remote /var/lib/icbench-remote',
    `echo '{}' > /run/icbench-remote/${runId}.journal`,
    `mkdir /var/lib/icbench-remote/${runId}`,
  ].join('\n');
  const left = parseHostLeft(await report(setup, fixturePath('xen/xl-list-4.17.txt')));
  assert.equal(left, [
    'xen domain icb-20261201-032452-42cc-g1',
    `netns icb-${runId}-n1`,
    `link ${tag}br`,
    `table inet icb_${tag}`,
    `file /run/icbench-remote/${runId}.journal`,
    `file /var/lib/icbench-remote/${runId}`,
  ]);
});

test('a clean host (dom0 only, no run namespace, link, table or file): nothing left', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'icb-xl-'));
  try {
    // The same real capture without its guest line: dom0 alone.
    const dom0Only = join(dir, 'xl-list-dom0.txt');
    writeFileSync(dom0Only, fixture('xen/xl-list-4.17.txt').split('\n').slice(0, 2).join('\n'));
    // Another program's bridge and table are not the harness's.
    const left = parseHostLeft(await report('ip link add xenbr9 type bridge\nnft add table inet filter', dom0Only));
    assert.equal(left, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a report cut short, or xl list failing, is an error, never "nothing left"', () => {
  const full = hostLeftScript();
  assert.ok(full.includes('== end'));
  assert.throws(() => parseHostLeft('== xl\nName ID Mem VCPUs State Time(s)\n== netns\n'), /report without links, nft, files, end/);
  const xlFailed = '== xl\nxl: command not found\n== netns\n== links\n== nft\n== files\n== end\n';
  assert.throws(() => parseHostLeft(xlFailed), /xl list: no "Name ID Mem VCPUs State Time\(s\)" header/);
});

test.run();
