/**
 * A real lab for a test suite: a state dir of its own (set per suite, since uvu imports every
 * test file before running any), a journaled lab, a RunContext with a ResultStore, and a down()
 * that tears it all down and cleans the journal.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'uvu';
import { resolveConfig, type ScenarioInput } from '../../infra/config.js';
import type { Lab } from '../../infra/lab/lab.js';
import { labProvider } from '../../infra/lab/provider.js';
import { upTestbed } from '../../session/run-setup.js';
import type { RunContext } from '../../runners/context.js';
import { cleanRun } from '../../session/clean.js';

/** A fresh state dir that becomes ICBENCH_STATE_DIR while this suite runs (mode 0711 lets postgres reach below it). */
export function useStateDir(suite: Test, mode = 0o700): string {
  const dir = mkdtempSync(join(tmpdir(), 'icb-state-'));
  chmodSync(dir, mode);
  suite.before(() => {
    process.env.ICBENCH_STATE_DIR = dir;
  });
  return dir;
}

export interface TestLab {
  runId: string;
  lab: Lab;
  ctx: RunContext;
  workDir: string;
  results: string;
  down(): Promise<void>;
}

/** A real lab through the lab provider, as the session brings it up (journaled; wanem for the WAN). */
export async function upTestLab(input: ScenarioInput, stateDir: string, signal = new AbortController().signal): Promise<TestLab> {
  process.env.ICBENCH_STATE_DIR = stateDir;
  const results = mkdtempSync(join(tmpdir(), 'icb-results-'));
  const up = await upTestbed(resolveConfig(input), labProvider({ wanMode: 'wanem' }), { resultsDir: results, signal });
  return {
    runId: up.runId,
    lab: up.testbed,
    ctx: up.ctx,
    workDir: up.workDir,
    results,
    down: async () => {
      await up.down();
      await cleanRun(up.runId);
      rmSync(results, { recursive: true, force: true });
    },
  };
}
