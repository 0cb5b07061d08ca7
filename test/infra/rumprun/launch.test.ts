import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawn } from 'node:child_process';
import { bakeArgv, checkSingleProcess, compileArgv, spawningCalls } from '../../../infra/rumprun/bake.js';
import { rumprunArgv, startOnKvm, startOnXen, stopKvmArgv, stopOnXen, type RumprunLaunchOptions } from '../../../infra/rumprun/launch.js';
import { XenHost, type RunFn } from '../../../infra/xen/xl.js';
import { ConfigError } from '../../../infra/units.js';
import type { Executor } from '../../../infra/exec.js';

const RUN = '20261122-034901-a1b2';
const NAME = `icb-${RUN}-web1`;
const xenOpts: RumprunLaunchOptions = {
  platform: 'xen',
  runId: RUN,
  node: 'web1',
  image: '/srv/rr/httpd.bin',
  memoryMiB: 128,
  destroyOnPoweroff: true,
  nets: [{ tag: 'net0', bridge: 'br-nii', address: '10.20.0.21', prefix: 24, gateway: '10.20.0.1' }],
  blocks: [{ image: '/srv/rr/data.iso', mountpoint: '/data' }],
  env: { PORT: '8080' },
  appArgs: ['-p', '8080'],
};
const isConfigError = (re: RegExp) => (e: Error) => e instanceof ConfigError && re.test(e.message);

test('bake: rumprun-bake CONFIG OUT IN..., only configs of rumprun-bake.conf, at most 8 inputs', () => {
  assert.equal(bakeArgv({ config: 'xen_pv', output: 'httpd.bin', inputs: ['httpd'] }), ['rumprun-bake', 'xen_pv', 'httpd.bin', 'httpd']);
  assert.equal(bakeArgv({ config: 'hw_virtio', output: 'out/a.bin', inputs: ['a', 'b'] }).slice(1, 3), ['hw_virtio', 'out/a.bin']);
  assert.throws(() => bakeArgv({ config: 'hw_kvm' as never, output: 'x', inputs: ['y'] }), isConfigError(/^config: expected one of hw_generic, hw_virtio/));
  assert.throws(() => bakeArgv({ config: 'hw_generic', output: 'x', inputs: Array(9).fill('a') }), isConfigError(/^inputs: expected 1 to 8/));
  assert.throws(() => bakeArgv({ config: 'hw_generic', output: '-o', inputs: ['a'] }), isConfigError(/^output: expected a file path/));
  assert.throws(() => bakeArgv({ config: 'hw_generic', output: 'x', inputs: ['a;rm'] }), isConfigError(/^inputs\[0\]/));
});

test('compile: <tuple>-gcc flags -o OUT sources libs; bad flags and tuples refused', () => {
  assert.equal(compileArgv({ sources: ['httpd.c'], output: 'httpd', cflags: ['-O2', '-DPORT=8080'] }), [
    'x86_64-rumprun-netbsd-gcc',
    '-O2',
    '-DPORT=8080',
    '-o',
    'httpd',
    'httpd.c',
  ]);
  assert.is(compileArgv({ tuple: 'i486-rumprun-netbsdelf', sources: ['a.c'], output: 'a', libs: ['-lm'] })[0], 'i486-rumprun-netbsdelf-gcc');
  assert.throws(() => compileArgv({ tuple: 'x86_64-linux-gnu', sources: ['a.c'], output: 'a' }), isConfigError(/^tuple/));
  assert.throws(() => compileArgv({ sources: [], output: 'a' }), isConfigError(/^sources/));
  assert.throws(() => compileArgv({ sources: ['a.c'], output: 'a', cflags: ['$(id)'] }), isConfigError(/^cflags\[0\]/));
});

test('single-process check: fork/exec/system/popen found in code, ignored in comments and strings', () => {
  const server = `#include <stdio.h>\n/* we never fork() here */\nint main(void) { puts("no system() call"); // exec later?\n return serve(8080); }\n`;
  assert.equal(spawningCalls(server), []);
  checkSingleProcess('httpd.c', server);
  const forking = `int main(void){ pid_t p = fork (); if (!p) execvp(argv[0], argv); system("ls"); return 0; }`;
  assert.equal(spawningCalls(forking), ['fork', 'execvp', 'system']);
  assert.throws(() => checkSingleProcess('prefork.c', forking), isConfigError(/^prefork\.c: expected a single-process program.*calls to fork, execvp, system/));
  assert.equal(spawningCalls('int my_fork(void); x.fork(); s->system(1);'), [], 'names that merely contain or are members');
});

test('rumprun xen argv: -d, -M, -N run-id name, -I tag,xenif,bridge=, -W ...,static,ADDR/PREFIX,GW, -b, -e, image -- args', () => {
  const { name, argv } = rumprunArgv(xenOpts);
  assert.is(name, NAME);
  assert.equal(argv, [
    'rumprun',
    'xen',
    '-d',
    '-M',
    '128',
    '-N',
    NAME,
    '-I',
    'net0,xenif,bridge=br-nii',
    '-W',
    'net0,inet,static,10.20.0.21/24,10.20.0.1',
    '-b',
    '/srv/rr/data.iso,/data',
    '-e',
    'PORT=8080',
    '/srv/rr/httpd.bin',
    '--',
    '-p',
    '8080',
  ]);
});

test('rumprun kvm argv: vioif with qemu -net options, no -d, default 64 MiB, -i when interactive', () => {
  const { argv } = rumprunArgv({
    platform: 'kvm',
    runId: RUN,
    node: 'web1',
    image: '/srv/rr/httpd.bin',
    interactive: true,
    nets: [{ tag: 'net0', qemuNet: '-net tap,ifname=tap0,script=no', address: '10.20.0.22', prefix: 24 }],
  });
  assert.equal(argv, [
    'rumprun',
    'kvm',
    '-i',
    '-M',
    '64',
    '-N',
    NAME,
    '-I',
    'net0,vioif,-net tap,ifname=tap0,script=no',
    '-W',
    'net0,inet,static,10.20.0.22/24',
    '/srv/rr/httpd.bin',
  ]);
});

test('rumprun argv: bad input is a ConfigError naming the field', () => {
  const bad: [Partial<RumprunLaunchOptions>, RegExp][] = [
    [{ platform: 'ec2' as never }, /^platform: expected one of xen, kvm, qemu/],
    [{ platform: 'kvm' }, /^destroyOnPoweroff: expected false on kvm\/qemu/],
    [{ node: 'Web 1' }, /^node: expected a node name/],
    [{ runId: 'x' }, /^runId/],
    [{ memoryMiB: 0 }, /^memoryMiB/],
    [{ nets: [{ tag: 'net0', bridge: 'br0,script=x', address: '10.0.0.1', prefix: 24 }] }, /^nets\[0\]\.bridge/],
    [{ nets: [{ tag: 'Net 0', bridge: 'br0', address: '10.0.0.1', prefix: 24 }] }, /^nets\[0\]\.tag/],
    [{ nets: [{ tag: 'net0', bridge: 'br0', address: '10.0.0.1', prefix: 24, gateway: 'router' }] }, /^nets\[0\]\.gateway/],
    [{ env: { MSG: 'say "hi"' } }, /^env\.MSG: expected a value without quotes/],
    [{ image: 'httpd.bin' }, /^image: expected an absolute path/],
    [{ appArgs: ['$(reboot)'] }, /^appArgs\[0\]/],
  ];
  for (const [patch, re] of bad) assert.throws(() => rumprunArgv({ ...xenOpts, ...patch }), isConfigError(re), JSON.stringify(patch));
});

const dom0: Executor = { where: 'dom0 xen-a', wrap: (argv) => ['ON', ...argv] };
function recorder(reply: (argv: string[]) => { exitCode?: number; stdout?: string; stderr?: string }) {
  const calls: string[][] = [];
  const run: RunFn = async (argv) => {
    calls.push(argv.slice(1));
    const r = reply(argv.slice(1));
    const exitCode = r.exitCode ?? 0;
    return { argv, exitCode, stdout: r.stdout ?? '', stderr: r.stderr ?? '', durationMs: 1, ok: exitCode === 0 };
  };
  return { run, calls };
}

test('start on Xen: journal first, banner silenced, xen:<domid> read; stop is xl destroy NAME', async () => {
  const journal: unknown[] = [];
  const rec = recorder((argv) => (argv[0] === 'env' ? { stdout: 'xen:17\n' } : {}));
  const host = new XenHost({ exec: dom0, run: rec.run });
  const h = await startOnXen(host, xenOpts, (e) => journal.push({ ...e, calls: rec.calls.length }));
  assert.equal(journal, [{ kind: 'xen-domain', host: 'dom0 xen-a', name: NAME, calls: 0 }]);
  assert.equal(rec.calls[0].slice(0, 4), ['env', 'RUMPRUN_WARNING_STFU=please', 'rumprun', 'xen']);
  assert.equal(h, { platform: 'xen', name: NAME, domid: 17 });
  await stopOnXen(host, h);
  assert.equal(rec.calls[1], ['xl', 'destroy', NAME]);
});

test("start on Xen fails with rumprun's own error text, naming the host and unikernel", async () => {
  const rec = recorder(() => ({ exitCode: 1, stderr: 'rumprun: error: xl create failed\n' }));
  await startOnXen(new XenHost({ exec: dom0, run: rec.run }), xenOpts, () => {}).then(
    () => assert.unreachable(),
    (e: Error) => assert.is(e.message, `dom0 xen-a: rumprun xen ${NAME} failed: rumprun: error: xl create failed`),
  );
});

test('start on KVM reads qemu:<pid>; -d would be refused before anything runs', async () => {
  const rec = recorder(() => ({ stdout: 'qemu:4242\n' }));
  const kvm = { ...xenOpts, platform: 'kvm' as const, destroyOnPoweroff: false, nets: [] };
  const h = await startOnKvm(dom0, rec.run, kvm, () => {});
  assert.equal(h, { platform: 'kvm', name: NAME, pid: 4242, image: '/srv/rr/httpd.bin' });
  await startOnKvm(dom0, rec.run, { ...kvm, destroyOnPoweroff: true }, () => {}).then(
    () => assert.unreachable(),
    (e: Error) => assert.instance(e, ConfigError),
  );
  assert.is(rec.calls.length, 1);
});

test('stopping a qemu unikernel kills the pid only while it still runs that image (real sh, real process)', async () => {
  const image = `/tmp/icb-h5-test-${process.pid}.bin`;
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', image], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, sig) => r(sig)));
  try {
    await new Promise((r) => child.on('spawn', r));
    const other = stopKvmArgv({ pid: child.pid!, image: '/srv/other.bin' });
    execFileSync(other[0], other.slice(1)); // not this image: left alone, exit status 0
    const cmdline = execFileSync('cat', [`/proc/${child.pid}/cmdline`], { encoding: 'utf8' });
    assert.ok(cmdline.includes(image), 'the child is alive and still runs the image');
    const argv = stopKvmArgv({ pid: child.pid!, image });
    execFileSync(argv[0], argv.slice(1));
    assert.is(await exited, 'SIGTERM');
    execFileSync(argv[0], argv.slice(1)); // already gone: still exit status 0
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

test.run();
