/** `sweep(o)` for scenario scripts: runSweep with the sweep report writer bound. */
import { writeSweepReport } from '../reports/sweep-report.js';
import { runSweep, type SweepOptions, type SweepResult } from './sweep.js';

export function sweep<P>(o: SweepOptions<P>): Promise<SweepResult> {
  return runSweep(o, writeSweepReport);
}
