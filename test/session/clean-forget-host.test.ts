/**
 * `icbench clean <run> --forget-host H` on a run on real hosts (provider ssh), through the real
 * remote clean (infra/remote/clean.ts, SshSession) with `ssh` and `ssh-keyscan` replaced on PATH by
 * fakes that make no connection at all: host keep1 answers (its key is the one in known_hosts, its
 * teardown script exits 0, or prints a leftover when told to), host gone1 fails as an unreachable
 * host does (`No route to host`, ssh exit 255). Nothing is ever sent to the inventory's addresses.
 *
 * Asserted: a plain clean leaves the run holding gone1 (exit 1, the hint names --forget-host);
 * --forget-host gone1 drops it (journal, run.json failures, printed; `icbench list` no longer shows
 * the run); a host this clean reached is never forgotten; an unknown name, --all and an empty name
 * are bad usage (exit 2, nothing touched); a live run is refused (even with --force).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal, readJournal } from '../../infra/journal.js';
import { pidStartTime } from '../../infra/process-owner.js';
import { runCli } from '../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'icb-forget-'));
const state = join(tmp, 'state');
const fake = join(tmp, 'fake');
const results = join(tmp, 'results');
const inventory = join(tmp, 'sites.inventory.yaml');
const ENV = { PATH: process.env.PATH, ICBENCH_STATE_DIR: process.env.ICBENCH_STATE_DIR, ICBENCH_LIVE_DIR: process.env.ICBENCH_LIVE_DIR };
let sleeper: ReturnType<typeof spawn>;

/** Fake ssh: the host alias follows `-F <config>`; its behaviour is the file fake/host-<alias> (ok | left | down | rekeyed). */
const SSH = `#!/bin/sh
D='${fake}'
echo "ssh $*" >> "$D/calls"
[ "$1" = -F ] && shift 2
[ "$1" = -O ] && exit 0
name=$1; shift
[ "$1" = -- ] && shift
state=$(cat "$D/host-$name" 2>/dev/null || echo down)
[ "$*" = "sh -s" ] && [ "$state" != down ] && cat >/dev/null
case $state in
  ok) exit 0 ;;
  left) [ "$*" = "sh -s" ] && { echo "left: netns icb-x-n1"; exit 1; }; exit 0 ;;
  rekeyed) echo "Host key verification failed." >&2; exit 255 ;;
  *) echo "ssh: connect to host 127.0.0.1 port 22: No route to host" >&2; exit 255 ;;
esac
`;

/** Fake ssh-keyscan: the host behind a port is fake/port-<port>; one that is down sends no key, one reinstalled (rekeyed) another key. */
const KEYSCAN = `#!/bin/sh
D='${fake}'
echo "ssh-keyscan $*" >> "$D/calls"
port=22; hosts=
while [ $# -gt 0 ]; do case $1 in -p) port=$2; shift 2 ;; -T|-t) shift 2 ;; *) hosts="$hosts $1"; shift ;; esac; done
name=$(cat "$D/port-$port")
state=$(cat "$D/host-$name")
if [ "$state" = down ]; then echo "connect to 127.0.0.1 port $port: No route to host" >&2; exit 1; fi
key="$D/key.pub"; [ "$state" = rekeyed ] && key="$D/key2.pub"
for h in $hosts; do echo "[$h]:$port $(cut -d' ' -f1,2 "$key")"; done
`;

const hosts = { keep1: 65101, gone1: 65102 };
const setHost = (name: keyof typeof hosts, s: 'ok' | 'left' | 'down' | 'rekeyed') => writeFileSync(join(fake, `host-${name}`), s);
const calls = () => (existsSync(join(fake, 'calls')) ? readFileSync(join(fake, 'calls'), 'utf8') : '');

test.before(() => {
  mkdirSync(fake, { recursive: true });
  mkdirSync(results);
  for (const [f, text] of [
    ['ssh', SSH],
    ['ssh-keyscan', KEYSCAN],
  ]) {
    writeFileSync(join(fake, f), text);
    chmodSync(join(fake, f), 0o755);
  }
  for (const k of ['key', 'key2']) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'icbtest', '-f', join(fake, k)]);
  const key = readFileSync(join(fake, 'key.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
  writeFileSync(
    join(tmp, 'known_hosts'),
    Object.values(hosts)
      .map((p) => `[127.0.0.1]:${p} ${key}\n`)
      .join(''),
  );
  for (const [name, port] of Object.entries(hosts)) writeFileSync(join(fake, `port-${port}`), name);
  writeFileSync(
    inventory,
    `all:
  vars:
    icbench_known_hosts: ./known_hosts
    icbench_l2vpn: vxlan
  children:
    A:
      hosts:
        keep1: { ansible_host: 127.0.0.1, ansible_port: ${hosts.keep1}, icbench_data_address: 10.254.0.1 }
    B:
      hosts:
        gone1: { ansible_host: 127.0.0.1, ansible_port: ${hosts.gone1}, icbench_data_address: 10.254.0.2 }
`,
  );
  process.env.PATH = `${fake}:${ENV.PATH}`;
  process.env.ICBENCH_STATE_DIR = state;
  process.env.ICBENCH_LIVE_DIR = join(tmp, 'live');
  sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
});
test.after(() => {
  sleeper.kill('SIGKILL');
  for (const [k, v] of Object.entries(ENV)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  rmSync(tmp, { recursive: true, force: true });
});

let n = 0;
/** A journaled ssh run on keep1 and gone1 whose process is gone (or `pid`), with its run.json and a work dir. */
function sshRun(
  pid = 2 ** 22 + 11,
  pidStart: number | undefined = 12345,
  remote = { inventory, hosts: ['keep1', 'gone1'] },
): { id: string; dir: string; work: string } {
  const id = `20261123-0100${String(10 + n++).padStart(2, '0')}-f0f0`;
  const dir = join(results, id);
  const work = join(state, `${id}.d`);
  mkdirSync(dir);
  mkdirSync(work, { recursive: true });
  writeFileSync(
    join(dir, 'run.json'),
    JSON.stringify({
      run_id: id,
      scenario: 'two-sites',
      testbed: 'ssh',
      topology: { sites: [] },
      wan: [],
      started_at: '2026-11-23T01:00:00Z',
      ended_at: '2026-11-23T01:05:00Z',
      status: 'ok',
      failures: [],
    }),
  );
  new Journal(id).record(
    { kind: 'run', runId: id, scenario: 'two-sites', resultsDir: dir, pid, pidStart, at: new Date().toISOString() },
    { kind: 'file', path: work },
    { kind: 'remote', ...remote },
  );
  return { id, dir, work };
}
const journalOf = (id: string) => join(state, `${id}.journal`);
const failures = (dir: string) =>
  (JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { failures: { stage: string; what: string; error: string }[] }).failures;

const icbench = runCli;

test('plain clean keeps a run whose host cannot be reached; --forget-host drops that host on the record', async () => {
  setHost('keep1', 'ok');
  setHost('gone1', 'down');
  const r = sshRun();
  const plain = await icbench(['clean', r.id]);
  assert.is(plain.code, 1, plain.out + plain.err);
  assert.match(
    plain.out,
    `gone1: host unreachable: no route to host; run clean again later, or if the host is gone for good: icbench clean ${r.id} --forget-host gone1`,
  );
  assert.match(calls(), /^ssh -F \S+ keep1 -- sh -s$/m, 'the teardown script ran on keep1 (through the fake ssh)');
  assert.not.match(calls(), /gone1 -- sh -s/, 'nothing runs on a host whose connection failed');
  assert.ok(existsSync(journalOf(r.id)) && existsSync(r.work), 'the run keeps its journal and files');
  const held = await icbench(['list', results]);
  assert.match(held.out, new RegExp(`${r.id}\\s+two-sites pid \\d+\\s+0 namespaces\\s+hosts keep1, gone1`));

  const forgot = await icbench(['clean', r.id, '--forget-host', 'gone1']);
  assert.is(forgot.code, 0, forgot.out + forgot.err);
  assert.match(
    forgot.out,
    `${r.id}: forgot host gone1: its entries are dropped from the journal, what the run made on it was NOT removed (host unreachable: no route to host)`,
  );
  assert.match(forgot.out, `${r.id}: recorded in the journal and ${join(r.dir, 'run.json')}`);
  assert.match(forgot.out, `${r.id}: clean`);
  assert.not.ok(existsSync(journalOf(r.id)) || existsSync(r.work), 'nothing else was left: the journal and the work dir are gone');
  const f = failures(r.dir);
  assert.is(f.length, 1, JSON.stringify(f));
  assert.is(f[0].stage, 'clean');
  assert.is(f[0].what, 'forgotten host gone1');
  assert.match(
    f[0].error,
    /^forgotten by --forget-host, host unreachable: no route to host \(by \S+ \(uid \d+\) on \S+ at \d{4}-\d\d-\d\dT[\d:.]+Z\); what the run made on it was not removed$/,
  );
  const after = await icbench(['list', results]);
  assert.not.match(after.out, new RegExp(`${r.id}\\s+two-sites pid`));
  assert.match(after.out, 'no run holds lab resources');
});

test('a host this clean reached is never forgotten; another one still failing keeps the journal, which records the forgetting', async () => {
  setHost('keep1', 'ok');
  setHost('gone1', 'down');
  const r = sshRun();
  const reached = await icbench(['clean', r.id, '--forget-host', 'keep1']);
  assert.is(reached.code, 1, 'gone1 is still left');
  assert.match(reached.out, `${r.id}: host keep1: this clean reached it and nothing of the run is left there: nothing to forget`);
  assert.equal(
    readJournal(journalOf(r.id)).find((e) => e.kind === 'remote'),
    { kind: 'remote', inventory, hosts: ['keep1', 'gone1'] },
  );
  assert.equal(failures(r.dir), []);

  // keep1 answers but cannot remove something: it is not gone, so not forgotten even when named;
  // gone1 is, and the journal, kept for keep1, says who forgot it, when and why.
  setHost('keep1', 'left');
  const one = await icbench(['clean', r.id, '--forget-host', 'gone1,keep1']);
  assert.is(one.code, 1, one.out + one.err);
  assert.match(
    one.out,
    `${r.id}: host keep1 answered and could not remove everything (clean failed on the host: left: netns icb-x-n1): not forgotten, it is not gone`,
  );
  assert.match(one.out, `${r.id}: could not remove keep1: clean failed on the host: left: netns icb-x-n1\n`);
  const entries = readJournal(journalOf(r.id));
  assert.equal(
    entries.find((e) => e.kind === 'remote'),
    { kind: 'remote', inventory, hosts: ['keep1'] },
  );
  const rec = entries.find((e) => e.kind === 'forgotten');
  assert.ok(rec?.kind === 'forgotten', JSON.stringify(entries));
  assert.is(rec.host, 'gone1');
  assert.is(rec.why, 'forgotten by --forget-host, host unreachable: no route to host');
  assert.match(rec.by, /^\S+ \(uid \d+\) on \S+$/);
  assert.ok(Math.abs(Date.parse(rec.at) - Date.now()) < 60_000, rec.at);
  assert.is(entries.filter((e) => e.kind === 'forgotten').length, 1, 'keep1 (reached) was not forgotten');
  assert.equal(
    failures(r.dir).map((x) => x.what),
    ['forgotten host gone1'],
  );
  const held = await icbench(['list', results]);
  assert.match(held.out, new RegExp(`${r.id}\\s+two-sites pid \\d+\\s+0 namespaces\\s+hosts keep1\\n`));

  // Asked again: gone1 was forgotten before; once keep1 is clean the run is gone, and gone1 was not contacted again.
  setHost('keep1', 'ok');
  const before = calls();
  const again = await icbench(['clean', r.id, '--forget-host', 'gone1']);
  assert.is(again.code, 0, again.out + again.err);
  assert.match(again.out, `${r.id}: host gone1 was forgotten before (${rec.at}, by ${rec.by}): nothing to forget`);
  assert.not.match(calls().slice(before.length), String(hosts.gone1), 'the forgotten host is not reached any more');
  assert.not.ok(existsSync(journalOf(r.id)));
  assert.is(failures(r.dir).length, 1);
});

test('a journaled host no longer in the inventory, or an inventory that is gone, cannot be reached: reported, and can be forgotten', async () => {
  setHost('keep1', 'ok');
  setHost('gone1', 'ok');
  const r = sshRun(undefined, undefined, { inventory, hosts: ['keep1', 'old9'] });
  const plain = await icbench(['clean', r.id]);
  assert.is(plain.code, 1);
  assert.match(
    plain.out,
    `old9: host unreachable: no host old9 in the inventory ${inventory} any more; run clean again later, or if the host is gone for good`,
  );
  const forgot = await icbench(['clean', r.id, '--forget-host', 'old9']);
  assert.is(forgot.code, 0, forgot.out + forgot.err);
  assert.not.ok(existsSync(journalOf(r.id)));
  assert.match(failures(r.dir)[0].error, `forgotten by --forget-host, host unreachable: no host old9 in the inventory ${inventory} any more`);

  const missing = join(tmp, 'moved.inventory.yaml');
  const m = sshRun(undefined, undefined, { inventory: missing, hosts: ['keep1', 'gone1'] });
  const before = calls();
  const none = await icbench(['clean', m.id]);
  assert.is(none.code, 1);
  for (const h of ['keep1', 'gone1']) assert.match(none.out, `${h}: host unreachable: inventory ${missing}: `);
  assert.is(calls(), before, 'no host is reached without its inventory');
  const both = await icbench(['clean', m.id, '--forget-host', 'keep1', '--forget-host', 'gone1']);
  assert.is(both.code, 0, both.out + both.err);
  assert.equal(
    failures(m.dir).map((x) => x.what),
    ['forgotten host keep1', 'forgotten host gone1'],
  );
});

test('a reinstalled host (its key changed) is not trusted, the others are still cleaned, and it can be forgotten', async () => {
  setHost('keep1', 'ok');
  setHost('gone1', 'rekeyed');
  const r = sshRun();
  const before = calls();
  const plain = await icbench(['clean', r.id]);
  assert.is(plain.code, 1);
  assert.match(
    plain.out,
    `gone1: host unreachable: its host key DIFFERS from the one in ${join(tmp, 'known_hosts')} (a reinstalled host, or someone in the middle)`,
  );
  const now = calls().slice(before.length);
  assert.match(now, /^ssh -F \S+ keep1 -- sh -s$/m, 'keep1 was cleaned');
  assert.not.match(now, /^ssh -F \S+ gone1 /m, 'nothing at all runs on a host whose key differs');
  const forgot = await icbench(['clean', r.id, '--forget-host', 'gone1']);
  assert.is(forgot.code, 0, forgot.out + forgot.err);
  assert.match(failures(r.dir)[0].error, /^forgotten by --forget-host, host unreachable: its host key DIFFERS/);
  assert.not.ok(existsSync(journalOf(r.id)));
});

test('--forget-host: an unknown host, --all or an empty name is bad usage (exit 2), nothing touched', async () => {
  setHost('keep1', 'ok');
  setHost('gone1', 'down');
  const r = sshRun();
  const journal = readFileSync(journalOf(r.id), 'utf8');
  const before = calls();
  const unknown = await icbench(['clean', r.id, '--forget-host', 'gone1', '--forget-host', 'nope']);
  assert.is(unknown.code, 2);
  assert.is(unknown.err, `icbench clean: --forget-host: run ${r.id} has no host "nope" in its journal (the hosts in its journal: keep1, gone1)\n`);
  for (const argv of [
    ['clean', '--all', '--forget-host', 'gone1'],
    ['clean', r.id, '--forget-host', 'gone1,'],
    ['clean', r.id, '--forget-host'],
  ]) {
    const u = await icbench(argv);
    assert.is(u.code, 2, argv.join(' '));
    assert.match(u.err, /^icbench clean: .*--forget-host/, u.err);
  }
  assert.is(readFileSync(journalOf(r.id), 'utf8'), journal, 'journal untouched');
  assert.is(calls(), before, 'no host was reached');
  assert.equal(failures(r.dir), []);
  await icbench(['clean', r.id, '--forget-host', 'gone1']);
});

test('--forget-host on a live run is refused (exit 1), even with --force; nothing is reached', async () => {
  const r = sshRun(sleeper.pid!, pidStartTime(sleeper.pid!) ?? undefined);
  const journal = readFileSync(journalOf(r.id), 'utf8');
  const before = calls();
  for (const extra of [[], ['--force']]) {
    const live = await icbench(['clean', r.id, '--forget-host', 'gone1', ...extra]);
    assert.is(live.code, 1);
    assert.match(
      live.err,
      new RegExp(`^icbench clean: run ${r.id} is still running \\(pid ${sleeper.pid}, started [^)]+\\); stop it first: --forget-host does not rewrite`),
    );
  }
  assert.is(readFileSync(journalOf(r.id), 'utf8'), journal);
  assert.is(calls(), before);
  new Journal(r.id).remove();
});

test.run();
