/**
 * One way to open a run and bring a testbed up for it, shared by the session, the bench scripts
 * and the test helpers: a journal (the run and its work dir are recorded before anything is
 * created), a results store, the provider's testbed, and a RunContext for the runners.
 */
import { join } from 'node:path';
import { mkdirSync, rmSync } from 'node:fs';
import { workingNodes, type TestbedSpec } from '../infra/config.js';
import { Journal, stateDir } from '../infra/journal.js';
import { silentProgress, type Progress } from '../infra/progress.js';
import { newRunId } from '../infra/run-id.js';
import type { Provider, Testbed, TeardownReport } from '../infra/testbed.js';
import { ResultStore } from '../measurements/store.js';
import { checkResultsDir } from './results-dir.js';
import { pidStartTime } from '../infra/process-owner.js';
import type { RunContext } from '../runners/context.js';
import { tcpContext } from '../runners/tcp.js';
import { cleanRun } from './clean.js';

export interface OpenRun {
  runId: string;
  journal: Journal;
  workDir: string;
  store: ResultStore;
}

/**
 * Journals the run (pid and its start time, results dir, work dir) and opens its results store.
 * Creates no testbed resource; the results dir is checked first (ConfigError on --results).
 */
export function openRun(o: { scenario: string; resultsDir: string; runId?: string; storeId?: string }): OpenRun {
  const root = checkResultsDir(o.resultsDir, '--results');
  const runId = o.runId ?? newRunId();
  const journal = new Journal(runId);
  const workDir = join(stateDir(), `${runId}.d`);
  const store = new ResultStore(root, o.storeId ?? runId);
  journal.record(
    {
      kind: 'run',
      runId,
      scenario: o.scenario,
      resultsDir: store.dir,
      pid: process.pid,
      pidStart: pidStartTime(process.pid) ?? undefined,
      at: new Date().toISOString(),
    },
    { kind: 'file', path: workDir },
  );
  mkdirSync(workDir, { recursive: true, mode: 0o700 }); // postgres later opens it to traversal only (o+x)
  return { runId, journal, workDir, store };
}

export interface UpTestbed<T extends Testbed = Testbed> extends OpenRun {
  testbed: T;
  ctx: RunContext;
  /** Tears the testbed down and removes the run's journal and work dir when nothing is left. */
  down(progress?: Progress): Promise<TeardownReport>;
}

/**
 * Opens a run and brings `spec` up with `provider`; if stand-up fails, whatever it made is
 * removed from the journal before the error is thrown.
 */
export async function upTestbed<T extends Testbed>(
  spec: TestbedSpec,
  provider: Pick<Provider, 'name'> & { up(...a: Parameters<Provider['up']>): Promise<T> },
  o: { resultsDir: string; runId?: string; storeId?: string; progress?: Progress; signal?: AbortSignal; store?: ResultStore },
): Promise<UpTestbed<T>> {
  const run = openRun({ scenario: spec.scenario, resultsDir: o.resultsDir, runId: o.runId, storeId: o.storeId });
  const store = o.store ?? run.store;
  const progress = o.progress ?? silentProgress;
  let testbed: T;
  try {
    testbed = await provider.up(spec, { runId: run.runId, journal: run.journal, workDir: run.workDir, progress });
  } catch (e) {
    await cleanRun(run.runId);
    throw e;
  }
  const ctx: RunContext = {
    runId: run.runId,
    scenario: spec.scenario,
    store,
    progress,
    nodes: workingNodes(testbed.nodes),
    workDir: run.workDir,
    emulatorStats: testbed.wan ? () => testbed.wan!.stats() : undefined,
    emulatorFailure: testbed.wan ? () => testbed.wan!.failure() : undefined,
    signal: o.signal ?? new AbortController().signal,
    tcp: tcpContext(testbed.facts().tcp),
  };
  return {
    ...run,
    store,
    testbed,
    ctx,
    down: async (p = silentProgress) => {
      const report = await testbed.down(p);
      if (report.left.length === 0) {
        rmSync(run.workDir, { recursive: true, force: true });
        run.journal.remove();
      }
      return report;
    },
  };
}
