/**
 * `icbench clean`: removes what a run made, from its journal, also after kill -9: containers
 * first (their processes with them), then namespaces, then files. Idempotent (already gone =
 * removed), and it touches only names written in journals (orphans matching the naming scheme:
 * namespaces, Docker containers labelled icbench.run, LXC containers under a journal-less run's
 * lxcpath, are listed, and removed only when asked for with --orphans). The reusable node image
 * and rootfs skeleton are never removed.
 *
 * A run whose owning process still runs (its journaled pid exists and started at the journaled
 * time) is not touched by `clean <id>` (refused, unless force) nor by `clean --all` (skipped);
 * cleanRun(), used by the run's own teardown, removes unconditionally.
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cleanRemote } from '../infra/remote/provider.js';
import { Journal, journaledRuns, stateDir } from '../infra/journal.js';
import { teardownNamespaces } from '../infra/netns.js';
import { runIdOfNs, RUN_ID_RE } from '../infra/run-id.js';
import { removeContainers, type ContainerRef } from '../infra/virt/nodes.js';
import { listDocker } from '../infra/virt/docker.js';
import { ownerAlive, startedAt } from '../infra/process-owner.js';
import { removeQemuNodes } from '../infra/qemu/nodes.js';
import { listQemu } from '../infra/qemu/processes.js';
import { killJournaled } from '../infra/owned-process.js';

/** The live process that owns a run (from its journal's run entry), or null when none runs. */
export function liveOwner(runId: string): { pid: number; pidStart?: number } | null {
  const head = new Journal(runId).entries().find((e) => e.kind === 'run');
  if (head?.kind !== 'run' || head.pid === process.pid) return null;
  const owner = { pid: head.pid, pidStart: head.pidStart };
  return ownerAlive(owner) ? owner : null;
}

/** `clean <id>` on a run that is still running. */
export class RunIsLive extends Error {
  constructor(
    readonly runId: string,
    readonly pid: number,
    pidStart?: number,
  ) {
    super(`clean: run ${runId} is still running (pid ${pid}, started ${startedAt(pidStart)}); use --force to remove it anyway`);
    this.name = 'RunIsLive';
  }
}

/** Cleans one run; returns containers and namespaces that could not be removed (journal kept then). */
export async function cleanRun(runId: string, o: { remote?: boolean } = {}): Promise<string[]> {
  const j = new Journal(runId);
  const entries = j.entries();
  const remoteLeft: string[] = [];
  // Real hosts: each removes the run from its own journal (an unreachable host is reported and stays journaled).
  if (o.remote !== false) for (const e of entries) if (e.kind === 'remote') remoteLeft.push(...(await cleanRemote(runId, e.inventory)));
  // Processes this machine started (a nested Xen host's QEMU), by pid + start time.
  remoteLeft.push(...(await killJournaled(entries)));
  const containers = entries.flatMap((e): ContainerRef[] => (e.kind === 'lxc' || e.kind === 'docker' ? [e] : []));
  const ns = entries.flatMap((e) => (e.kind === 'netns' ? [e.name] : []));
  // VMs: the last entry of each (the one with pid and start time once QEMU ran).
  const vms = new Map<string, Extract<(typeof entries)[number], { kind: 'qemu' }>>();
  for (const e of entries) if (e.kind === 'qemu') vms.set(`${e.name}\0${e.dir}`, e);
  const left = await removeQemuNodes([...vms.values()]);
  left.push(...(await removeContainers(containers)));
  left.push(...(await teardownNamespaces([...new Set(ns)])), ...remoteLeft);
  if (left.length === 0) {
    for (const e of entries) if (e.kind === 'file') rmSync(e.path, { recursive: true, force: true });
    j.remove();
  }
  return left;
}

export function orphanNamespaces(): string[] {
  if (!existsSync('/run/netns')) return [];
  const known = new Set(journaledRuns());
  return readdirSync('/run/netns').filter((n) => {
    const id = runIdOfNs(n);
    return id !== null && !known.has(id);
  });
}

/** LXC containers under the lxcpath of a run that has no journal (<state>/<run>.d/lxc/<name>). */
export function orphanLxc(): (ContainerRef & { runId: string })[] {
  const dir = stateDir();
  if (!existsSync(dir)) return [];
  const known = new Set(journaledRuns());
  const out: (ContainerRef & { runId: string })[] = [];
  for (const d of readdirSync(dir)) {
    const runId = d.slice(0, -2);
    if (!d.endsWith('.d') || !RUN_ID_RE.test(runId) || known.has(runId)) continue;
    const lxcpath = join(dir, d, 'lxc');
    if (!existsSync(lxcpath)) continue;
    for (const name of readdirSync(lxcpath)) {
      if (runIdOfNs(name) === runId && statSync(join(lxcpath, name)).isDirectory()) out.push({ kind: 'lxc', name, lxcpath, runId });
    }
  }
  return out;
}

/** QEMU processes named for a run (-name icb-<run>-...) that has no journal. */
export function orphanQemu(): { name: string; pid: number; pidStart: number; runId: string }[] {
  const known = new Set(journaledRuns());
  return listQemu().filter((v) => !known.has(v.runId));
}

/**
 * Docker containers labelled with a run id that has no journal. `stopped`: not running, so no run
 * is using it: what a run cut short leaves when Docker outlives it (a reboot empties /run, where
 * journals are, and stops containers; a killed run whose journal was in another state dir).
 */
export async function orphanDocker(): Promise<(ContainerRef & { runId: string; stopped: boolean })[]> {
  const known = new Set(journaledRuns());
  return (await listDocker()).filter((c) => !known.has(c.runId)).map((c) => ({ kind: 'docker' as const, name: c.name, runId: c.runId, stopped: !c.running }));
}

/**
 * Cleans one run (by id) or all journaled runs. A live run throws RunIsLive for `clean <id>`
 * (unless force) and is skipped by --all (listed in `skipped`, logged).
 */
export async function clean(
  target: string | 'all',
  opts: { orphans?: boolean; force?: boolean; log?: (s: string) => void } = {},
): Promise<{ cleaned: string[]; left: string[]; orphansRemoved: number; skipped: string[] }> {
  const log = opts.log ?? (() => {});
  if (target !== 'all' && !RUN_ID_RE.test(target))
    throw new Error(`clean: expected a run id like 20261122-034901-a1b2 or --all, got ${JSON.stringify(target)}`);
  const runs = target === 'all' ? journaledRuns() : [target];
  const cleaned: string[] = [],
    left: string[] = [],
    skipped: string[] = [];
  let orphansRemoved = 0;
  for (const r of runs) {
    if (target !== 'all' && !existsSync(join(stateDir(), `${r}.journal`))) {
      log(`${r}: no journal in ${stateDir()} (nothing to clean, or already clean)`);
      continue;
    }
    const owner = opts.force ? null : liveOwner(r);
    if (owner && target !== 'all') throw new RunIsLive(r, owner.pid, owner.pidStart);
    if (owner) {
      skipped.push(r);
      log(`skipped live run ${r} (pid ${owner.pid})`);
      continue;
    }
    if (opts.force && liveOwner(r)) log(`${r}: still running, removing anyway (--force)`);
    const l = await cleanRun(r);
    if (l.length) {
      left.push(...l);
      log(`${r}: could not remove ${l.join(', ')}`);
    } else {
      cleaned.push(r);
      log(`${r}: clean`);
    }
  }
  const mine = (id: string) => target === 'all' || id === target;
  const docker = (await orphanDocker()).filter((c) => mine(c.runId));
  // Stopped and in no journal: left by a run cut short; removed without --orphans (nothing uses them).
  const stale = docker.filter((c) => c.stopped);
  if (stale.length) {
    const l = await removeContainers(stale);
    left.push(...l);
    orphansRemoved += stale.length - l.length;
    log(`removed ${stale.length - l.length} stopped Docker containers of runs with no journal (cut short): ${stale.map((c) => c.name).join(', ')}`);
  }
  const orphanCts = [...orphanLxc(), ...docker.filter((c) => !c.stopped)].filter((c) => mine(c.runId));
  const orphanVms = orphanQemu().filter((v) => mine(v.runId));
  if (orphanVms.length && opts.orphans) {
    const l = await removeQemuNodes(orphanVms.map((v) => ({ name: v.name, dir: '/nonexistent', pid: v.pid, pidStart: v.pidStart })));
    left.push(...l);
    orphansRemoved += orphanVms.length - l.length;
    log(`removed ${orphanVms.length - l.length} orphan QEMU VMs`);
  } else if (orphanVms.length) {
    log(`QEMU VMs of runs with no journal (not touched; add --orphans to remove): ${orphanVms.map((v) => `${v.name} (pid ${v.pid})`).join(', ')}`);
  }
  const orphans = orphanNamespaces().filter((n) => mine(runIdOfNs(n)!));
  if (orphanCts.length && opts.orphans) {
    const l = await removeContainers(orphanCts);
    left.push(...l);
    orphansRemoved += orphanCts.length - l.length;
    log(`removed ${orphanCts.length - l.length} orphan containers`);
  } else if (orphanCts.length) {
    log(`containers of runs with no journal (not touched; add --orphans to remove): ${orphanCts.map((c) => `${c.kind} ${c.name}`).join(', ')}`);
  }
  if (orphans.length && opts.orphans) {
    const l = await teardownNamespaces(orphans);
    left.push(...l);
    orphansRemoved += orphans.length - l.length;
    log(`removed ${orphans.length - l.length} orphan namespaces`);
  } else if (orphans.length) {
    log(`namespaces named like this harness's but in no journal (not touched; add --orphans to remove): ${orphans.join(', ')}`);
  }
  return { cleaned, left, orphansRemoved, skipped };
}
