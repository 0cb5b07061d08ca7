/**
 * Removing network namespaces (the lab's, a netem probe's, a stopped run's): first every process
 * inside them (iperf3, wanem, servers), then the namespaces themselves, which takes their links,
 * bridges and qdiscs with them. Idempotent: names that no longer exist are skipped. Only names
 * given by the caller are touched.
 */
import { existsSync, writeFileSync, mkdtempSync, rmSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './exec.js';

export function nsExists(ns: string): boolean {
  return existsSync(`/run/netns/${ns}`);
}

/**
 * Processes whose network namespace is one of `namespaces` (what `ip netns pids` does, for all of
 * them in one pass over /proc instead of one process per namespace).
 */
export function nsPids(namespaces: string[]): number[] {
  const inodes = new Set<number>();
  for (const ns of namespaces) {
    try {
      inodes.add(statSync(`/run/netns/${ns}`).ino);
    } catch {
      /* already gone */
    }
  }
  if (inodes.size === 0) return [];
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const m = /^net:\[(\d+)\]$/.exec(readlinkSync(`/proc/${d}/ns/net`));
      if (m && inodes.has(Number(m[1]))) pids.push(Number(d));
    } catch {
      /* exited meanwhile, or a kernel thread */
    }
  }
  return pids;
}

export async function killNsProcesses(namespaces: string[]): Promise<number> {
  let killed = 0;
  for (let round = 0; round < 20; round++) {
    const pids = nsPids(namespaces);
    if (pids.length === 0) return killed;
    for (const pid of pids) {
      try {
        process.kill(pid, round === 0 ? 'SIGTERM' : 'SIGKILL');
        killed++;
      } catch {
        /* already gone */
      }
    }
    await new Promise((r) => setTimeout(r, round === 0 ? 300 : 100));
  }
  return killed;
}

export async function deleteNamespaces(namespaces: string[]): Promise<string[]> {
  const present = namespaces.filter(nsExists);
  if (present.length === 0) return [];
  const dir = mkdtempSync(join(tmpdir(), 'icbench-del-'));
  try {
    const file = join(dir, 'del.batch');
    // Leaves first: nodes, then hosts, sites and the WAN namespace, so veth peers go away in order.
    writeFileSync(
      file,
      [...present]
        .reverse()
        .map((n) => `netns del ${n}`)
        .join('\n') + '\n',
    );
    await run(['ip', '-force', '-batch', file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return namespaces.filter(nsExists);
}

/** Processes first, then namespaces. Returns the names that could not be removed. */
export async function teardownNamespaces(namespaces: string[]): Promise<string[]> {
  await killNsProcesses(namespaces);
  return deleteNamespaces(namespaces);
}
