/**
 * `clean` of the local lab: what a run made on this machine, from its journal entries, also after
 * kill -9: processes it started (by pid + start time), VMs, containers (their processes with them),
 * then namespaces. Idempotent (already gone = removed); only names written in journals are touched.
 * Orphans (resources named for a run that has no journal: namespaces, Docker containers labelled
 * icbench.run, LXC containers under a journal-less run's lxcpath, QEMU processes) are listed, and
 * removed only when asked for; stopped Docker containers of such runs are removed without asking
 * (nothing uses them). The reusable node image and rootfs skeleton are never removed.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { knownRuns, stateDir, type JournalEntry } from '../journal.js';
import { teardownNamespaces } from '../netns.js';
import { killJournaled } from '../owned-process.js';
import { removeQemuNodes } from '../qemu/nodes.js';
import { listQemu } from '../qemu/processes.js';
import { runIdOfNs, RUN_ID_RE } from '../run-id.js';
import type { Orphans } from '../testbed.js';
import { listDocker } from '../virt/docker.js';
import { removeContainers, type ContainerRef } from '../virt/nodes.js';

/** Removes what one run's lab entries stand for; returns what could not be removed. */
export async function cleanLabEntries(entries: JournalEntry[]): Promise<string[]> {
  // Processes this machine started (a nested Xen host's QEMU), by pid + start time.
  const processLeft = await killJournaled(entries);
  const containers = entries.flatMap((e): ContainerRef[] => (e.kind === 'lxc' || e.kind === 'docker' ? [e] : []));
  const ns = entries.flatMap((e) => (e.kind === 'netns' ? [e.name] : []));
  // VMs: the last entry of each (the one with pid and start time once QEMU ran).
  const vms = new Map<string, Extract<JournalEntry, { kind: 'qemu' }>>();
  for (const e of entries) if (e.kind === 'qemu') vms.set(`${e.name}\0${e.dir}`, e);
  const left = await removeQemuNodes([...vms.values()]);
  left.push(...(await removeContainers(containers)));
  left.push(...(await teardownNamespaces([...new Set(ns)])), ...processLeft);
  return left;
}

export function orphanNamespaces(): string[] {
  if (!existsSync('/run/netns')) return [];
  const known = knownRuns();
  return readdirSync('/run/netns').filter((n) => {
    const id = runIdOfNs(n);
    return id !== null && !known.has(id);
  });
}

/** LXC containers under the lxcpath of a run that has no journal (<state>/<run>.d/lxc/<name>). */
export function orphanLxc(): (ContainerRef & { runId: string })[] {
  const dir = stateDir();
  if (!existsSync(dir)) return [];
  const known = knownRuns();
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
  const known = knownRuns();
  return listQemu().filter((v) => !known.has(v.runId));
}

/**
 * Docker containers labelled with a run id that has no journal. `stopped`: not running, so no run
 * is using it: what a run cut short leaves when Docker outlives it (a reboot empties /run, where
 * journals are, and stops containers; a killed run whose journal was in another state dir).
 */
export async function orphanDocker(): Promise<(ContainerRef & { runId: string; stopped: boolean })[]> {
  const known = knownRuns();
  // Only containers named as this harness names them for the run on their label (icb-<run id>-<node>):
  // another container that merely carries an icbench.run label is not ours to remove.
  return (await listDocker())
    .filter((c) => RUN_ID_RE.test(c.runId) && runIdOfNs(c.name) === c.runId && !known.has(c.runId))
    .map((c) => ({ kind: 'docker' as const, name: c.name, runId: c.runId, stopped: !c.running }));
}

export const labOrphans: Orphans = {
  summary: async () => {
    const orphans = orphanNamespaces();
    return orphans.length ? [`orphan namespaces (no journal): ${orphans.length}; icbench clean --all --orphans`] : [];
  },
  clean: async ({ mine, remove, log }) => {
    const left: string[] = [];
    let removed = 0;
    const docker = (await orphanDocker()).filter((c) => mine(c.runId));
    // Stopped and in no journal: left by a run cut short; removed without --orphans (nothing uses them).
    const stale = docker.filter((c) => c.stopped);
    if (stale.length) {
      const l = await removeContainers(stale);
      left.push(...l);
      removed += stale.length - l.length;
      log(`removed ${stale.length - l.length} stopped Docker containers of runs with no journal (cut short): ${stale.map((c) => c.name).join(', ')}`);
    }
    const orphanCts = [...orphanLxc(), ...docker.filter((c) => !c.stopped)].filter((c) => mine(c.runId));
    const orphanVms = orphanQemu().filter((v) => mine(v.runId));
    if (orphanVms.length && remove) {
      const l = await removeQemuNodes(orphanVms.map((v) => ({ name: v.name, dir: '/nonexistent', pid: v.pid, pidStart: v.pidStart })));
      left.push(...l);
      removed += orphanVms.length - l.length;
      log(`removed ${orphanVms.length - l.length} orphan QEMU VMs`);
    } else if (orphanVms.length) {
      log(`QEMU VMs of runs with no journal (not touched; add --orphans to remove): ${orphanVms.map((v) => `${v.name} (pid ${v.pid})`).join(', ')}`);
    }
    const orphans = orphanNamespaces().filter((n) => mine(runIdOfNs(n)!));
    if (orphanCts.length && remove) {
      const l = await removeContainers(orphanCts);
      left.push(...l);
      removed += orphanCts.length - l.length;
      log(`removed ${orphanCts.length - l.length} orphan containers`);
    } else if (orphanCts.length) {
      log(`containers of runs with no journal (not touched; add --orphans to remove): ${orphanCts.map((c) => `${c.kind} ${c.name}`).join(', ')}`);
    }
    if (orphans.length && remove) {
      const l = await teardownNamespaces(orphans);
      left.push(...l);
      removed += orphans.length - l.length;
      log(`removed ${orphans.length - l.length} orphan namespaces`);
    } else if (orphans.length) {
      log(`namespaces named like this harness's but in no journal (not touched; add --orphans to remove): ${orphans.join(', ')}`);
    }
    return { left, removed };
  },
};
