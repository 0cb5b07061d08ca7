import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanXen, XenHost, type RunFn, type XenJournalEntry } from '../../../infra/xen/xl.js';
import { renderDomainConfig } from '../../../infra/xen/domain-config.js';
import { sshExecutor, type CmdResult, type Executor, type RunOptions } from '../../../infra/exec.js';
import { execFileSync } from 'node:child_process';
import { fixture } from '../../helpers/fixtures.js';

const RUN = '20261122-034901-a1b2';
const dom0: Executor = { where: 'dom0 xen-a', wrap: (argv) => ['ON-xen-a', ...argv] };
type Reply = Partial<CmdResult>;
interface Call {
  argv: string[];
  opts?: RunOptions;
}

/** A run function that records calls (without the executor prefix) and answers from a script. */
function scripted(answer: (argv: string[], n: number) => Reply) {
  const calls: Call[] = [];
  const run: RunFn = async (argv, opts) => {
    assert.is(argv[0], 'ON-xen-a', 'every command goes through the executor');
    const inner = argv.slice(1);
    calls.push({ argv: inner, opts });
    const r = answer(inner, calls.length - 1);
    const exitCode = r.exitCode === undefined ? 0 : r.exitCode;
    return { argv, exitCode, stdout: r.stdout ?? '', stderr: r.stderr ?? '', durationMs: 1, ok: exitCode === 0 };
  };
  return { run, calls, cmds: () => calls.map((c) => c.argv.join(' ')) };
}

const cfg = renderDomainConfig({
  runId: RUN,
  node: 'n1',
  type: 'pv',
  vcpus: 1,
  memoryMiB: 512,
  kernel: '/srv/k',
  vifs: [{ bridge: 'br0' }],
  guest: { address: '10.20.0.11', prefix: 24 },
});

test('create: journal first, then the config on stdin to a quoted path, then xl create', async () => {
  const journal: XenJournalEntry[] = [];
  const s = scripted(() => ({}));
  const host = new XenHost({ exec: dom0, run: s.run, configDir: '/var/lib/icb', journal: (e) => journal.push(e) });
  await host.create(cfg);
  const path = `/var/lib/icb/icb-${RUN}-n1.cfg`;
  assert.equal(journal, [
    { kind: 'xen-domain', host: 'dom0 xen-a', name: `icb-${RUN}-n1` },
    { kind: 'xen-file', host: 'dom0 xen-a', path },
  ]);
  assert.equal(s.calls[0].argv, ['sh', '-c', 'mkdir -p "$(dirname "$1")" && cat > "$1"', 'sh', path]);
  assert.is(s.calls[0].opts?.input, cfg.text);
  assert.equal(s.calls[1].argv, ['xl', 'create', path]);
  assert.is(s.calls.length, 2);
});

test("create fails: the error names the host and the domain and carries libxl's text", async () => {
  const s = scripted((argv) => (argv[1] === 'create' ? { exitCode: 3, stderr: fixture('xen/xl-create-bad-kernel.txt') } : {}));
  const host = new XenHost({ exec: dom0, run: s.run });
  try {
    await host.create(cfg);
    assert.unreachable('create should throw');
  } catch (e) {
    const msg = (e as Error).message;
    assert.match(msg, `dom0 xen-a: xl create of domain icb-${RUN}-n1`);
    assert.match(msg, /exited 3/);
    assert.match(msg, /Destruction of domain failed/);
  }
});

test('waitRunning polls xl list until r or b; a paused guest is not running yet', async () => {
  const paused = fixture('xen/xl-list-paused.txt');
  const running = fixture('xen/xl-list-running.txt');
  const s = scripted((_a, n) => ({ stdout: n < 2 ? paused : running }));
  const sleeps: number[] = [];
  const host = new XenHost({
    exec: dom0,
    run: s.run,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    now: () => 0,
  });
  const row = await host.waitRunning('guest1', 10_000, 250);
  assert.is(row.state, '-b----');
  assert.equal(s.cmds(), ['xl list', 'xl list', 'xl list']);
  assert.equal(sleeps, [250, 250]);
});

test('waitRunning gives up at the deadline and says what it last saw', async () => {
  let t = 0;
  const s = scripted(() => ({ stdout: fixture('xen/xl-list-paused.txt') }));
  const host = new XenHost({
    exec: dom0,
    run: s.run,
    sleep: async (ms) => {
      t += ms;
    },
    now: () => t,
  });
  await host.waitRunning('guest1', 1000, 400).then(
    () => assert.unreachable(),
    (e: Error) => {
      assert.match(e.message, 'dom0 xen-a: domain guest1 not running after 1000 ms (state --p---)');
    },
  );
  assert.is(s.calls.length, 4); // t = 0, 400, 800, 1200
  const gone = new XenHost({
    exec: dom0,
    run: scripted(() => ({ stdout: fixture('xen/xl-list-running.txt') })).run,
    sleep: async (ms) => {
      t += ms;
    },
    now: () => t,
  });
  await gone.waitRunning('nobody', 0).then(
    () => assert.unreachable(),
    (e: Error) => assert.match(e.message, /\(not listed\)/),
  );
});

test('waitAddress pings the guest from the dom0, one probe at a time, bounded', async () => {
  const s = scripted((_a, n) => ({ exitCode: n < 2 ? 1 : 0 }));
  const host = new XenHost({ exec: dom0, run: s.run });
  assert.is(await host.waitAddress('10.20.0.11', 5), 3);
  assert.equal(s.calls[0].argv, ['ping', '-n', '-c', '1', '-W', '1', '10.20.0.11']);
  const never = scripted(() => ({ exitCode: 1 }));
  await new XenHost({ exec: dom0, run: never.run }).waitAddress('10.20.0.11', 4).then(
    () => assert.unreachable(),
    (e: Error) => assert.match(e.message, /did not answer ping \(4 attempts\)/),
  );
  assert.is(never.calls.length, 4);
});

test('shutdown: clean -w shutdown within the deadline does not destroy', async () => {
  const s = scripted(() => ({}));
  const r = await new XenHost({ exec: dom0, run: s.run }).shutdown('icb-x', 30_000);
  assert.equal(r, { graceful: true });
  assert.equal(s.cmds(), ['xl shutdown -w icb-x', 'xl list']);
  assert.is(s.calls[0].opts?.timeoutMs, 30_000);
});

test('shutdown timeout (killed, exit code null) -> xl destroy', async () => {
  const s = scripted((argv) => (argv[1] === 'shutdown' ? { exitCode: null } : {}));
  const r = await new XenHost({ exec: dom0, run: s.run }).shutdown('icb-x', 5000);
  assert.equal(s.cmds(), ['xl shutdown -w icb-x', 'xl destroy icb-x']);
  assert.is(r.graceful, false);
  assert.match(r.reason ?? '', 'no clean shutdown within 5000 ms; destroyed');
});

test('destroy is idempotent: "invalid domain identifier" is success; other failures throw', async () => {
  const gone = scripted(() => ({ exitCode: 2, stderr: fixture('xen/xl-destroy-missing.txt') }));
  await new XenHost({ exec: dom0, run: gone.run }).destroy('GetId');
  assert.equal(gone.cmds(), ['xl destroy GetId']);
  const broken = scripted(() => ({ exitCode: 1, stderr: 'libxl: error: something else' }));
  await new XenHost({ exec: dom0, run: broken.run }).destroy('icb-x').then(
    () => assert.unreachable(),
    (e: Error) => assert.match(e.message, /dom0 xen-a: xl destroy of domain icb-x/),
  );
});

test('migrate success: argv, wall-clock from the injected clock, parsed output', async () => {
  let t = 1000;
  const s = scripted(() => {
    t += 4200;
    return { stderr: fixture('xen/xl-migrate-ok-4.9.txt') };
  });
  const m = await new XenHost({ exec: dom0, run: s.run, now: () => t }).migrate('guest1', '10.1.1.189');
  assert.equal(s.calls[0].argv, ['xl', 'migrate', '-s', 'ssh -o BatchMode=yes', 'guest1', '10.1.1.189']);
  assert.is(m.ok, true);
  assert.is(m.wallMs, 4200);
  assert.is(m.savedDomid, 28);
});

test('migrate failure -> failed result with the reason, never a throw; kill and odd exit codes too', async () => {
  const failing = scripted(() => ({ exitCode: 1, stderr: 'migration target: Ready to receive domain.\nMigration failed, resuming at sender.\n' }));
  const m = await new XenHost({ exec: dom0, run: failing.run }).migrate('guest1', 'xen-b');
  assert.is(m.ok, false);
  assert.is(m.reason, 'Migration failed, resuming at sender.');
  const killed = await new XenHost({ exec: dom0, run: scripted(() => ({ exitCode: null, stderr: 'migration target: Ready to receive domain.' })).run }).migrate(
    'guest1',
    'xen-b',
    9000,
  );
  assert.equal([killed.ok, killed.reason], [false, 'xl migrate killed after 9000 ms']);
  const odd = await new XenHost({ exec: dom0, run: scripted(() => ({ exitCode: 1, stderr: fixture('xen/xl-migrate-ok-4.9.txt') })).run }).migrate(
    'guest1',
    'xen-b',
  );
  assert.equal([odd.ok, odd.reason], [false, 'xl migrate exited 1 despite "Migration successful."']);
});

test('cleanXen destroys only icb-<runId>- domains, touching no other domain', async () => {
  const list = [
    'Name                                        ID   Mem VCPUs\tState\tTime(s)',
    'Domain-0                                     0  4096     4     r-----    1914.5',
    `icb-${RUN}-n1                   3   512     1     -b----       1.0`,
    `icb-${RUN}-n2                   4   512     1     -b----       1.0`,
    'icb-20261122-034901-ffff-n1                   5   512     1     -b----       1.0',
    `xicb-${RUN}-n1                  6   512     1     -b----       1.0`,
    'guest1                                       7  1024     1     -b----       0.3',
  ].join('\n');
  const s = scripted((argv) => (argv[1] === 'list' ? { stdout: list } : {}));
  const gone = await cleanXen(dom0, RUN, s.run);
  assert.equal(gone, [`icb-${RUN}-n1`, `icb-${RUN}-n2`]);
  assert.equal(s.cmds(), ['xl list', `xl destroy icb-${RUN}-n1`, `xl destroy icb-${RUN}-n2`]);
  await cleanXen(dom0, '', s.run).then(
    () => assert.unreachable(),
    (e: Error) => assert.match(e.message, /^runId: expected a run id/),
  );
});

/** How a POSIX shell splits a command string into words (the real bash, not a model of it). */
const words = (cmd: string): string[] =>
  execFileSync('bash', ['-c', `printf '%s\\0' ${cmd}`], { encoding: 'utf8' })
    .split('\0')
    .slice(0, -1);

test('guest executor: ssh from the dom0 to the guest; the dom0 shell then the guest shell get the argv back', () => {
  const host = new XenHost({ exec: sshExecutor('xen-a.example'), run: scripted(() => ({})).run });
  const tricky = ['sh', '-c', 'echo "$1" > /tmp/x', 'sh', "it's a b; $(rm -rf /)"];
  const argv = host.guestExecutor('10.20.0.11', { user: 'bench' }).wrap(tricky);
  assert.equal(argv.slice(0, 5), ['ssh', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10']);
  assert.equal(argv.slice(5, 7), ['xen-a.example', '--']);
  const onDom0 = words(argv[7]);
  assert.equal(onDom0.slice(0, 7), ['ssh', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', '-o', 'StrictHostKeyChecking=yes']);
  assert.equal(onDom0.slice(7, 9), ['bench@10.20.0.11', '--']);
  assert.equal(words(onDom0[9]), tricky);
});

test.run();
