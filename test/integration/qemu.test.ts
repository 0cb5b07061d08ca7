/**
 * Real qemu lab nodes (QEMU under the accelerator the probe chose, TCG here): two VMs on two
 * sites run ping and iperf3 through their executors; one small live migration across the L2VPN
 * keeps the VM's address; nothing of the run is left after down(), nor after kill -9 of the
 * harness followed by `clean`. Needs root, qemu-system-x86 and scripts/build-vm-image.sh.
 * Kept small for CI: three VM boots in all, one 256 MiB migration.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
const { pathOf } = await import('../../runners/pairs.js');
const { silentProgress } = await import('../../infra/progress.js');
const { clean } = await import('../../session/clean.js');
const { listQemu } = await import('../../infra/qemu/processes.js');
const { withTestbed } = await import('../../session/session.js');

const runNamespaces = (runId: string) => (existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.includes(runId)) : []);
const runQemus = (runId: string) => listQemu().filter((v) => v.runId === runId);
const taps = (runId: string) => runNamespaces(runId).length; // taps live inside the run's namespaces only

async function assertGone(runId: string): Promise<void> {
  assert.equal(runQemus(runId), [], 'no QEMU process of the run');
  assert.equal(runNamespaces(runId), [], 'no namespace (and so no tap or bridge) of the run');
  assert.is(taps(runId), 0);
}

const root = process.getuid?.() === 0;
const ready = root && existsSync('/var/lib/icbench/vm/initramfs.cpio.gz') && (await run(['qemu-system-x86_64', '--version'])).ok;
if (!ready) console.log('SKIPPED qemu integration tests: need root, qemu-system-x86 and scripts/build-vm-image.sh');

if (ready) {
  test('qemu nodes: two VMs on two sites; ping and iperf3 run inside through the agent; accel recorded; down leaves nothing', async () => {
    const spec = resolveConfig({
      scenario: 'qemu',
      sites: [
        { name: 'A', lan: '1Gbit', hosts: 1, nodesPerHost: 1, virt: 'qemu' },
        { name: 'B', lan: '1Gbit', hosts: 1, nodesPerHost: 1, virt: 'qemu' },
      ],
      wan: { rate: '100Mbit', rtt: '10ms' },
    });
    const runId = newRunId();
    const journal = new Journal(runId);
    const workDir = join(STATE, `${runId}.d`);
    let lab: LabT | null = null;
    try {
      lab = await Lab.up(spec, { runId, journal, workDir, wanMode: 'wanem', qemu: { memMiB: 384 } });
      const l = lab;
      const [a, b] = lab.nodes;
      assert.is(runQemus(runId).length, 2, 'one QEMU per node');
      const entries = journal.entries().filter((e) => e.kind === 'qemu');
      assert.ok(
        entries.some((e) => e.kind === 'qemu' && e.pid === undefined) && entries.every((e) => e.kind === 'qemu' && e.name.includes(runId)),
        'journaled before start',
      );
      assert.is(entries.filter((e) => e.kind === 'qemu' && e.pid).length, 2, 'and again with pid once running');
      const facts = lab.facts();
      assert.ok(facts.vm && (facts.vm.accel === 'tcg' || facts.vm.accel === 'kvm'), JSON.stringify(facts.vm));
      assert.type(facts.vm?.accel_reason, 'string');
      for (const n of lab.nodes) {
        assert.ok(lab.nodeStartMs[n.name] > 0);
        assert.is((await run(n.exec.wrap(['hostname']))).stdout.trim(), n.name, "the VM's own hostname");
        assert.match((await run(n.exec.wrap(['uname', '-r']))).stdout, /amd64/, "Debian's kernel in the guest");
        const ip = (await run(n.exec.wrap(['ip', '-o', '-4', 'addr', 'show', 'eth0']))).stdout;
        assert.match(ip, new RegExp(` ${n.address.replace(/\./g, '\\.')}/16 `), 'the node address is in the VM');
      }
      const bad = await run(a.exec.wrap(['sh', '-c', 'echo out; echo err >&2; exit 3']));
      assert.equal([bad.exitCode, bad.stdout, bad.stderr], [3, 'out\n', 'err\n'], 'exit code and both streams come back');
      const store = new ResultStore(join(STATE, 'results'), runId);
      const ctx = {
        runId,
        scenario: 'qemu',
        store,
        progress: silentProgress,
        nodes: lab.nodes,
        workDir,
        emulatorStats: () => l.relayStats(),
        signal: new AbortController().signal,
      };
      const ping = await measurePing(ctx, { src: a, dst: b, path: pathOf(a, b) }, 1, { pairs: 'all', count: 20, intervalS: 0.05, warmup: 3 });
      const med = ping.find((r) => r.metric === 'rtt_median')!;
      assert.is(med.status, 'ok', med.reason);
      assert.ok(med.value! >= 9.5, `median RTT ${med.value} ms across a 10 ms WAN`);
      assert.is(med.virt, 'qemu');
      const tcp = await measureIperf3(ctx, { src: a, dst: b, path: pathOf(a, b) }, 1, { pairs: 'all', durationS: 3 }, 5201);
      const tp = tcp.find((r) => r.metric === 'throughput')!;
      assert.is(tp.status, 'ok', tp.reason);
      assert.ok(tp.value! > 1 && tp.value! <= 105, `iperf3 ${tp.value} Mbit/s over a 100 Mbit/s WAN`);
    } finally {
      if (lab) assert.equal((await lab.down()).left, []);
    }
    await assertGone(runId);
    journal.remove();
    rmSync(workDir, { recursive: true, force: true });
  });

  test('after kill -9 of the harness, clean kills the QEMU processes and removes taps and namespaces', async () => {
    const child = spawn(process.execPath, [fileURLToPath(new URL('./lab-child.js', import.meta.url)), 'qemu'], {
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
      setTimeout(() => rej(new Error('lab did not come up in 300 s')), 300_000).unref();
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    assert.is(runQemus(runId).length, 2, 'SIGKILL left the VMs running');
    const r = await clean(runId);
    assert.equal(r.left, []);
    assert.equal(r.cleaned, [runId]);
    await assertGone(runId);
  });

  test('live migration across the L2VPN: QEMU and peer figures, same address after the move, nothing left', async () => {
    const results = mkdtempSync(join(tmpdir(), 'icb-mig-'));
    let runId = '';
    const r = await withTestbed(
      {
        config: {
          scenario: 'vm-migration',
          resultsDir: results,
          sites: [
            { name: 'A', lan: '10Gbit', hosts: 1, nodesPerHost: 1, virt: 'qemu' },
            { name: 'B', lan: '10Gbit', hosts: 1, nodesPerHost: 1, virt: 'netns' },
          ],
          wan: { rate: '1Gbit', rtt: '10ms' },
        },
        wanMode: 'wanem',
        qemu: { memMiB: 256, shares: false },
        validate: false,
        report: false,
        progress: silentProgress,
      },
      async (s) => {
        runId = s.runId;
        // Two repetitions: A -> B and back; or, when the guest dies on the target (the QEMU 7.2 TCG
        // defect in the README, seen in CI with only the peer's pings as traffic), a fresh guest
        // and A -> B again. The harness must flag such a try; the figures are checked on a healthy one.
        const rows = await s.vmMigration({ vm: 'a-h1-n1', peer: 'b-h1-n1', to: 'b-h1', memMiB: [256], repetitions: 2 });
        const died = (rep: number) => rows.some((x) => x.repetition === rep && x.flags.includes('guest-failed-after-migration'));
        const rep = [1, 2].find((k) => !died(k) && rows.some((x) => x.repetition === k && x.params.to_host === 'b-h1'));
        assert.ok(rep !== undefined, `no A -> B migration with a live guest: ${JSON.stringify(rows.map((x) => [x.repetition, x.metric, x.flags]))}`);
        if (died(1)) {
          const first = rows.filter((x) => x.repetition === 1);
          assert.ok(first.length >= 7 && first.every((x) => x.flags.includes('guest-failed-after-migration')), 'every row of the failed try is flagged');
          console.log(`  [qemu] migration 1: the guest died on the target (flagged guest-failed-after-migration); checked repetition ${rep}`);
        }
        const v = (m: string) => rows.find((x) => x.repetition === rep && x.metric === m)!;
        for (const m of ['migration_time', 'downtime', 'transferred', 'dirty_sync_passes', 'effective_rate', 'migration_time_floor', 'downtime_peer'])
          assert.is(v(m).status, 'ok', `${m}: ${v(m).reason}`);
        assert.ok(v('transferred').value! > 100, `${v('transferred').value} MB sent (the guest filled ~70% with non-zero data)`);
        assert.ok(v('downtime').value! < 1000, `QEMU downtime ${v('downtime').value} ms`);
        assert.ok(v('downtime_peer').value! > 0, 'measured by the peer');
        assert.is(v('migration_time').path, 'inter-site');
        assert.equal([v('migration_time').params.from_host, v('migration_time').params.to_host], ['a-h1', 'b-h1']);
        // Through the executor, the VM (wherever the last repetition left it) still has its address,
        // unless its guest died there (flagged, as above).
        if (!died(2)) {
          const vm = s.testbed.nodes.find((n) => n.name === 'a-h1-n1')!;
          assert.match((await run(vm.exec.wrap(['ip', '-o', '-4', 'addr', 'show', 'eth0']))).stdout, new RegExp(` ${vm.address.replace(/\./g, '\\.')}/`));
          const peer = s.testbed.nodes.find((n) => n.name === 'b-h1-n1')!;
          assert.ok((await run(peer.exec.wrap(['ping', '-c', '2', '-W', '2', vm.address]))).ok, 'the peer reaches the same address');
        }
      },
    );
    assert.is(r.status, 'ok', JSON.stringify(r.failures));
    assert.ok(readFileSync(join(r.resultsDir, 'run.json'), 'utf8').includes('"vm_accel"'), 'accel in run.json');
    await assertGone(runId);
    rmSync(results, { recursive: true, force: true });
  });
}

test.run();
