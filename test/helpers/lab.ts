/**
 * A real lab for a test suite: a state dir of its own (set per suite, since uvu imports every
 * test file before running any), a journaled lab, a RunContext with a ResultStore, and a down()
 * that tears it all down and cleans the journal.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'uvu';
import { ResultStore } from '../../collectors/store.js';
import { resolveConfig, type ScenarioInput } from '../../infra/config.js';
import { Journal } from '../../infra/journal.js';
import { Lab } from '../../infra/lab/lab.js';
import { silentProgress } from '../../infra/progress.js';
import { newRunId } from '../../infra/run-id.js';
import type { RunContext } from '../../runners/context.js';
import { cleanRun } from '../../session/clean.js';

/** A fresh state dir that becomes ICBENCH_STATE_DIR while this suite runs (mode 0711 lets postgres reach below it). */
export function useStateDir(suite: Test, mode = 0o700): string {
  const dir = mkdtempSync(join(tmpdir(), 'icb-state-'));
  chmodSync(dir, mode);
  suite.before(() => { process.env.ICBENCH_STATE_DIR = dir; });
  return dir;
}

export interface TestLab { runId: string; lab: Lab; ctx: RunContext; workDir: string; results: string; down(): Promise<void> }

export async function upTestLab(input: ScenarioInput, stateDir: string, signal = new AbortController().signal): Promise<TestLab> {
  const spec = resolveConfig(input);
  const runId = newRunId();
  const journal = new Journal(runId, stateDir);
  const workDir = join(stateDir, `${runId}.d`);
  journal.record({ kind: 'file', path: workDir });
  const results = mkdtempSync(join(tmpdir(), 'icb-results-'));
  const lab = await Lab.up(spec, { runId, journal, workDir, wanMode: 'wanem' });
  const ctx: RunContext = { runId, scenario: spec.scenario, store: new ResultStore(results, runId), progress: silentProgress, nodes: lab.nodes, workDir, signal };
  return {
    runId, lab, ctx, workDir, results,
    down: async () => {
      await lab.down();
      await cleanRun(runId);
      rmSync(results, { recursive: true, force: true });
    },
  };
}
