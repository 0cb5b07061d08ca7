/**
 * Live migration of a lab VM between two VMM namespaces (two hosts, possibly two sites: the
 * stream then crosses the L2VPN and its WAN emulation, like the VM's own traffic). The target
 * QEMU is started with the same machine, memory and NIC MAC plus `-incoming tcp:<its VMM
 * address>:<port>`; the source is driven over QMP (`migrate`, then `query-migrate` until done);
 * the source QEMU is stopped afterwards and the VM's executor follows it to the target.
 */
import { join } from 'node:path';
import type { Journal } from '../journal.js';
import type { MigrationProgress, MigrationStats } from '../testbed.js';
import { vmmAddress } from '../node-net.js';
import { qmpSocket, type VmSpec } from './args.js';
import type { QemuNode } from './nodes.js';
import { Qmp } from './qmp.js';
import { removeVm, startVm, waitAgent } from './vm.js';

export const MIGRATION_PORT = 4444;

let agentPorts = 0;
/** A fresh agent port for a VM (re)started in a namespace that may have held one before. */
const nextAgentPort = () => 7001 + (agentPorts++ % 50000);

/** What QEMU reports for a finished migration (query-migrate), in typed units: the testbed seam's type. */
export type { MigrationStats };

/** Pure: query-migrate's answer while a migration runs -> where it stands (absent figures are 0: QEMU has none yet in 'setup'). */
export function migrationProgress(q: Record<string, unknown>): MigrationProgress {
  const ram = (q.ram ?? {}) as Record<string, unknown>;
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return {
    status: String(q.status ?? 'unknown'),
    transferredBytes: n(ram.transferred),
    remainingBytes: n(ram.remaining),
    ramTotalBytes: n(ram.total),
    dirtySyncCount: n(ram['dirty-sync-count']),
  };
}

/** Pure: query-migrate's answer -> typed stats (throws when it is not a finished migration). */
export function migrationStats(q: Record<string, unknown>): MigrationStats {
  const ram = (q.ram ?? {}) as Record<string, number>;
  const status = String(q.status ?? 'unknown');
  const num = (v: unknown, f: string): number => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`query-migrate: ${f} missing in a ${status} migration`);
    return v;
  };
  if (status !== 'completed')
    return {
      status,
      totalMs: 0,
      downtimeMs: 0,
      setupMs: 0,
      transferredBytes: 0,
      ramTotalBytes: 0,
      dirtySyncCount: 0,
      mbps: 0,
      normalPages: 0,
      duplicatePages: 0,
      error: String(q['error-desc'] ?? status),
    };
  return {
    status,
    totalMs: num(q['total-time'], 'total-time'),
    downtimeMs: num(q.downtime, 'downtime'),
    setupMs: num(q['setup-time'] ?? 0, 'setup-time'),
    transferredBytes: num(ram.transferred, 'ram.transferred'),
    ramTotalBytes: num(ram.total, 'ram.total'),
    dirtySyncCount: num(ram['dirty-sync-count'], 'ram.dirty-sync-count'),
    mbps: num(ram.mbps, 'ram.mbps'),
    normalPages: num(ram.normal ?? 0, 'ram.normal'),
    duplicatePages: num(ram.duplicate ?? 0, 'ram.duplicate'),
  };
}

export interface MigrateOptions {
  journal: Journal;
  /** Target VMM namespace and its address slot. */
  to: { ns: string; slot: number };
  /** Tag for the target VM's dir and -name (unique per migration of this VM). */
  tag: string;
  /** QEMU's max-bandwidth cap, bytes/s (default: none that matters, 100 GB/s: the WAN limits). */
  maxBandwidth?: number;
  /** QEMU's downtime-limit in ms (default 300, QEMU's own). */
  downtimeLimitMs?: number;
  timeoutMs?: number;
  bootTimeoutMs?: number;
  /** Called when `migrate` is issued (the peer starts timing from here). */
  onStart?: () => void;
  /** Each query-migrate answer while the migration runs (every 100 ms). */
  onProgress?: (p: MigrationProgress) => void;
}

/** Moves `vm` to `o.to`; on success vm.handle/vm.loc point at the target. Returns QEMU's figures. */
export async function migrateVm(vm: QemuNode, o: MigrateOptions): Promise<MigrationStats> {
  const src = vm.handle;
  const dstAddr = vmmAddress(o.to.slot);
  const dstSpec: VmSpec = {
    ...src.spec,
    name: `${src.spec.name.replace(/-m\d+$/, '')}-${o.tag}`,
    dir: join(src.spec.dir, '..', `${src.spec.hostname}-${o.tag}`),
    incoming: `tcp:${dstAddr}:${MIGRATION_PORT}`,
    agentHostPort: nextAgentPort(),
  };
  const dst = await startVm(dstSpec, o.to.ns, o.journal);
  const qs = await Qmp.connect(qmpSocket(src.spec.dir));
  const qd = await Qmp.connect(qmpSocket(dstSpec.dir));
  let done = false;
  try {
    await qs.execute('migrate-set-parameters', { 'max-bandwidth': o.maxBandwidth ?? 100e9, 'downtime-limit': o.downtimeLimitMs ?? 300 });
    o.onStart?.();
    await qs.execute('migrate', { uri: `tcp:${dstAddr}:${MIGRATION_PORT}` });
    const deadline = Date.now() + (o.timeoutMs ?? 600_000);
    let q: Record<string, unknown> = {};
    for (;;) {
      q = await qs.execute<Record<string, unknown>>('query-migrate');
      if (q.status === 'completed' || q.status === 'failed' || q.status === 'cancelled') break;
      o.onProgress?.(migrationProgress(q));
      if (Date.now() > deadline) {
        await qs.execute('migrate_cancel').catch(() => {});
        throw new Error(`migration of ${src.spec.hostname} not done after ${Math.round((o.timeoutMs ?? 600_000) / 1000)} s (status ${String(q.status)})`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    // QEMU 7.2 can answer 'completed' a moment before it has filled in the times (total-time and
    // downtime 0 seen here once in 12 migrations): ask again, briefly, until they are there.
    for (let i = 0; i < 20 && q.status === 'completed' && !(Number(q['total-time']) > 0 && Number(q.downtime) > 0); i++) {
      await new Promise((r) => setTimeout(r, 50));
      q = await qs.execute<Record<string, unknown>>('query-migrate');
    }
    const stats = migrationStats(q);
    if (stats.status !== 'completed') throw new Error(`migration of ${src.spec.hostname} ${stats.status}: ${stats.error}`);
    // The target runs the VM once the last pages arrived; wait for it to say so.
    for (let i = 0; i < 100; i++) {
      const st = await qd.execute<{ status: string }>('query-status');
      if (st.status === 'running') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await qs.execute('quit').catch(() => {}); // the socket closes as QEMU exits
    done = true;
    vm.handle = dst;
    vm.loc.ns = o.to.ns;
    vm.loc.port = dstSpec.agentHostPort;
    await removeVm({ ...src.spec, pid: src.pid, pidStart: src.pidStart });
    // Is the guest alive on the target? (Under TCG, QEMU 7.2 here, a guest writing memory during
    // the migration could panic on the target: its figures stand, the guest's state did not.)
    try {
      await waitAgent(dst, vm.exec, o.bootTimeoutMs ?? 60_000);
      return { ...stats, guestOk: true };
    } catch (e) {
      return { ...stats, guestOk: false, error: (e as Error).message };
    }
  } finally {
    qs.close();
    qd.close();
    if (!done) await removeVm({ ...dstSpec, pid: dst.pid, pidStart: dst.pidStart });
  }
}

/** Restarts a VM with other memory (fresh boot, same node identity and VMM namespace). */
export async function rebootWithMemory(vm: QemuNode, memMiB: number, journal: Journal, bootTimeoutMs = 180_000): Promise<number> {
  const old = vm.handle;
  await removeVm({ ...old.spec, pid: old.pid, pidStart: old.pidStart });
  const t0 = performance.now();
  const agentHostPort = nextAgentPort();
  vm.handle = await startVm({ ...old.spec, memMiB, incoming: undefined, agentHostPort }, vm.loc.ns, journal);
  vm.loc.port = agentHostPort;
  await waitAgent(vm.handle, vm.exec, bootTimeoutMs);
  return performance.now() - t0;
}
