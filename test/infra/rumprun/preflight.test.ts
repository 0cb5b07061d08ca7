import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandExists, controllerTools, hostTools, preflightRumprun, rumprunControllerProblems } from '../../../infra/rumprun/preflight.js';

test('this machine has no Rumprun toolchain: preflight names rumprun-bake and the cross-compiler, nothing else', async () => {
  // Real lookups on PATH (no Rumprun toolchain is packaged anywhere reachable here).
  assert.is(await commandExists('x86_64-rumprun-netbsd-gcc'), false);
  assert.is(await commandExists('sh'), true);
  const err = await preflightRumprun({ platform: 'xen' }).then(
    () => null,
    (e: Error) => e.message,
  );
  assert.ok(err);
  assert.match(err!, /x86_64-rumprun-netbsd-gcc not found \(the Rumprun cross-compiler: build the Rumprun toolchain/);
  assert.match(err!, /rumprun-bake not found \(bakes the application with a board config \(xen_pv\)/);
  assert.match(err!, /nothing was created/);
});

test('what a scenario needs: its sources must exist and be single-process', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'icb-rr-'));
  try {
    const ok = join(dir, 'httpd.c');
    const bad = join(dir, 'cgi.c');
    writeFileSync(ok, 'int main(void) { /* fork() in a comment */ return 0; }\n');
    writeFileSync(bad, 'int main(void) { if (fork() == 0) execvp("sh", 0); return 0; }\n');
    const all = async () => true;
    assert.equal(await rumprunControllerProblems({ platform: 'kvm', sources: [ok] }, all), []);
    const p = await rumprunControllerProblems({ platform: 'kvm', sources: [bad, join(dir, 'missing.c')] }, all);
    assert.equal(p, [
      `controller: ${bad} creates processes (fork, execvp); Rumprun runs one process, no fork/exec`,
      `controller: application source ${join(dir, 'missing.c')} not found`,
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tool lists per platform: the tuple is the one asked for; hosts need rumprun plus xl or QEMU', () => {
  assert.equal(Object.keys(controllerTools({ platform: 'kvm', tuple: 'i486-rumprun-netbsdelf' })), ['i486-rumprun-netbsdelf-gcc', 'rumprun-bake']);
  assert.match(controllerTools({ platform: 'kvm' })['rumprun-bake'], /hw_virtio/);
  assert.equal(Object.keys(hostTools('xen')), ['rumprun', 'xl', 'xenstore-write']);
  assert.equal(Object.keys(hostTools('qemu')), ['rumprun', 'qemu-system-x86_64']);
});

test.run();
