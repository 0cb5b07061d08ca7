/**
 * Live migration of a qemu node's VM between hosts (across the L2VPN when they are at two
 * sites), for several guest memory sizes, each migrated `repetitions` times back and forth.
 * Per size: the VM reboots with that memory, fills ~70% of it with non-zero data and keeps
 * dirtying pages at `dirtyMiBps` (icb-dirty, bounded in time); a peer node pings the VM's
 * address every 10 ms during each migration, and the longest gap between its replies is the
 * downtime the peer saw (the VM must answer at the same address afterwards).
 */
import { type Executor, killQuietly, run, start } from '../infra/exec.js';
import { activity, during } from '../infra/heartbeat.js';
import type { MigrationProgress, MigrationStats, Testbed, VmMigration } from '../infra/testbed.js';
import { ConfigError } from '../infra/units.js';
import { migrationSamples } from '../collectors/migration.js';
import { outage, pingReplies } from '../collectors/ping-gaps.js';
import { failed, toRow, type Measurement, type Sample } from '../measurements/measurement.js';
import { checkAbort, record, sampleContext, type BenchNode, type RunContext } from './context.js';
import { anyWanted, inCell, missingIfLost, type CellSpec } from './cells.js';
import { pathOf } from './pairs.js';

export interface VmMigrationOptions {
  /** The qemu node whose VM moves. */
  vm: string;
  /** The node that pings the VM during each migration. */
  peer: string;
  /** Host (name, e.g. b-h1) the VM moves to; it comes back on the next repetition. */
  to: string;
  memMiB: number[];
  repetitions?: number;
  /**
   * Guest memory dirtied per second during migration (default 0: filled once, then idle). Under
   * TCG (QEMU 7.2 here) a guest writing memory during migration lost writes and panicked on the
   * target; such rows are flagged guest-failed-after-migration.
   */
  dirtyMiBps?: number;
  /** Fraction of guest memory filled with non-zero data (default 0.7; ~25% must stay free). */
  fill?: number;
  pingIntervalS?: number;
  /** Per migration (default 600 s). */
  timeoutS?: number;
}

export interface ResolvedVmMigration extends Required<VmMigrationOptions> {}

export function resolveVmMigrationOptions(o: VmMigrationOptions, nodes: readonly { name: string; virt: string; host: string }[]): ResolvedVmMigration {
  const vm = nodes.find((n) => n.name === o.vm);
  if (!vm) throw new ConfigError('vmMigration.vm', `a node name (${nodes.map((n) => n.name).join(', ')})`, o.vm);
  if (vm.virt !== 'qemu') throw new ConfigError('vmMigration.vm', 'a node of virt qemu', `${o.vm} (${vm.virt})`);
  if (!nodes.some((n) => n.name === o.peer) || o.peer === o.vm) throw new ConfigError('vmMigration.peer', 'another node of the testbed', o.peer);
  if (!nodes.some((n) => n.host === o.to) || o.to === vm.host) throw new ConfigError('vmMigration.to', `a host other than the VM's (${vm.host})`, o.to);
  if (!Array.isArray(o.memMiB) || o.memMiB.length === 0 || o.memMiB.some((m) => !Number.isInteger(m) || m < 192 || m > 16384))
    throw new ConfigError('vmMigration.memMiB', 'one or more whole MiB sizes from 192 to 16384', o.memMiB);
  const reps = o.repetitions ?? 2;
  if (!Number.isInteger(reps) || reps < 1 || reps > 100) throw new ConfigError('vmMigration.repetitions', 'a whole number from 1 to 100', reps);
  const dirty = o.dirtyMiBps ?? 0;
  if (!(dirty >= 0 && dirty <= 4096)) throw new ConfigError('vmMigration.dirtyMiBps', 'MiB/s from 0 to 4096', dirty);
  const fill = o.fill ?? 0.7;
  if (!(fill > 0 && fill <= 0.75)) throw new ConfigError('vmMigration.fill', 'a fraction above 0 and at most 0.75 (the guest needs ~25% free)', fill);
  const interval = o.pingIntervalS ?? 0.01;
  if (!(interval >= 0.002 && interval <= 1)) throw new ConfigError('vmMigration.pingIntervalS', 'seconds from 0.002 to 1', interval);
  const timeoutS = o.timeoutS ?? 600;
  if (!(timeoutS >= 10 && timeoutS <= 3600)) throw new ConfigError('vmMigration.timeoutS', 'seconds from 10 to 3600', timeoutS);
  return { vm: o.vm, peer: o.peer, to: o.to, memMiB: o.memMiB, repetitions: reps, dirtyMiBps: dirty, fill, pingIntervalS: interval, timeoutS };
}

/** The testbed's live migration, or an error saying that it has none (before anything is created). */
export function migrationOf(testbed: Testbed): VmMigration {
  const m = testbed.capabilities.migrate;
  if (!m) throw new Error(`vm-migration: this testbed (${testbed.facts().testbed}) cannot migrate VMs (the local lab's qemu nodes can)`);
  return m;
}

export async function runVmMigration(ctx: RunContext, testbed: Testbed, o: VmMigrationOptions): Promise<Measurement[]> {
  const r = resolveVmMigrationOptions(o, ctx.nodes);
  const mig = migrationOf(testbed);
  const vmNode = ctx.nodes.find((n) => n.name === r.vm)!;
  const peer = ctx.nodes.find((n) => n.name === r.peer)!;
  const siteOf = (host: string) => ctx.nodes.find((n) => n.host === host)!.site;
  const homeHost = vmNode.host;
  const wanOf = (a: string, b: string) => (a === b ? undefined : testbed.wan?.profiles().find((w) => (w.a === a && w.b === b) || (w.a === b && w.b === a)));
  const rows: Measurement[] = [];
  let n = 0;
  for (const mem of r.memMiB) {
    checkAbort(ctx);
    const specs = Array.from({ length: r.repetitions }, (_, k) => migrationCell(r, vmNode, peer, mem, k + 1));
    // Every migration of this size is done already (a fill), or the VM or its peer is lost: no boot.
    const gone = () => ctx.cells?.isLost(vmNode.name) ?? ctx.cells?.isLost(peer.name);
    if (!anyWanted(ctx, specs) || gone()) {
      for (const c of specs) missingIfLost(ctx, c, [vmNode, peer]);
      continue;
    }
    ctx.progress.info(`vm-migration: ${r.vm} with ${mem} MiB`);
    // A fresh VM of this size at home (the lab booted it with the lab's default memory).
    const boot = () => during(ctx.progress, `booting ${r.vm} with ${mem} MiB`, () => mig.restart(r.vm, mem));
    const fillMiB = Math.max(16, Math.floor(mem * r.fill) - 32);
    const dirtSecs = Math.min(1800, r.repetitions * r.timeoutS);
    const dirty = () =>
      during(ctx.progress, `filling ${fillMiB} MiB of ${r.vm}'s memory (its dirtying load)`, () => startDirtier(vmNode.exec, fillMiB, r.dirtyMiBps, dirtSecs));
    /** Boots (when asked) and fills; false when the VM's node is found gone meanwhile (its cells are then missing). */
    const prepare = async (reboot: boolean): Promise<boolean | 'gone'> => {
      try {
        if (reboot) await boot();
        return await dirty();
      } catch (e) {
        if (ctx.cells && !ctx.signal.aborted && (await ctx.cells.check(vmNode))) return 'gone';
        throw e;
      }
    };
    let ready = await prepare(mig.hostOf(r.vm) !== homeHost || mig.memMiB(r.vm) !== mem || n > 0);
    for (let rep = 1; rep <= r.repetitions; rep++) {
      checkAbort(ctx);
      if (ready === 'gone') {
        missingIfLost(ctx, specs[rep - 1], [vmNode]);
        continue;
      }
      let guestOk = true;
      const loadProblem = ready ? null : 'memory-dirtying load did not start';
      // One cell per migration: not run when the VM or its peer is lost (written missing) or a fill has it ok already.
      const got = await inCell(ctx, specs[rep - 1], async (cctx) => {
        const fromHost = mig.hostOf(r.vm);
        const toHost = fromHost === homeHost ? r.to : homeHost;
        const from = { host: fromHost, site: siteOf(fromHost) },
          to = { host: toHost, site: siteOf(toHost) };
        const pair = {
          src: { ...vmNode, site: from.site, host: from.host } as BenchNode,
          dst: { ...vmNode, site: to.site, host: to.host } as BenchNode,
          path: from.site === to.site ? ('intra-site' as const) : ('inter-site' as const),
        };
        const sctx = sampleContext(cctx, 'vm-migration', pair, rep, new Date());
        const wan = wanOf(from.site, to.site);
        sctx.params = {
          mem_mib: mem,
          fill_mib: fillMiB,
          dirty_mibps: r.dirtyMiBps,
          from_host: from.host,
          to_host: to.host,
          ...(wan ? { wan_rate_mbps: wan.rateBps / 1e6, rtt_ms: wan.rttMs } : {}),
        };
        const one = await oneMigration(cctx, mig, peer, vmNode.address, to.host, r, loadProblem, `m${++n}`, wan?.rateBps ?? null);
        guestOk = one.guestOk;
        return record(
          cctx,
          one.samples.map((s) => toRow(sctx, s)),
        );
      });
      if (got) rows.push(...got);
      if (ctx.cells?.isLost(vmNode.name)) ready = 'gone';
      else if (!guestOk && rep < r.repetitions) {
        // The guest died on the target, or the migration failed (and may have taken the VM with it): a
        // fresh one at home for the next repetition; a VM that cannot be booted again is lost.
        ready = await prepare(true);
      }
    }
  }
  return rows;
}

/**
 * The cell of one migration: the VM and the peer that watches it (its key's source and
 * destination), the repetition (odd: out to `to`, even: back home) and the guest memory. No spare
 * stands in: the VM is what moves, and its peer's view is part of the measurement. Only the peer is
 * probed after a failed migration: the runner boots the VM again after a failure (as it does after
 * a guest that died on the target), and the VM is lost only when that boot fails.
 */
export const migrationCell = (r: Pick<ResolvedVmMigration, 'to'>, vm: BenchNode, peer: BenchNode, mem: number, rep: number): CellSpec => ({
  benchmark: 'vm-migration',
  pair: { src: vm, dst: peer, path: pathOf(vm, peer) },
  repetition: rep,
  params: { mem_mib: mem, to_host: r.to },
  standIn: false,
  probe: [peer],
});

/** Starts icb-dirty in the guest, detached from the command channel (a migration cuts it); waits until memory is filled. */
async function startDirtier(exec: Executor, fillMiB: number, rate: number, secs: number): Promise<boolean> {
  const script = `killall icb-dirty 2>/dev/null; rm -f /tmp/dirty.out; setsid icb-dirty ${fillMiB} ${rate} ${Math.round(secs)} > /tmp/dirty.out 2>&1 < /dev/null &`;
  await run(exec.wrap(['sh', '-c', script]), { timeoutMs: 30_000 });
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    const r = await run(exec.wrap(['cat', '/tmp/dirty.out']), { timeoutMs: 30_000 });
    if (r.stdout.includes('ready')) return true;
    if (/icb-dirty:/.test(r.stdout)) return false;
    await new Promise((res) => setTimeout(res, 500));
  }
  return false;
}

/** Longest wait for the VM's first reply to the peer after QEMU reports the migration done. */
const AFTER_MOVE_WAIT_MS = 15_000;

async function oneMigration(
  ctx: RunContext,
  mig: VmMigration,
  peer: BenchNode,
  address: string,
  toHost: string,
  r: ResolvedVmMigration,
  loadProblem: string | null,
  tag: string,
  wanRateBps: number | null,
): Promise<{ samples: Sample[]; guestOk: boolean }> {
  const maxS = r.timeoutS + 30;
  const ping = start(peer.exec.wrap(['ping', '-n', '-D', '-i', String(r.pingIntervalS), '-W', '1', '-w', String(maxS), address]));
  let seen = '';
  ping.stdout.on('data', (d: Buffer) => {
    seen += d.toString();
  });
  let stats: MigrationStats;
  let t0 = 0;
  // query-migrate's figures while it runs are the detail of the "still ..." lines.
  const act = activity(ctx.progress, `migrating ${r.vm} to ${toHost} (${tag})`);
  const mib = (b: number) => (b / 2 ** 20).toFixed(0);
  const onProgress = (p: MigrationProgress) =>
    act.detail(`${p.status}: ${mib(p.transferredBytes)} MiB sent, ${mib(p.remainingBytes)} of ${mib(p.ramTotalBytes)} MiB left, pass ${p.dirtySyncCount}`);
  try {
    await new Promise((res) => setTimeout(res, 500)); // replies before the move
    stats = await mig.move(r.vm, toHost, { tag, timeoutMs: r.timeoutS * 1000, onStart: () => (t0 = Date.now() / 1000), onProgress });
  } catch (e) {
    act.end();
    await killQuietly(ping, 'SIGTERM');
    const out = await ping.catch((err) => err);
    ctx.store.raw(`vm-migration/${tag}-ping.txt`, `${String(out?.stdout ?? '')}${String(out?.stderr ?? '')}`);
    const why = (e as Error).message;
    return { samples: [failed('migration_time', 's', why), failed('downtime', 'ms', why), failed('downtime_peer', 'ms', why)], guestOk: false };
  }
  const t1 = Date.now() / 1000;
  // Replies after the move, at the same address: wait for the first (a guest under TCG can take
  // seconds to run again and announce itself), then one more second; bounded.
  act.detail(`migrated in ${(stats.totalMs / 1000).toFixed(1)} s; waiting for the VM's first ping reply on the target`);
  const until = Date.now() + AFTER_MOVE_WAIT_MS;
  while (Date.now() < until && !pingReplies(seen).some((p) => p.at > t1)) await new Promise((res) => setTimeout(res, 100));
  await new Promise((res) => setTimeout(res, 1000));
  act.end();
  await killQuietly(ping, 'SIGINT');
  const out = await ping.catch((e) => e);
  const text = String(out?.stdout ?? '');
  ctx.store.raw(`vm-migration/${tag}-ping.txt`, text + String(out?.stderr ?? ''));
  const replies = pingReplies(text);
  const o = outage(replies, t0, t1);
  if (stats.guestOk === false) ctx.progress.warn(`vm-migration ${tag}: the guest did not answer on the target: ${stats.error}`);
  const samples = migrationSamples(
    stats,
    replies.length ? { longestGapMs: o.longestGapMs, repliesAfter: o.repliesAfter, intervalS: r.pingIntervalS } : 'no ping reply at all from the VM',
    wanRateBps,
  );
  for (const s of samples) {
    if (loadProblem) s.flags = [...(s.flags ?? []), 'no-dirty-load'];
    if (stats.guestOk === false) s.flags = [...(s.flags ?? []), 'guest-failed-after-migration'];
  }
  return { samples, guestOk: stats.guestOk !== false };
}
