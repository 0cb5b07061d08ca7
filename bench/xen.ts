/**
 * node dist/bench/xen.js: the nested Xen host (Debian's Xen 4.17 under QEMU TCG, reached over the
 * real-site SSH executor) and the XenHost sequence against real xl, timed step by step:
 * boot to sshd, xl info, xl create of a PV guest (192 MB by default), until xl list shows it
 * running, until it answers ping on its bridge, first command inside it over ssh from dom0,
 * xl shutdown -w, xl destroy of a second guest, QEMU stop. Options: --memory 192 --repeat 1.
 * Every figure is printed with the load average it was taken under (TCG shares this machine's CPU).
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { run } from '../infra/exec.js';
import { Journal } from '../infra/journal.js';
import { newRunId } from '../infra/run-id.js';
import { renderDomainConfig } from '../infra/xen/domain-config.js';
import { NESTED_GUEST_KERNEL, NESTED_GUEST_RAMDISK, NestedXenHost } from '../infra/xen/nested-host.js';
import { XenHost } from '../infra/xen/xl.js';
import { cleanRun } from '../session/clean.js';

const { values } = parseArgs({ options: { memory: { type: 'string' }, repeat: { type: 'string' } } });
const memoryMiB = Number(values.memory ?? 192);
const repeat = Number(values.repeat ?? 1);
const rows: { step: string; s: number; load: string }[] = [];
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
async function timed<T>(step: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await fn();
  rows.push({ step, s: (performance.now() - t0) / 1000, load: load() });
  process.stdout.write(`  ${step}: ${((performance.now() - t0) / 1000).toFixed(2)} s (load ${load()})\n`);
  return r;
}

const runId = newRunId();
const journal = new Journal(runId);
process.env.ICBENCH_SSH_HANDSHAKE_TIMEOUT_S ??= '120';
let nested: NestedXenHost | undefined;
try {
  nested = await timed('boot: QEMU start to sshd + SshSession open (strict host key)', () => NestedXenHost.boot({ runId, journal, bootTimeoutMs: 900_000 }));
  const host = new XenHost({ exec: nested.exec });
  const info = await timed('xl info (one SSH round trip)', () => host.info());
  process.stdout.write(`  Xen ${info.xenVersion}, virt_caps "${info.fields.virt_caps}", free ${info.freeMemoryMiB} MiB\n`);
  const br = await host.run(['sh', '-c', 'ip link add icbxbench type bridge && ip link set icbxbench up && ip addr add 10.98.0.1/24 dev icbxbench']);
  if (!br.ok) throw new Error(`bridge: ${br.stderr}`);
  for (let i = 1; i <= repeat; i++) {
    const cfg = renderDomainConfig({
      runId,
      node: `g${i}`,
      type: 'pv',
      vcpus: 1,
      memoryMiB,
      kernel: NESTED_GUEST_KERNEL,
      ramdisk: NESTED_GUEST_RAMDISK,
      extra: 'console=hvc0',
      vifs: [{ bridge: 'icbxbench' }],
      guest: { address: '10.98.0.2', prefix: 24 },
    });
    await timed(`xl create (${memoryMiB} MB PV guest)`, () => host.create(cfg, 900_000));
    await timed('until xl list shows it running', () => host.waitRunning(cfg.name, 900_000, 250));
    await timed('until the guest answers ping on its bridge', () => host.waitAddress('10.98.0.2', 600));
    const g = host.guestExecutor('10.98.0.2', { identity: '/root/.ssh/id_ed25519', connectTimeoutS: 120 });
    await timed('first command in the guest (ssh from dom0)', async () => {
      for (let k = 0; k < 60; k++) if ((await run(g.wrap(['true']), { timeoutMs: 180_000 })).ok) return;
      throw new Error('ssh into the guest failed');
    });
    await timed('another command in the guest', () => run(g.wrap(['uname', '-r']), { timeoutMs: 180_000 }));
    await timed('xl shutdown -w', () => host.shutdown(cfg.name, 600_000));
    const d = renderDomainConfig({ runId, node: `d${i}`, type: 'pv', vcpus: 1, memoryMiB: 160, kernel: NESTED_GUEST_KERNEL, ramdisk: NESTED_GUEST_RAMDISK });
    await host.create(d, 900_000);
    await timed('xl destroy (160 MB guest)', () => host.destroy(d.name));
  }
} finally {
  if (nested) await timed('stop QEMU (SSH close, SIGTERM)', () => nested!.stop());
  await cleanRun(runId);
}
process.stdout.write(`\nbench:xen  run ${runId}  (nested Xen 4.17 under QEMU TCG -cpu qemu64, 1 vCPU, dom0 512 MiB)\n`);
process.stdout.write(`${'step'.padEnd(64)} ${'seconds'.padStart(8)}  load average (1/5/15 min)\n`);
for (const r of rows) process.stdout.write(`${r.step.padEnd(64)} ${r.s.toFixed(2).padStart(8)}  ${r.load}\n`);
process.stdout.write('n = 1 per step per repetition; figures under TCG grow with the machine load shown.\n');
