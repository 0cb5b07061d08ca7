/**
 * `--dry-run` of a sweep: the sweep resolved as for a real one (a bad --resume fails the same way),
 * then each point's plan printed by its own session in dry-run mode, and the total. Nothing is
 * created: no sweep folder, no sweep.json, no run.
 */
import { isDryRun } from './params.js';
import { humanDuration } from './plan.js';
import { checkPoints, planSweep, type SweepOptions, type SweepResult } from './sweep.js';

export { isDryRun };

export async function dryRunSweep<P>(o: SweepOptions<P>): Promise<SweepResult> {
  const { dir, state, fresh } = planSweep(o);
  const todo = await checkPoints(o, state, dir); // a bad point fails before any plan is printed, as in a real sweep
  const w = (s: string) => process.stdout.write(`${s}\n`);
  w(`dry run of the ${o.scenario} sweep: ${state.points.length} points, ${todo.length} to run${fresh ? '' : ` (resuming ${dir})`}; nothing is created`);
  let total = 0;
  let i = 0;
  for (const pt of todo) {
    w('');
    w(`point ${++i} of ${todo.length}: ${pt.key}`);
    const r = await o.runPoint(pt.point, { runId: 'dry-run', resultsDir: dir });
    total += r.plan?.totalS ?? 0;
  }
  w('');
  w(`sweep estimate: about ${humanDuration(total)} for ${todo.length} point${todo.length === 1 ? '' : 's'}`);
  return { sweepDir: dir, state, status: 'ok', reportPath: null };
}
