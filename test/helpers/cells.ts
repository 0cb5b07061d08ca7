/**
 * The bench of the cells tests (cells.test.ts, cell-spares.test.ts): a result store in a temporary
 * folder, a Cells book over it and the RunContext that carries it, and a ping sample whose outcome
 * the test chooses.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cells, type CellsOptions } from '../../runners/cell-book.js';
import { record, sampleContext, type BenchNode, type RunContext } from '../../runners/context.js';
import { failed, toRow, type Measurement } from '../../measurements/measurement.js';
import { ResultStore } from '../../measurements/store.js';
import { silentProgress } from '../../infra/progress.js';
import { pathOf, type Pair } from '../../runners/pairs.js';

export function cellsBench(o: Omit<CellsOptions, 'runDir'>, prefix = 'icb-cells-') {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const store = new ResultStore(root, 'run1');
  const cells = new Cells({ ...o, runDir: store.dir });
  const ctx: RunContext = {
    runId: 'run1',
    scenario: 't',
    store,
    progress: silentProgress,
    nodes: [],
    workDir: root,
    signal: new AbortController().signal,
    cells,
  };
  return { root, store, cells, ctx };
}

export const pairOf = (src: BenchNode, dst: BenchNode): Pair<BenchNode> => ({ src, dst, path: pathOf(src, dst) });

/** One ping sample of `p`, ok or failed with `reason`. */
export const pingSample = (ctx: RunContext, p: Pair<BenchNode>, ok: boolean, reason: string): Measurement[] =>
  record(ctx, [
    toRow(sampleContext(ctx, 'ping', p, 1, new Date()), ok ? { metric: 'rtt_median', value: 1, unit: 'ms', status: 'ok' } : failed('rtt_median', 'ms', reason)),
  ]);
