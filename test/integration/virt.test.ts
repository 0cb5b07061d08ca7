/**
 * Real LXC and Docker lab nodes (2 sites x 1 host x 2 nodes, 5 ms RTT): runners work inside the
 * containers through node.exec, and nothing of the run is left after down(), or after kill -9
 * followed by clean (from the journal, or with --orphans when the journal is lost). Needs root,
 * lxc and a running Docker engine (scripts/docker-engine.sh).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lab as LabT } from '../../infra/lab/lab.js';

import { useStateDir } from '../helpers/lab.js';

const STATE_DIR = useStateDir(test);
const STATE = STATE_DIR;
const { resolveConfig } = await import('../../infra/config.js');
const { Journal } = await import('../../infra/journal.js');
const { Lab } = await import('../../infra/lab/lab.js');
const { newRunId } = await import('../../infra/run-id.js');
const { run, start } = await import('../../infra/exec.js');
const { nsPids } = await import('../../infra/netns.js');
const { ResultStore } = await import('../../measurements/store.js');
const { measurePing } = await import('../../runners/ping.js');
const { measureIperf3 } = await import('../../runners/iperf3.js');
const { pathOf } = await import('../../runners/pairs.js');
const { silentProgress } = await import('../../infra/progress.js');
const { clean, cleanRun } = await import('../../session/clean.js');
const { dockerEngineRunning } = await import('../../infra/virt/docker.js');

const VIRTS = ['lxc', 'docker'] as const;
const runNamespaces = (runId: string) => (existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.includes(runId)) : []);
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};
/** Processes whose command line names the run (lxc-attach, the LXC monitor, wanem). */
const runProcs = (runId: string) =>
  readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid)
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(runId);
      } catch {
        return false;
      }
    });
/** The run's containers as the container manager itself lists them. */
async function containers(virt: string, runId: string): Promise<string[]> {
  if (virt === 'docker') {
    return (await run(['docker', 'ps', '-a', '--filter', `label=icbench.run=${runId}`, '--format', '{{.Names}} {{.State}}'])).stdout
      .split('\n')
      .filter(Boolean);
  }
  const lxcpath = join(STATE, `${runId}.d`, 'lxc');
  if (!existsSync(lxcpath)) return [];
  return (await run(['lxc-ls', '-P', lxcpath, '-f', '-F', 'NAME,STATE'])).stdout
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .filter(Boolean);
}

const input = (virt: string) => ({
  scenario: 'virt',
  sites: [
    { name: 'A', lan: '1Gbit', hosts: 1, nodesPerHost: 2, virt },
    { name: 'B', lan: '1Gbit', hosts: 1, nodesPerHost: 2, virt },
  ],
  wan: { rate: '100Mbit', rtt: '5ms' },
});

async function killedChild(virt: string): Promise<{ runId: string; pids: number[]; names: string[] }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./lab-child.js', import.meta.url)), virt], {
    env: process.env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const runId = await new Promise<string>((res, rej) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /UP (\S+)/.exec(out);
      if (m) res(m[1]);
    });
    child.on('exit', (c) => rej(new Error(`child exited ${c} before the lab was up`)));
    setTimeout(() => rej(new Error('lab did not come up in 30 s')), 30000).unref();
  });
  await new Promise((r) => setTimeout(r, 300)); // the ping inside the node is running
  const names = runNamespaces(runId);
  const pids = nsPids(names);
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
  return { runId, pids, names };
}

async function assertGone(virt: string, runId: string, pids: number[]): Promise<void> {
  assert.equal(await containers(virt, runId), [], 'no container of the run');
  assert.equal(runNamespaces(runId), [], 'no namespace of the run');
  for (const pid of pids) assert.not.ok(alive(pid), `process ${pid} survived`);
  assert.equal(runProcs(runId), [], 'no process naming the run');
}

const root = process.getuid?.() === 0;
if (!root) console.log('SKIPPED virt integration tests: they need root');
if (root && !(await dockerEngineRunning())) throw new Error('virt integration tests need a running Docker engine: run scripts/docker-engine.sh');

for (const virt of root ? VIRTS : []) {
  test(`${virt}: nodes are containers; ping, iperf3, the postgres user and node run inside; down leaves nothing`, async () => {
    const spec = resolveConfig(input(virt));
    const runId = newRunId();
    const journal = new Journal(runId);
    const workDir = join(STATE, `${runId}.d`);
    let lab: LabT | null = null;
    let pids: number[] = [];
    try {
      lab = await Lab.up(spec, { runId, journal, workDir, wanMode: 'wanem' });
      const l = lab;
      const [a1, a2, b1, b2] = lab.nodes;
      assert.equal(
        journal
          .entries()
          .filter((e) => e.kind === virt)
          .map((e) => (e as { name: string }).name)
          .sort(),
        lab.nodes.map((n) => n.ns).sort(),
        'every container journaled',
      );
      const listed = await containers(virt, runId);
      assert.is(listed.length, 4, listed.join('; '));
      for (const c of listed) assert.match(c, virt === 'docker' ? / running$/ : / RUNNING$/);
      for (const n of lab.nodes) {
        assert.ok(lab.nodeStartMs[n.name] > 0, `start time of ${n.name}`);
        assert.is((await run(n.exec.wrap(['hostname']))).stdout.trim(), n.name, "the container's own hostname");
      }
      if (virt === 'lxc') {
        // AppArmor (issue 24): the profile chosen for this machine is the one in the containers' config, and in run.json's facts.
        const aa = lab.facts().lxcApparmor;
        const cfg = readFileSync(join(workDir, 'lxc', a1.ns, 'config'), 'utf8');
        assert.ok(aa && cfg.includes(`\nlxc.apparmor.profile = ${aa.profile}\n`), `${JSON.stringify(aa)}\n${cfg}`);
        if (!existsSync('/sys/module/apparmor/parameters/enabled')) assert.equal([aa!.profile, aa!.reason], ['unconfined', 'the kernel has no AppArmor']);
        else if (aa!.profile === 'generated') {
          const label = readFileSync(`/proc/${nsPids([a1.ns])[0]}/attr/current`, 'utf8');
          assert.match(label, /^lxc-/, 'the container runs under its generated profile');
        }
      }
      // Its own pid namespace: pid 1 is the container's init, not the host's.
      const init = (await run(a1.exec.wrap(['cat', '/proc/1/cmdline']))).stdout.replace(/\0/g, ' ');
      assert.match(init, virt === 'docker' ? /docker-init/ : /init/);
      assert.not.equal(init, readFileSync('/proc/1/cmdline', 'utf8').replace(/\0/g, ' '));

      const store = new ResultStore(join(STATE, 'results'), runId);
      const ctx = {
        runId,
        scenario: 'virt',
        store,
        progress: silentProgress,
        nodes: lab.nodes,
        workDir,
        emulatorStats: () => l.relayStats(),
        signal: new AbortController().signal,
      };
      const ping = await measurePing(ctx, { src: a1, dst: b1, path: pathOf(a1, b1) }, 1, { pairs: 'all', count: 40, intervalS: 0.02, warmup: 5 });
      const median = ping.find((r) => r.metric === 'rtt_median')!;
      assert.is(median.status, 'ok', median.reason);
      assert.ok(median.value! >= 4.5 && median.value! <= 7, `median RTT ${median.value} ms across the WAN, configured 5 ms`);
      assert.is(median.virt, virt);
      const tcp = await measureIperf3(ctx, { src: a2, dst: b2, path: pathOf(a2, b2) }, 1, { pairs: 'all', durationS: 2 }, 5201);
      const tp = tcp.find((r) => r.metric === 'throughput')!;
      assert.is(tp.status, 'ok', tp.reason);
      assert.ok(tp.value! > 10 && tp.value! <= 105, `iperf3 ${tp.value} Mbit/s over a 100 Mbit/s WAN`);

      assert.is((await run(a1.exec.wrap(['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups', '--', 'id', '-un']))).stdout.trim(), 'postgres');
      // Only an allow-list of the host's /etc (infra/virt/etc-allow.ts): users, the loader cache; no secret.
      assert.ok((await run(a1.exec.wrap(['test', '-s', '/etc/passwd']))).ok && (await run(a1.exec.wrap(['test', '-s', '/etc/ld.so.cache']))).ok);
      for (const secret of ['/etc/shadow', '/etc/gshadow', '/etc/ssh/ssh_host_ed25519_key', '/etc/ssl/private'])
        assert.not.ok((await run(a1.exec.wrap(['test', '-e', secret]))).ok, `${secret} is not visible inside the ${virt} node`);
      const file = join(workDir, 'nodes', a2.name, 'hello');
      const js = `const fs=require('fs');fs.mkdirSync(require('path').dirname(process.argv[1]),{recursive:true});fs.writeFileSync(process.argv[1],require('os').hostname())`;
      const w = await run(a2.exec.wrap(['node', '-e', js, file]));
      assert.ok(w.ok, w.stderr);
      assert.is(readFileSync(file, 'utf8'), a2.name, 'node ran inside and wrote to the shared work dir');
      assert.not.ok((await run(a2.exec.wrap(['touch', '/usr/icbench-probe']))).ok, '/usr is read-only inside');

      // Stopping a command's handle stops the command inside the container.
      const sleeper = start(b1.exec.wrap(['sleep', '301']));
      const inside = async () => (await run(b1.exec.wrap(['pgrep', '-f', 'sleep 301']))).ok;
      for (let i = 0; i < 50 && !(await inside()); i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(await inside(), 'sleep runs inside');
      await sleeper.kill('SIGKILL');
      await sleeper.catch(() => {});
      let still = true;
      for (let i = 0; i < 40 && (still = await inside()); i++) await new Promise((r) => setTimeout(r, 50));
      assert.not.ok(still, 'sleep stopped with its handle');
      pids = nsPids(lab.nodes.map((n) => n.ns));
      assert.ok(pids.length >= 8, `init and its child in each of 4 containers: ${pids}`);
    } finally {
      if (lab) assert.equal((await lab.down()).left, []);
    }
    await assertGone(virt, runId, pids);
    const lxcpath = join(workDir, 'lxc');
    if (virt === 'lxc') assert.equal(readdirSync(lxcpath), [], "nothing left under the run's lxcpath");
    assert.ok(existsSync('/var/lib/icbench/rootfs-skel/usr'), 'the reusable skeleton is kept');
    rmSync(workDir, { recursive: true, force: true });
    journal.remove();
  });

  test(`${virt}: after kill -9 of the harness, clean removes the containers, namespaces and processes`, async () => {
    const { runId, pids } = await killedChild(virt);
    assert.is((await containers(virt, runId)).length, 2, 'SIGKILL left the containers behind');
    assert.ok(pids.length >= 5, 'wanem, and init + child + ping in the containers');
    assert.equal(await cleanRun(runId), []);
    await assertGone(virt, runId, pids);
    assert.not.ok(existsSync(join(STATE, `${runId}.journal`)), 'journal removed once clean');
    assert.not.ok(existsSync(join(STATE, `${runId}.d`)), 'work dir (with the lxcpath) removed');
    assert.equal(await cleanRun(runId), [], 'clean is idempotent');
  });

  test(`${virt}: with the journal lost, clean --orphans still finds the run's containers`, async () => {
    const { runId, pids } = await killedChild(virt);
    rmSync(join(STATE, `${runId}.journal`));
    const logs: string[] = [];
    await clean(runId, { log: (s) => logs.push(s) });
    assert.is((await containers(virt, runId)).length, 2, 'without --orphans nothing is touched');
    assert.ok(
      logs.some((s) => s.includes(`${virt} icb-${runId}-`)),
      logs.join('\n'),
    );
    const r = await clean(runId, { orphans: true });
    assert.equal(r.left, []);
    assert.is(r.orphansRemoved, 2 + 7, '2 containers and 7 namespaces');
    await assertGone(virt, runId, pids);
    rmSync(join(STATE, `${runId}.d`), { recursive: true, force: true });
  });
}

test.run();
