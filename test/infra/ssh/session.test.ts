/**
 * SshSession against a real OpenSSH server: sshd runs in its own network namespace
 * (icbtest-ssh-<random>) reached over a veth pair (192.168.237.1 here, .2 there, port 2222).
 * Keys live under /root (sshd's StrictModes rejects /tmp). Every session sshd starts touches a
 * marker file first (a forced command), so "nothing ran" is observable.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { run } from '../../../infra/exec.js';
import { fingerprintOf, HostKeyError, knownHostMatches, SshSession, type SshTarget } from '../../../infra/ssh/session.js';
import { stopMasters } from '../../../infra/remote/ssh-dir.js';

const ADDR = '192.168.237.2';
const PORT = 2222;

interface Env {
  ns: string;
  veth: string;
  dir: string;
  sshd: ChildProcess | null;
  target: SshTarget;
  hostKeyLine: string;
  otherKeyLine: string;
  marker: string;
  log: string;
}
const env: Env = {} as Env;

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const quiet = (cmd: string, args: string[]) => {
  try {
    sh(cmd, args);
  } catch {
    /* already gone */
  }
};

function teardown(): void {
  if (env.sshd && env.sshd.exitCode === null) env.sshd.kill('SIGKILL');
  if (env.ns) quiet('ip', ['netns', 'del', env.ns]);
  if (env.veth) quiet('ip', ['link', 'del', env.veth]);
  if (env.dir) rmSync(env.dir, { recursive: true, force: true });
}

async function setup(): Promise<void> {
  if (!existsSync('/usr/sbin/sshd')) sh('apt-get', ['install', '-y', 'openssh-server']);
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const rnd = randomBytes(3).toString('hex');
  env.ns = `icbtest-ssh-${rnd}`;
  env.veth = `icbs${rnd}`;
  env.dir = mkdtempSync('/root/icbtest-ssh-');
  env.marker = join(env.dir, 'ran');
  env.log = join(env.dir, 'sshd.log');
  const d = env.dir;
  sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'icbtest-host', '-f', join(d, 'host_ed25519')]);
  sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'icbtest-other', '-f', join(d, 'other_ed25519')]);
  sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'icbtest-client', '-f', join(d, 'client_ed25519')]);
  const clientPub = readFileSync(join(d, 'client_ed25519.pub'), 'utf8').trim();
  writeFileSync(join(d, 'authorized_keys'), `command="touch ${env.marker}; eval \\"$SSH_ORIGINAL_COMMAND\\"" ${clientPub}\n`, { mode: 0o600 });
  writeFileSync(
    join(d, 'sshd_config'),
    [
      `ListenAddress ${ADDR}`,
      'ListenAddress 127.0.0.1',
      `Port ${PORT}`,
      `HostKey ${join(d, 'host_ed25519')}`,
      `AuthorizedKeysFile ${join(d, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'PidFile none',
      'StrictModes yes',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const pub = (f: string) => readFileSync(join(d, f), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  env.hostKeyLine = `[${ADDR}]:${PORT} ${pub('host_ed25519.pub')}`;
  env.otherKeyLine = `[${ADDR}]:${PORT} ${pub('other_ed25519.pub')}`;

  sh('ip', ['netns', 'add', env.ns]);
  sh('ip', ['link', 'add', env.veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', env.ns]);
  sh('ip', ['addr', 'add', '192.168.237.1/30', 'dev', env.veth]);
  sh('ip', ['link', 'set', env.veth, 'up']);
  sh('ip', ['-n', env.ns, 'addr', 'add', `${ADDR}/30`, 'dev', 'eth0']);
  sh('ip', ['-n', env.ns, 'link', 'set', 'eth0', 'up']);
  sh('ip', ['-n', env.ns, 'link', 'set', 'lo', 'up']);
  env.sshd = spawn('ip', ['netns', 'exec', env.ns, '/usr/sbin/sshd', '-D', '-e', '-f', join(d, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  const logChunks: Buffer[] = [];
  env.sshd.stderr!.on('data', (b: Buffer) => {
    logChunks.push(b);
    writeFileSync(env.log, Buffer.concat(logChunks));
  });
  for (let i = 0; i < 100; i++) {
    const r = await run(['ssh-keyscan', '-p', String(PORT), '-T', '1', ADDR], { timeoutMs: 3000 });
    if (r.stdout.includes('ssh-ed25519')) break;
    if (env.sshd.exitCode !== null) throw new Error(`sshd exited: ${Buffer.concat(logChunks).toString()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  env.target = { name: 'nii1', host: ADDR, user: 'root', port: PORT, identityFile: join(d, 'client_ed25519'), jump: null };
}

const knownHosts = (name: string, lines: string[]) => {
  const f = join(env.dir, name);
  writeFileSync(f, lines.map((l) => `${l}\n`).join(''), { mode: 0o600 });
  return f;
};
const sessionDir = (tag: string) => join(env.dir, `s-${tag}`);

const S = suite('SshSession against a real sshd in a namespace');
S.before(async () => {
  process.on('exit', teardown);
  try {
    await setup();
  } catch (e) {
    teardown();
    throw e;
  }
});
S.after(() => teardown());

S('known host key: open() succeeds, commands run with their arguments intact, the master socket is shared', async () => {
  rmSync(env.marker, { force: true });
  const dir = sessionDir('ok');
  const s = await SshSession.open('20261130-120000-abcd', [env.target], { knownHostsFile: knownHosts('kh-ok', [env.hostKeyLine]), dir });
  try {
    assert.ok(existsSync(env.marker), 'the master connection ran its check command');
    const sockets = readdirSync(dir).filter((f) => /^[0-9a-f]{40}$/.test(f));
    assert.is(sockets.length, 1, `one control socket in ${dir}: ${readdirSync(dir).join(', ')}`);
    const x = s.executor('nii1');
    assert.is(x.where, 'ssh nii1');
    const h = await run(x.wrap(['hostname']));
    assert.ok(h.ok, h.stderr);
    assert.is(h.stdout.trim(), hostname());
    const a = await run(x.wrap(['sh', '-c', 'echo $((1+2))']));
    assert.is(a.stdout, '3\n');
    const args = ['printf', '[%s]\\n', 'two words', `it's "quoted"`, '$HOME', '', '; rm -rf /nonexistent', 'a\nb', '*'];
    const p = await run(x.wrap(args));
    assert.ok(p.ok, p.stderr);
    assert.is(p.stdout, `[two words]\n[it's "quoted"]\n[$HOME]\n[]\n[; rm -rf /nonexistent]\n[a\nb]\n[*]\n`);
    const stdin = await run(x.wrap(['cat']), { input: 'from stdin\n' });
    assert.is(stdin.stdout, 'from stdin\n');
    const fail = await run(x.wrap(['sh', '-c', 'exit 7']));
    assert.is(fail.exitCode, 7);
    const steps: string[] = [];
    const s2 = s as unknown as { progress: unknown };
    s2.progress = { stage() {}, info() {}, warn() {}, step: (st: string, i: number, n: number, d: string) => steps.push(`${st} ${i}/${n} ${d}`) };
    const t0 = performance.now();
    const first = await s.runAll(async (host, e) => (await run(e.wrap(['echo', host.name]))).stdout.trim());
    const t1 = performance.now();
    const second = await s.runAll(async (host, e) => (await run(e.wrap(['echo', host.name]))).stdout.trim());
    const t2 = performance.now();
    assert.equal(first, ['nii1']);
    assert.equal(second, ['nii1']);
    assert.equal(steps, ['ssh 1/1 hosts', 'ssh 1/1 hosts']);
    assert.ok(t2 - t1 < 2000 && t1 - t0 < 2000, `over the shared connection: ${(t1 - t0).toFixed(0)} ms, ${(t2 - t1).toFixed(0)} ms`);
    const check = await run(['ssh', '-F', s.configFile, '-O', 'check', 'nii1']);
    assert.ok(check.ok, `master running: ${check.stderr}`);
  } finally {
    await s.close();
  }
  assert.not.ok(existsSync(dir), 'close() removes the socket directory');
  await s.close(); // twice is fine
});

S('a session never closed (its controller killed -9): stopMasters ends its master; a dead socket or no folder is nothing to do', async () => {
  const dir = sessionDir('killed');
  const s = await SshSession.open('20261130-120009-abcd', [env.target], { knownHostsFile: knownHosts('kh-killed', [env.hostKeyLine]), dir });
  const check = () => run(['ssh', '-F', s.configFile, '-O', 'check', 'nii1']);
  const c = await check();
  assert.ok(c.ok, `master running: ${c.stderr}`);
  const pid = Number(/pid=(\d+)/.exec(c.stderr)?.[1]);
  assert.ok(pid > 0, c.stderr);
  // No close(): what a kill -9 leaves. The master outlives its owner (ControlPersist).
  assert.equal(await stopMasters(dir), []);
  assert.not.ok((await check()).ok, 'master gone');
  // stopMasters waited for it: gone, or a zombie its parent has not reaped yet.
  let state = 'gone';
  try {
    state = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0];
  } catch {
    // reaped already
  }
  assert.ok(state === 'gone' || state === 'Z', `ssh master pid ${pid} still runs (state ${state})`);
  assert.equal(await stopMasters(dir), [], 'its socket, if still there, has no master: nothing to do');
  rmSync(dir, { recursive: true, force: true });
  assert.equal(await stopMasters(dir), [], 'no folder: nothing to do');
});

S('unknown host key (empty known_hosts): HostKeyError unknown with the SHA256 fingerprint, nothing ran, directory removed', async () => {
  rmSync(env.marker, { force: true });
  const dir = sessionDir('unknown');
  const kh = knownHosts('kh-empty', []);
  const fp = await fingerprintOf(env.hostKeyLine);
  assert.match(fp, /^SHA256:[A-Za-z0-9+/]{43}$/);
  let err: unknown = null;
  try {
    await SshSession.open('20261130-120001-abcd', [env.target], { knownHostsFile: kh, dir });
  } catch (e) {
    err = e;
  }
  assert.instance(err, HostKeyError);
  const h = err as HostKeyError;
  assert.is(h.kind, 'unknown');
  assert.is(h.host, 'nii1');
  assert.is(h.fingerprint, fp);
  assert.match(h.message, fp);
  assert.match(h.message, kh);
  assert.not.ok(existsSync(env.marker), 'no command ran on the host');
  assert.not.ok(existsSync(dir));
  assert.is(readFileSync(kh, 'utf8'), '', 'known_hosts not written');
});

S('a known_hosts file that does not exist: unknown as well', async () => {
  rmSync(env.marker, { force: true });
  let err: unknown = null;
  try {
    await SshSession.open('20261130-120002-abcd', [env.target], { knownHostsFile: join(env.dir, 'missing'), dir: sessionDir('missing') });
  } catch (e) {
    err = e;
  }
  assert.instance(err, HostKeyError);
  assert.is((err as HostKeyError).kind, 'unknown');
  assert.not.ok(existsSync(env.marker));
});

S('changed host key (a different key for that address): HostKeyError changed, nothing ran', async () => {
  rmSync(env.marker, { force: true });
  let err: unknown = null;
  const dir = sessionDir('changed');
  try {
    await SshSession.open('20261130-120003-abcd', [env.target], { knownHostsFile: knownHosts('kh-changed', [env.otherKeyLine]), dir });
  } catch (e) {
    err = e;
  }
  assert.instance(err, HostKeyError);
  const h = err as HostKeyError;
  assert.is(h.kind, 'changed');
  assert.is(h.fingerprint, await fingerprintOf(env.hostKeyLine), 'the fingerprint seen, not the one on file');
  assert.match(h.message, /DIFFERS/);
  assert.not.ok(existsSync(env.marker));
  assert.not.ok(existsSync(dir));
});

S('hashed known_hosts entries are found too', async () => {
  const kh = knownHosts('kh-hashed', [env.hostKeyLine]);
  sh('ssh-keygen', ['-H', '-f', kh]);
  assert.not.match(readFileSync(kh, 'utf8'), ADDR);
  const s = await SshSession.open('20261130-120004-abcd', [env.target], { knownHostsFile: kh, dir: sessionDir('hashed') });
  await s.close();
});

S('a key the host does not accept: SshConnectError naming the reason', async () => {
  const d = env.dir;
  sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(d, 'stranger_ed25519')]);
  let err: unknown = null;
  try {
    await SshSession.open('20261130-120005-abcd', [{ ...env.target, identityFile: join(d, 'stranger_ed25519') }], {
      knownHostsFile: knownHosts('kh-ok2', [env.hostKeyLine]),
      dir: sessionDir('auth'),
    });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof Error && err.name === 'SshConnectError', String(err));
  assert.match((err as Error).message, 'host nii1: permission denied');
  assert.not.ok(existsSync(sessionDir('auth')));
});

S('nothing listening: SshConnectError (connection refused) before any key is compared', async () => {
  let err: unknown = null;
  try {
    await SshSession.open('20261130-120006-abcd', [{ ...env.target, port: 2223 }], {
      knownHostsFile: knownHosts('kh-ok3', [env.hostKeyLine]),
      dir: sessionDir('refused'),
    });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof Error && err.name === 'SshConnectError', String(err));
  assert.match((err as Error).message, /host nii1: /);
});

S('through a jump host (ProxyJump): host keys checked by ssh itself; known runs, unknown is HostKeyError with nothing run', async () => {
  // The jump host is the namespace's outside address; the host behind it is its loopback.
  const via: SshTarget = { ...env.target, name: 'viajump', host: '127.0.0.1', jump: `root@${ADDR}:${PORT}` };
  const behind = (line: string) => line.replace(`[${ADDR}]`, '[127.0.0.1]');
  rmSync(env.marker, { force: true });
  let err: unknown = null;
  try {
    await SshSession.open('20261130-120007-abcd', [via], { knownHostsFile: knownHosts('kh-jump-empty', [env.hostKeyLine]), dir: sessionDir('jump-unknown') });
  } catch (e) {
    err = e;
  }
  assert.instance(err, HostKeyError, String(err));
  assert.is((err as HostKeyError).kind, 'unknown');
  assert.not.ok(existsSync(env.marker), 'nothing ran');
  const s = await SshSession.open('20261130-120008-abcd', [via], {
    knownHostsFile: knownHosts('kh-jump', [env.hostKeyLine, behind(env.hostKeyLine)]),
    dir: sessionDir('jump'),
  });
  try {
    const r = await run(s.executor('viajump').wrap(['echo', 'via jump']));
    assert.is(r.stdout, 'via jump\n', r.stderr);
  } finally {
    await s.close();
  }
  rmSync(env.marker, { force: true });
  err = null;
  try {
    await SshSession.open('20261130-120009-abcd', [via], {
      knownHostsFile: knownHosts('kh-jump-changed', [env.hostKeyLine, behind(env.otherKeyLine)]),
      dir: sessionDir('jump-changed'),
    });
  } catch (e) {
    err = e;
  }
  assert.instance(err, HostKeyError, String(err));
  assert.is((err as HostKeyError).kind, 'changed');
  assert.is((err as HostKeyError).fingerprint, await fingerprintOf(env.hostKeyLine), "the fingerprint from ssh's warning");
  assert.not.ok(existsSync(env.marker), 'nothing ran');
});

S.run();

const M = suite('known_hosts host fields matched in-process (as ssh-keygen -F does)');
M('plain, port, pattern, negation and hashed entries', () => {
  assert.ok(knownHostMatches('10.0.0.1', '10.0.0.1'));
  assert.ok(knownHostMatches('a.example,10.0.0.1', '10.0.0.1'));
  assert.not.ok(knownHostMatches('10.0.0.1', '10.0.0.10'));
  assert.not.ok(knownHostMatches('10.0.0.1', '[10.0.0.1]:2222'), 'another port is another entry');
  assert.ok(knownHostMatches('[10.0.0.1]:2222', '[10.0.0.1]:2222'));
  assert.ok(knownHostMatches('*.example.org', 'h1.example.org'));
  assert.ok(knownHostMatches('h?.example.org', 'H1.example.org'), 'case-insensitive');
  assert.not.ok(knownHostMatches('*.example.org,!bad.example.org', 'bad.example.org'));
  assert.ok(knownHostMatches('10.0.0.*', '10.0.0.7'));
  // A hashed line from ssh-keygen -H itself.
  const d = mkdtempSync('/tmp/icbtest-kh-');
  try {
    const kh = join(d, 'kh');
    writeFileSync(
      kh,
      '[10.1.2.3]:2200 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHh0mGx1PIZsX8vMHbJ3LKnk3A3dbTx5SyLVC8nRnVvM\n10.1.2.4 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHh0mGx1PIZsX8vMHbJ3LKnk3A3dbTx5SyLVC8nRnVvM\n',
    );
    sh('ssh-keygen', ['-H', '-f', kh]);
    const [a, b] = readFileSync(kh, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' ')[0]);
    assert.match(a, /^\|1\|/);
    assert.ok(knownHostMatches(a, '[10.1.2.3]:2200'));
    assert.not.ok(knownHostMatches(a, '10.1.2.3'));
    assert.ok(knownHostMatches(b, '10.1.2.4'));
    assert.not.ok(knownHostMatches(b, '10.1.2.5'));
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
M.run();
