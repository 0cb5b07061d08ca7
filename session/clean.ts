/**
 * `icbench clean`: removes what a run made, from its journal, also after kill -9. Idempotent,
 * and it touches only names written in journals (orphans matching the naming scheme are listed,
 * and removed only when asked for with --orphans).
 */
import { readdirSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Journal, journaledRuns, stateDir } from '../infra/journal.js';
import { teardownNamespaces } from '../infra/lab/teardown.js';
import { runIdOfNs, RUN_ID_RE } from '../infra/run-id.js';

/** Cleans one run; returns namespaces that could not be removed (journal kept then). */
export async function cleanRun(runId: string): Promise<string[]> {
  const j = new Journal(runId);
  const entries = j.entries();
  const ns = entries.flatMap((e) => (e.kind === 'netns' ? [e.name] : []));
  const left = await teardownNamespaces([...new Set(ns)]);
  if (left.length === 0) {
    for (const e of entries) if (e.kind === 'file') rmSync(e.path, { recursive: true, force: true });
    j.remove();
  }
  return left;
}

export function orphanNamespaces(): string[] {
  if (!existsSync('/run/netns')) return [];
  const known = new Set(journaledRuns());
  return readdirSync('/run/netns').filter((n) => { const id = runIdOfNs(n); return id !== null && !known.has(id); });
}

export async function clean(target: string | 'all', opts: { orphans?: boolean; log?: (s: string) => void } = {}): Promise<{ cleaned: string[]; left: string[]; orphansRemoved: number }> {
  const log = opts.log ?? (() => {});
  if (target !== 'all' && !RUN_ID_RE.test(target)) throw new Error(`clean: expected a run id like 20261122-034901-a1b2 or --all, got ${JSON.stringify(target)}`);
  const runs = target === 'all' ? journaledRuns() : [target];
  const cleaned: string[] = [], left: string[] = [];
  let orphansRemoved = 0;
  for (const r of runs) {
    if (target !== 'all' && !existsSync(join(stateDir(), `${r}.journal`))) { log(`${r}: no journal in ${stateDir()} (nothing to clean, or already clean)`); continue; }
    const l = await cleanRun(r);
    if (l.length) { left.push(...l); log(`${r}: could not remove ${l.join(', ')}`); } else { cleaned.push(r); log(`${r}: clean`); }
  }
  const orphans = orphanNamespaces().filter((n) => target === 'all' || runIdOfNs(n) === target);
  if (orphans.length && opts.orphans) {
    const l = await teardownNamespaces(orphans);
    left.push(...l);
    orphansRemoved = orphans.length - l.length;
    log(`removed ${orphansRemoved} orphan namespaces`);
  } else if (orphans.length) {
    log(`namespaces named like this harness's but in no journal (not touched; add --orphans to remove): ${orphans.join(', ')}`);
  }
  return { cleaned, left, orphansRemoved };
}
