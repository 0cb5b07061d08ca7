/**
 * The shipped cache on real hosts and `icbench clean` (infra/remote/clean.ts through the ssh
 * provider, session/clean.ts, the CLI), with `ssh` and `ssh-keyscan` replaced on PATH by fakes that
 * make no connection (each host's scripts are recorded instead): a plain clean of a run whose
 * journal holds a `remote-cache` entry removes the run, keeps the cache on the hosts, says so and
 * keeps the entry on record (<run>.kept, shown by `icbench list`); `clean <run> --purge-cache`
 * then sends the purge script naming the key to every host and drops the record; a host that
 * cannot be reached keeps the record for a later purge.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal, keptPath, readKept } from '../../infra/journal.js';
import { runCli } from '../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'icb-purge-'));
const state = join(tmp, 'state');
const fake = join(tmp, 'fake');
const results = join(tmp, 'results');
const inventory = join(tmp, 'sites.inventory.yaml');
const ENV = { PATH: process.env.PATH, ICBENCH_STATE_DIR: process.env.ICBENCH_STATE_DIR, ICBENCH_LIVE_DIR: process.env.ICBENCH_LIVE_DIR };
const KEY = 'ab'.repeat(32);

/** Fake ssh: the host alias follows `-F <config>`; fake/host-<alias> says ok or down; scripts sent to \`sh -s\` are appended to fake/script-<alias>. */
const SSH = `#!/bin/sh
D='${fake}'
[ "$1" = -F ] && shift 2
[ "$1" = -O ] && exit 0
name=$1; shift
[ "$1" = -- ] && shift
state=$(cat "$D/host-$name" 2>/dev/null || echo down)
[ "$state" = down ] && { echo "ssh: connect to host 127.0.0.1 port 22: No route to host" >&2; exit 255; }
[ "$*" = "sh -s" ] && cat >> "$D/script-$name"
exit 0
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

const hosts = { h1: 65111, h2: 65112 };
const setHost = (name: keyof typeof hosts, s: 'ok' | 'down') => writeFileSync(join(fake, `host-${name}`), s);
const script = (name: keyof typeof hosts) => (existsSync(join(fake, `script-${name}`)) ? readFileSync(join(fake, `script-${name}`), 'utf8') : '');

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
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'icbtest', '-f', join(fake, 'key')]);
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
        h1: { ansible_host: 127.0.0.1, ansible_port: ${hosts.h1}, icbench_data_address: 10.254.0.1 }
    B:
      hosts:
        h2: { ansible_host: 127.0.0.1, ansible_port: ${hosts.h2}, icbench_data_address: 10.254.0.2 }
`,
  );
  process.env.PATH = `${fake}:${ENV.PATH}`;
  process.env.ICBENCH_STATE_DIR = state;
  process.env.ICBENCH_LIVE_DIR = join(tmp, 'live');
});
test.after(() => {
  for (const [k, v] of Object.entries(ENV)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  rmSync(tmp, { recursive: true, force: true });
});

/** A journaled ssh run on h1 and h2 whose process is gone, that shipped a bundle to both. */
function shippedRun(id: string): string {
  const dir = join(results, id);
  mkdirSync(dir);
  new Journal(id).record(
    { kind: 'run', runId: id, scenario: 'two-sites', resultsDir: dir, pid: 2 ** 22 + 13, pidStart: 12345, at: new Date().toISOString() },
    { kind: 'remote', inventory, hosts: ['h1', 'h2'] },
    { kind: 'remote-cache', inventory, hosts: ['h1', 'h2'], bundle: 'terasort-worker', sha256: KEY, bytes: 72_300 },
  );
  return id;
}

const icbench = runCli;

test('a plain clean keeps the shipped cache, says where and how to purge it; --purge-cache removes it from every host', async () => {
  setHost('h1', 'ok');
  setHost('h2', 'ok');
  const id = shippedRun('20261206-220000-c0c0');
  const plain = await icbench(['clean', id]);
  assert.is(plain.code, 0, plain.out + plain.err);
  assert.match(plain.out, `${id}: clean`);
  assert.match(
    plain.out,
    `${id}: kept: terasort-worker (71 kB) in /var/cache/icbench-remote/${KEY} on h1, h2, reused by later runs; icbench clean ${id} --purge-cache removes it`,
  );
  assert.not.match(script('h1'), KEY, 'the plain clean sent no purge');
  assert.match(script('h1'), 'rm -f "$J"', "the run's teardown script ran");
  assert.not.ok(existsSync(join(state, `${id}.journal`)), 'the run itself is clean: its journal is gone');
  assert.equal(
    readKept(id).map((e) => e.kind),
    ['remote-cache'],
  );
  const listed = await icbench(['list', results]);
  assert.match(listed.out, `${id}  kept: terasort-worker (71 kB) in /var/cache/icbench-remote/${KEY} on h1, h2 (icbench clean ${id} --purge-cache)`);
  assert.match(listed.out, 'no run holds lab resources');

  const purged = await icbench(['clean', id, '--purge-cache']);
  assert.is(purged.code, 0, purged.out + purged.err);
  assert.match(purged.out, `${id}: shipped cache purged`);
  for (const h of ['h1', 'h2'] as const) assert.match(script(h), `rm -rf '/var/cache/icbench-remote/${KEY}' && echo purged=${KEY}`);
  assert.not.ok(existsSync(keptPath(id)), 'nothing kept any more');
  assert.not.match((await icbench(['list', results])).out, `${id}  kept`);
});

test('a purge that cannot reach a host keeps the record for a later one; clean --purge-cache of a live-less run with a journal purges at once', async () => {
  setHost('h1', 'ok');
  setHost('h2', 'down');
  const id = shippedRun('20261206-220100-c1c1');
  const r = await icbench(['clean', id, '--purge-cache']);
  assert.is(r.code, 1, r.out + r.err);
  assert.match(r.out, 'h2: host unreachable');
  assert.ok(existsSync(join(state, `${id}.journal`)), 'journal kept: h2 still holds the run');
  setHost('h2', 'ok');
  const again = await icbench(['clean', id, '--purge-cache']);
  assert.is(again.code, 0, again.out + again.err);
  assert.match(again.out, `${id}: clean, shipped cache purged`);
  assert.match(script('h2'), `purged=${KEY}`);
  assert.not.ok(existsSync(join(state, `${id}.journal`)) || existsSync(keptPath(id)));
});

test('--purge-cache is in clean --help', async () => {
  const h = await icbench(['clean', '--help']);
  assert.match(h.out, '--purge-cache');
});

test.run();
