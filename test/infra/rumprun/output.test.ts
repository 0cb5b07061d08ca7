import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseBakeOutput, parseRumprunConsole, parseRumprunLaunch } from '../../../infra/rumprun/output.js';
import { fixture } from '../../helpers/fixtures.js';

test('console (hello, solo5 spt): main called and returned 0, _exit(0), halted; booted without json config', () => {
  const c = parseRumprunConsole(fixture('rumprun/console-hello-spt.txt'));
  assert.equal(c.started, ['rumprun']);
  assert.equal(c.returned, [{ program: 'rumprun', code: 0 }]);
  assert.is(c.exitCode, 0);
  assert.is(c.halted, true);
  assert.is(c.noConfig, true);
  assert.is(c.kernel, 'NetBSD 8.99.25 (RUMP-ROAST)');
  assert.is(c.memoryKB, 14328);
  assert.equal(c.interfaces, {});
  assert.is(c.problem, undefined);
});

test('console (python, solo5 hvt): NIC MAC, ignored sigaction, config present', () => {
  const c = parseRumprunConsole(fixture('rumprun/console-python-hvt.txt'));
  assert.equal(c.started, ['python.hvt']);
  assert.equal(c.returned, [{ program: 'python.hvt', code: 0 }]);
  assert.equal(c.interfaces, { ukvmif0: '5e:ac:bf:a1:15:09' });
  assert.equal(c.ignoredCalls, ['sigaction']);
  assert.is(c.noConfig, false);
  assert.is(c.memoryKB, 26824);
  assert.is(c.problem, undefined);
});

test('console cut before main(), or a failing main(): a problem is named', () => {
  const full = fixture('rumprun/console-hello-spt.txt');
  const early = parseRumprunConsole(full.slice(0, full.indexOf('=== calling')));
  assert.equal(early.started, []);
  assert.is(early.halted, false);
  assert.match(early.problem ?? '', /main\(\) was never called/);
  const bad = parseRumprunConsole(full.replace('returned 0', 'returned 3').replace('_exit(0)', '_exit(3)'));
  assert.is(bad.problem, 'main() returned 3');
  assert.is(bad.exitCode, 3);
});

test("launch output: rumprun's error line (after its banner) is the reason", () => {
  const r = parseRumprunLaunch(fixture('rumprun/not-baked.txt'));
  assert.equal(r, { reason: 'rumprun: error: helloer-rumprun: not a rumprun unikernel (did you forget rumpbake?)' });
});

test('launch output: xen:<domid> and qemu:<pid> as the script echoes them; nothing else is a failure', () => {
  // The banner is real (fixture); the last line follows `echo xen:${domid}` / `echo qemu:$!` in app-tools/rumprun.
  const banner = fixture('rumprun/not-baked.txt').split('rumprun: error')[0];
  assert.equal(parseRumprunLaunch(`${banner}xen:12\n`), { platform: 'xen', domid: 12 });
  assert.equal(parseRumprunLaunch('qemu:31337\n'), { platform: 'qemu', pid: 31337 });
  assert.match(parseRumprunLaunch(banner).reason ?? '', /^rumprun printed nothing$/);
  assert.match(parseRumprunLaunch('Parsing config from /tmp/rumprun.x/xr.conf\n').reason ?? '', /no xen:<domid> or qemu:<pid>; last line: "Parsing config/);
});

test('bake output: the >> ERROR / rumprun-bake: error lines; silence is success', () => {
  assert.equal(parseBakeOutput(''), { ok: true });
  // Error texts as rumprun-bake.in prints them (_die and the config check).
  assert.equal(parseBakeOutput('>> ERROR: Could not extract "tuple" from helloer. Not rumprun bin?\n'), {
    ok: false,
    reason: '>> ERROR: Could not extract "tuple" from helloer. Not rumprun bin?',
  });
  assert.is(parseBakeOutput('rumprun-bake: error: unsupported config "hw_kvm"').ok, false);
});

test.run();
