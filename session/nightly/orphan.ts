/**
 * A run left behind by a daemon that died (kill -9, crash) during it: the scenario runs in its own
 * process group, so it may outlive the daemon, no longer under a deadline. The next daemon (or
 * `--once`) finds it in the state file (outcome `running`) and ends it as the deadline would:
 * SIGINT to its process (from the run's journal, pid + start time), SIGKILL to its group after
 * the entry's stop_grace, clean by journal, run.json noted `interrupted` and the report written.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Journal, stateDir } from '../../infra/journal.js';
import { ownerAlive } from '../../infra/process-owner.js';
import type { RunMeta } from '../../measurements/run-meta.js';
import { writeRunReport } from '../../benchmarks/reports.js';
import { cleanRun } from '../clean.js';
import { writeFileAtomic } from '../../base/atomic-file.js';
import type { Outcome } from './state.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Ends and cleans an orphaned run; returns the outcome to record for its slot. */
export async function recoverOrphan(runDir: string, runId: string, stopGraceMs: number, log: (m: string) => void): Promise<Outcome> {
  const head = existsSync(join(stateDir(), `${runId}.journal`)) ? new Journal(runId).entries().find((e) => e.kind === 'run') : undefined;
  let signalled = false;
  if (head?.kind === 'run' && ownerAlive(head)) {
    signalled = true;
    log(`run ${runId} of the previous daemon still runs (pid ${head.pid}) without its deadline: SIGINT`);
    try {
      process.kill(head.pid, 'SIGINT');
    } catch {
      /* gone meanwhile */
    }
    const until = Date.now() + stopGraceMs;
    while (ownerAlive(head) && Date.now() < until) await sleep(250);
    if (ownerAlive(head)) {
      log(`run ${runId} still running after ${stopGraceMs / 1000} s: SIGKILL to its process group`);
      try {
        process.kill(-head.pid, 'SIGKILL');
      } catch {
        /* gone meanwhile */
      }
      while (ownerAlive(head)) await sleep(100);
    }
  }
  if (existsSync(join(stateDir(), `${runId}.journal`))) {
    const left = await cleanRun(runId);
    log(left.length ? `run ${runId}: clean left ${left.join(', ')}` : `run ${runId}: cleaned what it left (journal)`);
  }
  let meta: RunMeta | null = null;
  try {
    meta = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunMeta;
  } catch {
    return 'failed'; // it never wrote run.json: nothing to report
  }
  if (meta.status !== 'running' && !signalled) return meta.status; // it finished on its own
  meta.failures.push({
    stage: 'nightly',
    what: 'daemon',
    error: 'the nightly daemon that started this run died during it; ended and cleaned by the next daemon',
  });
  if (meta.status === 'running' || meta.status === 'ok' || meta.status === 'degraded') meta.status = 'interrupted';
  meta.ended_at ??= new Date().toISOString();
  writeFileAtomic(join(runDir, 'run.json'), `${JSON.stringify(meta, null, 2)}\n`);
  try {
    await writeRunReport(runDir);
  } catch (e) {
    log(`run ${runId}: report not written: ${(e as Error).message}`);
  }
  return 'interrupted';
}
