/**
 * node dist/bench/vm.js (npm run bench:vm): what qemu lab nodes cost here.
 *  (a) boot time per VM (QEMU start to the guest agent answering) for 1 and 10 VMs (mean, p50,
 *      max) and the whole lab up, with the accelerator used;
 *  (b) QMP round trip (query-status, 50 times) and one command through the agent (`true`, 20 times);
 *  (c) one live migration of a 512 MiB VM (70% filled) across the L2VPN at 1 Gbit/s / 20 ms RTT.
 * Options: --sizes 1,10  --migrate-mib 512. Prints the load average next to every figure: on a
 * shared machine the figures are pessimistic.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveConfig } from '../infra/config.js';
import { run } from '../infra/exec.js';
import { Journal } from '../infra/journal.js';
import { Lab } from '../infra/lab/lab.js';
import { silentProgress } from '../infra/progress.js';
import { qmpSocket } from '../infra/qemu/args.js';
import { Qmp } from '../infra/qemu/qmp.js';
import { newRunId } from '../infra/run-id.js';
import { withTestbed } from '../session/session.js';

const { values } = parseArgs({ options: { sizes: { type: 'string' }, 'migrate-mib': { type: 'string' } } });
const sizes = (values.sizes ?? '1,10').split(',').map(Number);
const migMiB = Number(values['migrate-mib'] ?? 512);
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const f = (v: number, d = 0) => v.toFixed(d);
const stats = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return { n: s.length, mean: s.reduce((a, b) => a + b, 0) / s.length, p50: s[Math.floor((s.length - 1) / 2)], max: s[s.length - 1] };
};

const lines: string[] = [];
const out = (s: string) => {
  lines.push(s);
  console.log(s);
};
out(`bench:vm on ${new Date().toISOString()}, ${(await run(['nproc'])).stdout.trim()} cores`);
out('(a) boot time per VM: QEMU start -> guest agent answers (ms)');
out('VMs | accel | n | mean | p50 | max | lab up s | load avg (1/5/15 min)');
for (const size of sizes) {
  const spec = resolveConfig({
    scenario: 'bench-vm',
    sites:
      size === 1
        ? [{ name: 'A', lan: '1Gbit', hosts: 1, nodesPerHost: 1, virt: 'qemu' }]
        : [
            { name: 'A', lan: '1Gbit', hosts: 1, nodesPerHost: Math.ceil(size / 2), virt: 'qemu' },
            { name: 'B', lan: '1Gbit', hosts: 1, nodesPerHost: Math.floor(size / 2), virt: 'qemu' },
          ],
    wan: size === 1 ? [] : { rate: '1Gbit', rtt: '10ms' },
  });
  const runId = newRunId();
  const journal = new Journal(runId);
  const workDir = mkdtempSync(join(tmpdir(), 'icb-bench-vm-'));
  const lab = await Lab.up(spec, { runId, journal, workDir, wanMode: 'wanem', qemu: { memMiB: 256 } });
  try {
    const boot = stats([...lab.vms.values()].map((v) => v.startMs));
    const accel = String(lab.facts().vm?.accel);
    out(`${size} | ${accel} | ${boot.n} | ${f(boot.mean)} | ${f(boot.p50)} | ${f(boot.max)} | ${f(lab.timings.totalMs / 1000, 1)} | ${load()}`);
    if (size === sizes[0]) {
      const vm = [...lab.vms.values()][0];
      const q = await Qmp.connect(qmpSocket(vm.handle.spec.dir));
      const rt: number[] = [];
      for (let i = 0; i < 50; i++) {
        const t0 = performance.now();
        await q.execute('query-status');
        rt.push(performance.now() - t0);
      }
      q.close();
      const ex: number[] = [];
      for (let i = 0; i < 20; i++) ex.push((await run(vm.exec.wrap(['true']))).durationMs);
      const a = stats(rt),
        b = stats(ex);
      out('(b) control round trips (ms)');
      out(
        `QMP query-status: n=${a.n} mean ${f(a.mean, 2)} p50 ${f(a.p50, 2)} max ${f(a.max, 2)} | agent \`true\`: n=${b.n} mean ${f(b.mean, 1)} p50 ${f(b.p50, 1)} max ${f(b.max, 1)} | load ${load()}`,
      );
    }
  } finally {
    await lab.down();
    journal.remove();
    rmSync(workDir, { recursive: true, force: true });
  }
}

out(`(c) one live migration, ${migMiB} MiB, across the L2VPN at 1 Gbit/s, RTT 20 ms (idle guest after a 70% fill)`);
const results = mkdtempSync(join(tmpdir(), 'icb-bench-vm-mig-'));
await withTestbed(
  {
    config: {
      scenario: 'bench-vm',
      resultsDir: results,
      sites: [
        { name: 'A', lan: '10Gbit', hosts: 1, nodesPerHost: 1, virt: 'qemu' },
        { name: 'B', lan: '10Gbit', hosts: 1, nodesPerHost: 1, virt: 'netns' },
      ],
      wan: { rate: '1Gbit', rtt: '20ms' },
    },
    wanMode: 'wanem',
    qemu: { memMiB: migMiB, shares: false },
    validate: false,
    report: false,
    progress: silentProgress,
  },
  async (s) => {
    const rows = await s.vmMigration({ vm: 'a-h1-n1', peer: 'b-h1-n1', to: 'b-h1', memMiB: [migMiB], repetitions: 1 });
    // The check pass (nothing created yet) runs this body too: it measures nothing, so print nothing.
    if ('checking' in s && s.checking) return;
    const v = (m: string) => rows.find((r) => r.metric === m);
    const show = (m: string, d = 1) => {
      const r = v(m);
      return r?.status === 'ok' ? `${f(r.value as number, d)} ${r.unit}` : `failed (${r?.reason ?? 'no row'})`;
    };
    out(
      `time ${show('migration_time', 2)} (floor ${show('migration_time_floor', 2)}) | downtime QEMU ${show('downtime', 0)}, peer ${show('downtime_peer', 0)} | ` +
        `${show('transferred', 0)} in ${show('dirty_sync_passes', 0)} passes, ${show('effective_rate', 0)} | load ${load()}`,
    );
  },
);
rmSync(results, { recursive: true, force: true });
