/**
 * xen nodes in the lab: two sites of one lab host each, every lab host a nested Xen 4.17 host
 * (QEMU TCG) whose tap is a port of the host's switch; one PV guest per host. Ping and iperf3 run
 * inside the guests across the emulated WAN through the real runners, then pgbench (with its
 * per-transaction log) and the lab Terasort engine (its worker shipped into the guests), small:
 * the guests boot a Debian root disk read-only through blkback; down() leaves no QEMU, tap
 * or namespace. Then a kill -9 of a harness whose nested hosts are booting, and `clean`: nothing
 * left. Needs root, qemu-system-x86 and scripts/build-xen-host.sh (setup.sh runs it). Kept small
 * for CI: two nested boots at once (~40 s each on an idle machine) for the first case, two
 * partial boots for the second.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Lab as LabT } from '../../infra/lab/lab.js';
import { useStateDir } from '../helpers/lab.js';

const STATE = useStateDir(test, 0o711);
const { resolveConfig } = await import('../../infra/config.js');
const { Journal } = await import('../../infra/journal.js');
const { Lab } = await import('../../infra/lab/lab.js');
const { newRunId } = await import('../../infra/run-id.js');
const { run } = await import('../../infra/exec.js');
const { ResultStore } = await import('../../measurements/store.js');
const { measurePing } = await import('../../runners/ping.js');
const { measureIperf3 } = await import('../../runners/iperf3.js');
const { runPgbench } = await import('../../runners/pgbench.js');
const { labTerasort } = await import('../../runners/terasort-lab.js');
const { pathOf } = await import('../../runners/pairs.js');
const { silentProgress } = await import('../../infra/progress.js');
const { clean } = await import('../../session/clean.js');
const { nestedImage } = await import('../../infra/xen/nested-host.js');
const { clusterNicOf } = await import('../../infra/xen/lab-nodes.js');

const runNamespaces = (runId: string) => (existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.includes(runId)) : []);
/** Pids whose command line names a nested Xen host of the run (QEMU's -name icb-<run>-xh-<host>). */
const nestedQemus = (runId: string) =>
  readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, 'utf8')
          .split('\0')
          .some((a) => a.startsWith(`icb-${runId}-xh-`));
      } catch {
        return false;
      }
    });
const rootTaps = async (runId: string) =>
  (await run(['ip', '-o', 'link', 'show'])).stdout.split('\n').filter((l) => ['a-h1', 'b-h1'].some((h) => l.includes(clusterNicOf(runId, h).tap)));

async function assertGone(runId: string): Promise<void> {
  assert.equal(nestedQemus(runId), [], 'no QEMU of the run');
  assert.equal(runNamespaces(runId), [], 'no namespace of the run');
  assert.equal(await rootTaps(runId), [], 'no tap of the run left in the root namespace');
}

const root = process.getuid?.() === 0;
let ready = root && (await run(['qemu-system-x86_64', '--version'])).ok;
try {
  nestedImage();
} catch {
  ready = false;
}
if (!ready) console.log('SKIPPED xen lab tests: need root, qemu-system-x86 and scripts/build-xen-host.sh');

if (ready) {
  test('xen nodes: a nested Xen host per lab host, PV guests on its switch; ping, iperf3, pgbench and lab Terasort inside them across the WAN; down leaves nothing', async () => {
    // The SshSession to each dom0: sshd's key exchange under TCG on a busy machine is slow.
    process.env.ICBENCH_SSH_HANDSHAKE_TIMEOUT_S ??= '120';
    const spec = resolveConfig({
      scenario: 'xen-lab',
      sites: [
        { name: 'A', lan: '1Gbit', hosts: 1, nodesPerHost: 1, virt: 'xen' },
        { name: 'B', lan: '1Gbit', hosts: 1, nodesPerHost: 1, virt: 'xen' },
      ],
      wan: { rate: '100Mbit', rtt: '20ms' },
    });
    const runId = newRunId();
    const journal = new Journal(runId);
    const workDir = join(STATE, `${runId}.d`);
    let lab: LabT | null = null;
    const t0 = performance.now();
    try {
      lab = await Lab.up(spec, { runId, journal, workDir, wanMode: 'wanem' });
      const l = lab;
      console.log(`  [xen-lab] up in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const [a, b] = lab.nodes;
      assert.is(nestedQemus(runId).length, 2, 'one nested Xen host per lab host');
      const processes = journal.entries().filter((e) => e.kind === 'process' && e.name.startsWith(`icb-${runId}-xh-`));
      assert.ok(
        processes.some((e) => e.kind === 'process' && e.pid === undefined),
        'the QEMU of each nested host is journaled before it starts',
      );
      const facts = lab.facts();
      assert.match(String(facts.vm?.xen_version), /^4\.17\./);
      assert.is(facts.vm?.mem_mib, 640, 'guests sized for PostgreSQL and Node.js');
      for (const n of lab.nodes) {
        // The tap of the node's nested host is a port of its lab host's switch.
        const hostNs = `icb-${runId}-${n.host}`;
        const ports = (await run(['ip', '-n', hostNs, '-o', 'link', 'show', 'master', 'br0'])).stdout;
        assert.ok(ports.includes(clusterNicOf(runId, n.host).tap), `${n.host}: the tap is on br0 (${ports})`);
        const cmdline = (await run(n.exec.wrap(['cat', '/proc/cmdline']), { timeoutMs: 120_000 })).stdout;
        assert.ok(cmdline.includes(`ip=${n.address}::`), `${n.name}: the command runs in its guest (${cmdline.trim()})`);
        assert.ok(lab.nodeStartMs[n.name] > 0);
        // The guest's root: the Debian disk (xvda, read-only) under a tmpfs overlay.
        const mounts = (await run(n.exec.wrap(['cat', '/proc/mounts']), { timeoutMs: 120_000 })).stdout;
        assert.match(mounts, /^overlay \/ overlay .*lowerdir=\/mnt\/lower/m, `${n.name}: root is the overlay (${mounts})`);
        const ro = (await run(n.exec.wrap(['cat', '/sys/block/xvda/ro']), { timeoutMs: 120_000 })).stdout.trim();
        assert.is(ro, '1', `${n.name}: xvda is read-only in the guest`);
      }
      const store = new ResultStore(join(STATE, 'results'), runId);
      const ctx = {
        runId,
        scenario: 'xen-lab',
        store,
        progress: silentProgress,
        nodes: lab.nodes,
        workDir,
        emulatorStats: () => l.relayStats(),
        signal: new AbortController().signal,
      };
      const ping = await measurePing(ctx, { src: a, dst: b, path: pathOf(a, b) }, 1, { pairs: 'all', count: 20, intervalS: 0.1, warmup: 3 });
      const med = ping.find((r) => r.metric === 'rtt_median')!;
      assert.is(med.status, 'ok', med.reason);
      assert.ok(med.value! >= 19.5, `median RTT ${med.value} ms across a 20 ms WAN`);
      assert.equal([med.virt, med.path], ['xen', 'inter-site']);
      const tcp = await measureIperf3(ctx, { src: a, dst: b, path: pathOf(a, b) }, 1, { pairs: 'all', durationS: 3 }, 5201);
      const tp = tcp.find((r) => r.metric === 'throughput')!;
      assert.is(tp.status, 'ok', tp.reason);
      assert.ok(tp.value! > 0.5 && tp.value! <= 105, `iperf3 ${tp.value} Mbit/s over a 100 Mbit/s WAN`);
      console.log(`  [xen-lab] ping median ${med.value} ms, iperf3 ${tp.value?.toFixed(1)} Mbit/s (TCG)`);
      // PostgreSQL in a's guest, pgbench in b's across the WAN, its per-transaction log fetched back.
      const t1 = performance.now();
      const pg = await runPgbench(ctx, {
        server: a.name,
        clientNodes: [b.name],
        scripts: ['select-only'],
        clients: 1,
        threads: 1,
        durationS: 10,
        repetitions: 1,
        percentiles: true,
      });
      const tps = pg.find((r) => r.metric === 'tps')!;
      assert.is(tps.status, 'ok', tps.reason);
      assert.ok(tps.value! > 0 && pg.find((r) => r.metric === 'latency_p95')?.status === 'ok', `pgbench tps ${tps.value}`);
      assert.ok(
        readdirSync(join(STATE, 'results', runId, 'raw', 'pgbench')).some((f) => f.endsWith('.txlog')),
        'the per-transaction log came back from the guest',
      );
      const t2 = performance.now();
      // The lab Terasort engine: its worker shipped into both guests, run by their Node.js.
      const ts = await labTerasort.run({ ...ctx, ship: l.capabilities.ship }, [a, b], { rows: 2000, label: 'xen' });
      for (const r of ts) assert.is(r.status, 'ok', `${r.metric}: ${r.reason}`);
      assert.is(ts.find((r) => r.metric === 'validate')?.value, 1);
      const shipped = JSON.parse(readFileSync(join(STATE, 'results', runId, 'raw', 'terasort', 'xen', 'rep1', 'shipped.json'), 'utf8'));
      assert.equal(shipped.map((h: { host: string }) => h.host).sort(), [a.name, b.name].sort());
      console.log(
        `  [xen-lab] pgbench select-only ${tps.value} tx/s in ${((t2 - t1) / 1000).toFixed(1)} s, lab Terasort 2000 rows in ${((performance.now() - t2) / 1000).toFixed(1)} s (TCG)`,
      );
    } finally {
      if (lab) assert.equal((await lab.down()).left, []);
    }
    await assertGone(runId);
    journal.remove();
    rmSync(workDir, { recursive: true, force: true });
  });

  test('after kill -9 of a harness whose nested Xen hosts were booting, clean kills their QEMU; taps and namespaces go', async () => {
    const child = spawn(process.execPath, [fileURLToPath(new URL('./lab-child.js', import.meta.url)), 'xen'], {
      env: process.env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const runId = await new Promise<string>((res, rej) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /RUN (\S+)/.exec(out);
        if (m) res(m[1]);
      });
      child.on('exit', (c) => rej(new Error(`child exited ${c} before it started`)));
      setTimeout(() => rej(new Error('no run id in 60 s')), 60_000).unref();
    });
    // Until both QEMUs run and their taps were moved out of the root namespace into the lab hosts'.
    const deadline = Date.now() + 120_000;
    while (nestedQemus(runId).length < 2 || (await rootTaps(runId)).length > 0 || runNamespaces(runId).length === 0) {
      assert.ok(Date.now() < deadline, 'two nested hosts starting within 120 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    assert.is(nestedQemus(runId).length, 2, 'SIGKILL left the nested hosts running');
    const r = await clean(runId);
    assert.equal(r.cleaned, [runId]);
    await assertGone(runId);
  });
}

test.run();
