/** `sweep(o)` for scenario scripts: runSweep with the sweep report writer bound (or the plan only, with --dry-run). */
import { writeSweepRunReport } from '../benchmarks/reports.js';
import { dryRunSweep, isDryRun } from './sweep-plan.js';
import { runSweep, type SweepOptions, type SweepResult } from './sweep.js';

export function sweep<P>(o: SweepOptions<P>): Promise<SweepResult> {
  if (isDryRun(o.params)) return dryRunSweep(o);
  return runSweep(o, writeSweepRunReport);
}
