/**
 * `icbench clean`: removes what a run made, from its journal, also after kill -9: each provider
 * of the registry (infra/providers.ts) removes the journal entries it owns (the lab: processes,
 * VMs, containers, namespaces; ssh: the run on every host of its inventory), then the run's own
 * files go. Idempotent (already gone = removed), and it touches only names written in journals;
 * orphans (resources named like a run that has no journal) are found by the providers that can,
 * listed, and removed only when asked for with --orphans.
 *
 * A run whose owning process still runs (its journaled pid exists and started at the journaled
 * time) is not touched by `clean <id>` (refused, unless force) nor by `clean --all` (skipped);
 * cleanRun(), used by the run's own teardown, removes unconditionally. `clean <id> --forget-host H`
 * then drops hosts gone for good from the journal, on the record (session/forget-host.ts).
 *
 * What a provider keeps on purpose (real hosts' shipped cache, reused by later runs) is not a
 * leftover: the run is clean, the kept entries go to <run>.kept (`icbench list` shows them) and
 * `clean <id> --purge-cache` removes them from the hosts.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Journal, journaledRuns, keptPath, keptRuns, readKept, stateDir, writeKept } from '../infra/journal.js';
import { cleanEntries, cleanOrphans } from '../infra/providers.js';
import { RUN_ID_RE } from '../infra/run-id.js';
import { ownerAlive, startedAt } from '../infra/process-owner.js';
import type { Leftover } from '../infra/testbed.js';
import { finalizeKilledRun } from './finalize-killed.js';
import { checkForgetHosts, type ForgottenHost, forgetHosts } from './forget-host.js';

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
    hint = 'use --force to remove it anyway',
  ) {
    super(`clean: run ${runId} is still running (pid ${pid}, started ${startedAt(pidStart)}); ${hint}`);
    this.name = 'RunIsLive';
  }
}

/**
 * Cleans one run; returns what could not be removed (the journal is kept then). `afterDown`: the
 * run's own testbed went down with nothing left (providers may skip reaching its hosts again).
 */
export async function cleanRun(runId: string, o: { afterDown?: boolean; log?: (s: string) => void } = {}): Promise<string[]> {
  const r = await cleanAndForget(runId, o);
  for (const k of r.kept) o.log?.(k.what);
  return r.left.map((l) => l.what);
}

/** cleanRun(), then forgets the hosts named in `forget` that it could not reach (forget-host.ts). */
async function cleanAndForget(
  runId: string,
  o: { afterDown?: boolean; forget?: string[]; log?: (s: string) => void; purgeCache?: boolean },
): Promise<{ left: Leftover[]; forgotten: ForgottenHost[]; kept: Leftover[] }> {
  const j = new Journal(runId);
  const entries = j.entries();
  // --purge-cache: what an earlier clean kept on purpose (the shipped caches) goes too.
  const kept0 = o.purgeCache ? readKept(runId) : [];
  const all = await cleanEntries(runId, [...entries, ...kept0], { afterDown: o.afterDown, purgeCache: o.purgeCache });
  // Kept on purpose (a cache later runs reuse) is not a leftover: the journal goes, the entry is kept on record.
  const kept = all.filter((l) => l.kept);
  let left = all.filter((l) => !l.kept);
  let forgotten: ForgottenHost[] = [];
  if (o.forget?.length) ({ left, forgotten } = await forgetHosts(j, left, o.forget, o.log ?? (() => {})));
  if (left.length === 0) {
    for (const e of entries) if (e.kind === 'file') rmSync(e.path, { recursive: true, force: true });
    writeKept(runId, [...(o.purgeCache ? [] : readKept(runId)), ...kept.flatMap((k) => (k.kept ? [k.kept] : []))]);
    j.remove();
  }
  return { left, forgotten, kept };
}

/**
 * Cleans one run (by id) or all journaled runs. A live run throws RunIsLive for `clean <id>`
 * (unless force) and is skipped by --all (listed in `skipped`, logged). `forgetHosts` (one run
 * only): hosts of its journal to forget if this clean cannot clear them (UnknownForgetHost for a
 * name its journal does not hold; RunIsLive for a live run, even with force: its journal is still
 * being written).
 */
export async function clean(
  target: string | 'all',
  opts: { orphans?: boolean; force?: boolean; forgetHosts?: string[]; purgeCache?: boolean; log?: (s: string) => void } = {},
): Promise<{ cleaned: string[]; left: string[]; orphansRemoved: number; skipped: string[]; forgotten: ForgottenHost[]; kept: string[] }> {
  const log = opts.log ?? (() => {});
  if (target !== 'all' && !RUN_ID_RE.test(target))
    throw new Error(`clean: expected a run id like 20261122-034901-a1b2 or --all, got ${JSON.stringify(target)}`);
  const forget = opts.forgetHosts ?? [];
  if (forget.length && target === 'all') throw new Error('clean: --forget-host needs one run id, not --all');
  const purgeCache = opts.purgeCache === true;
  // --purge-cache: runs whose journal is gone but whose shipped cache was kept count too.
  const runs = target === 'all' ? [...new Set([...journaledRuns(), ...(purgeCache ? keptRuns() : [])])].sort() : [target];
  const cleaned: string[] = [],
    left: string[] = [],
    skipped: string[] = [],
    kept: string[] = [],
    forgotten: ForgottenHost[] = [];
  let orphansRemoved = 0;
  for (const r of runs) {
    if (!existsSync(join(stateDir(), `${r}.journal`))) {
      if (purgeCache && existsSync(keptPath(r))) {
        // Only the cache an earlier clean kept: purge it from the hosts.
        const c = await cleanAndForget(r, { purgeCache, log });
        const l = c.left.map((x) => x.what);
        left.push(...l);
        if (l.length) log(`${r}: could not purge ${l.join(', ')}`);
        else {
          cleaned.push(r);
          log(`${r}: shipped cache purged`);
        }
      } else if (target !== 'all') log(`${r}: no journal in ${stateDir()} (nothing to clean, or already clean)`);
      continue;
    }
    if (forget.length) {
      await checkForgetHosts(r, new Journal(r).entries(), forget);
      const live = liveOwner(r);
      if (live) throw new RunIsLive(r, live.pid, live.pidStart, 'stop it first: --forget-host does not rewrite the journal of a run that still writes it');
    }
    const owner = opts.force ? null : liveOwner(r);
    if (owner && target !== 'all') throw new RunIsLive(r, owner.pid, owner.pidStart);
    if (owner) {
      skipped.push(r);
      log(`skipped live run ${r} (pid ${owner.pid})`);
      continue;
    }
    if (opts.force && liveOwner(r)) log(`${r}: still running, removing anyway (--force)`);
    const head = new Journal(r).entries().find((e) => e.kind === 'run');
    const ownerGone = head?.kind === 'run' && head.pid !== process.pid && !ownerAlive({ pid: head.pid, pidStart: head.pidStart });
    const c = await cleanAndForget(r, { forget, log, purgeCache });
    forgotten.push(...c.forgotten);
    kept.push(...c.kept.map((k) => k.what));
    const l = c.left.map((x) => x.what);
    if (l.length) {
      left.push(...l);
      log(`${r}: could not remove ${l.join(', ')}`);
    } else {
      cleaned.push(r);
      // The owner is gone: a run.json still saying `running` is finalized.
      const finalized = ownerGone && head?.kind === 'run' && finalizeKilledRun(head);
      log(`${r}: clean${finalized ? ` (run.json: interrupted, its process ${head.pid} was gone)` : ''}${purgeCache ? ', shipped cache purged' : ''}`);
      for (const k of c.kept) log(`${r}: ${k.what}`);
    }
  }
  const mine = (id: string) => target === 'all' || id === target;
  const orphans = await cleanOrphans({ mine, remove: opts.orphans === true, log });
  left.push(...orphans.left);
  orphansRemoved += orphans.removed;
  return { cleaned, left, orphansRemoved, skipped, forgotten, kept };
}
