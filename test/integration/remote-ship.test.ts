/**
 * Host prerequisites and shipping, for real, on the SSH-sites fixture (2 sites x 2 hosts, netns
 * nodes, vxlan): the unchanged hokudai-nii with --inventory.
 *
 * - A fixture host lacking a prerequisite is refused by preflight, naming the host, the package and
 *   the apt-get line, before anything is created. The package is "removed" only inside that host's
 *   own mount namespace (a copy of dpkg's status file without its stanza, bind-mounted over
 *   /var/lib/dpkg/status in the namespace of that host's sshd); this machine's packages are
 *   untouched. A package of a feature the scenario does not use (wrk: http) is not asked for.
 * - The lab Terasort engine runs on the hosts from the shipped cache: each host gets a private
 *   tmpfs on /var/cache/icbench-remote (in its sshd's mount namespace: the fixture hosts share this
 *   machine's files otherwise), the worker's bundle is copied there over the run's SSH session, and
 *   every worker's JSON in raw/ names the copy it ran from (/var/cache/icbench-remote/<sha256>/...).
 * - A second run reuses the cache (nothing sent: bytes and time compared); `clean --purge-cache`
 *   removes it; nothing else is left on any host.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../../cli/icbench.js';
import { run } from '../../infra/exec.js';
import { keptPath } from '../../infra/journal.js';
import { REMOTE_CACHE_DIR, runTag } from '../../infra/remote/plan.js';
import { loadRun } from '../../measurements/reader.js';
import { workerBundle } from '../../runners/terasort-lab.js';
import { useStateDir } from '../helpers/lab.js';
import { runScenario } from '../helpers/scenario.js';
import { upSshSites, type SshFixtureHost, type SshSites } from '../../fixtures/ssh-sites.js';
import { runIdOf, sshTo as sshOn } from '../helpers/remote-fixture.js';

const suite = test;
const state = useStateDir(suite, 0o711);
let fx: SshSites;
let results: string;
/** Whether this test made /var/cache/icbench-remote on this machine (the fixture hosts' mount point). */
let madeCacheRoot = false;

/** Runs `argv` in the mount namespace of a fixture host's sshd (what every session on that host sees). */
const inHost = (h: SshFixtureHost, argv: string[]) => run(['nsenter', '-t', String(h.sshdPid), '-m', '--', ...argv]);

suite.before(async () => {
  process.env.ICBENCH_STATE_DIR = state;
  results = mkdtempSync(join(tmpdir(), 'icb-remote-ship-'));
  fx = await upSshSites({
    sites: [
      { name: 'NII', hosts: 2 },
      { name: 'Hokudai', hosts: 2 },
    ],
    wanRtt: '20ms',
    stateDir: state,
  });
  // Each host its own (empty) shipped cache: a tmpfs in its own mount namespace.
  if (!existsSync(REMOTE_CACHE_DIR)) {
    mkdirSync(REMOTE_CACHE_DIR, { mode: 0o700 });
    madeCacheRoot = true;
  }
  for (const h of fx.hosts) {
    const r = await inHost(h, ['mount', '-t', 'tmpfs', '-o', 'mode=0700,size=64m', 'icbfx-cache', REMOTE_CACHE_DIR]);
    assert.ok(r.ok, r.stderr);
  }
});
suite.after(async () => {
  await fx?.down();
  if (madeCacheRoot) rmdirSync(REMOTE_CACHE_DIR);
  if (results) rmSync(results, { recursive: true, force: true });
});

const sshTo = (h: { address: string }, cmd: string) => sshOn(fx, h, cmd);

/** "Uninstalls" `pkg` on host h only: dpkg's status without its stanza, bind-mounted in h's mount namespace. */
async function hidePackage(h: SshFixtureHost, pkg: string): Promise<() => Promise<void>> {
  const status = readFileSync('/var/lib/dpkg/status', 'utf8');
  const kept = status.split(/\n\n+/).filter((s) => !new RegExp(`^Package: ${pkg.replace(/[.+]/g, '\\$&')}$`, 'm').test(s));
  assert.is(kept.length, status.split(/\n\n+/).length - 1, `one stanza of ${pkg}`);
  const file = join(results, `status-without-${pkg}-${h.name}`);
  writeFileSync(file, `${kept.join('\n\n')}\n`, { mode: 0o644 });
  const m = await inHost(h, ['mount', '--bind', file, '/var/lib/dpkg/status']);
  assert.ok(m.ok, m.stderr);
  return async () => {
    const u = await inHost(h, ['umount', '/var/lib/dpkg/status']);
    assert.ok(u.ok, u.stderr);
  };
}

/** What a run left on the fixture hosts: namespaces, links with its tag, its journal, its run dir. */
async function leftOnHosts(runId: string): Promise<string[]> {
  const out: string[] = [];
  for (const h of fx.hosts) {
    const r = await sshTo(
      h,
      `ip netns list | grep -F ${runId}; ip -o link | grep -F ${runTag(runId)}; ls /run/icbench-remote | grep -F ${runId}; ls -d /var/lib/icbench-remote/${runId} 2>/dev/null; ls -a ${REMOTE_CACHE_DIR} | grep -F .${runTag(runId)}.; true`,
    );
    out.push(
      ...r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => `${h.name}: ${l}`),
    );
  }
  return out;
}
const cacheOn = async (h: SshFixtureHost) => (await sshTo(h, `ls ${REMOTE_CACHE_DIR}`)).stdout.split('\n').filter(Boolean);

/** Runs the CLI with stdout captured. */
async function icbench(argv: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const w = process.stdout.write;
  process.stdout.write = ((s: string) => out.push(s) > 0) as typeof process.stdout.write;
  try {
    return { code: await cli(argv), out: out.join('') };
  } finally {
    process.stdout.write = w;
  }
}

const PING = ['--virt', 'netns', '--benchmarks', 'ping', '--repetitions', '1', '--pairs', '1', '--ping-count', '10'];
const TERASORT = ['--virt', 'netns', '--benchmarks', 'terasort', '--terasort-nodes', '2', '--terasort-rows', '20000', '--repetitions', '1'];

suite('a host lacking a prerequisite is refused in preflight, naming the host, the package and the apt-get line; nothing is created', async () => {
  const [, h2, h3] = fx.hosts;
  const restore = await hidePackage(h2, 'iperf3');
  try {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a dpkg-query format
    const dpkg = await sshTo(h2, "dpkg-query -W -f='${Status}' iperf3; echo; command -v iperf3");
    assert.match(dpkg.stdout, '/usr/bin/iperf3', 'the binary is still there: only dpkg says it is not installed');
    const r = await runScenario('hokudai-nii.mjs', [...PING, '--inventory', fx.inventoryFile], { results, state });
    assert.is.not(r.code, 0);
    assert.match(r.out, 'preflight failed on the hosts (nothing was created)');
    assert.match(r.out, new RegExp(`${h2.name}: missing package iperf3 \\(dpkg: not installed\\): apt-get install -y iperf3`));
    for (const h of fx.hosts.filter((x) => x !== h2)) assert.not.match(r.out, `${h.name}: missing`);
    const runId = runIdOf(r.out);
    assert.ok(runId, r.out.slice(-2000));
    assert.equal(await leftOnHosts(runId), []);
  } finally {
    await restore();
  }
  // Only the features of the run: nodejs is asked for by Terasort (lab engine), not by ping.
  const restoreNode = await hidePackage(h3, 'nodejs');
  try {
    const r = await runScenario('hokudai-nii.mjs', [...TERASORT, '--inventory', fx.inventoryFile], { results, state });
    assert.is.not(r.code, 0);
    assert.match(r.out, new RegExp(`${h3.name}: missing package nodejs \\(dpkg: not installed\\): apt-get install -y nodejs`));
    assert.not.match(r.out, /missing package (iperf3|wrk|postgresql)/);
    for (const h of fx.hosts) assert.equal(await cacheOn(h), [], `nothing shipped to ${h.name}`);
  } finally {
    await restoreNode();
  }
});

interface Shipped {
  host: string;
  sha256: string;
  dir: string;
  copied: boolean;
  bytesSent: number;
  ms: number;
}
/** Every shipped.json of a run (one per Terasort cluster and repetition). */
function shippedOf(runDir: string): Shipped[] {
  const out: Shipped[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d, { withFileTypes: true })) {
      if (f.isDirectory()) walk(join(d, f.name));
      else if (f.name === 'shipped.json') out.push(...JSON.parse(readFileSync(join(d, f.name), 'utf8')));
    }
  };
  walk(join(runDir, 'raw'));
  return out;
}
function workerFiles(runDir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d, { withFileTypes: true })) {
      if (f.isDirectory()) walk(join(d, f.name));
      else if (/\.(teragen|sample|sort|validate)\.json$/.test(f.name)) out.push(join(d, f.name));
    }
  };
  walk(join(runDir, 'raw'));
  return out;
}

const runs: string[] = [];

suite('the lab Terasort engine runs on the hosts from the shipped cache; a second run reuses it; --purge-cache removes it; nothing left', async () => {
  const key = workerBundle().sha256;
  const dir = `${REMOTE_CACHE_DIR}/${key}`;
  // wrk (the http benchmark's) is not asked for when no http benchmark runs.
  const restore = await hidePackage(fx.hosts[0], 'wrk');
  const times: number[] = [];
  try {
    for (const k of [1, 2]) {
      const t0 = performance.now();
      const r = await runScenario('hokudai-nii.mjs', [...TERASORT, '--inventory', fx.inventoryFile], { results, state });
      times.push(performance.now() - t0);
      const runId = runIdOf(r.out);
      assert.is(r.code, 0, r.out.slice(-4000));
      runs.push(runId);
      const runDir = join(results, runId);
      const shipped = shippedOf(runDir);
      assert.ok(shipped.length >= 2, JSON.stringify(shipped));
      for (const s of shipped) assert.is(s.dir, dir);
      const first = shipped.filter((s, i) => shipped.findIndex((x) => x.host === s.host) === i);
      if (k === 1) {
        assert.ok(
          first.some((s) => s.copied && s.bytesSent > 10_000),
          'the first run copies the worker',
        );
        assert.match(r.out, new RegExp(`: terasort-worker shipped \\(\\d+ kB\\) to ${dir} in [\\d.]+ s`));
      } else {
        assert.ok(
          shipped.every((s) => !s.copied && s.bytesSent === 0),
          `the second run sends nothing: ${JSON.stringify(shipped)}`,
        );
        assert.match(r.out, new RegExp(`: terasort-worker reused from ${dir} in [\\d.]+ s`));
      }
      const sent = shipped.reduce((s, x) => s + x.bytesSent, 0);
      const ms = shipped.reduce((s, x) => s + x.ms, 0);
      console.log(
        `run ${k} (${runId}): shipping sent ${sent} bytes to ${first.length} hosts in ${ms} ms (host-ms summed); scenario ${(times[k - 1] / 1000).toFixed(1)} s`,
      );
      // Every worker ran from the shipped copy (its own argv[1], in its JSON), with the host's node.
      const files = workerFiles(runDir);
      assert.ok(files.length >= 8, files.join(' '));
      for (const f of files) assert.is(JSON.parse(readFileSync(f, 'utf8').trim().split('\n').pop()!).worker, `${dir}/engines/terasort/worker.js`, f);
      // The rows are there, and both clusters' output validated.
      const { rows } = await loadRun(runDir);
      const ts = rows.filter((x) => x.benchmark === 'terasort');
      assert.ok(ts.length > 0 && ts.every((x) => x.status === 'ok'), JSON.stringify(ts.filter((x) => x.status !== 'ok')));
      assert.is(ts.filter((x) => x.metric === 'validate' && x.value === 1).length, 2, 'one-site and spanning validated');
      // The cache stays (said, kept on record); nothing else of the run is on any host.
      assert.match(r.out, `kept: terasort-worker`);
      assert.ok(existsSync(keptPath(runId, state)));
      assert.equal(await leftOnHosts(runId), []);
      for (const h of new Set(shipped.map((s) => s.host))) {
        const h0 = fx.hosts.find((x) => x.name === h)!;
        assert.equal(await cacheOn(h0), [key], h);
        assert.match((await sshTo(h0, `stat -c %a ${dir}`)).stdout.trim(), /^700$/);
      }
    }
  } finally {
    await restore();
  }
  const listed = await icbench(['list', results]);
  for (const id of runs) assert.match(listed.out, `${id}  kept: terasort-worker`);
  for (const id of runs) {
    const c = await icbench(['clean', id, '--purge-cache']);
    assert.is(c.code, 0, c.out);
    assert.match(c.out, `${id}: shipped cache purged`);
  }
  for (const h of fx.hosts) assert.equal(await cacheOn(h), [], `${h.name}: cache purged`);
  for (const id of runs) {
    assert.not.ok(existsSync(keptPath(id, state)));
    assert.equal(await leftOnHosts(id), []);
  }
});

suite("pgbench's per-transaction logs are written in the client node's dir on its host and come back into raw/; nothing left", async () => {
  const args = ['--virt', 'netns', '--benchmarks', 'pgbench', '--repetitions', '1', '--pairs', '1', '--duration', '2'];
  const r = await runScenario('hokudai-nii.mjs', [...args, '--inventory', fx.inventoryFile], { results, state });
  const runId = runIdOf(r.out);
  assert.is(r.code, 0, r.out.slice(-4000));
  const runDir = join(results, runId);
  const { rows } = await loadRun(runDir);
  const p99 = rows.filter((x) => x.benchmark === 'pgbench' && x.metric === 'latency_p99');
  assert.ok(p99.length > 0 && p99.every((x) => x.status === 'ok' && Number(x.value) > 0), JSON.stringify(p99));
  const logs: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d, { withFileTypes: true }))
      if (f.isDirectory()) walk(join(d, f.name));
      else if (f.name.endsWith('.txlog')) logs.push(join(d, f.name));
  };
  walk(join(runDir, 'raw'));
  assert.ok(logs.length > 0 && logs.every((f) => readFileSync(f, 'utf8').split('\n').length > 10), logs.join(' '));
  assert.equal(await leftOnHosts(runId), []);
});

suite.run();
